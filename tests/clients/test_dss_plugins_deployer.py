"""dataikuapi.DSSClient, unchanged, against the mock: plugins and the project deployer.

specs/dataiku-dss/plugins.yaml and specs/dataiku-dss/project-deployer.yaml.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import requests
from dataikuapi import DSSClient
from dataikuapi.dss.projectdeployer import DSSProjectDeployer
from dataikuapi.utils import DataikuException

from .conftest import DSS_API_KEY

#: tests that wait on a future need GET /futures/{jobId} (misc.yaml) to answer this
#: family's finished-future examples (components.examples Plugin*Done / ProjectDeployer*Done)


def plugin_zip() -> io.BytesIO:
    """A real plugin archive, as DSS expects it (plugin.json at the root)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("plugin.json", json.dumps({"id": "geoadmin", "version": "1.2.0",
                                                    "meta": {"label": "Geo admin levels"}}))
        archive.writestr("python-lib/geoadmin/__init__.py", "")
    buf.seek(0)
    return buf


def bundle_zip() -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export-manifest.json", json.dumps({"bundleId": "v1", "projectKey": "CHURN"}))
    buf.seek(0)
    return buf


@pytest.fixture(scope="module")
def deployer(dss: DSSClient) -> DSSProjectDeployer:
    return dss.get_projectdeployer()


# ---------------------------------------------------------------- plugins


def test_list_plugins(dss: DSSClient) -> None:
    plugins = dss.list_plugins()
    assert [p["id"] for p in plugins] == ["geoadmin", "mini-audit"]
    assert plugins[0]["isDev"] is True
    assert plugins[0]["meta"]["label"] == "Geo admin levels"


def test_install_plugin_from_archive_sends_a_real_zip_as_multipart(dss: DSSClient) -> None:
    assert dss.install_plugin_from_archive(plugin_zip()) is None


def test_install_plugin_from_archive_answers_the_plugin_descriptor(dss_url: str) -> None:
    answer = requests.post(f"{dss_url}/dip/publicapi/plugins/actions/installFromZip", auth=(DSS_API_KEY, ""),
                           files={"file": ("geoadmin.zip", plugin_zip(), "application/zip")}, timeout=10)
    assert answer.status_code == 200
    assert answer.json()["pluginDesc"]["id"] == "geoadmin"


def test_install_from_zip_without_the_file_part_is_a_400(dss_url: str) -> None:
    answer = requests.post(f"{dss_url}/dip/publicapi/plugins/actions/installFromZip", auth=(DSS_API_KEY, ""),
                           files={"archive": ("geoadmin.zip", plugin_zip(), "application/zip")}, timeout=10)
    assert answer.status_code == 400
    assert "file" in answer.json()["message"]


def test_install_plugin_from_store_and_git_start_futures(dss: DSSClient) -> None:
    store = dss.install_plugin_from_store("geoadmin")
    assert store.job_id == "pluginstore-geoadmin"
    assert store.state is not None and store.state["hasResult"] is False
    git = dss.install_plugin_from_git("git@github.com:dataiku/dss-plugin-geoadmin.git", checkout="v1.2.0")
    assert git.job_id == "plugingit-geoadmin"


def test_plugin_install_futures_reach_their_end_state(dss: DSSClient) -> None:
    result = dss.install_plugin_from_store("geoadmin").wait_for_result()
    assert result["pluginDesc"]["id"] == "geoadmin"
    result = dss.install_plugin_from_git("git@github.com:dataiku/dss-plugin-geoadmin.git").wait_for_result()
    assert result["pluginDesc"]["codeEnvSpec"]["pythonInterpreter"] == "PYTHON311"


def test_plugin_settings_parameter_sets_and_presets(dss: DSSClient) -> None:
    settings = dss.get_plugin("geoadmin").get_settings()
    raw = settings.get_raw()
    assert raw["codeEnvName"] == "plugin_geoadmin_managed"
    assert raw["config"]["defaultCountry"] == "CH"
    assert settings.list_parameter_set_names() == ["boundaries-source"]
    parameter_set = settings.get_parameter_set("boundaries-source")
    assert parameter_set is not None
    assert parameter_set.definable_inline is True and parameter_set.definable_at_project_level is False
    preset = parameter_set.get_preset("swisstopo")
    assert preset is not None
    assert preset.config["timeoutSeconds"] == 30
    assert preset.is_usable_by("data_scientists") is True
    settings.set_code_env("py311_geo")
    settings.save()


