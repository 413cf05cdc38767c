"""dataikuapi, unchanged, against the mock of specs/dataiku-dss.yaml: webapps, Jupyter notebooks,
macros, API services (with their packages) and bundles (Design and Automation sides)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import requests
from dataikuapi import DSSClient
from dataikuapi.dss.apiservice import DSSAPIService, DSSAPIServiceListItem
from dataikuapi.dss.future import DSSFuture
from dataikuapi.dss.jupyternotebook import DSSJupyterNotebook, DSSJupyterNotebookListItem, DSSNotebookSession
from dataikuapi.dss.macro import DSSMacro
from dataikuapi.dss.project import DSSProject
from dataikuapi.dss.webapp import DSSWebApp, DSSWebAppListItem
from dataikuapi.utils import DataikuException

from tests.clients.conftest import DSS_API_KEY


def bundle_zip() -> io.BytesIO:
    """A small bundle archive, as a Design node exports it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        manifest = {"bundleId": "v1", "originalProjectInfo": {"projectKey": "CHURN"}}
        archive.writestr("export-manifest.json", json.dumps(manifest))
        archive.writestr("params.json", json.dumps({"projectKey": "CHURN", "name": "Customer churn"}))
    buf.seek(0)
    buf.name = "CHURN-v1.zip"
    return buf


# ---------------------------------------------------------------- webapps


def test_list_webapps(project: DSSProject) -> None:
    items = project.list_webapps()
    assert all(isinstance(item, DSSWebAppListItem) for item in items)
    assert [(item.id, item.name) for item in items] == [("Vb8uS3k", "Churn dashboard"), ("Kq2wE9d", "Churn explorer")]
    assert items[0].tags == ["reporting"]
    webapp = items[1].to_webapp()
    assert (webapp.project_key, webapp.webapp_id) == ("CHURN", "Kq2wE9d")
    objects = project.list_webapps(as_type="objects")
    assert [w.webapp_id for w in objects] == ["Vb8uS3k", "Kq2wE9d"]


def test_webapp_settings_read_and_save(project: DSSProject) -> None:
    settings = project.get_webapp("Vb8uS3k").get_settings()
    raw = settings.get_raw()
    assert (raw["name"], raw["type"]) == ("Churn dashboard", "STANDARD")
    assert raw["params"]["autoStartBackend"] is True
    assert "customers_prepared" in raw["params"]["python"]
    raw["params"]["css"] = "#churn-chart { height: 600px; }\n"
    settings.save()  # PUT answers {"webAppId": ...}, parsed by the client

    shiny = project.get_webapp("Kq2wE9d").get_settings().get_raw()
    assert (shiny["type"], shiny["params"]["autoStartBackend"]) == ("SHINY", False)


def test_webapp_backend_state(project: DSSProject) -> None:
    state = project.get_webapp("Vb8uS3k").get_state()
    assert state.running is True
    assert state.state["port"] == 41873
    assert state.state["futureInfo"]["payload"]["targets"][0]["objectId"] == "Vb8uS3k"
    stopped = project.get_webapp("Kq2wE9d").get_state()
    assert stopped.running is False
    assert stopped.state == {"projectKey": "CHURN", "webAppId": "Kq2wE9d"}


def test_webapp_backend_restart_and_stop(project: DSSProject) -> None:
    webapp = project.get_webapp("Vb8uS3k")
    future = webapp.start_or_restart_backend()
    assert isinstance(future, DSSFuture)
    assert future.job_id == "webapp-Vb8uS3k-backend"
    assert future.state is not None and future.state["alive"] is True
    # the restart future is the backend's own task: the same id as the state's futureId
    assert webapp.get_state().state["futureId"] == future.job_id
    assert webapp.stop_backend() is None


def test_webapp_backend_future_peek(project: DSSProject) -> None:
    future = project.get_webapp("Vb8uS3k").start_or_restart_backend()
    assert future.peek_state()["alive"] is True


def test_create_webapp(project: DSSProject) -> None:
    webapp = project.create_webapp("Churn monitor")
    assert isinstance(webapp, DSSWebApp)
    assert webapp.webapp_id == "Tn5xW2q"


def test_create_webapp_rejects_a_bad_type(dss_url: str) -> None:
    answer = requests.post(f"{dss_url}/dip/publicapi/projects/CHURN/webapps/", auth=(DSS_API_KEY, ""),
                           json={"name": "Churn monitor", "type": "FLASK"}, timeout=10)
    assert answer.status_code == 400
    assert "type" in answer.json()["message"]


