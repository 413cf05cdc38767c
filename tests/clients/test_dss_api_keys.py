"""dataikuapi.DSSClient, unchanged, against the mock: global and personal API keys.

specs/dataiku-dss/api-keys.yaml (operations from the client, not in the document).
"""

from __future__ import annotations

import pytest
from dataikuapi import DSSClient
from dataikuapi.dss.admin import DSSGlobalApiKey, DSSPersonalApiKey
from dataikuapi.utils import DataikuException

# ---------------------------------------------------------------- global keys


def test_list_global_api_keys_as_list_items(dss: DSSClient) -> None:
    keys = dss.list_global_api_keys()
    assert [(k.id, k.label) for k in keys] == [("Jm4kQz8Rb2", "deployer-automation"),
                                               ("Tn7wLc3Vx9", "reporting-readonly")]
    assert keys[0].groups is None and keys[1].groups == ["analysts"]
    assert keys[1].user_for_impersonation == "niceUser"
    assert keys[0].created_on.year == 2026
    handle = keys[0].to_global_api_key()
    assert (handle.id_, handle.key) == ("Jm4kQz8Rb2", "4yQ0sVbGm2Xk7LwP9tNcR1eZ6hJd3FaU")


def test_list_global_api_keys_as_objects(dss: DSSClient) -> None:
    keys = dss.list_global_api_keys(as_type="objects")
    assert all(isinstance(k, DSSGlobalApiKey) for k in keys)
    assert [k.id_ for k in keys] == ["Jm4kQz8Rb2", "Tn7wLc3Vx9"]


def test_get_global_api_key_by_id_and_its_definition(dss: DSSClient) -> None:
    key = dss.get_global_api_key_by_id("Tn7wLc3Vx9")
    assert key.key == "b8HkW1pQ5yTz0RcV3mLs7NdX2gJf6EaK"
    definition = key.get_definition()
    assert (definition.id, definition.label, definition.lifetime) == ("Tn7wLc3Vx9", "reporting-readonly", 365)
    assert definition.expires_on is not None and definition.created_by == "admin"
    definition.groups = ["analysts", "marketing_analysts"]
    definition.save()  # PUT, no body back
    key.set_definition(definition)


def test_the_pre_13_1_path_addresses_the_key_by_its_secret(dss: DSSClient) -> None:
    key = dss.get_global_api_key("4yQ0sVbGm2Xk7LwP9tNcR1eZ6hJd3FaU")
    assert (key.id_, key.key) == ("Jm4kQz8Rb2", "4yQ0sVbGm2Xk7LwP9tNcR1eZ6hJd3FaU")
    assert key.get_definition().label == "deployer-automation"  # then the 13.1 path, by id


def test_create_global_api_keys_both_ways(dss: DSSClient) -> None:
    with_groups = dss.create_global_api_key_with_groups("nightly-export", "Exports the scored customers every night",
                                                        ["analysts"])
    assert (with_groups.id_, with_groups.key) == ("Qe5rHy1Ks6", "Zp3dN8vQ1sLw6YtB0kHc4RmX9jGf2TeA")
    admin = dss.create_global_api_key("deployer-automation", admin=True)
    assert admin.id_ == "Qe5rHy1Ks6"  # stateless: the documented answer


def test_delete_global_api_key(dss: DSSClient) -> None:
    dss.get_global_api_key_by_id("Tn7wLc3Vx9").delete()


def test_unknown_global_key_is_a_dss_404_in_stateful_mode(dss_stateful: DSSClient) -> None:
    with pytest.raises(DataikuException, match="NotFoundException"):  # the DSS error model, as the client reads it
        dss_stateful.get_global_api_key_by_id("no-such-key")


# ---------------------------------------------------------------- personal keys


def test_personal_api_keys(dss: DSSClient) -> None:
    mine = dss.list_personal_api_keys()
    assert [(k.id, k.user, k.label) for k in mine] == [("Ub2nFx7Lp4", "admin", "notebook")]
    objects = dss.list_personal_api_keys(as_type="objects")
    assert isinstance(objects[0], DSSPersonalApiKey) and objects[0].key == "dkuaps-mHq2TnK8cS1vW4xYb7zR0pLe"
    everyone = dss.list_all_personal_api_keys()
    assert [k.user for k in everyone] == ["admin", "niceUser"]
    assert [k.id_ for k in dss.list_all_personal_api_keys(as_type="objects")] == ["Ub2nFx7Lp4", "Hs4gRv8Nz1"]


def test_create_personal_api_keys(dss: DSSClient) -> None:
    created = dss.create_personal_api_key("admin-scripts", "Provisioning scripts")
    assert isinstance(created, dict) and created["key"].startswith("dkuaps-")
    handle = dss.create_personal_api_key("admin-scripts", as_type="object")
    assert handle.id_ == "Wc9tKm3Qs8"
    for_user = dss.create_personal_api_key_for_user("niceUser", "scoring-batch", "Batch scoring of churn-scoring")
    assert isinstance(for_user, DSSPersonalApiKey) and for_user.id_ == "Hs4gRv8Nz1"


def test_personal_api_key_definition_update_and_delete(dss: DSSClient) -> None:
    key = dss.get_personal_api_key("Hs4gRv8Nz1")
    definition = key.get_definition()
    assert definition["user"] == "niceUser"
    definition["label"] = "scoring-batch-v2"
    key.set_definition(definition)
    key.delete()


# ---------------------------------------------------------------- stateful mode


def test_global_key_lifecycle_in_stateful_mode(dss_stateful: DSSClient) -> None:
    dss = dss_stateful
    created = dss.create_global_api_key_with_groups("etl-nightly", "Nightly ETL", ["data_scientists"])
    assert created.id_ not in ("Jm4kQz8Rb2", "Tn7wLc3Vx9")  # a new id
    definition = created.get_definition()
    assert (definition.label, definition.groups) == ("etl-nightly", ["data_scientists"])
    assert created.id_ in [k.id for k in dss.list_global_api_keys()]
    definition.label = "etl-nightly-v2"
    definition.save()
    assert dss.get_global_api_key_by_id(created.id_).get_definition().label == "etl-nightly-v2"
    created.delete()
    assert created.id_ not in [k.id for k in dss.list_global_api_keys()]
    with pytest.raises(DataikuException, match="NotFoundException"):
        created.get_definition()


def test_personal_key_lifecycle_in_stateful_mode(dss_stateful: DSSClient) -> None:
    dss = dss_stateful
    created = dss.create_personal_api_key("jupyter", "Notebooks", as_type="object")
    assert isinstance(created, DSSPersonalApiKey)
    assert created.get_definition()["label"] == "jupyter"
    assert created.id_ in [k.id for k in dss.list_personal_api_keys()]
    definition = created.get_definition()
    definition["description"] = "Notebooks of CHURN"
    created.set_definition(definition)
    assert created.get_definition()["description"] == "Notebooks of CHURN"
    created.delete()
    with pytest.raises(DataikuException):
        created.get_definition()