def test_plugin_project_level_settings(dss: DSSClient) -> None:
    settings = dss.get_plugin("geoadmin").get_project_settings("CHURN")
    assert [ps.list_preset_names() for ps in settings.list_parameter_sets()] == [["churn-boundaries"]]
    settings.save()


def test_plugin_code_env_futures(dss: DSSClient) -> None:
    plugin = dss.get_plugin("geoadmin")
    assert plugin.create_code_env(python_interpreter="PYTHON311").job_id == "plugincodeenv-create-geoadmin"
    assert plugin.create_code_env().job_id == "plugincodeenv-create-geoadmin"  # pythonInterpreter: null
    assert plugin.update_code_env().job_id == "plugincodeenv-update-geoadmin"


def test_plugin_code_env_futures_reach_their_end_state(dss: DSSClient) -> None:
    plugin = dss.get_plugin("geoadmin")
    assert plugin.create_code_env().wait_for_result()["envName"] == "plugin_geoadmin_managed"
    assert plugin.update_code_env().wait_for_result()["envName"] == "plugin_geoadmin_managed"


def test_create_code_env_with_an_unknown_python_is_a_400(dss: DSSClient) -> None:
    with pytest.raises(DataikuException, match="pythonInterpreter"):
        dss.get_plugin("geoadmin").create_code_env(python_interpreter="PYTHON99")


def test_plugin_updates(dss: DSSClient) -> None:
    plugin = dss.get_plugin("geoadmin")
    plugin.update_from_zip(plugin_zip())
    assert plugin.update_from_store().job_id == "pluginupdstore-geoadmin"
    assert plugin.update_from_git("git@github.com:dataiku/dss-plugin-geoadmin.git").job_id == "pluginupdgit-geoadmin"


def test_plugin_update_futures_reach_their_end_state(dss: DSSClient) -> None:
    plugin = dss.get_plugin("geoadmin")
    assert plugin.update_from_store().wait_for_result()["pluginDesc"]["version"] == "1.2.0"
    assert plugin.update_from_git("git@github.com:dataiku/dss-plugin-geoadmin.git").wait_for_result()[
        "pluginDesc"]["id"] == "geoadmin"


def test_plugin_usages(dss: DSSClient) -> None:
    usages = dss.get_plugin("geoadmin").list_usages(project_key="CHURN")
    assert usages.maybe_used()
    usage = usages.usages[0]
    assert (usage.object_type, usage.object_id, usage.project_key) == ("RECIPE", "compute_customers_geo", "CHURN")
    assert usages.missing_types[0].missing_type == "CustomPython_geoadmin-boundaries"


def test_delete_plugin_starts_a_future(dss: DSSClient) -> None:
    assert dss.get_plugin("geoadmin").delete(force=True).job_id == "plugindelete-geoadmin"


def test_delete_plugin_future_reaches_its_end_state(dss: DSSClient) -> None:
    assert dss.get_plugin("geoadmin").delete().wait_for_result()["success"] is True


def test_dev_plugin_files(dss: DSSClient) -> None:
    plugin = dss.get_plugin("geoadmin")
    files = plugin.list_files()
    assert [f["path"] for f in files] == ["plugin.json", "README.md", "python-lib"]
    assert files[2]["children"][0]["children"][0]["path"] == "python-lib/geoadmin/levels.py"
    with plugin.get_file("plugin.json") as fp:
        assert json.load(fp)["meta"]["label"] == "Geo admin levels"
    with plugin.get_file("python-lib/geoadmin/levels.py") as fp:  # a path with slashes
        assert fp.read().startswith(b"LEVELS = [")
    plugin.put_file("python-lib/geoadmin/levels.py", io.BytesIO(b"LEVELS = ['country']\n"))
    plugin.rename_file("python-lib/geoadmin/levels.py", "admin_levels.py")
    plugin.move_file("python-lib/geoadmin/admin_levels.py", "python-lib/admin_levels.py")


