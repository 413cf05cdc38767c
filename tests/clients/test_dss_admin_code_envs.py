"""dataikuapi.DSSClient, unchanged, against the mock: code environments
(specs/dataiku-dss/admin-code-envs.yaml).

The last stateless test checks that the module reached every operation of the family file; the stateful
test creates an env (POST on its own path), reads it back, changes its packages and deletes it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from dataikuapi import DSSClient
from dataikuapi.dss.admin import DSSCodeEnv, DSSDesignCodeEnvSettings
from dataikuapi.dss.future import DSSFuture
from dataikuapi.utils import DataikuException

from .dss_admin import OperationLog, recording_client, stateful_dss


@pytest.fixture(scope="module")
def log() -> OperationLog:
    return OperationLog("admin-code-envs.yaml")


@pytest.fixture(scope="module")
def dss(serve_specs: Callable[..., str], log: OperationLog) -> DSSClient:
    return recording_client(serve_specs("dataiku-dss.yaml"), log)


def test_list_code_envs(dss: DSSClient) -> None:
    envs = dss.list_code_envs()
    assert [(e["envLang"], e["envName"]) for e in envs] == [
        ("PYTHON", "py311-churn"), ("PYTHON", "py311_geo"), ("PYTHON", "plugin_geoadmin_managed")]
    handles = dss.list_code_envs(as_objects=True)
    assert isinstance(handles[0], DSSCodeEnv) and (handles[0].env_lang, handles[0].env_name) == (
        "PYTHON", "py311-churn")


def test_create_code_env(dss: DSSClient) -> None:
    env = dss.create_code_env("PYTHON", "py311-fraud", "DESIGN_MANAGED",
                              params={"pythonInterpreter": "PYTHON311", "installCorePackages": True})
    assert isinstance(env, DSSCodeEnv) and env.env_name == "py311-fraud"
    future = dss.create_code_env("PYTHON", "py311-fraud", "DESIGN_MANAGED", wait=False)
    assert isinstance(future, DSSFuture) and future.job_id == "codeenv-create-Hq3nK8"


def test_create_code_env_without_a_deployment_mode_is_refused(dss: DSSClient) -> None:
    with pytest.raises(DataikuException, match="deploymentMode"):
        dss._perform_json("POST", "/admin/code-envs/PYTHON/py311-fraud", body={})


def test_create_internal_code_env(dss: DSSClient) -> None:
    env = dss.create_internal_code_env("RAG_CODE_ENV", python_interpreter="PYTHON311")
    assert isinstance(env, DSSCodeEnv)
    assert (env.env_lang, env.env_name) == ("python", "INTERNAL_retrieval_augmented_generation_v1")
    future = dss.create_internal_code_env("RAG_CODE_ENV", wait=False)
    assert isinstance(future, DSSFuture) and future.job_id == "codeenv-create-Ru6sV1"


def test_code_env_settings(dss: DSSClient) -> None:
    env = dss.get_code_env("PYTHON", "py311-churn")
    settings = env.get_settings()
    assert isinstance(settings, DSSDesignCodeEnvSettings)  # versions is null: a design node's env
    assert settings.env_name == "py311-churn"
    assert settings.get_required_packages(as_list=True) == ["scikit-learn>=1.5,<1.6", "xgboost==2.1.1",
                                                             "shap==0.46.0"]
    assert settings.get_built_container_confs() == ["k8s-cpu-small"]
    assert settings.get_built_for_all_container_confs() is False
    settings.set_required_packages("scikit-learn>=1.5,<1.6", "xgboost==2.1.1", "shap==0.46.0", "lightgbm==4.5.0")
    settings.set_built_container_confs("k8s-cpu-small", "k8s-gpu")
    assert settings.save() is None


def test_deprecated_definition_calls(dss: DSSClient) -> None:
    env = dss.get_code_env("PYTHON", "py311_geo")
    definition = env.get_definition()
    assert definition["specPackageList"].startswith("geopandas")
    assert env.set_definition(definition)["envName"] == "py311-fraud"  # the one saved example


def test_update_packages_and_jupyter(dss: DSSClient) -> None:
    env = dss.get_code_env("PYTHON", "py311-churn")
    report = env.update_packages()
    assert report["messages"]["error"] is False
    assert report["messages"]["messages"][0]["severity"] == "SUCCESS"
    assert isinstance(env.update_packages(force_rebuild_env=True, wait=False), DSSFuture)
    assert env.set_jupyter_support(True)["messages"]["success"] is True
    assert isinstance(env.set_jupyter_support(False, wait=False), DSSFuture)


def test_usages(dss: DSSClient) -> None:
    usages = dss.get_code_env("PYTHON", "py311-churn").list_usages()
    assert [(u["envUsage"], u["objectId"]) for u in usages] == [
        ("PROJECT", "CHURN"), ("SAVED_MODEL", "Xh7pQ2rS"), ("SCENARIO", "REBUILD_DAILY")]


def test_delete_code_env(dss: DSSClient) -> None:
    env = dss.get_code_env("PYTHON", "py311-fraud")
    assert env.delete()["messages"]["error"] is False
    assert isinstance(env.delete(wait=False), DSSFuture)


def test_every_operation_of_the_family_is_driven(log: OperationLog) -> None:
    assert log.reached() == log.operations()
    assert len(log.operations()) == 9


def test_stateful_code_env_lifecycle(tmp_path: Path) -> None:
    with stateful_dss(tmp_path / "state.sqlite") as dss:
        env = dss.get_code_env("PYTHON", "py311-nlp")
        with pytest.raises(DataikuException, match="NotFoundException"):
            env.get_settings()
        created = dss.create_code_env("PYTHON", "py311-nlp", "DESIGN_MANAGED",
                                      params={"pythonInterpreter": "PYTHON311"})
        assert created.env_name == "py311-nlp"
        settings = env.get_settings()
        assert (settings.get_raw()["envName"], settings.get_raw()["deploymentMode"]) == (
            "py311-nlp", "DESIGN_MANAGED")
        settings.set_required_packages("spacy==3.8.2")
        settings.save()
        assert env.get_settings().get_required_packages() == "spacy==3.8.2"
        assert env.update_packages()["messages"]["error"] is False
        with pytest.raises(DataikuException, match="already exists"):
            dss.create_code_env("PYTHON", "py311-nlp", "DESIGN_MANAGED")
        env.delete()
        with pytest.raises(DataikuException, match="NotFoundException"):
            env.get_settings()
        with pytest.raises(DataikuException, match="NotFoundException"):
            env.list_usages()
        # the example world: py311-churn is there from the start
        assert dss.get_code_env("PYTHON", "py311-churn").get_settings().get_raw()["owner"] == "admin"
