"""The URL matcher answers what werkzeug's matcher answered, on every rule of the shipped and test specs.

werkzeug (``Map`` with ``strict_slashes``, no slash merging, a greedy converter) is the oracle: for each
rule, paths built from it (parameters filled in, segments swapped, slashes added and taken away, a
greedy value with leading and inner slashes) are matched by both with every method, and the rule,
the values, the ``Allow`` of a 405 and the slash redirect must be the same.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, MapAdapter, PathConverter, RequestRedirect, Rule

from mockserver import MockAPI, MockConfig
from mockserver.http.router import Router
from mockserver.http.url_matcher import Matched, Missed, SlashRequired, UrlMatcher, rule_parameters

from ...conftest import DATA, SPECS

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "--")


class _Greedy(PathConverter):
    regex = ".+?"
    part_isolating = False


def _werkzeug(rules: Mapping[str, Iterable[str]]) -> Map:
    url_map = Map(strict_slashes=True, merge_slashes=False, converters={"greedy": _Greedy})
    for rule, methods in rules.items():
        url_map.add(Rule(rule, endpoint=rule, methods=list(methods)))
    return url_map


def _oracle(adapter: MapAdapter, path: str, method: str) -> tuple[str, object]:
    try:
        endpoint, args = adapter.match(path, method)
    except RequestRedirect:
        return "slash", None
    except MethodNotAllowed as error:
        return "405", frozenset(error.valid_methods or ())
    except NotFound:
        return "404", None
    return "match", (endpoint, dict(args))


def _ours(matcher: UrlMatcher, path: str, method: str) -> tuple[str, object]:
    try:
        found = matcher.match(path, method)
    except SlashRequired:
        return "slash", None
    if isinstance(found, Missed):
        return ("405", found.allowed) if found.allowed else ("404", None)
    assert isinstance(found, Matched)
    return "match", (found.rule, dict(zip(rule_parameters(found.rule), found.values, strict=True)))


def _paths(rules: Iterable[str], seed: int) -> list[str]:
    """Paths built from the rules: filled in several ways, cut, lengthened, and mixed with each other."""
    rules = sorted(rules)
    rng = random.Random(seed)
    statics = sorted({s for r in rules for s in r.split("/") if "<" not in s}) or ["x"]
    fills = ["7", "a.b", "x y", "\u00e6", "-"]
    greedy = ["a", "a/b", "/a/b.csv", "a//b", "a/"]
    paths: set[str] = set()
    for rule in rules:
        combinations = itertools.product(fills, greedy) if "<greedy:" in rule else zip(fills, greedy, strict=True)
        for fill, deep in combinations:
            path = rule
            for name in rule_parameters(rule):
                path = path.replace(f"<greedy:{name}>", deep).replace(f"<{name}>", fill)
            paths.update({path, path + "/", path.rstrip("/") or "/", path + "/extra", "/" + path})
            segments = path.split("/")
            if len(segments) > 2:
                at = rng.randrange(1, len(segments))
                paths.add("/".join([*segments[:at], rng.choice(statics), *segments[at + 1:]]))
                paths.add("/".join(segments[:at]) or "/")
    return sorted(paths)


def _compare(rules: dict[str, set[str]], seed: int = 1) -> int:
    oracle = _werkzeug(rules).bind("localhost")
    matcher = UrlMatcher()
    for rule, methods in rules.items():
        matcher.add(rule, methods)
    compared = 0
    for path in _paths(rules, seed):
        for method in METHODS:
            assert _ours(matcher, path, method) == _oracle(oracle, path, method), (method, path)
            compared += 1
        allowed = set(oracle.allowed_methods(path))
        assert matcher.allowed_methods(path) == allowed, path
    return compared


def _spec_rules(paths: list[Path], together: bool) -> dict[str, set[str]]:
    """The router's rules and their methods: of the specs served together, or of each one alone, merged."""
    rules: dict[str, set[str]] = {}
    for group in [paths] if together else [[p] for p in paths]:  # two test specs may serve one path
        router = Router([MockAPI.load(p, MockConfig()) for p in group])
        for rule, methods in router.methods.items():
            rules.setdefault(rule, set()).update(methods)
    return rules


SPEC_GROUPS = {
    "shipped": sorted(SPECS.glob("*.yaml")),
    "test-specs": sorted((DATA / "specs").glob("*.yaml")),
    "public-specs": [DATA / "public-specs" / name for name in ("openai.json", "spotify.json", "figma-connectors.yaml")],
}


@pytest.mark.parametrize("group", sorted(SPEC_GROUPS))
def test_the_matcher_answers_as_werkzeug_on_every_rule_of_the_specs(group: str) -> None:
    rules = _spec_rules(SPEC_GROUPS[group], together=group == "shipped")
    assert len(rules) > (500 if group == "shipped" else 20)
    assert _compare(rules) > 5_000


#: shapes the specs above hold few of: several parameters and static text in one segment, greedy
#: parameters with text after them, a trailing slash after one, empty segments, rival templated siblings
SYNTHETIC = {
    "/": {"GET"},
    "/a/<p0>": {"GET"},
    "/a/<p0>/b": {"PUT"},
    "/a/<p0>/<p1>": {"DELETE"},
    "/a/x.<p0>": {"POST"},
    "/a/<p0>.<p1>": {"PATCH"},
    "/a/report.<p0>.json": {"GET"},
    "/a/b/": {"GET"},
    "/f/<greedy:p0>": {"GET"},
    "/f/<greedy:p0>/meta": {"PUT", "GET"},
    "/f/<greedy:p0>/meta/<p1>": {"DELETE"},
    "/g/<greedy:p0>/": {"GET"},
    "/g/pre<greedy:p0>": {"POST"},
    "/h//<p0>": {"GET"},
    "/h/<p0>/": {"POST"},
    "/h/<p0>": {"DELETE"},
    "/k/<p0>/<greedy:p1>": {"GET"},
    "/k/<greedy:p0>/<p1>/z": {"PUT"},
}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_matcher_answers_as_werkzeug_on_mixed_greedy_and_slashed_rules(seed: int) -> None:
    assert _compare(SYNTHETIC, seed) > 1000


def test_a_matched_rule_gives_its_values_in_order_and_a_missing_slash_is_reported() -> None:
    matcher = UrlMatcher()
    for rule, methods in SYNTHETIC.items():
        matcher.add(rule, methods)
    assert matcher.match("/f/a//b/meta", "PUT") == Matched("/f/<greedy:p0>/meta", ("a//b",))
    assert matcher.match("/a/7/b", "PUT") == Matched("/a/<p0>/b", ("7",))  # static "b" before <p1>
    assert matcher.match("/a/7/b", "DELETE") == Matched("/a/<p0>/<p1>", ("7", "b"))
    assert matcher.match("/a/7/b", "POST") == Missed(frozenset({"PUT", "DELETE"}))
    assert matcher.match("/nothing", "GET") == Missed(frozenset())
    with pytest.raises(SlashRequired):
        matcher.match("/a/b", "GET")  # only /a/b/ takes GET
    assert matcher.match("/a/b", "DELETE") == Missed(frozenset({"GET", "HEAD"}))  # /a/<p0>'s; no slash for DELETE
