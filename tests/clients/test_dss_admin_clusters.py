"""dataikuapi.DSSClient, unchanged, against the mock: clusters (specs/dataiku-dss/admin-clusters.yaml).

The last stateless test checks that the module reached every operation of the family file; the stateful
test creates a cluster (its id comes from the answer), changes its settings, starts and deletes it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from dataikuapi import DSSClient
from dataikuapi.dss.admin import DSSCluster, DSSClusterSettings, DSSClusterStatus
from dataikuapi.utils import DataikuException

from .dss_admin import OperationLog, recording_client, stateful_dss

EKS = "pycluster_eks-clusters_create-eks-cluster"


@pytest.fixture(scope="module")
def log() -> OperationLog:
    return OperationLog("admin-clusters.yaml")


@pytest.fixture(scope="module")
def dss(serve_specs: Callable[..., str], log: OperationLog) -> DSSClient:
    return recording_client(serve_specs("dataiku-dss.yaml"), log)


def test_list_clusters(dss: DSSClient) -> None:
    clusters = dss.list_clusters()
    assert [(c["name"], c["type"], c["state"]) for c in clusters] == [
        ("k8s-analytics", EKS, "RUNNING"), ("hadoop-legacy", "manual", "NONE")]


def test_create_cluster(dss: DSSClient) -> None:
    cluster = dss.create_cluster("k8s-fraud", EKS, params={"config": {"nodePool": {"numNodes": 2}}},
                                 cluster_architecture="KUBERNETES")
    assert isinstance(cluster, DSSCluster) and cluster.cluster_id == "k8s-fraud"


def test_create_cluster_with_a_bad_architecture_is_refused(dss: DSSClient) -> None:
    with pytest.raises(DataikuException, match="architecture"):
        dss.create_cluster("k8s-fraud", EKS, cluster_architecture="MAINFRAME")


def test_cluster_settings(dss: DSSClient) -> None:
    cluster = dss.get_cluster("k8s-analytics")
    settings = cluster.get_settings()
    assert isinstance(settings, DSSClusterSettings)
    assert settings.get_raw()["params"]["config"]["nodePool"]["numNodes"] == 3
    assert settings.get_plugin_data()["cluster"]["Status"] == "ACTIVE"
    settings.get_raw()["permissions"].append({"group": "marketing_analysts", "use": True, "update": False})
    assert settings.save()["id"] == "k8s-fraud"  # the one saved example
    assert dss.get_cluster("hadoop-legacy").get_settings().get_plugin_data() is None


def test_deprecated_definition_calls(dss: DSSClient) -> None:
    cluster = dss.get_cluster("hadoop-legacy")
    definition = cluster.get_definition()
    assert definition["architecture"] == "HADOOP"
    assert cluster.set_definition(definition)["state"] == "NONE"


def test_status(dss: DSSClient) -> None:
    status = dss.get_cluster("k8s-analytics").get_status()
    assert isinstance(status, DSSClusterStatus)
    assert status.get_raw()["state"] == "RUNNING"
    assert status.get_raw()["usages"][0]["objectId"] == "compute_customers_prepared"
    assert dss.get_cluster("hadoop-legacy").get_status().get_raw()["state"] == "NONE"


def test_start_and_stop(dss: DSSClient) -> None:
    cluster = dss.get_cluster("k8s-analytics")
    started = cluster.start()
    assert started["messages"]["error"] is False
    assert started["messages"]["messages"][0]["title"] == "Cluster started"
    assert cluster.stop(terminate=False)["messages"]["success"] is True
    assert cluster.stop(force_stop=True)["messages"]["error"] is False


def test_delete(dss: DSSClient) -> None:
    assert dss.get_cluster("k8s-fraud").delete() is None


def test_every_operation_of_the_family_is_driven(log: OperationLog) -> None:
    assert log.reached() == log.operations()
    assert len(log.operations()) == 8


def test_stateful_cluster_lifecycle(tmp_path: Path) -> None:
    with stateful_dss(tmp_path / "state.sqlite") as dss:
        before = [c["id"] for c in dss.list_clusters()]
        cluster = dss.create_cluster("k8s-nlp", EKS, params={"config": {"nodePool": {"numNodes": 1}}},
                                     cluster_architecture="KUBERNETES")
        assert cluster.cluster_id not in before  # the id the answer gives, not the name sent
        assert [c["id"] for c in dss.list_clusters()] == [*before, cluster.cluster_id]
        settings = cluster.get_settings()
        assert (settings.get_raw()["name"], settings.get_raw()["params"]) == (
            "k8s-nlp", {"config": {"nodePool": {"numNodes": 1}}})
        settings.get_raw()["params"]["config"]["nodePool"]["numNodes"] = 4
        settings.save()
        assert cluster.get_settings().get_raw()["params"]["config"]["nodePool"]["numNodes"] == 4
        assert cluster.start()["messages"]["error"] is False
        cluster.delete()
        for call in (cluster.get_settings, cluster.get_status, cluster.start):
            with pytest.raises(DataikuException, match="NotFoundException"):
                call()
        assert cluster.cluster_id not in [c["id"] for c in dss.list_clusters()]
