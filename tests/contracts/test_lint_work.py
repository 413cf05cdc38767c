"""How `apitwin lint` does its work (not what it finds: test_lint_golden): the collector paused per spec, the
schema compiler built only for a spec with examples."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contracts import lint_rules
from contracts.lint import lint
from contracts.lint_rules import ERROR, RULES, Rule, RuleContext
from mockserver.spec import SchemaCompiler

from ..mockserver.conftest import make_spec, write_spec


def test_the_collector_is_paused_while_a_spec_is_linted_and_restored_after(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    def check(ctx: RuleContext) -> Iterator[tuple[str, str]]:
        seen.append(gc.isenabled())
        yield from ()

    for name in list(RULES):
        monkeypatch.delitem(RULES, name)
    monkeypatch.setitem(RULES, "probe", Rule("probe", ERROR, "records the collector", check))
    spec = write_spec(tmp_path, make_spec())
    assert gc.isenabled()
    lint([spec, spec])
    assert seen == [False, False]
    assert gc.isenabled()
    gc.disable()
    try:
        lint([spec])
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_the_schema_compiler_is_built_only_for_a_spec_with_examples(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []

    class Counting(SchemaCompiler):
        def __init__(self, document: dict[str, Any]) -> None:
            built.append(str(document["info"]))
            super().__init__(document)

    monkeypatch.setattr(lint_rules, "SchemaCompiler", Counting)
    with_examples = make_spec()
    without = make_spec()
    del without["paths"]["/items/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["examples"]
    lint([write_spec(tmp_path, with_examples, "with.yaml"), write_spec(tmp_path, without, "without.yaml")])
    assert built == [str(with_examples["info"])]
