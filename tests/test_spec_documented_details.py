"""Details the vendors' documents state, checked through the mock: what a request must carry, and where the
spec names what is not from the document."""

from __future__ import annotations

from mockserver import create_app

from .conftest import SPECS

TECTON = {"Authorization": "Tecton-key 3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e"}


def test_tecton_get_assigned_roles_requires_what_the_document_does_not_mark_optional() -> None:
    client = create_app([SPECS / "tecton.yaml"]).test_client()
    url = "/api/v1/authorization-service/get-assigned-roles"
    # the document's sample (snake_case), and the same in the schema's camelCase
    sample = {"principal_type": "PRINCIPAL_TYPE_SERVICE_ACCOUNT", "principal_id": "service-account-id",
              "resource_type": "RESOURCE_TYPE_SECRET_SCOPE"}
    assert client.post(url, json=sample, headers=TECTON).status_code == 200
    camel = {"principalType": "PRINCIPAL_TYPE_USER", "principalId": "ada@example.com",
             "resourceType": "RESOURCE_TYPE_SECRET_SCOPE", "resourceIds": ["fraud-scope"]}
    assert client.post(url, json=camel, headers=TECTON).status_code == 200
    for missing in ("principal_type", "principal_id", "resource_type"):
        trimmed = {k: v for k, v in sample.items() if k != missing}
        assert client.post(url, json=trimmed, headers=TECTON).status_code == 400, missing
    principals = "/api/v1/authorization-service/get-assigned-principals"
    assert client.post(principals, json={"resource_type": "RESOURCE_TYPE_SECRET_SCOPE"},
                       headers=TECTON).status_code == 400  # resource_id is not optional


def test_guesses_are_named_in_the_specs_descriptions() -> None:
    dss = (SPECS / "dataiku-dss.yaml").read_text()
    assert "## Not from the document" in dss and "createProject's answer body" in dss and "UNHEALTHY" in dss
    tecton = (SPECS / "tecton.yaml").read_text()
    assert "## Not from the document" in tecton
    for guess in ("authorization-service", "tecton:1.0:ServiceAccount"):
        assert guess in tecton.split("## Not from the document", 1)[1].split("\n    ## ", 1)[0], guess
    featurebase = (SPECS / "featurebase.yaml").read_text()
    assert "## Not from the document" in featurebase
    section = featurebase.split("## Not from the document", 1)[1].split("\n    ## ", 1)[0]
    assert "backup" in section and "database_options" in section


def test_dss_infra_and_deployment_ids_follow_one_rule_at_both_deployers() -> None:
    """An id one deployer accepts, the other accepts too: with a rule at the API deployer only, the project
    deployer created an infra "·" that the API deployer's ``.../infras/{infraId}/settings`` refused, and
    ``apitwin verify --against-mock`` (a link schemathesis infers between the two) failed on the shipped spec."""
    client = create_app([SPECS / "dataiku-dss.yaml"]).test_client()
    auth = {"Authorization": "Bearer dss-key"}
    for deployer in ("api-deployer", "project-deployer"):
        settings = client.get(f"/public/api/{deployer}/infras/%C2%B7/settings", headers=auth)
        assert settings.status_code == 400 and "infraId" in settings.get_data(as_text=True), deployer
        deployment = client.get(f"/public/api/{deployer}/deployments/%C2%B7/settings", headers=auth)
        assert deployment.status_code == 400 and "deploymentId" in deployment.get_data(as_text=True), deployer
    refused = client.post("/public/api/project-deployer/infras", json={"id": "\u00b7", "stage": "Production"},
                          headers=auth)
    assert refused.status_code == 400 and "/id" in refused.get_data(as_text=True)
    accepted = client.post("/public/api/project-deployer/infras", json={"id": "prod-2.eu_west", "stage": "Production"},
                           headers=auth)
    assert accepted.status_code == 200
