"""dataikuapi.DSSClient, unchanged, against the mock: users and groups (specs/dataiku-dss/admin-users.yaml).

The last test checks that the module's tests reached every operation of the family file. A stateful run
creates a user, reads it back, changes its settings and deletes it; the same flow also runs through
`apitwin serve --stateful` (granian, the default server).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from dataikuapi import DSSClient
from dataikuapi.dss.admin import DSSGroup, DSSUser, DSSUserActivity
from dataikuapi.utils import DataikuException

from ..conftest import SPECS, free_port, wait_until_healthy
from .dss_admin import OperationLog, recording_client, stateful_dss


@pytest.fixture(scope="module")
def log() -> OperationLog:
    return OperationLog("admin-users.yaml")


@pytest.fixture(scope="module")
def dss(serve_specs: Callable[..., str], log: OperationLog) -> DSSClient:
    return recording_client(serve_specs("dataiku-dss.yaml"), log)


# ---------------------------------------------------------------- users


def test_list_users(dss: DSSClient) -> None:
    users = dss.list_users()
    assert [u["login"] for u in users] == ["admin", "lea.martin", "tom.becker"]
    assert users[0]["displayName"] == "DSS Administrator"  # the owner of CHURN and SANDBOX
    assert all("password" not in u for u in users)
    handles = dss.list_users(as_objects=True, include_settings=True)
    assert isinstance(handles[1], DSSUser) and handles[1].login == "lea.martin"


def test_create_user_then_read_its_settings(dss: DSSClient) -> None:
    user = dss.create_user("nina.keller", "Wq7!vR2m#Lp9", display_name="Nina Keller", groups=["data_scientists"],
                           profile="DATA_DESIGNER", email="nina.keller@example.com")
    assert isinstance(user, DSSUser) and user.login == "nina.keller"
    settings = user.get_settings()
    assert settings.get_raw()["displayName"] == "Nina Keller"
    assert settings.enabled is True and settings.admin_properties == {}
    assert settings.creation_date is not None and settings.creation_date.year == 2026
    assert "password" not in settings.get_raw()  # write-only


def test_create_user_with_a_bad_login_is_refused(dss: DSSClient) -> None:
    with pytest.raises(DataikuException) as caught:
        dss.create_user("nina keller!", "pw")
    assert "login" in str(caught.value)


def test_user_settings_save(dss: DSSClient) -> None:
    settings = dss.get_user("lea.martin").get_settings()
    assert settings.admin_properties["team"] == "churn"
    assert settings.preferences.ui_language == "fr"
    assert settings.user_properties == {}
    settings.enabled = False
    settings.admin_properties["cost_center"] = "4420"
    settings.preferences.mention_emails = False
    settings.save()


def test_deprecated_definition_calls(dss: DSSClient) -> None:
    user = dss.get_user("tom.becker")
    with pytest.warns(DeprecationWarning):
        definition = user.get_definition()
    assert definition["sourceType"] == "LDAP"
    definition["groups"].append("data_scientists")
    with pytest.warns(DeprecationWarning):
        saved = user.set_definition(definition)
    assert saved["login"] == "nina.keller"  # the spec's one saved example: nina.keller disabled


def test_user_info_and_activity(dss: DSSClient) -> None:
    info = dss.get_user("lea.martin").get_info()
    assert (info.login, info.display_name, info.groups, info.enabled) == (
        "lea.martin", "Léa Martin", ["data_scientists"], True)
    activity = dss.get_user("admin").get_activity()
    assert isinstance(activity, DSSUserActivity)
    last = activity.last_successful_login
    assert last is not None and last.year == 2026
    assert dss.get_user("nina.keller").get_activity().last_successful_login is None  # 0 = never
    everyone = dss.list_users_activity(enabled_users_only=True)
    assert [a.login for a in everyone] == ["admin", "lea.martin", "tom.becker"]
    assert everyone[1].last_failed_login is None


def test_delete_user(dss: DSSClient) -> None:
    assert dss.get_user("nina.keller").delete() is None
    assert dss.get_user("admin").delete(allow_self_deletion=True) is None


def test_bulk_create_edit_delete(dss: DSSClient) -> None:
    created = dss.create_users([
        {"login": "paul.roux", "password": "Jx4#tB8q!Zc2", "displayName": "Paul Roux", "groups": ["marketing_analysts"],
         "userProfile": "READER", "email": "paul.roux@example.com"},
        {"login": "sara.lind", "password": "Hm2$Wd6p@Kv5", "displayName": "Sara Lind", "groups": None},
    ])
    assert [(s["login"], s["status"]) for s in created] == [("paul.roux", "SUCCESS"), ("sara.lind", "SUCCESS")]
    edited = dss.edit_users([{"login": "tom.becker", "enabled": False}, {"login": "lea.martin",
                                                                         "userProfile": "FULL_DESIGNER"}])
    assert {s["status"] for s in edited} == {"SUCCESS"}
    deleted = dss.delete_users(["paul.roux", "sara.lind", "admin"])
    assert deleted[-1]["status"] == "FAILURE" and "own user" in deleted[-1]["error"]


def test_own_user(dss: DSSClient) -> None:
    settings = dss.get_own_user().get_settings()
    assert settings.get_raw()["login"] == "admin"
    assert [s["name"] for s in settings.get_raw()["secrets"]] == ["github_token"]
    settings.add_secret("openai_key", "example-only")
    settings.user_properties["team"] = "platform"
    assert settings.save() is None


def test_users_and_groups_info(dss: DSSClient) -> None:
    assert [u.login for u in dss.list_users_info()] == ["admin", "lea.martin", "tom.becker"]
    assert [g.name for g in dss.list_groups_info()] == ["administrators", "data_scientists", "marketing_analysts"]


# ---------------------------------------------------------------- groups


def test_groups(dss: DSSClient) -> None:
    groups = dss.list_groups()
    assert [g["name"] for g in groups] == ["administrators", "data_scientists", "marketing_analysts"]
    assert groups[0]["admin"] is True
    definition = dss.get_group("marketing_analysts").get_definition()
    assert definition["sourceType"] == "LDAP" and definition["ldapGroupNames"]


def test_create_save_delete_group(dss: DSSClient) -> None:
    group = dss.create_group("fraud_analysts", description="Analysts of the fraud team")
    assert isinstance(group, DSSGroup)
    definition = group.get_definition()
    assert definition["name"] == "fraud_analysts" and definition["mayCreateProjects"] is False
    definition["mayCreateProjects"] = True
    assert group.set_definition(definition)["mayCreateProjects"] is True
    assert group.delete() is None


def test_every_operation_of_the_family_is_driven(log: OperationLog) -> None:
    assert log.reached() == log.operations()
    assert len(log.operations()) == 20


# ---------------------------------------------------------------- stateful


def lifecycle(dss: DSSClient) -> None:
    """Create a user, read it back, change its settings, delete it (and a group likewise)."""
    before = [u["login"] for u in dss.list_users()]
    user = dss.create_user("olga.ivanova", "Tq5&Yc1z!Rb8", display_name="Olga Ivanova", groups=["data_scientists"],
                           email="olga.ivanova@example.com")
    assert [u["login"] for u in dss.list_users()] == [*before, "olga.ivanova"]
    settings = user.get_settings()
    assert (settings.get_raw()["displayName"], settings.get_raw()["groups"]) == ("Olga Ivanova", ["data_scientists"])
    assert "password" not in settings.get_raw()  # stored from the create body, never read back
    settings.enabled = False
    settings.get_raw()["groups"].append("marketing_analysts")
    settings.save()
    again = user.get_settings()
    assert again.enabled is False and again.get_raw()["groups"] == ["data_scientists", "marketing_analysts"]
    assert user.get_activity().login == "olga.ivanova"
    user.delete()
    with pytest.raises(DataikuException, match="NotFoundException"):
        user.get_settings()
    with pytest.raises(DataikuException, match="NotFoundException"):
        user.get_activity()
    assert "olga.ivanova" not in [u["login"] for u in dss.list_users()]
    # the example world is there from the start; what does not exist is a DSS 404
    assert dss.get_user("lea.martin").get_settings().admin_properties["team"] == "churn"
    with pytest.raises(DataikuException, match="NotFoundException"):
        dss.get_user("lea.martn").get_settings()

    with pytest.raises(DataikuException, match="already exists"):
        dss.create_group("data_scientists")
    group = dss.create_group("risk_analysts", description="Risk team")
    assert group.get_definition()["description"] == "Risk team"
    group.set_definition({**group.get_definition(), "mayCreateProjects": True})
    assert group.get_definition()["mayCreateProjects"] is True
    assert "risk_analysts" in [g["name"] for g in dss.list_groups()]
    group.delete()
    with pytest.raises(DataikuException, match="NotFoundException"):
        group.get_definition()


def test_stateful_user_lifecycle(tmp_path: Path) -> None:
    with stateful_dss(tmp_path / "state.sqlite") as dss:
        lifecycle(dss)


def test_stateful_user_lifecycle_through_apitwin_serve(tmp_path: Path) -> None:
    """The whole path a user takes: `apitwin serve --stateful` (the default server, two workers sharing the state)."""
    port = free_port()
    exe = Path(sys.executable).parent / "apitwin"
    proc = subprocess.Popen([str(exe), "serve", str(SPECS / "dataiku-dss.yaml"), "--port", str(port),
                             "--workers", "2", "--stateful", "--state-file", str(tmp_path / "state.sqlite"),
                             "--no-reload"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", proc, "apitwin serve")
        lifecycle(DSSClient(f"http://127.0.0.1:{port}", api_key="dkuaps-serve-test-key"))
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the gunicorn master and the workers it started
            proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in err
    assert f"127.0.0.1:{port}" in out
