"""dataikuapi round trips against the DSS mock: what a client read, it writes back (also trimmed or built by a
user, as the real server fills the identity from the URL), and the fields the client and its users read
from list and get answers are there, with identifiers that agree from one answer to the next."""

from __future__ import annotations

from dataikuapi import DSSClient
from dataikuapi.dss.project import DSSProject


def test_dataset_settings_saved_back_also_without_its_identity(project: DSSProject) -> None:
    settings = project.get_dataset("customers").get_settings()
    settings.save()
    raw = settings.get_raw()
    raw.pop("projectKey")
    raw.pop("name")
    settings.save()  # a 400 raises DataikuException


def test_analysis_definition_set_back_also_without_its_identity(project: DSSProject) -> None:
    analysis_id = project.list_ml_tasks()["mlTasks"][0]["analysisId"]
    analysis = project.get_analysis(analysis_id)
    definition = analysis.get_definition()
    assert definition.get_raw()["id"] == analysis_id
    definition.save()
    raw = definition.get_raw()
    raw.pop("projectKey")
    raw.pop("id")
    analysis.set_definition(raw)


def test_managed_folder_settings_read_and_saved(project: DSSProject) -> None:
    folder_id = project.list_managed_folders()[0]["id"]
    settings = project.get_managed_folder(folder_id).get_settings()
    assert settings.get_raw()["type"] == "Filesystem"
    settings.get_raw().pop("projectKey")
    settings.get_raw().pop("id")
    settings.save()


def test_project_deployer_deployment_and_project_settings_saved(dss: DSSClient) -> None:
    deployer = dss.get_projectdeployer()
    deployment_id = deployer.list_deployments(as_objects=False)[0]["deploymentBasicInfo"]["id"]
    settings = deployer.get_deployment(deployment_id).get_settings()
    settings.save()
    settings.get_raw().pop("id")
    settings.get_raw().pop("publishedProjectKey")
    settings.save()
    project_key = deployer.list_projects(as_objects=False)[0]["projectBasicInfo"]["id"]
    project_settings = deployer.get_project(project_key).get_settings()
    project_settings.get_raw().pop("id")
    project_settings.save()


def test_list_items_carry_what_clients_read(project: DSSProject) -> None:
    for item in project.list_scenarios():
        assert item["name"] and item["projectKey"] == "CHURN"
    for service in project.list_api_services():
        assert service["projectKey"] == "CHURN"
    endpoint_id = project.list_streaming_endpoints(as_type="listitems")[0].id
    assert project.get_streaming_endpoint(endpoint_id).get_settings().get_raw()["params"]


def test_a_scenario_run_names_its_scenario(project: DSSProject) -> None:
    scenario = project.get_scenario(project.list_scenarios()[0]["id"])
    for run in scenario.get_last_runs(limit=5):
        assert run.run["scenario"]["id"] == scenario.id
        assert run.get_details()["scenarioRun"]["runId"] == run.id


def test_trained_model_ids_are_the_ids_every_ml_task_answer_uses(project: DSSProject) -> None:
    listed = project.list_ml_tasks()["mlTasks"][0]
    mltask = project.get_ml_task(listed["analysisId"], listed["mlTaskId"])
    ids = mltask.get_trained_models_ids()
    assert ids
    snippets = mltask.get_trained_model_snippet(ids=ids)
    assert set(snippets) == set(ids)
    for model_id in ids:
        details = mltask.get_trained_model_details(model_id)
        assert details.get_raw()["fullModelId"] == model_id