def test_dev_plugin_file_details_folders_and_delete(dss_url: str) -> None:
    base, auth = f"{dss_url}/dip/publicapi/plugins/geoadmin", (DSS_API_KEY, "")
    details = requests.get(f"{base}/details/python-lib/geoadmin/levels.py", auth=auth, timeout=10)
    assert details.json()["lastModified"] == 1795165200000
    assert requests.post(f"{base}/folders/python-lib/geoadmin/resources", auth=auth, timeout=10).status_code == 200
    assert requests.delete(f"{base}/contents/python-lib/geoadmin/levels.py", auth=auth, timeout=10).status_code == 204


def test_dev_plugin_git(dss_url: str) -> None:
    base, auth = f"{dss_url}/dip/publicapi/plugins", (DSS_API_KEY, "")
    created = requests.post(f"{base}/actions/createDev", auth=auth, timeout=10,
                            json={"pluginId": "geoadmin", "creationMode": "EMPTY"})
    assert created.status_code == 204
    bad = requests.post(f"{base}/actions/createDev", auth=auth, timeout=10,
                        json={"pluginId": "geoadmin", "creationMode": "SVN_CHECKOUT"})
    assert bad.status_code == 400 and "creationMode" in bad.json()["message"]
    remote = requests.get(f"{base}/geoadmin/gitRemote", auth=auth, timeout=10).json()
    assert remote["repositoryUrl"] == "git@github.com:dataiku/dss-plugin-geoadmin.git"
    branches = requests.post(f"{base}/geoadmin/gitBranches", auth=auth, timeout=10).json()
    assert branches == ["master", "feature/french-communes"]
    for action in ("push", "pullRebase", "fetch", "resetToLocalHeadState", "resetToRemoteHeadState"):
        assert requests.post(f"{base}/geoadmin/actions/{action}", auth=auth, timeout=10).status_code == 200


def test_download_plugin_is_a_real_zip(dss: DSSClient) -> None:
    response = dss.download_plugin_stream("geoadmin")
    assert response.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == ["README.md", "plugin.json"]
    assert json.loads(archive.read("plugin.json"))["id"] == "geoadmin"


# ---------------------------------------------------------------- project deployer


def test_published_projects(deployer: DSSProjectDeployer) -> None:
    projects = deployer.list_projects()
    assert [p.id for p in projects] == ["CHURN"]
    status = deployer.get_project("CHURN").get_status()
    assert [b["id"] for b in status.get_bundles()] == ["v1", "v2"]
    assert [d.id for d in status.get_deployments()] == ["churn-on-prod"]
    assert [d.id for d in status.get_deployments(infra_id="prod-automation")] == ["churn-on-prod"]
    assert status.get_deployments(infra_id="staging") == []
    assert status.get_infras()[0]["stage"] == "Production"
    raw = deployer.list_projects(as_objects=False)
    assert raw[0]["projectBasicInfo"]["name"] == "Customer churn"


def test_create_and_delete_published_project(deployer: DSSProjectDeployer) -> None:
    project = deployer.create_project("CHURN")
    settings = project.get_settings()
    assert settings.get_raw()["owner"] == "admin"
    assert settings.get_raw()["permissions"][0]["group"] == "data_scientists"
    settings.get_raw()["permissions"].append({"group": "analysts", "read": True})
    settings.save()
    project.delete()


def test_upload_download_and_delete_bundle(deployer: DSSProjectDeployer) -> None:
    deployer.upload_bundle(bundle_zip(), project_key="CHURN")
    deployer.upload_bundle(bundle_zip())
    project = deployer.get_project("CHURN")
    with project.get_bundle_stream("v1") as stream:
        assert stream.headers["Content-Type"] == "application/zip"
        manifest = json.loads(zipfile.ZipFile(io.BytesIO(stream.content)).read("export-manifest.json"))
    assert manifest["projectKey"] == "CHURN" and manifest["bundleId"] == "v1"
    project.delete_bundle("v1")


