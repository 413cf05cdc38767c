"""`apitwin diff` on a real history: four consecutive releases of Apache Airflow's REST API spec (PyPI wheels).

Every change reported as breaking below was checked by hand against the two
files (see the comments), and the non-breaking ones were read for a missed
break; the expected lists are that hand check. oasdiff is on neither npm nor
PyPI, so it could not be run here.
"""

from __future__ import annotations

import pytest

from contracts.diff import diff_specs

from ..conftest import DATA

HISTORY = DATA / "airflow"
TI_STATE = "enum widened: [None] added"  # TaskState became nullable: null added to its enum ("Changed in 2.7.0")

EXPECTED: dict[tuple[str, str], set[tuple[str, str, str]]] = {
    ("2.5.0", "2.6.0"): {
        # the documented answer was a Role by mistake; it became UserCollectionItem: name and actions are gone
        ("PATCH /users/{username}", "response 200 application/json/actions", "property removed"),
        ("PATCH /users/{username}", "response 200 application/json/name", "property removed"),
        # DAGRun became anyOf [DAGRun, TaskInstanceCollection]: clients may now get a list of task instances
        ("POST /dags/{dag_id}/dagRuns/{dag_run_id}/clear", "response 200 application/json",
         "alternative added: TaskInstanceCollection"),
    },
    ("2.6.0", "2.7.0"): {
        *{(op, f"response 200 application/json/{where}state", TI_STATE) for op, where in [
            ("GET /dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances", "task_instances/items/"),
            ("GET /dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}", ""),
            ("GET /dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/listMapped", "task_instances/items/"),
            ("GET /dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}", ""),
            ("PATCH /dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/setNote", ""),
            ("PATCH /dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/setNote", ""),
            ("POST /dags/{dag_id}/dagRuns/{dag_run_id}/clear", "task_instances/items/"),
            ("POST /dags/~/dagRuns/~/taskInstances/list", "task_instances/items/")]},
        # HealthStatus became nullable
        ("GET /health", "response 200 application/json/metadatabase/status", "type string -> null/string"),
        ("GET /health", "response 200 application/json/scheduler/status", "type string -> null/string"),
        # Pool.used_slots was renamed running_slots
        *{(op, f"response 200 application/json/{where}used_slots", "property removed") for op, where in [
            ("GET /pools", "pools/items/"), ("GET /pools/{pool_name}", ""), ("PATCH /pools/{pool_name}", ""),
            ("POST /pools", "")]},
    },
    ("2.7.0", "2.8.0"): {
        ("GET /dags/{dag_id}/details", "response 200 application/json/default_view", "type string -> null/string"),
        *{(op, f"response 200 application/json/{where}trigger_rule",
           "enum widened: ['all_done_setup_success', 'one_done', 'all_skipped', 'always'] added")
          for op, where in [("GET /dags/{dag_id}/tasks", "tasks/items/"), ("GET /dags/{dag_id}/tasks/{task_id}", "")]},
        # plugin lists held objects, now strings
        *{("GET /plugins", f"response 200 application/json/plugins/items/{name}/items",
           "type null/object -> null/string")
          for name in ("flask_blueprints", "global_operator_extra_links", "macros", "operator_extra_links")},
    },
}


@pytest.mark.parametrize(("old", "new"), sorted(EXPECTED), ids=lambda v: v)
def test_breaking_changes_between_releases_agree_with_the_hand_check(old: str, new: str) -> None:
    changes = diff_specs(HISTORY / f"v1-{old}.yaml", HISTORY / f"v1-{new}.yaml")
    breaking = {(c.operation, c.location, c.message) for c in changes if c.breaking}
    assert breaking == EXPECTED[(old, new)]
    # additions clients can ignore are listed, not flagged
    assert any(c.message == "optional parameter added" and not c.breaking for c in changes)


def test_a_release_compared_with_itself_has_no_change() -> None:
    assert diff_specs(HISTORY / "v1-2.8.0.yaml", HISTORY / "v1-2.8.0.yaml") == []
