"""Specs written as JSON are read with the JSON parser: surrogate-pair escapes are valid (issue 19 bug 16)."""

from __future__ import annotations

import json
from pathlib import Path

from mockserver import load_spec

from ..conftest import client_for, make_spec


def test_surrogate_pair_escapes_in_a_json_spec(tmp_path: Path) -> None:
    spec = make_spec()
    spec["paths"]["/items/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["examples"]["one"][
        "value"]["name"] = "smile \U0001F600"
    path = tmp_path / "spec.json"
    text = json.dumps(spec, ensure_ascii=True)
    assert "\\ud83d\\ude00" in text
    path.write_text(text, encoding="utf-8")
    loaded = load_spec(path)
    assert loaded.title == "Mini"
    response = client_for(path).get("/items/1")
    assert response.status_code == 200 and response.get_json()["name"] == "smile \U0001F600"
