"""``ref-siblings``: keywords beside a schema's ``$ref`` in an OpenAPI 3.0 document.

OpenAPI 3.0 says a Reference Object's siblings are ignored; authors write them anyway
(DigitalOcean's ``{$ref: load_balancer_droplets, required: [droplet_ids]}``) and mean them. apitwin's
mock applies them, as Prism and openapi-core do (README, Spec loading); tools that follow the letter
(schemathesis) do not, so the two disagree about which requests are valid. ``verify --against-mock``
names such a disagreement as the spec's (``contracts.schema_findings``).
"""

from __future__ import annotations

from collections.abc import Iterator

from .keywords import ignored_beside_ref
from .lint_rules import WARNING, RuleContext, all_objects, is_30, lint_rule

__all__ = ["RULE"]

#: the rule's name (``contracts.lint`` imports it, which registers the rule)
RULE = "ref-siblings"


@lint_rule(RULE, WARNING, "in OpenAPI 3.0 a schema's $ref stands alone: keywords beside it are ignored "
           "(description and summary aside)")
def _ref_siblings(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    if not is_30(ctx):
        return
    for pointer, kind, node in all_objects(ctx):
        keys = ignored_beside_ref(node) if kind == "Schema" else []
        if keys:
            them = "them" if len(keys) > 1 else "it"
            yield pointer, (f"{', '.join(keys)} beside $ref: OpenAPI 3.0 ignores {them} (so does schemathesis), "
                            f"apitwin's mock and Prism apply {them}; to mean {them} everywhere, say "
                            f"{{allOf: [{{$ref: ...}}, {{{keys[0]}: ...}}]}}")
