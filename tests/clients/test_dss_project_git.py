"""dataikuapi.DSSClient, unchanged, against the mock: the git repository of a project (DSSProjectGit).

specs/dataiku-dss/project-git.yaml (operations from the client, not in the document).
"""

from __future__ import annotations

import pytest
import requests
from dataikuapi import DSSClient
from dataikuapi.dss.future import DSSFuture
from dataikuapi.dss.project import DSSProjectGit
from dataikuapi.utils import DataikuException

from .conftest import DSS_API_KEY


@pytest.fixture(scope="module")
def git(dss: DSSClient) -> DSSProjectGit:
    return dss.get_project("CHURN").get_project_git()


def test_status(git: DSSProjectGit) -> None:
    status = git.get_status()
    assert (status["currentBranch"], status["clean"], status["trackingCount"]["ahead"]) == ("master", False, 1)
    assert status["modified"] == ["recipes/compute_customers_scored.json"]


def test_remotes(git: DSSProjectGit) -> None:
    assert git.get_remote() == "git@github.com:example-corp/dss-churn.git"
    assert git.get_remote("upstream") is None  # an object without url
    git.set_remote("git@github.com:example-corp/dss-churn.git")
    git.remove_remote()


def test_branches(git: DSSProjectGit) -> None:
    assert git.list_branches() == ["master", "feature-geo-features"]
    assert "origin/hotfix-threshold" in git.list_branches(remote=True)
    assert git.get_current_branch() == "master"
    assert git.create_branch("feature-geo-features", duplicate_project=True, target_project_key="CHURN_GEO")[
        "success"] is True
    assert git.switch("feature-geo-features")["success"] is True
    assert git.checkout("master")["success"] is True
    git.delete_branch("feature-geo-features")


def test_switch_without_a_branch_is_a_400(dss_url: str) -> None:
    answer = requests.post(f"{dss_url}/dip/publicapi/projects/CHURN/git/actions/switchBranch",
                           auth=(DSS_API_KEY, ""), timeout=10)
    assert answer.status_code == 400 and "branchName" in answer.json()["message"]


def test_tags(git: DSSProjectGit) -> None:
    tags = git.list_tags()
    assert [(t["shortName"], t["readOnly"]) for t in tags] == [("bundle-v1", False)]
    git.create_tag("bundle-v2", message="Bundle v2")
    git.delete_tag("bundle-v2")


def test_fetch_pull_push(git: DSSProjectGit) -> None:
    assert git.fetch()["success"] is True
    assert git.pull()["success"] is True
    assert git.pull("master")["success"] is True
    assert git.push()["success"] is True
    assert git.push("feature-geo-features")["success"] is True


def test_log_and_diff(git: DSSProjectGit) -> None:
    log = git.log(count=2)
    assert [e["message"] for e in log["entries"]] == ["Score with the geo features", "Bundle v1"]
    more = git.log(path="recipes", start_commit=log["nextCommit"])
    assert more["entries"]
    diff = git.diff("5e1c0a9d2b7f4e3a8c6d1b0f9e2a7c4d3b8e1f06", "9a4f2c7e1b8d3a6f0e5c2b9d7a1f4e8c3b6d0a25")
    assert (diff["changedFiles"], diff["entries"][0]["changeType"]) == (1, "MODIFY")
    assert git.diff()["addedLines"] == 3


def test_a_log_from_a_malformed_commit_is_a_400(git: DSSProjectGit) -> None:
    with pytest.raises(DataikuException, match="IllegalArgumentException"):
        git.log(start_commit="not-a-hash")


def test_commit_revert_and_resets(git: DSSProjectGit) -> None:
    git.commit("Score with the geo features")
    assert git.revert_to_revision("5e1c0a9d2b7f4e3a8c6d1b0f9e2a7c4d3b8e1f06")["success"] is True
    assert git.revert_commit("9a4f2c7e1b8d3a6f0e5c2b9d7a1f4e8c3b6d0a25")["success"] is True
    git.reset_to_head()
    git.reset_to_upstream()


