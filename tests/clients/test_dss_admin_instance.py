"""dataikuapi.DSSClient, unchanged, against the mock: the instance (general settings, global variables,
instance information, licensing, usage summary, audit, authentication info; specs/dataiku-dss/admin-instance.yaml).

The last stateless test checks that the module reached every operation of the family file; the stateful
test reads back what it saved.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from dataikuapi import DSSClient
from dataikuapi.dss.admin import DSSInstanceVariables, DSSUserImpersonationRule
from dataikuapi.utils import DataikuException

from .dss_admin import OperationLog, recording_client, stateful_dss


@pytest.fixture(scope="module")
def log() -> OperationLog:
    return OperationLog("admin-instance.yaml")


@pytest.fixture(scope="module")
def dss(serve_specs: Callable[..., str], log: OperationLog) -> DSSClient:
    return recording_client(serve_specs("dataiku-dss.yaml"), log)


def test_general_settings_and_impersonation_rules(dss: DSSClient) -> None:
    settings = dss.get_general_settings()
    assert settings.get_raw()["studioExternalUrl"] == "https://dss.example.com"
    rules = settings.get_impersonation_rules()
    assert [r.raw["type"] for r in rules] == ["IDENTITY", "SINGLE_MAPPING"]
    # filtering on a group keeps every user rule (the filter applies to group rules only): ask for group rules
    assert len(settings.get_impersonation_rules(dss_group="marketing_analysts")) == 2
    assert [r.raw["targetUnix"] for r in settings.get_impersonation_rules(dss_group="marketing_analysts",
                                                                          is_user=False)] == ["dss_marketing"]
    rule = DSSUserImpersonationRule().scope_project("CHURN").user_single("lea.martin", "dss_churn")
    settings.add_impersonation_rule(rule)
    assert len(settings.get_impersonation_rules(is_user=True)) == 2
    assert settings.save() is None


def test_global_variables(dss: DSSClient) -> None:
    variables = dss.get_global_variables()
    assert isinstance(variables, DSSInstanceVariables)
    assert variables["crm_schema"] == "public" and variables["retention_days"] == 400
    variables["retention_days"] = 730
    assert variables.save() is None
    with pytest.warns(DeprecationWarning):
        assert dss.get_variables()["env"] == "design"


def test_instance_info(dss: DSSClient) -> None:
    info = dss.get_instance_info()
    assert (info.node_id, info.node_name, info.node_type) == ("dss-design-analytics", "Design (analytics)", "DESIGN")
    assert info.raw["dssVersion"] == "15.2.0"


def test_licensing_status(dss: DSSClient) -> None:
    status = dss.get_licensing_status()
    assert status["hasLicense"] is True and status["expired"] is False
    assert status["userProfiles"]["DATA_SCIENTIST"]["enabledUsers"] == 1


def test_global_usage_summary(dss: DSSClient) -> None:
    summary = dss.get_global_usage_summary()
    assert summary.projects_count == 2  # CHURN and SANDBOX
    assert (summary.total_datasets_count, summary.total_recipes_count, summary.total_jupyter_notebooks_count,
            summary.total_sql_notebooks_count, summary.total_scenarios_count,
            summary.total_active_with_trigger_scenarios_count) == (3, 1, 1, 0, 1, 1)
    per_project = dss.get_global_usage_summary(with_per_project=True)
    assert [p["projectKey"] for p in per_project.raw["perProject"]] == ["CHURN", "SANDBOX"]


def test_custom_audit(dss: DSSClient) -> None:
    assert dss.log_custom_audit("churn-model-approved", {"projectKey": "CHURN", "approvedBy": "lea.martin"}) is None
    assert dss.log_custom_audit("nightly-check") is None


def test_custom_audit_with_a_bad_type_is_refused(dss: DSSClient) -> None:
    with pytest.raises(DataikuException, match="customType"):
        dss.log_custom_audit("no spaces allowed")


def test_auth_info(dss: DSSClient) -> None:
    info = dss.get_auth_info()
    assert info["authIdentifier"] == "admin" and info["groups"] == ["administrators"]
    assert "secrets" not in info
    assert dss.get_auth_info(with_secrets=True)["secrets"][0]["key"] == "github_token"


def test_every_operation_of_the_family_is_driven(log: OperationLog) -> None:
    assert log.reached() == log.operations()
    assert len(log.operations()) == 9


def test_stateful_settings_and_variables_are_read_back(tmp_path: Path) -> None:
    with stateful_dss(tmp_path / "state.sqlite") as dss:
        variables = dss.get_global_variables()
        assert variables["retention_days"] == 400
        variables["retention_days"] = 730
        variables["fraud_schema"] = "fraud"
        variables.save()
        again = dss.get_global_variables()
        assert (again["retention_days"], again["fraud_schema"]) == (730, "fraud")

        settings = dss.get_general_settings()
        settings.add_impersonation_rule(DSSUserImpersonationRule().scope_project("CHURN")
                                        .user_single("lea.martin", "dss_churn"))
        settings.get_raw()["maxRunningActivities"] = 12
        settings.save()
        reread = dss.get_general_settings()
        assert reread.get_raw()["maxRunningActivities"] == 12
        assert [r.raw.get("dssUser") for r in reread.get_impersonation_rules(is_user=True)] == [None, "lea.martin"]
