"""dataikuapi, unchanged, against the mock of specs/dataiku-dss.yaml: project folders, projects,
long tasks (futures), meanings and wiki."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import requests
from dataikuapi import DSSClient
from dataikuapi.dss.future import DSSFuture
from dataikuapi.dss.project import DSSProject
from dataikuapi.dss.projectfolder import DSSProjectFolder
from dataikuapi.utils import DataikuException

from tests.clients.conftest import DSS_API_KEY


@pytest.fixture(scope="module")
def marketing(dss: DSSClient) -> DSSProjectFolder:
    return dss.get_project_folder("fZ8kT1")


# ---------------------------------------------------------------- project folders


def test_root_project_folder(dss: DSSClient) -> None:
    root = dss.get_root_project_folder()
    assert root.id == "ROOT"
    assert root.name is None
    assert root.get_parent() is None
    assert root.get_path() == "/"
    assert root.list_project_keys() == ["SANDBOX"]
    assert [child.name for child in root.list_child_folders()] == ["Marketing"]


def test_project_folder_tree(marketing: DSSProjectFolder) -> None:
    assert marketing.id == "fZ8kT1"
    assert marketing.get_name() == "Marketing"
    assert marketing.get_path() == "/Marketing"
    assert marketing.list_project_keys() == ["CHURN"]
    assert [p.project_key for p in marketing.list_projects()] == ["CHURN"]
    (studies,) = marketing.list_child_folders()
    assert (studies.id, studies.name) == ("kQ4mV2", "Churn studies")
    assert studies.get_path() == "/Marketing/Churn studies"
    assert studies.list_child_folders() == []


def test_documented_root_folder_path(dss_url: str) -> None:
    answer = requests.get(f"{dss_url}/public/api/project-folders/", auth=(DSS_API_KEY, ""), timeout=10)
    assert answer.status_code == 200
    assert answer.json()["childrenIds"] == ["fZ8kT1"]


def test_project_folder_settings(marketing: DSSProjectFolder) -> None:
    settings = marketing.get_settings()
    assert settings.get_name() == "Marketing"
    assert settings.get_owner() == "admin"
    assert [p["group"] for p in settings.get_permissions()] == ["data_scientists", "marketing_analysts"]
    settings.set_name("Marketing & CRM")
    settings.set_owner("admin")
    settings.get_permissions()[1]["writeContents"] = True
    settings.save()


def test_create_move_and_delete_folders(dss: DSSClient, marketing: DSSProjectFolder) -> None:
    studies = marketing.create_sub_folder("Churn studies")
    assert (studies.id, studies.name) == ("kQ4mV2", "Churn studies")
    assert studies.get_parent() is not None
    studies.move_to(dss.get_root_project_folder())
    marketing.move_project_to("CHURN", studies)
    studies.delete()


def test_create_project_in_folder(marketing: DSSProjectFolder) -> None:
    created = marketing.create_project("CHURN_V2", "Customer churn v2", "admin", description="Second iteration")
    assert created.project_key == "CHURN_V2"


# ---------------------------------------------------------------- projects


def test_list_projects(dss: DSSClient) -> None:
    assert dss.list_project_keys() == ["CHURN", "SANDBOX"]
    projects = dss.list_projects(include_location=True)
    assert projects[0]["name"] == "Customer churn"
    assert projects[0]["ownerLogin"] == "admin"
    assert projects[1]["projectKey"] == "SANDBOX"


def test_project_summary(project: DSSProject) -> None:
    summary = project.get_summary()
    assert summary["projectKey"] == "CHURN"
    assert summary["tags"] == ["marketing", "churn"]


def test_create_project(dss: DSSClient) -> None:
    created = dss.create_project("CHURN_V2", "Customer churn v2", "admin", tags=["churn"], project_folder_id="fZ8kT1")
    assert created.project_key == "CHURN_V2"


def test_create_project_with_a_bad_key_is_rejected(dss: DSSClient) -> None:
    with pytest.raises(DataikuException) as caught:
        dss.create_project("churn v2!", "Customer churn v2", "admin")
    assert "projectKey" in str(caught.value)


def test_metadata(project: DSSProject) -> None:
    metadata = project.get_metadata()
    assert metadata["label"] == "Customer churn"
    assert metadata["tags"] == ["marketing", "churn"]
    assert metadata["custom"]["kv"]["business_owner"] == "marketing"
    assert metadata["checklists"]["checklists"][0]["items"][0]["done"] is True
    metadata["tags"].append("production")
    assert project.set_metadata(metadata) is None


def test_document_metadata_example(dss: DSSClient) -> None:
    metadata = dss.get_project("MYPROJECT").get_metadata()
    assert metadata["label"] == "My first project"
    assert metadata["custom"]["kv"]["whatever"] == ["I", "want", "here"]


def test_permissions(project: DSSProject) -> None:
    permissions = project.get_permissions()
    assert permissions["owner"] == "admin"
    analysts = permissions["permissions"][1]
    assert analysts["group"] == "marketing_analysts"
    assert analysts["readDashboards"] is True
    analysts["runScenarios"] = True
    project.set_permissions(permissions)


def test_variables(project: DSSProject) -> None:
    variables = project.get_variables()
    assert variables["standard"]["churn_window_days"] == 90
    assert variables["standard"]["scoring_threshold"] == 0.42
    assert variables["local"] == {"pg_schema": "public"}
    project.update_variables({"scoring_threshold": 0.5})
    project.update_variables({"pg_schema": "analytics"}, type="local")


def test_tags(project: DSSProject) -> None:
    tags = project.get_tags()
    assert tags["tags"]["marketing"] == {"color": "#ee874a"}
    tags["tags"]["production"] = {"color": "#4caf50"}
    project.set_tags(tags)


def test_tags_with_a_bad_color_are_rejected(project: DSSProject) -> None:
    with pytest.raises(DataikuException) as caught:
        project.set_tags({"tags": {"production": {"color": "green"}}})
    assert "color" in str(caught.value)


def test_export_to_file(project: DSSProject, tmp_path: Path) -> None:
    target = tmp_path / "churn.zip"
    project.export_to_file(str(target), options={"exportUploads": True, "exportSavedModels": True})
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == ["export-manifest.json"]
        manifest = json.loads(archive.read("export-manifest.json"))
    assert manifest["projectKey"] == "CHURN"
    assert manifest["projectLabel"] == "Customer churn"
    assert "recipes/compute_customers_prepared" in manifest["contents"]


def test_export_stream_is_a_zip(dss_url: str) -> None:
    answer = requests.post(
        f"{dss_url}/dip/publicapi/projects/CHURN/export", json={}, auth=(DSS_API_KEY, ""), timeout=10
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/zip")
    assert answer.content.startswith(b"PK\x03\x04")
    assert zipfile.ZipFile(io.BytesIO(answer.content)).testzip() is None


def test_duplicate(dss: DSSClient, project: DSSProject) -> None:
    ref = project.duplicate(
        "CHURN_COPY", "Copy of customer churn", target_project_folder=dss.get_project_folder("fZ8kT1")
    )
    assert ref == {"projectKey": "CHURN", "targetProjectKey": "CHURN_COPY", "targetProjectFolderId": "fZ8kT1"}


def test_duplicate_with_an_unknown_mode_is_rejected(project: DSSProject) -> None:
    with pytest.raises(DataikuException) as caught:
        project.duplicate("CHURN_COPY", "Copy of customer churn", duplication_mode="EVERYTHING")
    assert "duplicationMode" in str(caught.value)


def test_delete_waits_server_side(dss: DSSClient) -> None:
    future = dss.get_project("CHURN_OLD").delete(clear_managed_datasets=True)
    assert isinstance(future, DSSFuture)
    assert future.state is not None and future.state["hasResult"] is True
    assert future.wait_for_result()["messages"] == []


def test_delete_without_waiting_polls_the_future(dss: DSSClient) -> None:
    future = dss.get_project("CHURN_OLD").delete(wait=False)
    assert future.job_id == "projdelete-CHURN-b7Rk2q"
    assert future.state is not None and future.state["hasResult"] is False
    result = future.wait_for_result()
    assert result["success"] is False and result["messages"] == []
    assert future.state["runningTime"] == 2310


def test_push_to_git_remote(dss_url: str) -> None:
    url = f"{dss_url}/public/api/projects/CHURN/actions/push-to-git-remote"
    assert requests.post(url, params={"remote": "origin"}, auth=(DSS_API_KEY, ""), timeout=10).status_code == 204
    missing = requests.post(url, auth=(DSS_API_KEY, ""), timeout=10)
    assert missing.status_code == 400
    assert "remote" in missing.json()["message"]


# ---------------------------------------------------------------- futures


def test_list_futures(dss: DSSClient) -> None:
    (state,) = dss.list_futures()
    assert state["jobId"] == "metrics-customers-R4t8Zp"
    assert state["progress"]["states"][0]["cur"] == 610
    (future,) = dss.list_futures(as_objects=True)
    assert isinstance(future, DSSFuture)
    assert future.job_id == "metrics-customers-R4t8Zp"
    future.abort()


def test_list_futures_of_all_users_is_the_document_example(dss: DSSClient) -> None:
    (state,) = dss.list_futures(all_users=True)
    assert state["owner"] == "taskLauncher"


def test_list_running_scenarios(dss: DSSClient) -> None:
    (run,) = dss.list_running_scenarios()
    assert run["payload"]["scenarioId"] == "REBUILD_DAILY"
    future = dss.get_future(run["jobId"])
    assert future.peek_state()["hasResult"] is False
    future.abort()


def test_any_future_finishes(dss: DSSClient) -> None:
    future = dss.get_future("some-task-Zr81")
    assert future.has_result() is True
    assert future.get_result()["success"] is True
    assert dss.get_future("8sdf8ze").wait_for_result() == {"any": "thing"}


def test_future_without_peek_is_rejected(dss_url: str) -> None:
    answer = requests.get(f"{dss_url}/dip/publicapi/futures/some-task-Zr81", auth=(DSS_API_KEY, ""), timeout=10)
    assert answer.status_code == 400
    assert "peek" in answer.json()["message"]


# ---------------------------------------------------------------- meanings


def test_list_meanings(dss: DSSClient) -> None:
    meanings = dss.list_meanings()
    assert [m["id"] for m in meanings] == ["customer_segment", "country_code"]
    assert meanings[1]["pattern"] == "^[A-Z]{2}$"


def test_create_and_update_meaning(dss: DSSClient) -> None:
    meaning = dss.create_meaning(
        "customer_segment",
        "Customer segment",
        "VALUES_LIST",
        description="Commercial segment of a customer, as the CRM stores it.",
        values=["smb", "mid_market", {"value": "enterprise", "color": "#a088bd"}],
        normalizationMode="LOWERCASE",
        detectable=True,
    )
    definition = meaning.get_definition()
    assert definition["label"] == "Customer segment"
    assert [e["value"] for e in definition["entries"]] == ["smb", "mid_market", "enterprise"]
    definition["entries"].insert(0, {"value": "startup", "color": "#4caf50"})
    saved = meaning.set_definition(definition)
    assert saved["entries"][0]["value"] == "startup"


def test_create_mapping_meaning(dss: DSSClient) -> None:
    meaning = dss.create_meaning(
        "meaning1", "Meaning 1", "VALUES_MAPPING", mappings=[{"from": "value_1", "to": "value_a"}]
    )
    assert meaning.get_definition()["mappings"][0] == {"from": "value_1", "to": "value_a"}


def test_create_meaning_with_an_unknown_type_is_rejected(dss: DSSClient) -> None:
    with pytest.raises(DataikuException) as caught:
        dss.create_meaning("segment", "Segment", "ENUM")
    assert "type" in str(caught.value)


# ---------------------------------------------------------------- wiki


def test_wiki_settings(project: DSSProject) -> None:
    settings = project.get_wiki().get_settings()
    assert settings.get_home_article_id() == "Home"
    assert settings.get_taxonomy()[0]["children"][0]["id"] == "pR7vX2c"
    settings.move_article_in_taxonomy("pR7vX2c")
    settings.save()
    assert [node["id"] for node in settings.get_taxonomy()] == ["Home", "pR7vX2c"]


def test_list_and_read_articles(project: DSSProject) -> None:
    wiki = project.get_wiki()
    articles = wiki.list_articles()
    assert [a.article_id for a in articles] == ["Home", "pR7vX2c"]
    home = articles[0].get_data()
    assert home.get_name() == "Home"
    assert home.get_body().startswith("# Customer churn")
    assert home.get_metadata()["attachments"][0]["id"] == "customers"
    assert wiki.get_article("Data sources").article_id == "pR7vX2c"


def test_create_save_and_delete_article(project: DSSProject) -> None:
    article = project.get_wiki().create_article("Churn model notes", parent_id="Home", content="# Churn model notes\n")
    assert article.article_id == "tW4nB8e"
    data = article.get_data()
    data.set_body("# Churn model notes\n\nAUC 0.87 on the November holdout.\n")
    data.save()
    assert "AUC 0.87" in data.get_body()
    article.delete()


def test_document_wiki_article(dss: DSSClient) -> None:
    data = dss.get_project("WIKITEST").get_wiki().get_article("Page 1").get_data()
    assert data.get_body() == "# Page 1 article\n\nContent"
    assert data.get_metadata()["tags"] == ["tag1", "tag2"]


def test_missing_api_key_is_unauthorized(dss_url: str) -> None:
    answer = requests.get(f"{dss_url}/dip/publicapi/projects/", timeout=10)
    assert answer.status_code == 401
    assert answer.json()["errorType"] == "com.dataiku.dip.exceptions.UnauthorizedException"