def test_stages_and_infras(deployer: DSSProjectDeployer) -> None:
    assert [s["id"] for s in deployer.list_stages()] == ["Development", "Test", "Production"]
    infras = deployer.list_infras()
    assert [i.id for i in infras] == ["prod-automation"]
    status = deployer.get_infra("prod-automation").get_status()
    assert [d.id for d in status.get_deployments()] == ["churn-on-prod"]
    assert status.get_raw()["infraBasicInfo"]["stage"] == "Production"


def test_create_infra_settings_and_delete(deployer: DSSProjectDeployer) -> None:
    infra = deployer.create_infra("prod-automation", "Production", govern_check_policy="WARN")
    settings = infra.get_settings()
    raw = settings.get_raw()
    assert raw["automationNodeUrl"] == "https://dss-automation.example.com:11200"
    assert raw["trustAllSSLCertificates"] is True
    raw["trustAllSSLCertificates"] = False
    settings.save()
    infra.delete()


def test_create_infra_with_an_unknown_govern_policy_is_a_400(deployer: DSSProjectDeployer) -> None:
    with pytest.raises(DataikuException, match="governCheckPolicy"):
        deployer.create_infra("prod-automation", "Production", govern_check_policy="SOMETIMES")


def test_deployments(deployer: DSSProjectDeployer) -> None:
    deployments = deployer.list_deployments()
    assert [d.id for d in deployments] == ["churn-on-prod"]
    light = deployer.list_deployments(as_objects=False)[0]
    assert light["deploymentBasicInfo"]["bundleId"] == "v1"
    status = deployer.get_deployment("churn-on-prod").get_status()
    assert status.get_light()["infraBasicInfo"]["id"] == "prod-automation"
    assert status.get_health() == "HEALTHY"
    assert status.get_health_messages()["messages"] == []
    assert status.get_heavy()["monitoring"]["successful"] == ["REBUILD_DAILY", "CHECK_DRIFT"]


def test_create_deployment_settings_update_and_delete(deployer: DSSProjectDeployer) -> None:
    deployment = deployer.create_deployment("churn-on-prod", "CHURN", "prod-automation", "v1",
                                            deployed_project_key="CHURN", project_folder_id="fZ8kT1")
    assert deployment.id == "churn-on-prod"
    settings = deployment.get_settings()
    assert settings.bundle_id == "v1"
    assert settings.published_project_key == "CHURN"
    assert settings.get_raw()["scenariosToActivate"] == {"REBUILD_DAILY": True}
    settings.bundle_id = "v2"
    settings.save(ignore_warnings=True)
    future = deployment.start_update()
    assert future.job_id == "deployupdate-churn-on-prod"
    deployment.delete()


def test_deployment_update_future_reaches_its_end_state(deployer: DSSProjectDeployer) -> None:
    reports = deployer.get_deployment("churn-on-prod").start_update().wait_for_result()
    assert reports[0]["activateCheckReport"]["bundleId"] == "v1"
    assert reports[0]["activateReport"]["success"] is True


def test_synchronous_update_answers_the_finished_future(dss_url: str) -> None:
    answer = requests.post(f"{dss_url}/dip/publicapi/project-deployer/deployments/churn-on-prod/actions/update",
                           auth=(DSS_API_KEY, ""), json={"synchronous": True}, timeout=10)
    assert answer.json()["hasResult"] is True


def test_create_deployment_without_a_bundle_is_a_400(dss_url: str) -> None:
    answer = requests.post(f"{dss_url}/dip/publicapi/project-deployer/deployments", auth=(DSS_API_KEY, ""),
                           json={"deploymentId": "churn-on-prod", "publishedProjectKey": "CHURN",
                                 "infraId": "prod-automation"}, timeout=10)
    assert answer.status_code == 400
    body = answer.json()
    assert "bundleId" in body["message"] and body["errorType"]


def test_documented_public_api_prefix_answers_too(dss_url: str) -> None:
    answer = requests.get(f"{dss_url}/public/api/project-deployer/infras/prod-automation/settings",
                          auth=(DSS_API_KEY, ""), timeout=10)
    assert answer.status_code == 200 and answer.json()["id"] == "prod-automation"
