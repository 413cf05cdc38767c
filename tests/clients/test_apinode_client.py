"""dataikuapi.APINodeClient, unchanged, against the mock of specs/dataiku-apinode.yaml."""

from __future__ import annotations

from collections.abc import Callable

import dataikuapi
import pytest
import requests
from dataikuapi.utils import DataikuException


@pytest.fixture(scope="module")
def base_url(serve_specs: Callable[..., str]) -> str:
    return serve_specs("dataiku-apinode.yaml")


@pytest.fixture(scope="module")
def client(base_url: str) -> dataikuapi.APINodeClient:
    return dataikuapi.APINodeClient(base_url, "churn-scoring", api_key="secret-key")


def test_predict_record_returns_the_documented_prediction(client: dataikuapi.APINodeClient) -> None:
    answer = client.predict_record("predict-churn", {"customer_id": 2136, "payment_type": "CB"},
                                   with_explanations=True, explanation_method="ICE", n_explanations=4)
    assert answer["result"]["prediction"] == "FRAUDULENT"
    assert answer["result"]["probas"] == {"FRAUDULENT": 0.878, "NOT_FRAUDULENT": 0.122}


def test_predict_records_returns_one_result_per_record(client: dataikuapi.APINodeClient) -> None:
    answer = client.predict_records("predict-churn", [{"features": {"customer_id": 2136}},
                                                      {"features": {"customer_id": 1235}, "context": {"a": 1}}])
    assert [r["prediction"] for r in answer["results"]] == ["FRAUDULENT", "OK"]


def test_run_function(client: dataikuapi.APINodeClient) -> None:
    answer = client.run_function("simple_sum", param1=30, param2=12)
    assert answer["response"] == 42
    assert answer["apiContext"]["endpointId"] == "simple_sum"


def test_sql_query(client: dataikuapi.APINodeClient) -> None:
    answer = client.sql_query("simple_filter", {"param1": 60, "param2": "female"})
    result = answer["results"][0]
    assert [c["name"] for c in result["columns"]] == ["PassengerId", "Name", "Age", "Survived"]
    assert result["rows"][0][1] == "Andrews, Miss. Kornelia Theodosia"


def test_lookup_record_and_records(client: dataikuapi.APINodeClient) -> None:
    one = client.lookup_record("passenger_info", {"PassengerId": 42})
    assert one["data"]["Name"].startswith("Turpin") and one["ignored"] is False
    many = client.lookup_records("passenger_info", [{"data": {"id_key": 42}}, {"data": {"id_key": 24}}])
    assert [r["data"]["id_key"] for r in many["results"]] == ["42", "24"]


def test_get_variants_and_request_matching(base_url: str) -> None:
    python = requests.get(f"{base_url}/public/api/v1/python_svc/simple_sum/run/?param1=30&param2=12",
                          auth=("k", ""), timeout=5)
    r_stats = requests.get(f"{base_url}/public/api/v1/rstats_svc/simple_avg/run/?param1=100&param2=20&param3=6",
                           auth=("k", ""), timeout=5)
    assert python.json()["apiContext"]["serviceId"] == "python_svc"
    assert r_stats.json()["apiContext"]["serviceId"] == "rstats_svc"
    assert python.headers["DSS-API-Version"] and python.headers["DSS-Version"]
    lookup = requests.get(f"{base_url}/public/api/v1/lookup_svc/passenger_info/lookup-simple?id_key=42",
                          auth=("k", ""), timeout=5)
    assert lookup.json()["results"][0]["data"]["PassengerId"] == "42"


def test_errors_reach_the_client_in_the_dss_error_model(base_url: str, client: dataikuapi.APINodeClient) -> None:
    with pytest.raises(DataikuException, match=r"BadRequestException.*/items/0/features"):
        client.predict_records("predict-churn", [{"features": 3}])
    with pytest.raises(DataikuException, match="UnauthorizedException"):
        dataikuapi.APINodeClient(base_url, "churn-scoring").predict_record("predict-churn", {"a": 1})
    missing = requests.get(f"{base_url}/public/api/v1/s/e/lookup-simple", auth=("k", ""), timeout=5)
    assert missing.status_code == 400 and "id_key" in missing.json()["message"]
