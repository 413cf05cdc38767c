"""Fixtures for the official clients pointed at the mocks of specs/."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from dataikuapi import DSSClient
from dataikuapi.dss.project import DSSProject

#: the API key the DSS tests send (HTTP basic, key as user name)
DSS_API_KEY = "dkuaps-mHq2TnK8cS1vW4xYb7zR0pLe"


@pytest.fixture(scope="session")
def dss(serve_specs: Callable[..., str]) -> DSSClient:
    """`dataikuapi.DSSClient` pointed at the mock of specs/dataiku-dss.yaml (prefix /dip/publicapi)."""
    return DSSClient(serve_specs("dataiku-dss.yaml"), api_key=DSS_API_KEY)


@pytest.fixture(scope="session")
def dss_url(serve_specs: Callable[..., str]) -> str:
    """Base URL of the DSS mock (append /public/api or /dip/publicapi)."""
    return serve_specs("dataiku-dss.yaml")


@pytest.fixture(scope="session")
def project(dss: DSSClient) -> DSSProject:
    """The project CHURN, the world every DSS example describes."""
    return dss.get_project("CHURN")


@pytest.fixture(scope="session")
def dss_stateful(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DSSClient]:
    """`dataikuapi.DSSClient` pointed at a stateful mock of specs/dataiku-dss.yaml (its own state file)."""
    from mockserver import MockConfig, create_app, running

    from ..conftest import SPECS

    state = tmp_path_factory.mktemp("dss-state") / "state.sqlite"
    app = create_app([SPECS / "dataiku-dss.yaml"], MockConfig(stateful=True, state=str(state)))
    with running(app) as url:
        yield DSSClient(url, api_key=DSS_API_KEY)
