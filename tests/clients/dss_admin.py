"""Helpers of the DSS administration tests: which operations of a family file the client's requests reached,
and a stateful mock to drive the client against."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import yaml
from dataikuapi import DSSClient

from mockserver import MockConfig, create_app, running

from ..conftest import SPECS
from .conftest import DSS_API_KEY

_METHODS = ("get", "put", "post", "delete", "patch")


class OperationLog:
    """Records the requests of a client and tells which operations of one family file they reached."""

    def __init__(self, family: str) -> None:
        document = yaml.safe_load((SPECS / "dataiku-dss" / family).read_text(encoding="utf-8"))
        self.routes: list[tuple[str, re.Pattern[str], str]] = []
        for template, item in document["paths"].items():
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            for method in _METHODS:
                if method in item:
                    self.routes.append((method.upper(), re.compile(f"/dip/publicapi{pattern}"),
                                        str(item[method]["operationId"])))
        self.routes.sort(key=lambda r: r[1].pattern.count("[^/]+"))  # a literal path before a template
        self.seen: list[tuple[str, str]] = []

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.seen.append((str(response.request.method), urlsplit(str(response.request.url)).path))

    def operations(self) -> set[str]:
        return {op for _, _, op in self.routes}

    def reached(self) -> set[str]:
        out = set()
        for method, path in self.seen:
            for route_method, pattern, op in self.routes:
                if route_method == method and pattern.fullmatch(path):
                    out.add(op)
                    break
        return out


def recording_client(base_url: str, log: OperationLog) -> DSSClient:
    """`dataikuapi.DSSClient` for ``base_url`` whose requests ``log`` records."""
    client = DSSClient(base_url, api_key=DSS_API_KEY)
    client._session.hooks["response"].append(log.hook)
    return client


@contextmanager
def stateful_dss(state_file: Path) -> Iterator[DSSClient]:
    """A DSS client against an in-process mock of specs/dataiku-dss.yaml in stateful mode."""
    app = create_app([SPECS / "dataiku-dss.yaml"], MockConfig(stateful=True, state=str(state_file)))
    with running(app) as url:
        yield DSSClient(url, api_key=DSS_API_KEY)
