"""dataikuapi, unchanged, against the mock of specs/dataiku-dss.yaml: jobs, recipes, streaming endpoints,
scenarios and continuous activities (family files flow.yaml and scenarios.yaml)."""

from __future__ import annotations

import datetime
import warnings

import pytest
import requests
from dataikuapi.dss.continuousactivity import DSSContinuousActivity
from dataikuapi.dss.job import DSSJob, DSSJobListItem
from dataikuapi.dss.project import DSSProject
from dataikuapi.dss.recipe import DSSRecipe, DSSRecipeListItem, DSSRecipeSettings, PrepareRecipeSettings
from dataikuapi.dss.scenario import (
    DSSScenario,
    DSSScenarioListItem,
    DSSScenarioRun,
    DSSTriggerFire,
    PythonScriptBasedScenarioSettings,
    StepBasedScenarioSettings,
)
from dataikuapi.dss.streaming_endpoint import (
    DSSStreamingEndpoint,
    DSSStreamingEndpointListItem,
    HTTPSSEStreamingEndpointSettings,
    KafkaStreamingEndpointSettings,
)
from dataikuapi.utils import DataikuException

from tests.clients.conftest import DSS_API_KEY

JOB_ID = "Build_customers_prepared__NP__2026-11-20T09-15-02.511"
RUN_ID = "2026-11-20-09-15-00-102"
FAILED_RUN_ID = "2026-11-19-02-00-00-311"


@pytest.fixture(scope="module")
def rebuild_daily(project: DSSProject) -> DSSScenario:
    return project.get_scenario("REBUILD_DAILY")


@pytest.fixture(scope="module")
def score_customers(project: DSSProject) -> DSSScenario:
    return project.get_scenario("SCORE_CUSTOMERS")


