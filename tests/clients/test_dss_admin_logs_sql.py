"""dataikuapi.DSSClient, unchanged, against the mock: instance logs and SQL queries
(specs/dataiku-dss/admin-logs-sql.yaml).

The last test checks that the module reached every operation of the family file.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from dataikuapi import DSSClient
from dataikuapi.utils import DataikuException

from .conftest import DSS_API_KEY
from .dss_admin import OperationLog, recording_client

QUERY = ("SELECT country, count(*) AS customers, avg(lifetime_value) AS avg_ltv FROM public.customers "
         "GROUP BY country ORDER BY country")


@pytest.fixture(scope="module")
def log() -> OperationLog:
    return OperationLog("admin-logs-sql.yaml")


@pytest.fixture(scope="module")
def dss(serve_specs: Callable[..., str], log: OperationLog) -> DSSClient:
    return recording_client(serve_specs("dataiku-dss.yaml"), log)


def test_list_logs(dss: DSSClient) -> None:
    logs = dss.list_logs()
    assert "backend.log" in logs and all(isinstance(name, str) for name in logs)


def test_get_log_is_parsed_from_json_into_the_text(dss: DSSClient) -> None:
    text = dss.get_log("backend.log")
    assert isinstance(text, str)
    assert "Starting job Build_customers_prepared__NP__2026-11-20T09-15-02.511 in project CHURN" in text
    assert dss.get_log("nginx.log").startswith("10.0.3.17 ")


def test_get_log_answers_json(dss_url: str) -> None:
    answer = requests.get(f"{dss_url}/dip/publicapi/admin/logs/backend.log", auth=(DSS_API_KEY, ""), timeout=10)
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json().endswith("(daily)\n")


def test_sql_query_streams_rows_cast_by_the_schema(dss: DSSClient) -> None:
    query = dss.sql_query(QUERY, connection="pg-main")
    assert query.queryId == "sqlq-Pt3kW9xr"
    assert [c["name"] for c in query.get_schema()] == ["country", "customers", "avg_ltv"]  # a list of columns
    rows = list(query.iter_rows())
    assert rows == [["DE", 1, 2875.25], ["FR", 1, 310.0], ["PT", 1, 1240.5]]  # bigint -> int, double -> float
    assert query.verify() is None


def test_sql_query_on_a_dataset_connection(dss: DSSClient) -> None:
    query = dss.sql_query(QUERY, dataset_full_name="CHURN.customers", pre_queries=["SET statement_timeout = 60000"],
                          project_key="CHURN")
    assert len(list(query.iter_rows())) == 3


def test_sql_query_of_an_unknown_type_is_refused(dss: DSSClient) -> None:
    with pytest.raises(DataikuException, match="type"):
        dss.sql_query(QUERY, connection="pg-main", type="cassandra")


def test_every_operation_of_the_family_is_driven(log: OperationLog) -> None:
    assert log.reached() == log.operations()
    assert len(log.operations()) == 5
