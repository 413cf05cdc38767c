"""`apitwin verify --against-mock` is clean for every shipped spec: specs, examples and mock agree.

Bounded: a few examples per operation, a fixed seed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.reports import render_scorecard
from contracts.verify import VerifyOptions, verify_against_mock

from ..conftest import SPECS

SHIPPED = sorted(SPECS.glob("*.yaml"))


@pytest.mark.slow
@pytest.mark.parametrize("spec", SHIPPED, ids=lambda p: p.stem)
def test_verify_against_the_mock_is_clean(spec: Path) -> None:
    report = verify_against_mock(spec, VerifyOptions(max_examples=3, seed=20261122, request_timeout=10))
    assert report.ok, render_scorecard(report)
    assert report.tested == len(report.operations) > 0
