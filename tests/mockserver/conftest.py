"""Helpers for the mock engine tests: tiny purpose-built specs and a Flask test client."""

from __future__ import annotations

import contextlib
import copy
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient

from mockserver import MockConfig, create_app

PETSTORE = Path(__file__).resolve().parent.parent / "data" / "specs" / "petstore.yaml"
AUTH = {"Authorization": "Bearer token-1"}


def open_files_under(folder: Path) -> list[str]:
    """The files under ``folder`` this process has open (Linux: ``/proc/self/fd``)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own descriptor, closed meanwhile
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
    return [name for name in found if name.startswith(str(folder))]


def make_spec(**overrides: Any) -> dict[str, Any]:
    """A minimal valid OpenAPI 3.1 document; keyword arguments replace top-level keys."""
    spec: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Mini", "version": "1"},
        "paths": {
            "/items/{id}": {
                "get": {
                    "operationId": "getItem",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"},
                                                              "examples": {"one": {"value": {"id": 1, "name": "a"}}}}},
                        }
                    },
                }
            }
        },
        "components": {"schemas": {"Item": {"type": "object", "required": ["id"],
                                            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}}},
    }
    spec.update(copy.deepcopy(overrides))
    return spec


def write_spec(folder: Path, spec: dict[str, Any] | str, name: str = "spec.yaml") -> Path:
    """Write ``spec`` (a dict or raw YAML text) to ``folder/name``."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(spec if isinstance(spec, str) else yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def client_for(*paths: Path, config: MockConfig | None = None) -> FlaskClient:
    """A Flask test client for a mock of ``paths``."""
    return create_app(list(paths), config).test_client()


@pytest.fixture(scope="module")
def pets() -> FlaskClient:
    """The pet store mock (two prefixes, basic or bearer auth)."""
    return client_for(PETSTORE)