def test_webapp_save_with_a_bad_name_is_a_400(project: DSSProject) -> None:
    settings = project.get_webapp("Vb8uS3k").get_settings()
    settings.get_raw()["name"] = 42
    with pytest.raises(DataikuException) as caught:
        settings.save()
    assert "name" in str(caught.value)


def test_webapp_document_example(dss: DSSClient) -> None:
    raw = dss.get_project("MYPROJECT").get_webapp("49K1IT7").get_settings().get_raw()
    assert (raw["name"], raw["params"]["ui"]) == ("my_shiny_webapp", "ui code")


# ---------------------------------------------------------------- jupyter notebooks


def test_list_jupyter_notebooks(project: DSSProject) -> None:
    notebooks = project.list_jupyter_notebooks()
    assert all(isinstance(n, DSSJupyterNotebook) for n in notebooks)
    assert [n.notebook_name for n in notebooks] == ["Exploration", "Model diagnostics"]
    items = project.list_jupyter_notebooks(as_type="listitems")
    assert all(isinstance(i, DSSJupyterNotebookListItem) for i in items)
    assert [(i.name, i.language) for i in items] == [("Exploration", "python"), ("Model diagnostics", "R")]
    assert items[0].kernel_spec["name"] == "py-dku-venv-py311-churn"
    assert items[1].to_notebook().notebook_name == "Model diagnostics"


def test_list_active_jupyter_notebooks(project: DSSProject) -> None:
    active = project.list_jupyter_notebooks(active=True, as_type="listitems")
    assert [i.name for i in active] == ["Exploration"]


def test_jupyter_notebook_content_and_save(project: DSSProject) -> None:
    content = project.get_jupyter_notebook("Exploration").get_content()
    assert content.get_metadata()["creator"] == "admin"
    cells = content.get_cells()
    assert [c["cell_type"] for c in cells] == ["markdown", "code"]
    assert cells[1]["outputs"][0]["data"]["text/plain"] == "0.1135"
    raw = content.get_raw()
    assert (raw["nbformat"], raw["nbformat_minor"]) == (4, 5)
    raw["cells"].append({"cell_type": "markdown", "metadata": {}, "source": ["Churn is about 11%."]})
    assert content.save() == {"success": True, "message": "Notebook Exploration saved"}


def test_create_and_delete_jupyter_notebook(project: DSSProject) -> None:
    created = project.create_jupyter_notebook("Scratchpad", {
        "metadata": {"kernelspec": {"name": "py-dku-venv-py311-churn", "display_name": "Python (env py311-churn)"}},
        "nbformat": 4,
        "nbformat_minor": 5,
        "cells": [{"cell_type": "code", "metadata": {}, "source": ["1 + 1"], "outputs": [], "execution_count": None}],
    })
    assert isinstance(created, DSSJupyterNotebook)
    assert created.notebook_name == "Scratchpad"
    assert project.get_jupyter_notebook("Model diagnostics").delete()["success"] is True


