"""dataikuapi, unchanged, against the mock of specs/dataiku-dss.yaml: visual analyses, ML tasks, trained models
and saved models (family files ml-lab.yaml and saved-models.yaml)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import requests
from dataikuapi.dss.analysis import DSSAnalysis
from dataikuapi.dss.future import DSSFuture
from dataikuapi.dss.ml import (
    DSSClusteringMLTaskSettings,
    DSSMLTask,
    DSSPredictionMLTaskSettings,
    DSSTrainedPredictionModelDetails,
)
from dataikuapi.dss.project import DSSProject
from dataikuapi.dss.savedmodel import DSSSavedModel
from dataikuapi.utils import DataikuException

from tests.clients.conftest import DSS_API_KEY

ANALYSIS_ID = "aN3kBz7q"
MLTASK_ID = "qZpL3d9x"
M1 = "A-CHURN-aN3kBz7q-qZpL3d9x-s1-pp1-m1"
M2 = "A-CHURN-aN3kBz7q-qZpL3d9x-s1-pp1-m2"
SAVED_MODEL_ID = "Xh7pQ2rS"
ACTIVE_VERSION = "1795166400000_a3f9c2d1"
PREVIOUS_VERSION = "1794561600000_5b8e01c7"
LAB_EXPORT_ID = "mdoc-A-CHURN-aN3kBz7q-qZpL3d9x-s1-pp1-m1-7Hq2"
SM_EXPORT_ID = "mdoc-Xh7pQ2rS-1795166400000_a3f9c2d1-2Rw8"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def mltask(project: DSSProject) -> DSSMLTask:
    return project.get_ml_task(ANALYSIS_ID, MLTASK_ID)


@pytest.fixture(scope="module")
def m1_details(mltask: DSSMLTask) -> DSSTrainedPredictionModelDetails:
    details = mltask.get_trained_model_details(M1)
    assert isinstance(details, DSSTrainedPredictionModelDetails)
    return details


@pytest.fixture(scope="module")
def saved_model(project: DSSProject) -> DSSSavedModel:
    return project.get_saved_model(SAVED_MODEL_ID)


@pytest.fixture(scope="module")
def version_details(saved_model: DSSSavedModel) -> DSSTrainedPredictionModelDetails:
    details = saved_model.get_version_details(ACTIVE_VERSION)
    assert isinstance(details, DSSTrainedPredictionModelDetails)
    return details


# ---------------------------------------------------------------- visual analyses


def test_list_analyses(project: DSSProject) -> None:
    analyses = project.list_analyses()
    assert [a["analysisId"] for a in analyses] == [ANALYSIS_ID, "Lm2pQ8vt"]
    assert analyses[0]["inputDataset"] == "customers_prepared"


def test_create_analysis_and_edit_its_definition(project: DSSProject) -> None:
    analysis = project.create_analysis("customers_prepared")
    assert isinstance(analysis, DSSAnalysis)
    assert analysis.analysis_id == ANALYSIS_ID
    definition = analysis.get_definition()
    assert definition.get_raw()["name"] == "Predict churn"
    assert definition.get_raw()["inputDatasetSmartName"] == "customers_prepared"
    assert definition.get_raw_script_steps()[0]["type"] == "ColumnsSelector"
    assert definition.get_raw_script_sampling()["selection"]["maxRecords"] == 10000
    definition.get_raw()["name"] = "Predict churn v2"
    answer = analysis.set_definition(definition)
    assert answer["msg"] == "Saved analysis settings for CHURN aN3kBz7q"
    definition.save()
    analysis.delete()


def test_analysis_ml_tasks(project: DSSProject) -> None:
    analysis = project.get_analysis(ANALYSIS_ID)
    tasks = analysis.list_ml_tasks()["mlTasks"]
    assert [(t["mlTaskId"], t["taskType"]) for t in tasks] == [(MLTASK_ID, "PREDICTION"), ("Wd4tYc0u", "CLUSTERING")]
    created = analysis.create_prediction_ml_task("churned")  # waits for the guess: the status says guessing is over
    assert (created.analysis_id, created.mltask_id) == (ANALYSIS_ID, MLTASK_ID)
    assert analysis.get_ml_task(MLTASK_ID).get_status()["guessing"] is False


# ---------------------------------------------------------------- ML tasks


def test_list_ml_tasks(project: DSSProject) -> None:
    tasks = project.list_ml_tasks()["mlTasks"]
    assert tasks[0]["targetVariable"] == "churned"
    assert tasks[0]["predictionType"] == "BINARY_CLASSIFICATION"
    assert tasks[1]["mlTaskName"] == "Customer segments (KMeans)"


def test_create_prediction_ml_task_waits_for_the_guess(project: DSSProject) -> None:
    task = project.create_prediction_ml_task("customers_prepared", "churned")
    assert isinstance(task, DSSMLTask)
    assert (task.project_key, task.analysis_id, task.mltask_id) == ("CHURN", ANALYSIS_ID, MLTASK_ID)
    unwaited = project.create_prediction_ml_task("customers_prepared", "churned", wait_guess_complete=False)
    unwaited.wait_guess_complete()


def test_create_clustering_ml_task_answers_its_own_example(project: DSSProject) -> None:
    task = project.create_clustering_ml_task("customers_prepared")
    assert task.mltask_id == "Wd4tYc0u"


def test_ml_task_settings(mltask: DSSMLTask) -> None:
    settings = mltask.get_settings()
    assert isinstance(settings, DSSPredictionMLTaskSettings)
    assert not isinstance(settings, DSSClusteringMLTaskSettings)
    assert settings.get_prediction_type() == "BINARY_CLASSIFICATION"
    assert settings.get_raw()["targetVariable"] == "churned"
    forest = settings.get_algorithm_settings("RANDOM_FOREST_CLASSIFICATION")
    assert forest.enabled is True
    assert forest.n_estimators.values == [100]
    assert settings.get_algorithm_settings("LOGISTIC_REGRESSION")["C"]["values"] == [0.01, 0.1, 1, 10, 100]
    assert settings.get_hyperparameter_search_settings().strategy == "GRID"
    assert settings.split_params.get_raw()["ssdTrainingRatio"] == 0.8
    assert settings.get_feature_preprocessing("tenure_months")["rescaling"] == "AVGSTD"
    assert settings.get_diagnostics_settings()["enabled"] is True
    settings.reject_feature("segment")
    settings.set_algorithm_enabled("LOGISTIC_REGRESSION", False)
    settings.set_metric("F1")
    settings.set_diagnostic_type_enabled("ML_DIAGNOSTICS_LEAKAGE_DETECTION", False)
    settings.save()


def test_reguess(mltask: DSSMLTask) -> None:
    mltask.guess()
    mltask.guess(prediction_type="MULTICLASS")
    mltask.guess(target_variable="churned", full_reguess=False)
    mltask.guess(reguess_level="FULL_REGUESS")


def test_train_waits_for_the_end_and_lists_the_session_models(mltask: DSSMLTask) -> None:
    assert mltask.start_train(session_name="weekly-refresh") == {"sessionId": "s1"}
    mltask.wait_train_complete()  # the status says training is over: the loop ends
    assert mltask.train(session_name="weekly-refresh") == [M1, M2]
    assert mltask.get_trained_models_ids() == [M1, M2]
    assert mltask.get_trained_models_ids(session_id="s2") == []


def test_trained_model_snippets(mltask: DSSMLTask) -> None:
    snippet = mltask.get_trained_model_snippet(id=M1)
    assert snippet["algorithm"] == "RANDOM_FOREST_CLASSIFICATION"
    assert snippet["auc"] == 0.861
    both = mltask.get_trained_model_snippet(ids=[M1, M2])
    assert both[M2]["algorithm"] == "LOGISTIC_REGRESSION"
    assert both[M2]["f1"] == 0.588


def test_trained_model_details(m1_details: DSSTrainedPredictionModelDetails) -> None:
    assert m1_details.full_id == M1
    metrics = m1_details.get_performance_metrics()
    assert metrics["auc"] == 0.861
    assert metrics["f1"] == 0.642
    assert "algorithm" not in metrics and "trainInfo" not in metrics
    assert m1_details.get_raw_snippet()["algorithm"] == "RANDOM_FOREST_CLASSIFICATION"
    assert m1_details.get_roc_curve_data()["auc"] == 0.861
    assert m1_details.get_train_info()["trainRows"] == 1233
    assert m1_details.get_actual_modeling_params()["resolved"]["rf"]["estimators"] == 100
    assert m1_details.get_modeling_settings()["algorithm"] == "RANDOM_FOREST_CLASSIFICATION"
    assert m1_details.get_preprocessing_settings()["target_remapping"][1]["sourceValue"] == "true"
    assert m1_details.get_hyperparameter_search_points()[0]["score"] == 0.858
    diagnostics = m1_details.get_diagnostics()
    assert diagnostics[0].get_type() == "ML_DIAGNOSTICS_DATASET_SANITY_CHECKS"
    assert "309 rows" in diagnostics[0].get_message()
    assert m1_details.get_origin_analysis_trained_model() is m1_details


def test_trained_model_user_meta(m1_details: DSSTrainedPredictionModelDetails) -> None:
    meta = m1_details.get_user_meta()
    assert meta["name"] == "Random forest (s1)"
    meta["tags"].append("candidate")
    m1_details.save_user_meta()


def test_deploy_and_redeploy_to_flow(project: DSSProject, mltask: DSSMLTask) -> None:
    deployed = mltask.deploy_to_flow(M1, "Churn prediction (random forest)", "customers_prepared")
    assert deployed == {"savedModelId": SAVED_MODEL_ID, "trainRecipeName": "train_Churn_prediction_random_forest"}
    saved = project.get_saved_model(deployed["savedModelId"])
    assert saved.get_settings().get_raw()["lastExportedFrom"] == M1
    assert mltask.redeploy_to_flow(M1, saved_model_id=SAVED_MODEL_ID) == {"impactsDownstream": True}


def test_trained_model_scoring_exports(m1_details: DSSTrainedPredictionModelDetails) -> None:
    jar = m1_details.get_scoring_jar_stream()
    assert jar.headers["Content-Type"].startswith("application/java-archive")
    archive = zipfile.ZipFile(io.BytesIO(jar.content))
    assert archive.namelist() == ["META-INF/MANIFEST.MF", "model.json"]
    assert f"DSS-Model-Id: {M1}" in archive.read("META-INF/MANIFEST.MF").decode()
    pmml = m1_details.get_scoring_pmml_stream()
    assert pmml.headers["Content-Type"].startswith("application/xml")
    assert b'<RegressionTable targetCategory="true" intercept="-0.412">' in pmml.content


def test_trained_model_subpopulation_analyses(m1_details: DSSTrainedPredictionModelDetails) -> None:
    future = m1_details.compute_subpopulation_analyses("country", wait=False)
    assert isinstance(future, DSSFuture)
    assert future.job_id == "mlsubpop-qZpL3d9x-Kp4wZ"
    analyses = m1_details.get_subpopulation_analyses()
    assert analyses.get_global().get_performance_metrics()["auc"] == 0.861
    country = analyses.get_analysis("country")
    assert country.get_computation_params() == {"nbRecords": 1000, "randomState": 1337, "onSample": True}
    modalities = country.list_modalities()
    assert [m.value for m in modalities] == ["FR", "DE", "LU"]
    assert analyses.get_analysis("country").get_modality_data(modalities[2]).is_excluded() is True


def test_trained_model_partial_dependencies(m1_details: DSSTrainedPredictionModelDetails) -> None:
    future = m1_details.compute_partial_dependencies(["tenure_months"], wait=False)
    assert isinstance(future, DSSFuture)
    assert future.job_id == "mlpdp-qZpL3d9x-Rb7nQ"
    dependencies = m1_details.get_partial_dependencies()
    assert dependencies.list_features() == ["tenure_months"]
    assert dependencies.get_partial_dependence("tenure_months").get_raw()["distribution"][0] == 112


def test_trained_model_documentation(m1_details: DSSTrainedPredictionModelDetails, tmp_path: Path) -> None:
    assert m1_details.generate_documentation().job_id == "mldoc-qZpL3d9x-Ft2cV"
    in_folder = m1_details.generate_documentation(folder_id="hZ3ti7pk", path="templates/churn-model-template.docx")
    assert in_folder.job_id == "mldocfolder-qZpL3d9x-Nv3sE"
    custom = m1_details.generate_documentation_from_custom_template(io.BytesIO(b"PK\x03\x04 template"))
    assert custom.job_id == "mldoccustom-qZpL3d9x-Jx8dM"
    with pytest.raises(ValueError):
        m1_details.generate_documentation(folder_id="hZ3ti7pk")
    stream = m1_details.download_documentation_stream(LAB_EXPORT_ID)
    assert stream.headers["Content-Type"].startswith(DOCX)
    document = zipfile.ZipFile(io.BytesIO(stream.content)).read("word/document.xml").decode()
    assert "Churn prediction (random forest): model documentation" in document
    target = tmp_path / "churn-model.docx"
    m1_details.download_documentation_to_file(LAB_EXPORT_ID, str(target))
    assert zipfile.ZipFile(target).namelist()[0] == "[Content_Types].xml"


def test_trained_model_futures_results(m1_details: DSSTrainedPredictionModelDetails) -> None:
    assert m1_details.generate_documentation().wait_for_result()["exportId"] == LAB_EXPORT_ID
    analyses = m1_details.compute_subpopulation_analyses("country")
    assert analyses.get_analysis("country").list_modalities()[0].value == "FR"
    dependencies = m1_details.compute_partial_dependencies("tenure_months")
    assert dependencies.list_features() == ["tenure_months"]


# ---------------------------------------------------------------- saved models


def test_list_saved_models(project: DSSProject) -> None:
    models = project.list_saved_models()
    assert [m["id"] for m in models] == [SAVED_MODEL_ID]
    assert models[0]["name"] == "Churn prediction (random forest)"
    assert project.list_saved_models(include_shared=True)[0]["activeVersion"] == ACTIVE_VERSION


def test_saved_model_settings(saved_model: DSSSavedModel) -> None:
    assert saved_model.id == SAVED_MODEL_ID
    settings = saved_model.get_settings()
    assert settings.prediction_type == "BINARY_CLASSIFICATION"
    assert settings.prediction_metrics_settings["evaluationMetric"] == "ROC_AUC"
    settings.get_raw()["tags"].append("production")
    settings.save()
    origin = saved_model.get_origin_ml_task()
    assert isinstance(origin, DSSMLTask)
    assert (origin.analysis_id, origin.mltask_id) == (ANALYSIS_ID, MLTASK_ID)


def test_saved_model_versions(saved_model: DSSSavedModel) -> None:
    versions = saved_model.list_versions()
    assert [(v["id"], v["active"]) for v in versions] == [(ACTIVE_VERSION, True), (PREVIOUS_VERSION, False)]
    active = saved_model.get_active_version()
    assert active is not None
    assert active["id"] == ACTIVE_VERSION
    assert active["trainDate"] == 1795166642000
    saved_model.set_active_version(PREVIOUS_VERSION)
    saved_model.delete_versions(PREVIOUS_VERSION)
    saved_model.delete_versions([PREVIOUS_VERSION], remove_intermediate=False)


def test_saved_model_version_details(version_details: DSSTrainedPredictionModelDetails) -> None:
    assert version_details.saved_model_version == ACTIVE_VERSION
    assert version_details.get_performance_metrics()["auc"] == 0.861
    assert "userMeta" not in version_details.get_performance_metrics()
    assert version_details.get_raw()["smOrigin"]["fullModelId"] == M1
    assert version_details.get_train_info()["state"] == "DONE"
    assert version_details.get_user_meta()["tags"] == ["production"]
    version_details.get_user_meta()["description"] = "Production model since 2026-11-20"
    version_details.save_user_meta()
    origin = version_details.get_origin_analysis_trained_model()
    assert isinstance(origin, DSSTrainedPredictionModelDetails)
    assert origin.full_id == M1


def test_saved_model_version_exports(version_details: DSSTrainedPredictionModelDetails, tmp_path: Path) -> None:
    jar = version_details.get_scoring_jar_stream(model_class="com.example.churn.Model", include_libs=True)
    assert jar.headers["Content-Type"].startswith("application/java-archive")
    assert zipfile.ZipFile(io.BytesIO(jar.content)).read("model.json").startswith(b'{"algorithm": "RANDOM_FOREST')
    assert b"Saved model Xh7pQ2rS" in version_details.get_scoring_pmml_stream().content
    assert version_details.generate_documentation().job_id == "smdoc-Xh7pQ2rS-Lm5vG"
    in_folder = version_details.generate_documentation("hZ3ti7pk", "templates/churn.docx")
    assert in_folder.job_id == "smdocfolder-Xh7pQ2rS-Pz1wA"
    custom = version_details.generate_documentation_from_custom_template(io.BytesIO(b"PK\x03\x04 template"))
    assert custom.job_id == "smdoccustom-Xh7pQ2rS-Yt6kR"
    target = tmp_path / "saved-model.docx"
    version_details.download_documentation_to_file(SM_EXPORT_ID, str(target))
    document = zipfile.ZipFile(target).read("word/document.xml").decode()
    assert "Version 1795166400000_a3f9c2d1 (active)" in document


def test_saved_model_version_explanations(version_details: DSSTrainedPredictionModelDetails) -> None:
    future = version_details.compute_subpopulation_analyses("segment", wait=False)
    assert isinstance(future, DSSFuture)
    assert future.job_id == "smsubpop-Xh7pQ2rS-Hq3eT"
    segment = version_details.get_subpopulation_analyses().get_analysis("segment")
    assert [m.value for m in segment.list_modalities()] == ["smb", "mid_market", "enterprise"]
    pdp = version_details.compute_partial_dependencies("monthly_spend", wait=False)
    assert isinstance(pdp, DSSFuture)
    assert pdp.job_id == "smpdp-Xh7pQ2rS-Wc9sB"
    assert version_details.get_partial_dependencies().list_features() == ["monthly_spend"]


def test_saved_model_version_futures_results(version_details: DSSTrainedPredictionModelDetails) -> None:
    assert version_details.generate_documentation().wait_for_result()["exportId"] == SM_EXPORT_ID
    analyses = version_details.compute_subpopulation_analyses("segment")
    assert analyses.get_analysis("segment").list_modalities()[2].value == "enterprise"


def test_delete_saved_model(saved_model: DSSSavedModel) -> None:
    saved_model.delete()


# ---------------------------------------------------------------- errors


def test_prediction_task_without_target_is_rejected(project: DSSProject) -> None:
    with pytest.raises(DataikuException) as caught:
        project.create_prediction_ml_task("customers_prepared", None, wait_guess_complete=False)
    assert "targetVariable" in str(caught.value)


def test_unknown_backend_is_rejected(project: DSSProject) -> None:
    with pytest.raises(DataikuException) as caught:
        project.create_prediction_ml_task("customers_prepared", "churned", ml_backend_type="SKLEARN")
    assert "SKLEARN" in str(caught.value)


def test_deploy_without_train_dataset_is_rejected(mltask: DSSMLTask) -> None:
    with pytest.raises(DataikuException) as caught:
        mltask.deploy_to_flow(M1, "Churn prediction (random forest)", None)
    assert "trainDatasetRef" in str(caught.value)


def test_deleting_no_version_is_rejected(saved_model: DSSSavedModel) -> None:
    with pytest.raises(DataikuException) as caught:
        saved_model.delete_versions([])
    assert "versions" in str(caught.value)


def test_missing_api_key_is_unauthorized(dss_url: str) -> None:
    answer = requests.get(f"{dss_url}/public/api/projects/CHURN/savedmodels/", timeout=5)
    assert answer.status_code == 401
    assert answer.json()["errorType"] == "com.dataiku.dip.exceptions.UnauthorizedException"
    authorised = requests.get(f"{dss_url}/public/api/projects/CHURN/savedmodels/", auth=(DSS_API_KEY, ""), timeout=5)
    assert authorised.json()[0]["id"] == SAVED_MODEL_ID