def test_drop_and_rebuild_needs_the_confirmation(git: DSSProjectGit, dss_url: str) -> None:
    with pytest.raises(Exception, match="i_know_what_i_am_doing"):  # the client refuses by itself
        git.drop_and_rebuild()
    git.drop_and_rebuild(i_know_what_i_am_doing=True)
    unconfirmed = requests.post(f"{dss_url}/dip/publicapi/projects/CHURN/git/actions/dropAndRebuild",
                                params={"iKnowWhatIAmDoing": "False"}, auth=(DSS_API_KEY, ""), timeout=10)
    assert unconfirmed.status_code == 400


def test_external_libraries(git: DSSProjectGit) -> None:
    libraries = git.list_libraries()
    assert [(lib["localTargetPath"], lib["checkout"]) for lib in libraries] == [("python/churn_utils", "v1.4.0")]
    added = git.add_library("git@github.com:example-corp/churn-utils.git", "python/churn_utils", "v1.4.0",
                            path_in_git_repository="src/churn_utils")
    assert added["jobId"] == "gitrefs-CHURN-Kq7Wz2"
    future = git.add_library("git@github.com:example-corp/churn-utils.git", "python/churn_utils", "v1.4.0",
                             as_type="object")
    assert isinstance(future, DSSFuture) and future.wait_for_result() is not None
    # the library path holds a `/`: the mock takes the rest of the URL into gitRefPath
    saved = git.set_library("python/churn_utils", "git@github.com:example-corp/churn-utils.git", "src/churn_utils",
                            "v1.5.0")
    assert saved["checkout"] == "v1.5.0"
    git.remove_library("python/churn_utils", delete_directory=True)


def test_library_futures(git: DSSProjectGit) -> None:
    for future in (git.reset_library("python/churn_utils"),
                   git.push_library("python/churn_utils", "Tenure buckets in months"),
                   git.push_all_libraries("Library changes of the geo sprint"),
                   git.reset_all_libraries()):
        assert future.job_id == "gitrefs-CHURN-Kq7Wz2"
        assert future.wait_for_result() is not None


def test_the_literal_library_actions_are_not_taken_for_a_library_path(dss_url: str) -> None:
    """PUT on .../lib-git-refs/action/reset: the literal path owns the URL (405), it is no library named so."""
    url = f"{dss_url}/dip/publicapi/projects/CHURN/git/lib-git-refs/action/reset"
    answer = requests.put(url, json={"repository": "r", "checkout": "c"}, auth=(DSS_API_KEY, ""), timeout=10)
    assert answer.status_code == 405


def test_remote_lifecycle_in_stateful_mode(dss_stateful: DSSClient) -> None:
    git = dss_stateful.get_project("CHURN").get_project_git()
    assert git.get_remote() == "git@github.com:example-corp/dss-churn.git"
    git.remove_remote()
    with pytest.raises(DataikuException, match="NotFoundException"):
        git.get_remote()


def test_library_lifecycle_in_stateful_mode(dss_stateful: DSSClient) -> None:
    git = dss_stateful.get_project("CHURN").get_project_git()
    git.add_library("git@github.com:example-corp/geo-utils.git", "python/geo_utils", "v0.3.0",
                    login="ci-bot", password="hunter2")
    listed = {lib["localTargetPath"]: lib for lib in git.list_libraries()}
    assert set(listed) == {"python/churn_utils", "python/geo_utils"}
    assert listed["python/geo_utils"]["checkout"] == "v0.3.0" and "password" not in listed["python/geo_utils"]
    git.set_library("python/geo_utils", "git@github.com:example-corp/geo-utils.git", "", "v0.4.0")
    assert {lib["localTargetPath"]: lib["checkout"] for lib in git.list_libraries()}["python/geo_utils"] == "v0.4.0"
    git.remove_library("python/geo_utils", delete_directory=True)
    assert [lib["localTargetPath"] for lib in git.list_libraries()] == ["python/churn_utils"]