def utc(stamp: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(stamp).replace(tzinfo=datetime.UTC)


# ---------------------------------------------------------------------- jobs


def test_list_jobs_as_list_items(project: DSSProject) -> None:
    jobs = project.list_jobs()
    assert all(isinstance(job, DSSJobListItem) for job in jobs)
    assert [job.job_id for job in jobs] == [JOB_ID, "Build_customers_prepared__NP__2026-11-19T02-00-00.623"]
    assert [job["state"] for job in jobs] == ["DONE", "FAILED"]
    assert jobs[0].project_key == "CHURN"
    assert jobs[0].start_time == utc("2026-11-20T09:15:02.733")
    assert jobs[0].end_time == utc("2026-11-20T09:16:41.337")
    assert jobs[0]["def"]["outputs"][0]["targetDataset"] == "customers_prepared"


def test_list_jobs_as_objects(project: DSSProject) -> None:
    jobs = project.list_jobs(as_type="objects")
    assert all(isinstance(job, DSSJob) for job in jobs)
    assert (jobs[0].project_key, jobs[0].id) == ("CHURN", JOB_ID)


def test_new_job_builder_starts_the_build(project: DSSProject) -> None:
    builder = project.new_job("NON_RECURSIVE_FORCED_BUILD").with_output("customers_prepared", object_type="DATASET")
    assert builder.get_definition()["outputs"] == [
        {"type": "DATASET", "id": "customers_prepared", "projectKey": None, "partition": None}]
    job = builder.start()
    assert (job.project_key, job.id) == ("CHURN", JOB_ID)


def test_start_and_wait_ends_on_done(project: DSSProject) -> None:
    job = project.new_job().with_output("customers_prepared").start_and_wait()
    assert job.id == JOB_ID
    definition = {"type": "RECURSIVE_BUILD", "outputs": [{"id": "customers_prepared"}]}
    assert project.start_job_and_wait(definition) == "DONE"
    assert project.start_job(definition).id == JOB_ID


def test_job_status(project: DSSProject) -> None:
    status = project.get_job(JOB_ID).get_status()
    assert status["baseStatus"]["state"] == "DONE"
    assert status["baseStatus"]["def"]["triggeredFrom"] == "SCENARIO"
    assert status["globalState"]["done"] == 1
    activity = status["activities"]["compute_customers_prepared_NP"]
    assert (activity["recipeName"], activity["recipeType"], activity["totalTime"]) == (
        "compute_customers_prepared", "shaker", 98090)


def test_job_log_is_plain_text(project: DSSProject) -> None:
    job = project.get_job(JOB_ID)
    log = job.get_log()
    assert log.splitlines()[-1].endswith("Job DONE")
    assert "Wrote 48213 rows to customers_prepared" in job.get_log(activity="compute_customers_prepared_NP")


def test_abort_job(project: DSSProject) -> None:
    assert project.get_job(JOB_ID).abort() == {}


def test_job_without_outputs_is_rejected(project: DSSProject) -> None:
    with pytest.raises(DataikuException) as caught:
        project.start_job({"type": "RECURSIVE_BUILD"})
    assert "outputs" in str(caught.value)


def test_job_of_unknown_type_is_rejected(project: DSSProject) -> None:
    with pytest.raises(DataikuException) as caught:
        project.new_job("FULL_REBUILD").with_output("customers_prepared").start()
    assert "FULL_REBUILD" in str(caught.value)


# ------------------------------------------------------------------- recipes


def test_list_recipes(project: DSSProject) -> None:
    recipes = project.list_recipes()
    assert all(isinstance(r, DSSRecipeListItem) for r in recipes)
    assert [(r.name, r.type) for r in recipes] == [("compute_customers_prepared", "shaker"),
                                                   ("compute_orders_live", "cpython")]
    assert recipes[0].tags == ["crm"]
    handle = recipes[1].to_recipe()
    assert (handle.project_key, handle.name) == ("CHURN", "compute_orders_live")
    objects = project.list_recipes(as_type="objects")
    assert all(isinstance(r, DSSRecipe) for r in objects)
    assert [r.id for r in objects] == ["compute_customers_prepared", "compute_orders_live"]


def test_create_recipe_with_the_builder(project: DSSProject) -> None:
    builder = project.new_recipe("prepare", "compute_customers_prepared")
    builder.with_input("customers")
    builder.with_existing_output("customers_prepared")
    recipe = builder.create()
    assert (recipe.project_key, recipe.name) == ("CHURN", "compute_customers_prepared")


def test_create_recipe_raw(project: DSSProject) -> None:
    recipe = project.create_recipe({"type": "shaker", "name": "compute_customers_prepared",
                                    "inputs": {"main": {"items": [{"ref": "customers"}]}},
                                    "outputs": {"main": {"items": [{"ref": "customers_prepared"}]}}}, {})
    assert recipe.name == "compute_customers_prepared"


def test_recipe_without_type_is_rejected(project: DSSProject) -> None:
    with pytest.raises(DataikuException) as caught:
        project.create_recipe({"name": "compute_customers_prepared"}, {})
    assert "type" in str(caught.value)


def test_prepare_recipe_settings(project: DSSProject) -> None:
    recipe = project.get_recipe("compute_customers_prepared")
    assert recipe.type == "shaker"
    settings = recipe.get_settings()
    assert isinstance(settings, PrepareRecipeSettings)
    assert [step["type"] for step in settings.raw_steps] == ["ColumnsSelector", "DateDifference",
                                                            "FillEmptyWithValue"]
    assert settings.has_input("customers")
    assert settings.has_output("customers_prepared")
    assert settings.get_flat_input_refs() == ["customers"]
    assert settings.get_recipe_raw_definition()["versionTag"]["versionNumber"] == 3
    settings.add_processor_step("ColumnRenamer", {"renamings": [{"from": "country", "to": "country_code"}]})
    assert settings.save() == {"msg": "Recipe CHURN.compute_customers_prepared saved"}


def test_code_recipe_settings(project: DSSProject) -> None:
    # dataikuapi has no dedicated class for continuous Python (cpython) recipes
    settings = project.get_recipe("compute_orders_live").get_settings()
    assert type(settings) is DSSRecipeSettings
    assert 'StreamingEndpoint("orders_stream")' in settings.get_payload()
    assert settings.get_flat_output_refs() == ["orders_scored"]
    settings.set_payload("import dataiku\n")
    settings.save()


def test_recipe_metadata(project: DSSProject) -> None:
    recipe = project.get_recipe("compute_customers_prepared")
    metadata = recipe.get_metadata()
    assert metadata["custom"]["kv"] == {"owner_team": "growth"}
    assert metadata["checklists"]["checklists"][0]["items"][0]["done"] is True
    metadata["tags"].append("gold")
    assert recipe.set_metadata(metadata) == {"msg": "Metadata of recipe CHURN.compute_customers_prepared saved"}


def test_delete_recipe(project: DSSProject) -> None:
    assert project.get_recipe("compute_customers_prepared").delete() is None


def test_continuous_recipe_handle(project: DSSProject) -> None:
    activity = project.get_recipe("compute_orders_live").get_continuous_activity()
    assert activity.get_status()["desiredState"] == "STARTED"


# ------------------------------------------------------- streaming endpoints


def test_list_streaming_endpoints(project: DSSProject) -> None:
    endpoints = project.list_streaming_endpoints()
    assert all(isinstance(e, DSSStreamingEndpointListItem) for e in endpoints)
    assert [(e.id, e.type) for e in endpoints] == [("orders_stream", "kafka"), ("orders_scored", "kafka"),
                                                   ("site_events", "httpsse")]
    assert endpoints[0].connection == "kafka-main"
    assert endpoints[2].connection is None
    assert endpoints[0].get_column("amount") == {"name": "amount", "type": "double"}
    assert endpoints[0].tags == ["sales", "streaming"]
    objects = project.list_streaming_endpoints(as_type="objects")
    assert all(isinstance(e, DSSStreamingEndpoint) for e in objects)
    assert objects[1].name == "orders_scored"


def test_create_streaming_endpoints(project: DSSProject) -> None:
    kafka = project.create_kafka_streaming_endpoint("orders_stream", connection="kafka-main", topic="orders")
    assert (kafka.project_key, kafka.id) == ("CHURN", "orders_stream")
    sse = project.create_httpsse_streaming_endpoint("site_events", url="https://events.example.com/stream")
    assert sse.name == "site_events"
    generic = project.create_streaming_endpoint("orders_stream", "kafka", {"connection": "kafka-main"})
    assert generic.id == "orders_stream"


def test_create_managed_streaming_endpoint(project: DSSProject) -> None:
    helper = project.new_managed_streaming_endpoint("orders_scored", "kafka")
    helper.with_store_into("kafka-main", format_option_id="json")
    assert helper.get_creation_settings() == {"connectionId": "kafka-main", "formatOptionId": "json"}
    assert helper.already_exists() is True
    endpoint = helper.create()
    assert endpoint.id == "orders_scored"


def test_managed_streaming_endpoint_without_connection_is_rejected(project: DSSProject) -> None:
    with pytest.raises(DataikuException) as caught:
        project.new_managed_streaming_endpoint("orders_scored").create()
    assert "connectionId" in str(caught.value)


def test_kafka_streaming_endpoint_settings(project: DSSProject) -> None:
    settings = project.get_streaming_endpoint("orders_stream").get_settings()
    assert isinstance(settings, KafkaStreamingEndpointSettings)
    assert settings.type == "kafka"
    assert settings.get_raw_params() == {"connection": "kafka-main", "topic": "orders"}
    settings.set_connection_and_topic(topic="orders-v2")
    settings.add_raw_schema_column({"name": "currency", "type": "string", "maxLength": 3})
    settings.save()
    assert settings.get_raw()["schema"]["columns"][-1]["name"] == "currency"


def test_httpsse_streaming_endpoint_settings(project: DSSProject) -> None:
    settings = project.get_streaming_endpoint("site_events").get_settings()
    assert isinstance(settings, HTTPSSEStreamingEndpointSettings)
    assert settings.get_raw_params()["url"] == "https://events.example.com/stream"
    settings.set_url("https://events.example.com/v2/stream")
    settings.save()


def test_streaming_endpoint_schema(project: DSSProject) -> None:
    endpoint = project.get_streaming_endpoint("orders_stream")
    assert endpoint.exists() is True
    schema = endpoint.get_schema()
    assert [c["name"] for c in schema["columns"]] == ["order_id", "customer_id", "order_ts", "amount"]
    schema["columns"].append({"name": "currency", "type": "string", "maxLength": 3})
    assert endpoint.set_schema(schema) == {"msg": "Schema of streaming endpoint CHURN.orders_stream saved"}


def test_streaming_endpoint_schema_with_unknown_type_is_rejected(project: DSSProject) -> None:
    with pytest.raises(DataikuException) as caught:
        project.get_streaming_endpoint("orders_stream").set_schema({"columns": [{"name": "id", "type": "varchar"}]})
    assert "varchar" in str(caught.value)


def test_delete_streaming_endpoint(project: DSSProject) -> None:
    assert project.get_streaming_endpoint("site_events").delete() is None


# ----------------------------------------------------------------- scenarios


def test_list_scenarios(project: DSSProject) -> None:
    items = project.list_scenarios()
    assert all(isinstance(item, DSSScenarioListItem) for item in items)
    assert [item.to_scenario().id for item in items] == ["REBUILD_DAILY", "SCORE_CUSTOMERS"]
    assert [item.id for item in items] == ["Rebuild daily", "Score customers"]  # the client returns the name
    assert [item.running for item in items] == [False, True]
    assert items[1].start_time == utc("2026-11-20T09:30:00.127")
    assert items[0].tags == ["production"]
    scenarios = project.list_scenarios(as_type="objects")
    assert [s.id for s in scenarios] == ["REBUILD_DAILY", "SCORE_CUSTOMERS"]


def test_create_scenario(project: DSSProject) -> None:
    scenario = project.create_scenario("Rebuild daily", "step_based")
    assert (scenario.project_key, scenario.id) == ("CHURN", "REBUILD_DAILY")


def test_scenario_of_unknown_type_is_rejected(project: DSSProject) -> None:
    with pytest.raises(DataikuException) as caught:
        project.create_scenario("Explore", "notebook")
    assert "notebook" in str(caught.value)


def test_step_based_scenario_settings(rebuild_daily: DSSScenario) -> None:
    settings = rebuild_daily.get_settings()
    assert isinstance(settings, StepBasedScenarioSettings)
    assert settings.active is True
    assert settings.run_as is None
    assert settings.effective_run_as == "admin"
    assert [step["id"] for step in settings.raw_steps] == ["build_customers_prepared", "retrain_churn_model"]
    assert settings.raw_triggers[0]["params"]["frequency"] == "Daily"
    assert settings.raw_reporters[0]["messaging"]["configuration"]["recipient"] == "data-team@example.com"
    settings.active = False
    settings.add_periodic_trigger(every_minutes=30)
    settings.save()
    assert settings.raw_triggers[-1]["params"] == {"frequency": "Minutely", "repeatFrequency": 30}


def test_python_scenario_settings(score_customers: DSSScenario) -> None:
    settings = score_customers.get_settings()
    assert isinstance(settings, PythonScriptBasedScenarioSettings)
    assert 'scenario.build_dataset("customers_prepared")' in settings.code
    settings.code = 'from dataiku.scenario import Scenario\n\nScenario().build_dataset("customers_prepared")\n'
    settings.save()


def test_scenario_status(rebuild_daily: DSSScenario, score_customers: DSSScenario) -> None:
    idle = rebuild_daily.get_status()
    assert idle.running is False
    assert idle.next_run == utc("2026-11-21T02:00:00")
    busy = score_customers.get_status()
    assert busy.running is True
    assert busy.next_run is None
    assert busy.get_raw()["start"] == 1795167000127


def test_run_returns_the_trigger_fire(rebuild_daily: DSSScenario) -> None:
    fire = rebuild_daily.run({"reason": "manual rebuild"})
    assert isinstance(fire, DSSTriggerFire)
    assert (fire.trigger_id, fire.run_id) == ("manual", "2026-11-20-09-15-00-095")
    assert fire.is_cancelled() is False
    assert fire.is_cancelled(refresh=True) is False
    run = fire.wait_for_scenario_run()
    assert isinstance(run, DSSScenarioRun)
    assert run.id == RUN_ID
    assert run.trigger["id"] == "manual"


def test_run_and_wait_reaches_the_end(rebuild_daily: DSSScenario) -> None:
    run = rebuild_daily.run_and_wait()
    assert run.id == RUN_ID
    assert run.running is False
    assert run.outcome == "SUCCESS"
    assert run.start_time == utc("2026-11-20T09:15:00.102")
    assert run.end_time == utc("2026-11-20T09:17:10.918")
    assert run.duration == pytest.approx(130.816)
    run.wait_for_completion()


def test_last_runs(rebuild_daily: DSSScenario) -> None:
    runs = rebuild_daily.get_last_runs(limit=5)
    assert [(r.id, r.outcome) for r in runs] == [(RUN_ID, "SUCCESS"), (FAILED_RUN_ID, "FAILED")]
    assert runs[1].trigger["type"] == "temporal"
    assert rebuild_daily.get_last_finished_run().id == RUN_ID
    assert rebuild_daily.get_last_successful_run().id == RUN_ID
    assert rebuild_daily.get_average_duration(limit=2) == pytest.approx((130.816 + 106.809) / 2)
    assert rebuild_daily.get_current_run() is None


def test_current_run_of_a_running_scenario(score_customers: DSSScenario) -> None:
    current = score_customers.get_current_run()
    assert current is not None
    assert current.id == "2026-11-20-09-30-00-127"
    assert current.running is True
    with pytest.raises(ValueError):
        current.get_end_time()
    current.refresh()
    assert current.get_details().steps == []


def test_run_details(rebuild_daily: DSSScenario) -> None:
    run = rebuild_daily.get_run(RUN_ID)
    assert run.outcome == "SUCCESS"
    details = run.get_details()
    assert [step.outcome for step in details.steps] == ["SUCCESS", "SUCCESS"]
    assert details.steps[0].job_ids == [JOB_ID]
    assert details.last_step["additionalReportItems"][0]["target"]["modelId"] == "Xh7pQ2rS"
    assert details.first_error_details is None


def test_failed_run_details(rebuild_daily: DSSScenario) -> None:
    run = rebuild_daily.get_run(FAILED_RUN_ID)
    assert run.outcome == "FAILED"
    details = run.get_details()
    error = details.first_error_details
    assert error is not None
    assert (error["code"], error["fixability"]) == ("ERR_SQL_CANNOT_CONNECT", "ADMIN_SETTINGS_CONNECTIONS")
    assert details.steps[0].job_ids == ["Build_customers_prepared__NP__2026-11-19T02-00-00.623"]
    with pytest.raises(DataikuException):
        run.wait_for_completion()


def test_trigger_fire_that_has_not_started_a_run_yet(rebuild_daily: DSSScenario) -> None:
    fire = rebuild_daily.get_trigger_fire("manual", "2026-11-20-10-00-00-004")
    assert (fire.get_raw()["scenarioId"], fire.run_id) == ("REBUILD_DAILY", "2026-11-20-10-00-00-004")
    assert fire.is_cancelled() is False
    assert fire.get_scenario_run() is None


def test_abort_and_delete_scenario(rebuild_daily: DSSScenario) -> None:
    assert rebuild_daily.abort() == {}
    assert rebuild_daily.delete() == {"message": "Deleted scenario REBUILD_DAILY from project CHURN"}


def test_deprecated_definition_calls(rebuild_daily: DSSScenario) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        light = rebuild_daily.get_definition()
        assert (light["id"], light["running"]) == ("REBUILD_DAILY", False)
        full = rebuild_daily.get_definition(with_status=False)
        assert full["type"] == "step_based"
        light["active"] = False
        assert rebuild_daily.set_definition(light)["message"] == "Saved scenario REBUILD_DAILY in project CHURN"


# ----------------------------------------------------- continuous activities


def test_list_continuous_activities(project: DSSProject) -> None:
    activities = project.list_continuous_activities()
    assert all(isinstance(a, DSSContinuousActivity) for a in activities)
    assert [(a.project_key, a.recipe_id) for a in activities] == [("CHURN", "compute_orders_live")]
    raw = project.list_continuous_activities(as_objects=False)
    assert raw[0]["desiredState"] == "STARTED"
    assert raw[0]["startedBy"] == "admin"


def test_continuous_activity_lifecycle(project: DSSProject) -> None:
    activity = project.get_continuous_activity("compute_orders_live")
    started = activity.start({"abortAfterCrashes": 5, "initialRestartDelayMS": 10000})
    assert (started["jobId"], started["alive"], started["hasResult"]) == ("cA7rL2pQ", True, False)
    assert activity.start()["jobId"] == "cA7rL2pQ"
    status = activity.get_status()
    assert status["mainLoopState"]["futureId"] == "cA7rL2pQ"
    assert status["mainLoopState"]["futureInfo"]["alive"] is True
    assert status["loopParams"]["abortAfterCrashes"] == -1
    assert activity.stop() is None
    assert activity.get_recipe().name == "compute_orders_live"


def test_negative_restart_delay_is_rejected(project: DSSProject) -> None:
    with pytest.raises(DataikuException) as caught:
        project.get_continuous_activity("compute_orders_live").start({"initialRestartDelayMS": -1})
    assert "initialRestartDelayMS" in str(caught.value)


# ------------------------------------------------------------ raw HTTP level


def test_documented_prefix_answers_too(dss_url: str) -> None:
    answer = requests.get(f"{dss_url}/public/api/projects/CHURN/jobs/{JOB_ID}/", auth=(DSS_API_KEY, ""), timeout=5)
    assert answer.status_code == 200
    assert answer.json()["baseStatus"]["state"] == "DONE"
    log = requests.get(f"{dss_url}/public/api/projects/CHURN/jobs/{JOB_ID}/log", auth=(DSS_API_KEY, ""), timeout=5)
    assert log.headers["Content-Type"].startswith("text/plain")


def test_document_examples_are_served(dss_url: str) -> None:
    base = f"{dss_url}/public/api/projects"
    status = requests.get(f"{base}/MYPROJECT/jobs/build_something_2016_02_10_21_23_34/",
                          auth=(DSS_API_KEY, ""), timeout=5).json()
    assert status["baseStatus"] == {"status": "DONE", "state": "DONE", "jobStartTime": 1442418929502,
                                    "jobEndTime": 1442418932140}
    schema = requests.get(f"{base}/projectKey/streamingendpoints/streamingEndpointId/schema",
                          auth=(DSS_API_KEY, ""), timeout=5).json()
    assert schema["columns"][1] == {"name": "Column2", "type": "bigint"}


def test_missing_api_key_is_unauthorized(dss_url: str) -> None:
    answer = requests.get(f"{dss_url}/dip/publicapi/projects/CHURN/scenarios/", timeout=5)
    assert answer.status_code == 401
    assert answer.json()["errorType"] == "com.dataiku.dip.exceptions.UnauthorizedException"
