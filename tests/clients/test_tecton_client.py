"""tecton_client (sync and async), unchanged, against the mock of specs/tecton.yaml; ingest and SCIM with httpx."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest
from tecton_client import AsyncTectonClient, MetadataOptions, RequestOptions, TectonClient
from tecton_client.exceptions import BadRequestError, NotFoundError, UnauthorizedError

SERVICE = "fraud_detection_feature_service"
USER = "C1000262126"
KEY = {"Authorization": "Tecton-key 3f9c1e7a5b2d4c8e9f0a6b1d2c3e4f5a"}
ALL_METADATA = MetadataOptions(include_names=True, include_data_types=True, include_effective_times=True,
                               include_slo_info=True, include_serving_status=True,
                               include_feature_descriptions=True, include_feature_tags=True)


@pytest.fixture(scope="module")
def base_url(serve_specs: Callable[..., str]) -> str:
    return serve_specs("tecton.yaml")


@pytest.fixture(scope="module")
def client(base_url: str) -> TectonClient:
    return TectonClient(base_url, api_key="3f9c1e7a5b2d4c8e9f0a6b1d2c3e4f5a", default_workspace_name="prod")


def test_get_features_with_every_metadata_option(client: TectonClient) -> None:
    answer = client.get_features(feature_service_name=SERVICE, join_key_map={"user_id": USER},
                                 request_context_map={"amt": 92.5}, metadata_options=ALL_METADATA,
                                 request_options=RequestOptions(read_from_cache=False, latency_budget_ms=200))
    features = answer.get_features_dict()
    assert features["user_transaction_amount_metrics.amt_sum_1h_10m"] == 92.5
    # int64 features travel as strings; the client converts them with the dataType metadata
    assert features["user_distinct_merchant_transaction_count_30d.distinct_merchant_transaction_count_30d"] == 41
    assert len(features["user_transaction_counts.transaction_id_last_3_1d_1d"]) == 3  # type: ignore[arg-type]
    assert answer.slo_info is not None and answer.slo_info.slo_eligible
    assert answer.slo_info.store_response_size_bytes == 21480


def test_get_feature_service_metadata(client: TectonClient) -> None:
    metadata = client.get_feature_service_metadata(feature_service_name=SERVICE)
    assert [key["name"] for key in metadata.input_join_keys or []] == ["user_id", "merchant"]
    assert [key["name"] for key in metadata.input_request_context_keys or []] == ["amt"]
    assert len(metadata.feature_values) == 12
    assert metadata.feature_values[-1]["dataType"] == {"type": "array", "elementType": {"type": "string"}}


def test_async_client(base_url: str) -> None:
    async def scenario() -> tuple[list[object], int]:
        async_client = AsyncTectonClient(base_url, api_key="k3y", default_workspace_name="prod")
        features = await async_client.get_features(feature_service_name=SERVICE, join_key_map={"user_id": USER})
        metadata = await async_client.get_feature_service_metadata(feature_service_name=SERVICE, workspace_name="prod")
        return list(features.result.features), len(metadata.feature_values)

    values, outputs = asyncio.run(scenario())
    assert values[0] is True and values[4] == "41"
    assert outputs == len(values) == 12


def test_the_documented_example_is_answered_to_the_documented_request(client: TectonClient) -> None:
    answer = client.get_features(feature_service_name=SERVICE, join_key_map={"user_id": "A123", "ad_id": "5417"},
                                 request_context_map={"amount": 500}, metadata_options=MetadataOptions(
                                     include_slo_info=True, include_effective_times=True, include_names=True,
                                     include_data_types=True, include_serving_status=True))
    assert answer.result.features[4] == "669"
    assert answer.metadata is not None and answer.metadata["features"][1]["status"] == "MISSING_DATA"


def test_errors_reach_the_client_as_its_exceptions(base_url: str, client: TectonClient) -> None:
    with pytest.raises(BadRequestError, match=r"400 .*joinKeyMap/user_id"):
        client.get_features(feature_service_name=SERVICE, join_key_map={"user_id": 1.5})

    def without_key(request: httpx.Request) -> httpx.Request:
        del request.headers["Authorization"]
        return request

    anonymous = TectonClient(base_url, api_key="k3y", default_workspace_name="prod",
                             client=httpx.Client(auth=without_key))
    with pytest.raises(UnauthorizedError, match="401 UNAUTHORIZED: missing or malformed credential"):
        anonymous.get_feature_service_metadata(feature_service_name=SERVICE)
    not_found = TectonClient(base_url, api_key="k3y", default_workspace_name="prod",
                             client=httpx.Client(headers={"Prefer": "code=404"}))
    with pytest.raises(NotFoundError, match="Unable to find FeatureService"):
        not_found.get_feature_service_metadata(feature_service_name=SERVICE)


def test_error_body_is_tectons_error_model(base_url: str) -> None:
    answer = httpx.post(f"{base_url}/api/v1/feature-service/get-features", headers=KEY,
                        json={"params": {"featureServiceName": SERVICE}})
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == 3 and "workspaceName" in body["message"]
    unauthenticated = httpx.post(f"{base_url}/api/v1/feature-service/metadata",
                                 json={"params": {"workspaceName": "prod", "featureServiceName": SERVICE}})
    assert unauthenticated.status_code == 401 and unauthenticated.json()["code"] == 16


def test_batch_and_v2_endpoints(base_url: str) -> None:
    entry = {"joinKeyMap": {"user_id": USER}, "requestContextMap": {"amt": 92.5}}
    batch = httpx.post(f"{base_url}/api/v1/feature-service/get-features-batch", headers=KEY,
                       json={"params": {"workspaceName": "prod", "featureServiceName": SERVICE,
                                        "requestData": [entry, entry]}})
    assert batch.status_code == 200
    assert len(batch.json()["result"]) == 2 and len(batch.json()["metadata"]["sloInfo"]) == 2
    too_many = httpx.post(f"{base_url}/api/v1/feature-service/get-features-batch", headers=KEY,
                          json={"params": {"workspaceName": "prod", "featureServiceName": SERVICE,
                                           "requestData": [entry] * 11}})
    assert too_many.status_code == 400 and "requestData" in too_many.json()["message"]
    v2 = f"{base_url}/api/v2/workspaces/prod/feature-services/{SERVICE}"
    features = httpx.post(f"{v2}/get-features", json={"params": {"joinKeyMap": {"user_id": USER}}},
                          headers={"Authorization": "Bearer eyJhbGciOiJSUzI1NiJ9.service-account-token"})
    assert features.status_code == 200 and features.json()["result"]["features"][4] == "41"
    metadata = httpx.get(f"{v2}/metadata", headers=KEY)
    assert metadata.json()["featureServiceType"] == "DEFAULT"


def test_stream_ingest(base_url: str) -> None:
    record = {"record": {"timestamp": "2026-11-20T09:15:02Z", "user_id": USER, "amt": 92.5}}
    answer = httpx.post(f"{base_url}/ingest", headers=KEY, json={
        "workspaceName": "prod", "dryRun": False, "records": {"transactions_push_source": [record]}})
    assert answer.status_code == 200
    metrics = answer.json()["ingestMetrics"]["featureViewIngestMetrics"]
    assert metrics[0]["featureViewName"] == "user_transaction_amount_metrics"
    too_many = httpx.post(f"{base_url}/ingest", headers=KEY, json={
        "workspaceName": "prod", "dryRun": True, "records": {"transactions_push_source": [record] * 11}})
    assert too_many.status_code == 400
    assert too_many.json()["requestError"]["errorType"] == "RequestValidationError"


def test_scim_users(base_url: str) -> None:
    scim = f"{base_url}/api/scim/v2"
    user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ana@example.com",
            "name": {"familyName": "Lopez", "givenName": "Ana"}, "active": True,
            "emails": [{"type": "work", "primary": True, "value": "ana@example.com"}]}
    created = httpx.post(f"{scim}/Users", json=user, headers=KEY)
    assert created.status_code == 201
    user_id = created.json()["id"]
    assert httpx.get(f"{scim}/Users/{user_id}", headers=KEY).json()["userName"] == "ana@example.com"
    listed = httpx.get(f"{scim}/Users", params={"filter": 'userName eq "ana@example.com"', "startIndex": 1},
                       headers=KEY).json()
    assert listed["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"] and listed["totalResults"] == 1
    assert httpx.delete(f"{scim}/Users/{user_id}", headers=KEY).status_code == 204
    bad = httpx.post(f"{scim}/Users", json={**user, "userName": "ana"}, headers=KEY)
    assert bad.status_code == 400
    error = bad.json()
    assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert error["status"] == "400" and "userName" in error["detail"]
    unauthorized = httpx.get(f"{scim}/Groups")
    assert unauthorized.status_code == 401 and unauthorized.json()["status"] == "401"


def test_scim_groups_and_service_accounts(base_url: str) -> None:
    scim = f"{base_url}/api/scim/v2"
    group = httpx.post(f"{scim}/Groups", headers=KEY, json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "fraud-ml-engineers"})
    assert group.status_code == 201 and group.json()["displayName"] == "fraud-ml-engineers"
    account = httpx.post(f"{scim}/ServiceAccounts", headers=KEY, json={
        "schemas": ["urn:ietf:params:scim:schemas:extension:tecton:1.0:ServiceAccount"],
        "name": "fraud-scoring-service", "active": True})
    assert account.status_code == 201 and account.json()["apiKey"]
    bad_order = httpx.get(f"{scim}/ServiceAccounts", params={"sortOrder": "up"}, headers=KEY)
    assert bad_order.status_code == 400 and bad_order.json()["scimType"] == "invalidFilter"


def test_secrets_and_scope_roles(base_url: str) -> None:
    secret = f"{base_url}/api/v1/secrets-service/scopes/my-secret-scope/keys/redis_password"
    assert httpx.put(secret, json={"value": "shhh"}, headers=KEY).json() == {}
    assert httpx.delete(secret, headers=KEY).status_code == 200
    assignment = {"principal_type": "PRINCIPAL_TYPE_WORKSPACE", "principal_id": "prod",
                  "resource_type": "RESOURCE_TYPE_SECRET_SCOPE", "resource_id": "my-secret-scope",
                  "role": "read_scope_role"}
    service = f"{base_url}/api/v1/authorization-service"
    assert httpx.post(f"{service}/assign-roles", json={"assignments": [assignment]}, headers=KEY).json() == {}
    roles = httpx.post(f"{service}/get-assigned-roles", headers=KEY, json={
        "principalType": "PRINCIPAL_TYPE_WORKSPACE", "principalId": "prod",
        "resourceType": "RESOURCE_TYPE_SECRET_SCOPE"})
    assert roles.json()["assignments"][0]["resource_id"] == "my-secret-scope"
    wrong = httpx.post(f"{service}/unassign-roles", headers=KEY,
                       json={"assignments": [{**assignment, "principal_type": "PRINCIPAL_TYPE_ROBOT"}]})
    assert wrong.status_code == 400 and wrong.json()["code"] == 3
