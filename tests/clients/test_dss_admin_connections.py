"""dataikuapi.DSSClient, unchanged, against the mock: connections (specs/dataiku-dss/admin-connections.yaml).

The last stateless test checks that the module reached every operation of the family file; the stateful
test creates a connection, lists it, changes its settings and deletes it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from dataikuapi import DSSClient
from dataikuapi.dss.admin import DSSConnection, DSSConnectionInfo, DSSConnectionListItem
from dataikuapi.dss.future import DSSFuture
from dataikuapi.utils import DataikuException

from .dss_admin import OperationLog, recording_client, stateful_dss

WORLD = ["pg-main", "filesystem_managed", "filesystem_folders", "filesystem_input", "kafka-main"]


@pytest.fixture(scope="module")
def log() -> OperationLog:
    return OperationLog("admin-connections.yaml")


@pytest.fixture(scope="module")
def dss(serve_specs: Callable[..., str], log: OperationLog) -> DSSClient:
    return recording_client(serve_specs("dataiku-dss.yaml"), log)


def test_list_connections_is_keyed_by_name(dss: DSSClient) -> None:
    by_name = dss.list_connections()
    assert list(by_name) == WORLD  # the connections the datasets and folders of CHURN use
    assert isinstance(by_name["pg-main"], DSSConnectionListItem)
    assert (by_name["pg-main"].name, by_name["pg-main"].type) == ("pg-main", "PostgreSQL")
    assert [c.type for c in dss.list_connections(as_type="listitems")] == [
        "PostgreSQL", "Filesystem", "Filesystem", "Filesystem", "Kafka"]
    handles = dss.list_connections(as_type="objects")
    assert isinstance(handles[0], DSSConnection) and handles[0].name == "pg-main"
    assert by_name["filesystem_managed"].to_connection().name == "filesystem_managed"


def test_connection_names(dss: DSSClient) -> None:
    assert dss.list_connections_names("all") == WORLD
    assert dss.list_connections_names("PostgreSQL") == ["pg-main"]


def test_create_connection(dss: DSSClient) -> None:
    created = dss.create_connection("pg-fraud", "PostgreSQL", params={"host": "pg-fraud.example.internal",
                                                                      "db": "fraud"},
                                    usable_by="ALLOWED", allowed_groups=["data_scientists"],
                                    description="Fraud team database")
    assert isinstance(created, DSSConnection)
    assert created.get_settings().get_raw()["params"]["db"] == "fraud"


def test_create_connection_without_a_type_is_refused(dss: DSSClient) -> None:
    with pytest.raises(DataikuException, match="IllegalArgumentException"):
        dss._perform_json("POST", "/admin/connections/", body={"name": "x"})


def test_connection_settings(dss: DSSClient) -> None:
    settings = dss.get_connection("pg-main").get_settings()
    assert settings.type == "PostgreSQL"
    assert (settings.allow_write, settings.allow_managed_datasets, settings.allow_managed_folders,
            settings.allow_knowledge_banks) == (True, True, False, False)
    assert settings.usable_by == "ALLOWED"
    assert settings.usable_by_allowed_groups == ["data_scientists", "marketing_analysts"]
    assert settings.get_raw()["params"]["password"].startswith("e:AES:")  # encrypted form
    readability = settings.details_readability
    assert readability.readable_by == "ALLOWED" and readability.allowed_groups == ["data_scientists"]
    readability.set_readability(False, "data_scientists", "marketing_analysts")
    settings.allow_managed_folders = True
    settings.set_usability(True)
    assert settings.save() is None


def test_deprecated_definition_calls(dss: DSSClient) -> None:
    connection = dss.get_connection("kafka-main")
    definition = connection.get_definition()
    assert definition["params"]["securityProtocol"] == "SASL_SSL"
    assert connection.set_definition(definition)["name"] == "pg-main"  # the one saved example


def test_connection_info_and_credential(dss: DSSClient) -> None:
    info = dss.get_connection("pg-main").get_info(contextual_project_key="CHURN")
    assert isinstance(info, DSSConnectionInfo)
    assert (info.get_type(), info.get_credential_mode()) == ("PostgreSQL", "GLOBAL")
    assert info.get_basic_credential()["user"] == "dss"
    assert info.get_params()["db"] == "analytics" and info.get_resolved_params()["host"] == "pg.example.internal"
    managed = dss.get_connection("filesystem_managed").get_info()
    assert managed.get_resolved_params() is None
    with pytest.raises(ValueError, match="No basic credential"):
        managed.get_basic_credential()
    with pytest.warns(DeprecationWarning):
        assert dss.get_connection("pg-main").get_location_info().get_type() == "PostgreSQL"


def test_connection_test(dss: DSSClient) -> None:
    assert dss.get_connection("pg-main").test()["connectionOK"] is True
    failed = dss.get_connection("kafka-main").test()
    assert failed["connectionOK"] is False and "Timeout" in failed["connectionErrorMsg"]


def test_sync_acls(dss: DSSClient) -> None:
    for future in (dss.get_connection("pg-main").sync_root_acls(), dss.get_connection("pg-main").sync_datasets_acls()):
        assert isinstance(future, DSSFuture)
        assert future.wait_for_result()["success"] is True


def test_delete_connection(dss: DSSClient) -> None:
    assert dss.get_connection("pg-fraud").delete() is None


def test_every_operation_of_the_family_is_driven(log: OperationLog) -> None:
    assert log.reached() == log.operations()
    assert len(log.operations()) == 9


def test_stateful_connection_lifecycle(tmp_path: Path) -> None:
    with stateful_dss(tmp_path / "state.sqlite") as dss:
        before = list(dss.list_connections())
        # the listed world, then the connections that only have a read example (pg-fraud, "just created")
        assert before == [*WORLD, "pg-fraud"]
        dss.create_connection("snowflake-dwh", "Snowflake", params={"host": "example.snowflakecomputing.com",
                                                                    "db": "DWH"}, description="Warehouse")
        listed = dss.list_connections()
        assert list(listed) == [*before, "snowflake-dwh"] and listed["snowflake-dwh"].type == "Snowflake"
        connection = dss.get_connection("snowflake-dwh")
        settings = connection.get_settings()
        assert settings.get_raw()["params"] == {"host": "example.snowflakecomputing.com", "db": "DWH"}
        settings.set_usability(False, "data_scientists")
        settings.save()
        again = connection.get_settings()
        assert (again.usable_by, again.usable_by_allowed_groups) == ("ALLOWED", ["data_scientists"])
        with pytest.raises(DataikuException, match="already exists"):
            dss.create_connection("pg-main", "PostgreSQL")
        connection.delete()
        assert "snowflake-dwh" not in dss.list_connections()
        with pytest.raises(DataikuException, match="NotFoundException"):
            connection.get_settings()
