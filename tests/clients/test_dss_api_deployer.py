"""dataikuapi.DSSClient, unchanged, against the mock: the API deployer.

specs/dataiku-dss/api-deployer.yaml (operations from the client, not in the document). The
deployer deploys the API node's service churn-scoring (specs/dataiku-apinode.yaml).
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests
from dataikuapi import DSSClient
from dataikuapi.dss.apideployer import DSSAPIDeployer, DSSAPIDeployerDeployment
from dataikuapi.utils import DataikuException

from ..conftest import SPECS, free_port, wait_until_healthy
from .conftest import DSS_API_KEY


@pytest.fixture(scope="module")
def deployer(dss: DSSClient) -> DSSAPIDeployer:
    return dss.get_apideployer()


def version_zip() -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("service.json", json.dumps({"serviceId": "churn-scoring", "packageId": "v3"}))
    buf.seek(0)
    return buf


# ---------------------------------------------------------------- infras


def test_stages(deployer: DSSAPIDeployer) -> None:
    assert [s["id"] for s in deployer.list_stages()] == ["Development", "Test", "Production"]


def test_list_infras(deployer: DSSAPIDeployer) -> None:
    assert [i.id for i in deployer.list_infras()] == ["prod-apinodes", "staging-k8s"]
    raw = deployer.list_infras(as_objects=False)
    assert raw[0]["infraBasicInfo"]["type"] == "STATIC"


def test_infra_status_lists_its_deployments(deployer: DSSAPIDeployer) -> None:
    status = deployer.get_infra("prod-apinodes").get_status()
    assert [d.id for d in status.get_deployments()] == ["churn-scoring-on-prod"]
    assert status.get_raw()["infraBasicInfo"]["stage"] == "Production"


def test_infra_settings_add_and_remove_api_nodes(deployer: DSSAPIDeployer) -> None:
    settings = deployer.get_infra("prod-apinodes").get_settings()
    assert settings.get_type() == "STATIC"
    settings.add_apinode("https://apinode-prod-3.example.com:12000", "Nc4wP9kLz2QxT7bV1mHs6RdY3gJf8EaK")
    assert len(settings.get_raw()["apiNodes"]) == 3
    settings.remove_apinode("https://apinode-prod-1.example.com:12000")
    settings.save()


def test_create_and_delete_infra(deployer: DSSAPIDeployer) -> None:
    infra = deployer.create_infra("staging-k8s", "Test", "K8S", govern_check_policy="WARN")
    assert infra.id == "staging-k8s"
    assert infra.get_settings().get_type() == "K8S"
    infra.delete()


def test_create_infra_of_an_unknown_type_is_a_400(deployer: DSSAPIDeployer) -> None:
    with pytest.raises(DataikuException, match="IllegalArgumentException"):
        deployer.create_infra("edge", "Test", "RASPBERRY")


# ---------------------------------------------------------------- services and versions


def test_services_and_their_versions(deployer: DSSAPIDeployer) -> None:
    assert [s.id for s in deployer.list_services()] == ["churn-scoring"]
    status = deployer.get_service("churn-scoring").get_status()
    assert [v["id"] for v in status.get_versions()] == ["v1", "v2"]
    assert [d.id for d in status.get_deployments()] == ["churn-scoring-on-prod"]
    assert status.get_deployments(infra_id="staging-k8s") == []
    assert deployer.list_services(as_objects=False)[0]["packages"][1]["designNodeInfo"]["projectKey"] == "CHURN"


def test_service_settings(deployer: DSSAPIDeployer) -> None:
    settings = deployer.get_service("churn-scoring").get_settings()
    permissions = settings.get_raw()["permissions"]
    assert permissions[0]["group"] == "data_scientists"
    permissions[1]["deploy"] = True
    settings.save()


def test_create_service_import_download_and_delete_versions(deployer: DSSAPIDeployer, tmp_path: Path) -> None:
    service = deployer.create_service("upsell-scoring")
    assert service.id == "upsell-scoring"
    churn = deployer.get_service("churn-scoring")
    churn.import_version(version_zip())  # multipart, part `file`
    with churn.get_version_stream("v2") as stream:
        body = stream.content
    assert body.startswith(b"PK\x03\x04") and b"churn-scoring" in body
    target = tmp_path / "v2.zip"
    churn.download_version_to_file("v2", str(target))
    assert target.read_bytes() == body
    churn.delete_version("v1")
    service.delete()


def test_import_version_without_the_file_part_is_a_400(dss_url: str) -> None:
    answer = requests.post(f"{dss_url}/dip/publicapi/api-deployer/services/churn-scoring/versions",
                           auth=(DSS_API_KEY, ""), files={"archive": ("v3.zip", version_zip(), "application/zip")},
                           timeout=10)
    assert answer.status_code == 400 and "file" in answer.json()["message"]


# ---------------------------------------------------------------- deployments


def test_list_deployments(deployer: DSSAPIDeployer) -> None:
    assert [d.id for d in deployer.list_deployments()] == ["churn-scoring-on-prod"]
    raw = deployer.list_deployments(as_objects=False)
    assert raw[0]["deploymentBasicInfo"]["generationsMapping"]["generation"] == "v2"


def test_deployment_status_light_and_heavy(deployer: DSSAPIDeployer) -> None:
    status = deployer.get_deployment("churn-scoring-on-prod").get_status()
    assert status.get_light()["deploymentBasicInfo"]["enabled"] is True
    assert status.get_health() == "HEALTHY"
    assert status.get_health_messages()["messages"] == []
    # the URLs a caller of the API node uses (specs/dataiku-apinode.yaml: /public/api/v1/{serviceId}/...)
    assert status.get_service_urls() == ["https://apinode-prod-1.example.com:12000/public/api/v1/churn-scoring",
                                         "https://apinode-prod-2.example.com:12000/public/api/v1/churn-scoring"]


def test_deployment_behind_a_public_url(deployer: DSSAPIDeployer) -> None:
    status = deployer.get_deployment("churn-scoring-on-staging").get_status()
    assert status.get_service_urls() == ["https://churn-scoring.staging.example.com/public/api/v1/churn-scoring"]


def test_governance_status(deployer: DSSAPIDeployer) -> None:
    deployment = deployer.get_deployment("churn-scoring-on-prod")
    assert deployment.get_governance_status()["success"] is True
    assert deployment.get_governance_status("v1")["messages"][0]["code"] == "ERR_GOVERN_NOT_GOVERNED"


def test_create_deployment_and_roll_it_out(deployer: DSSAPIDeployer) -> None:
    deployment = deployer.create_deployment("churn-scoring-on-staging", "churn-scoring", "staging-k8s", "v2",
                                            authorizations_to_query_through_deployer=[
                                                {"group": "data_scientists", "queryThroughDeployer": True}])
    assert isinstance(deployment, DSSAPIDeployerDeployment)
    future = deployment.start_update()
    assert future.job_id == "apideployupdate-churn-scoring-on-prod"
    assert future.wait_for_result() is not None or future.state["hasResult"] is True


def test_deployment_settings_single_version_and_enabled(deployer: DSSAPIDeployer) -> None:
    settings = deployer.get_deployment("churn-scoring-on-prod").get_settings()
    assert settings.get_raw()["generationsMapping"] == {"mode": "SINGLE_GENERATION", "generation": "v2"}
    settings.set_single_version("v1")
    settings.set_enabled(True)
    settings.save()
    settings.save(ignore_warnings=True)


def test_delete_an_enabled_deployment_needs_disable_first(deployer: DSSAPIDeployer) -> None:
    deployment = deployer.get_deployment("churn-scoring-on-prod")
    with pytest.raises(Exception, match="must be disabled first"):  # the client's own check on the light status
        deployment.delete()
    deployment.delete(disable_first=True, ignore_pre_delete_errors=True)  # saves enabled=false, then DELETE


def test_open_api_of_a_deployment(deployer: DSSAPIDeployer) -> None:
    open_api = deployer.get_deployment("churn-scoring-on-prod").get_open_api()
    assert open_api.get()["info"]["title"] == "churn-scoring"
    assert json.loads(open_api.get_raw())["openapi"].startswith("3.")


def test_run_queries_and_test_queries(deployer: DSSAPIDeployer) -> None:
    deployment = deployer.get_deployment("churn-scoring-on-prod")
    queries = [{"q": {"features": {"tenure_months": 4, "plan": "monthly", "support_calls": 6}}}]
    tested = deployment.run_test_queries(endpoint_id="predict-churn", test_queries=queries)
    assert tested["responses"][0]["response"]["result"]["prediction"] == "true"
    assert deployment.run_test_queries()["endpointId"] == "predict-churn"
    ran = deployment.run_queries(queries, endpoint_id="predict-churn")
    assert ran["responses"][0]["status"] == 200


def test_run_queries_without_queries_is_a_400(dss_url: str) -> None:
    url = f"{dss_url}/dip/publicapi/api-deployer/deployments/churn-scoring-on-prod/actions/run-queries"
    answer = requests.post(url, auth=(DSS_API_KEY, ""), timeout=10)
    assert answer.status_code == 400 and answer.json()["errorType"].endswith("IllegalArgumentException")


def test_deployment_updates(deployer: DSSAPIDeployer) -> None:
    deployment = deployer.get_deployment("churn-scoring-on-prod")
    updates = deployment.list_updates()
    assert [(u.type, u.status) for u in updates] == [("UPDATE", "SUCCESS"), ("CREATE", "SUCCESS")]
    full = updates[0].get_full_update()
    assert full.requester == "admin" and full.logs is not None and "v2 loaded" in full.logs[-1]
    last = deployment.get_update()
    assert (last.start_time, last.status) == (1795166100000, "SUCCESS")
    assert deployment.get_update(timestamp="1795166100000").end_time == 1795166138120


# ---------------------------------------------------------------- stateful mode


def test_deployment_lifecycle_in_stateful_mode(dss_stateful: DSSClient) -> None:
    deployer = dss_stateful.get_apideployer()
    deployment = deployer.create_deployment("churn-scoring-on-dev", "churn-scoring", "prod-apinodes", "v1")
    assert "churn-scoring-on-dev" in [d.id for d in deployer.list_deployments()]
    settings = deployment.get_settings()
    settings.set_single_version("v2")
    settings.save()
    assert deployment.get_settings().get_raw()["generationsMapping"]["generation"] == "v2"
    deployment.delete(disable_first=True)
    assert "churn-scoring-on-dev" not in [d.id for d in deployer.list_deployments()]
    with pytest.raises(DataikuException, match="NotFoundException"):
        deployment.get_status()


def test_infra_settings_are_remembered_in_stateful_mode(dss_stateful: DSSClient) -> None:
    infra = dss_stateful.get_apideployer().get_infra("prod-apinodes")
    settings = infra.get_settings()
    settings.add_apinode("https://apinode-prod-3.example.com:12000", "Nc4wP9kLz2QxT7bV1mHs6RdY3gJf8EaK")
    settings.save()
    assert [n["url"] for n in infra.get_settings().get_raw()["apiNodes"]][-1] == \
        "https://apinode-prod-3.example.com:12000"


def test_infra_and_service_lifecycle_in_stateful_mode(dss_stateful: DSSClient) -> None:
    """Light statuses nest their id (infraBasicInfo.id); creation sends it at the top (id, publishedServiceId)."""
    deployer = dss_stateful.get_apideployer()
    infra = deployer.create_infra("edge-static", "Development", "STATIC")
    assert [i.id for i in deployer.list_infras()] == ["prod-apinodes", "staging-k8s", "edge-static"]
    assert infra.get_status().get_raw()["infraBasicInfo"]["stage"] == "Development"
    infra.delete()
    assert "edge-static" not in [i.id for i in deployer.list_infras()]
    with pytest.raises(DataikuException, match="NotFoundException"):
        infra.get_status()
    service = deployer.create_service("upsell-scoring")
    assert [s.id for s in deployer.list_services()] == ["churn-scoring", "upsell-scoring"]
    assert service.get_status().get_raw()["serviceBasicInfo"]["id"] == "upsell-scoring"
    service.delete()
    assert [s.id for s in deployer.list_services()] == ["churn-scoring"]


def test_version_download_in_stateful_mode(dss_stateful: DSSClient) -> None:
    """A version package is a zip nothing lists as JSON: stateful mode serves it as documented."""
    churn = dss_stateful.get_apideployer().get_service("churn-scoring")
    churn.import_version(version_zip())
    with churn.get_version_stream("v2") as stream:
        assert stream.content.startswith(b"PK\x03\x04")


def test_deploy_through_apitwin_serve_stateful_with_two_workers(tmp_path: Path) -> None:
    """The path a user takes: `apitwin serve --stateful` (gunicorn, two workers sharing the state), then the client."""
    port = free_port()
    exe = Path(sys.executable).parent / "apitwin"
    proc = subprocess.Popen([str(exe), "serve", str(SPECS / "dataiku-dss.yaml"), "--port", str(port), "--workers", "2",
                             "--stateful", "--state-file", str(tmp_path / "state.sqlite"), "--no-reload"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", proc, "apitwin serve")
        deployer = DSSClient(f"http://127.0.0.1:{port}", api_key=DSS_API_KEY).get_apideployer()
        deployer.create_infra("edge-static", "Development", "STATIC")
        deployment = deployer.create_deployment("churn-scoring-on-edge", "churn-scoring", "edge-static", "v2")
        for _ in range(4):  # whichever worker answers, it reads the one shared state
            assert "edge-static" in [i.id for i in deployer.list_infras()]
            assert deployment.get_status().get_light()["deploymentBasicInfo"]["infraId"] == "edge-static"
        deployment.delete(disable_first=True)
        assert "churn-scoring-on-edge" not in [d.id for d in deployer.list_deployments()]
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err