def test_create_jupyter_notebook_without_cells_is_a_400(project: DSSProject) -> None:
    with pytest.raises(DataikuException) as caught:
        project.create_jupyter_notebook("Scratchpad", {"metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    assert "cells" in str(caught.value)


def test_jupyter_notebook_sessions_and_unload(project: DSSProject) -> None:
    notebook = project.get_jupyter_notebook("Exploration")
    (session,) = notebook.get_sessions()
    assert session["sessionId"] == "0c4f7a52-8d1e-4b6a-9f3c-5e2d7b1a9c84"
    assert session["kernelExecutionState"] == "idle"
    (as_object,) = notebook.get_sessions(as_objects=True)
    assert isinstance(as_object, DSSNotebookSession)
    assert (as_object.kernel_pid, as_object.session_creator) == (48213, "admin")
    assert notebook.unload()["success"] is True
    assert as_object.unload()["message"] == "Session 0c4f7a52-8d1e-4b6a-9f3c-5e2d7b1a9c84 stopped"


def test_unload_a_notebook_that_does_not_run(project: DSSProject) -> None:
    notebook = project.get_jupyter_notebook("Model diagnostics")
    assert notebook.get_sessions() == []
    with pytest.raises(Exception, match="isn't running"):
        notebook.unload()


# ---------------------------------------------------------------- macros


def test_list_macros(project: DSSProject) -> None:
    macros = project.list_macros()
    assert [m["runnableType"] for m in macros] == [
        "pyrunnable_builtin-macros_list-datasets-using-connection",
        "pyrunnable_geoadmin_refresh-admin-levels",
    ]
    handles = project.list_macros(as_objects=True)
    assert all(isinstance(m, DSSMacro) for m in handles)
    assert handles[1].get_definition()["ownerPluginId"] == "geoadmin"  # from the listing, no call


def test_macro_definition(project: DSSProject) -> None:
    definition = project.get_macro("pyrunnable_geoadmin_refresh-admin-levels").get_definition()
    assert (definition["resultType"], definition["mimeType"]) == ("HTML", "text/html")
    assert [p["name"] for p in definition["params"]] == ["country", "dryRun"]
    builtin = project.get_macro("pyrunnable_builtin-macros_list-datasets-using-connection").get_definition()
    assert builtin["resultType"] == "RESULT_TABLE"


def test_macro_run_status_and_result(project: DSSProject) -> None:
    macro = project.get_macro("pyrunnable_builtin-macros_list-datasets-using-connection")
    run_id = macro.run(params={"connection": "pg-main"}, wait=True)
    assert run_id == "Yp4mRt2w"
    status = macro.get_status(run_id)
    assert (status["running"], status["type"]) == (False, "RESULT_TABLE")
    result = macro.get_result(run_id, as_type="json")
    assert [c["name"] for c in result["columns"]] == ["Project", "Dataset", "Type"]
    assert [r[1] for r in result["records"]] == ["customers", "customers_prepared", "orders"]
    as_text = macro.get_result(run_id, as_type="string")
    assert json.loads(as_text)["records"][0] == ["CHURN", "customers", "PostgreSQL"]


def test_macro_running_then_abort(project: DSSProject) -> None:
    macro = project.get_macro("pyrunnable_geoadmin_refresh-admin-levels")
    run_id = macro.run(params={"country": "FR", "dryRun": True}, wait=False)
    assert run_id == "Gh3nKd8s"
    status = macro.get_status(run_id)
    assert status["running"] is True
    assert status["progress"]["stack"][0]["target"] == 12
    assert macro.abort(run_id) is None


def test_macro_html_result(dss_url: str) -> None:
    answer = requests.get(
        f"{dss_url}/dip/publicapi/projects/CHURN/runnables/pyrunnable_geoadmin_refresh-admin-levels/result/Gh3nKd8s",
        auth=(DSS_API_KEY, ""), headers={"Accept": "text/html"}, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "12 boundaries would change" in answer.text


def test_macro_run_without_wait_is_a_400(dss_url: str) -> None:
    answer = requests.post(
        f"{dss_url}/dip/publicapi/projects/CHURN/runnables/pyrunnable_geoadmin_refresh-admin-levels",
        auth=(DSS_API_KEY, ""), json={"params": {}}, timeout=10)
    assert answer.status_code == 400
    assert "wait" in answer.json()["message"]


# ---------------------------------------------------------------- API services


def test_list_api_services(project: DSSProject) -> None:
    (service,) = project.list_api_services()
    assert isinstance(service, DSSAPIServiceListItem)
    assert (service.id, service.name, service.auth_method) == ("churn-scoring", "churn-scoring", "API_KEYS")
    assert service.endpoints == [{"id": "predict-churn", "type": "STD_PREDICTION"}]
    assert service.to_api_service().service_id == "churn-scoring"
    (as_object,) = project.list_api_services(as_type="objects")
    assert isinstance(as_object, DSSAPIService)


def test_create_api_service_and_settings(project: DSSProject) -> None:
    created = project.create_api_service("churn-scoring")
    assert created.id == "churn-scoring"
    settings = created.get_settings()
    assert settings.auth_method == "API_KEYS"
    assert [(e["id"], e["modelRef"]) for e in settings.endpoints] == [("predict-churn", "Xh7pQ2rS")]
    settings.add_clustering_endpoint("segment-customers", "Cq4vN8tL")
    assert settings.save() is None


def test_api_service_settings_with_an_unknown_endpoint_type_is_a_400(project: DSSProject) -> None:
    settings = project.get_api_service("churn-scoring").get_settings()
    settings.get_raw()["endpoints"].append({"id": "translate", "type": "STD_TRANSLATION"})
    with pytest.raises(DataikuException) as caught:
        settings.save()
    assert "type" in str(caught.value)


def test_api_service_packages(project: DSSProject, tmp_path: Path) -> None:
    service = project.get_api_service("churn-scoring")
    assert [p["id"] for p in service.list_packages()] == ["v1", "v2"]
    assert service.create_package("v3", release_notes="Retrained on November data") is None
    assert service.publish_package("v3", published_service_id="churn-scoring") is None
    assert service.delete_package("v1") is None

    target = tmp_path / "churn-scoring_v1.zip"
    service.download_package_to_file("v1", str(target))
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == ["model/Xh7pQ2rS.json", "service.json"]
        manifest = json.loads(archive.read("service.json"))
    assert (manifest["serviceId"], manifest["packageId"]) == ("churn-scoring", "v1")
    assert manifest["endpoints"][0]["modelRef"] == "Xh7pQ2rS"

    stream = service.download_package_stream("v1")
    assert stream.read(4) == b"PK\x03\x04"
    stream.close()


def test_api_service_package_archive_headers(dss_url: str) -> None:
    answer = requests.get(f"{dss_url}/dip/publicapi/projects/CHURN/apiservices/churn-scoring/packages/v1/archive",
                          auth=(DSS_API_KEY, ""), timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/zip"
    assert answer.headers["Content-Disposition"] == "attachment; filename=churn-scoring_v1.zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert json.loads(archive.read("model/Xh7pQ2rS.json"))["target"] == "churned"


def test_generate_package_answers_text(dss_url: str) -> None:
    answer = requests.post(f"{dss_url}/public/api/projects/CHURN/apiservices/churn-scoring/packages/v3",
                           auth=(DSS_API_KEY, ""), timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.text == "Created package v3"


def test_documented_package_listing_with_trailing_slash_is_not_the_client_path(dss_url: str) -> None:
    answer = requests.get(f"{dss_url}/dip/publicapi/projects/CHURN/apiservices/churn-scoring/packages/",
                          auth=(DSS_API_KEY, ""), timeout=10)
    assert answer.status_code == 404


# ---------------------------------------------------------------- bundles, Design side


def test_list_exported_bundles(project: DSSProject) -> None:
    (bundle,) = project.list_exported_bundles()["bundles"]
    assert bundle["bundleId"] == "v1"
    assert bundle["exportManifest"]["exportUserInfo"]["exportedBy"] == "admin"
    assert "customers_prepared" in bundle["contentSummary"]["datasets"]


def test_export_bundle(project: DSSProject) -> None:
    created = project.export_bundle("v1", release_notes="Monthly churn model refresh")
    assert created["bundleId"] == "v1"
    assert created["exportManifest"]["releaseNotes"] == "Monthly churn model refresh"


def test_download_exported_bundle_archive(project: DSSProject, tmp_path: Path) -> None:
    target = tmp_path / "CHURN-v1.zip"
    project.download_exported_bundle_archive_to_file("v1", str(target))
    with zipfile.ZipFile(target) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["export-manifest.json", "params.json"]
        manifest = json.loads(archive.read("export-manifest.json"))
        params = json.loads(archive.read("params.json"))
    assert manifest["bundleId"] == "v1"
    assert manifest["originalProjectInfo"] == {"projectKey": "CHURN", "projectName": "Customer churn"}
    assert params["name"] == "Customer churn"
    with project.get_exported_bundle_archive_stream("v1") as stream:
        assert stream.headers["Content-Type"] == "application/zip"
        assert stream.content[:2] == b"PK"


def test_publish_bundle(project: DSSProject) -> None:
    published = project.publish_bundle("v1")
    assert published == {"publishedOn": 1795165500000, "publishedBy": "admin", "publishedProjectKey": "CHURN"}
    assert project.publish_bundle("v1", published_project_key="CHURN_EU")["publishedProjectKey"] == "CHURN_EU"


def test_exported_bundle_details_and_delete(dss_url: str, project: DSSProject) -> None:
    answer = requests.get(f"{dss_url}/public/api/projects/CHURN/bundles/exported/v1", auth=(DSS_API_KEY, ""),
                          timeout=10)
    assert answer.status_code == 200
    (details,) = answer.json()["bundles"]
    assert details["changelog"]["commits"][0]["message"] == "Retrain churn model on November data"
    assert project.delete_exported_bundle("v1") == {}


# ---------------------------------------------------------------- bundles, Automation side


def test_list_imported_bundles(project: DSSProject) -> None:
    (bundle,) = project.list_imported_bundles()["bundles"]
    assert (bundle["bundleId"], bundle["activated"]) == ("v1", True)


def test_import_bundle_from_archive(project: DSSProject) -> None:
    imported = project.import_bundle_from_archive("/home/dataiku/bundles/CHURN-v1.zip")
    assert (imported["bundleId"], imported["activated"]) == ("v1", False)


def test_import_bundle_from_archive_needs_the_path(dss_url: str) -> None:
    answer = requests.post(f"{dss_url}/dip/publicapi/projects/CHURN/bundles/imported/actions/importFromArchive",
                           auth=(DSS_API_KEY, ""), timeout=10)
    assert answer.status_code == 400
    assert "archivePath" in answer.json()["message"]


def test_import_bundle_from_stream_sends_a_real_zip_as_multipart(project: DSSProject, dss_url: str) -> None:
    assert project.import_bundle_from_stream(bundle_zip()) is None
    answer = requests.post(f"{dss_url}/dip/publicapi/projects/CHURN/bundles/imported/actions/importFromStream",
                           auth=(DSS_API_KEY, ""), files={"file": ("CHURN-v1.zip", bundle_zip(), "application/zip")},
                           timeout=10)
    assert answer.status_code == 200
    assert answer.json()["bundleId"] == "v1"


def test_import_bundle_from_stream_without_the_file_part_is_a_400(dss_url: str) -> None:
    answer = requests.post(f"{dss_url}/dip/publicapi/projects/CHURN/bundles/imported/actions/importFromStream",
                           auth=(DSS_API_KEY, ""), files={"archive": ("CHURN-v1.zip", bundle_zip(), "application/zip")},
                           timeout=10)
    assert answer.status_code == 400
    assert "file" in answer.json()["message"]


def test_preload_and_activate_bundle(project: DSSProject) -> None:
    preload = project.preload_bundle("v1")
    assert preload["messages"][0]["code"] == "INFO_CODEENV_CREATED"
    report = project.activate_bundle("v1", scenarios_to_enable={"REBUILD_DAILY": True})
    assert (report["warning"], report["messages"][0]["code"]) == (True, "WARN_CONNECTION_REMAPPED")
    assert project.activate_bundle("v2") == {
        "anyMessage": False, "success": True, "warning": False, "error": False, "fatal": False, "messages": []}
    assert project.delete_imported_bundle("v1") == {}


def test_activate_bundle_with_a_bad_scenario_flag_is_a_400(project: DSSProject) -> None:
    with pytest.raises(DataikuException) as caught:
        project.activate_bundle("v1", scenarios_to_enable={"REBUILD_DAILY": "yes"})
    assert "REBUILD_DAILY" in str(caught.value)


def test_create_project_from_bundle_archive(dss: DSSClient) -> None:
    created = dss.create_project_from_bundle_archive(bundle_zip(), project_folder=dss.get_project_folder("fZ8kT1"))
    assert (created["projectKey"], created["bundleId"]) == ("CHURN", "v1")
    local = dss.create_project_from_bundle_local_archive(
        "/home/dataiku/bundles/CHURN-v1.zip",
        permissions_propagation_policy=DSSClient.PermissionsPropagationPolicy.READ_ONLY)
    assert local["projectKey"] == "CHURN"
    assert local["report"]["success"] is True


def test_create_project_from_bundle_with_a_bad_policy_is_a_400(dss: DSSClient) -> None:
    with pytest.raises(DataikuException) as caught:
        dss.create_project_from_bundle_local_archive("/home/dataiku/bundles/CHURN-v1.zip",
                                                     permissions_propagation_policy="EVERYTHING")
    assert "permissionsPropagationPolicy" in str(caught.value)


def test_documented_project_from_bundle_path_without_slash_is_not_the_client_path(dss_url: str) -> None:
    answer = requests.post(f"{dss_url}/dip/publicapi/projectsFromBundle", auth=(DSS_API_KEY, ""),
                           files={"file": ("CHURN-v1.zip", bundle_zip(), "application/zip")}, timeout=10)
    assert answer.status_code == 404


def test_unknown_webapp_is_a_404_in_the_dss_error_model(dss_url: str) -> None:
    answer = requests.get(f"{dss_url}/dip/publicapi/projects/CHURN/webapps/aB1cD2e", auth=(DSS_API_KEY, ""),
                          headers={"Prefer": "code=404"}, timeout=10)
    assert answer.status_code == 404
    body = answer.json()
    assert body["errorType"] == "com.dataiku.dip.server.controllers.NotFoundException"
    assert body["message"] == "Web app not found: CHURN.aB1cD2e"
