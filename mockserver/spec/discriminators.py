"""What a ``discriminator`` selects: the values naming each ``oneOf``/``anyOf`` branch, and whether it can pick one.

OpenAPI lets the discriminator, not the payload, choose a branch, so overlapping branches are no error when it
can. :func:`undecided` says when it cannot; the validators then read that ``oneOf`` as ``anyOf``
(:mod:`.schemas`), and ``verify --against-mock`` names such a ``oneOf`` as the spec's (``contracts.spec_findings``).
"""

from __future__ import annotations

from typing import Any

from .pointers import deref

__all__ = ["discriminator_names", "undecided"]

_COMPONENT = "#/components/schemas/"


def discriminator_names(discriminator: dict[str, Any], branch: Any, document: Any = None) -> list[str]:
    """The discriminator values that select ``branch`` (a ``$ref`` to a component): its ``mapping`` keys;
    without one, the values the branch itself gives the property (an ``enum`` or ``const``, as Spotify's
    ``ArtistObject`` says ``type: {enum: [artist]}``: the implicit name would contradict the branch, and no
    payload could validate), else its component name unless a mapping key of that name points elsewhere.
    [] for an inline branch."""
    ref = branch.get("$ref") if isinstance(branch, dict) else None
    if not isinstance(ref, str):
        return []
    name = ref[len(_COMPONENT):].split("/", 1)[0] if ref.startswith(_COMPONENT) else None
    mapping = discriminator.get("mapping") or {}
    names = [str(k) for k, v in mapping.items() if v == ref or (name is not None and v == name)]
    if names:
        return names
    own = _own_values(document, branch, str(discriminator.get("propertyName")), 0)
    if own:
        return own
    if name is not None and name not in mapping:
        names.append(name)
    return names


def _own_values(document: Any, schema: Any, prop: str, depth: int) -> list[str]:
    """The string values ``schema`` (or one of its ``allOf`` branches, through ``$ref``) allows for ``prop``."""
    if depth > 8 or not isinstance(document, dict):
        return []
    try:
        schema = deref(document, schema)
        sub = deref(document, (schema.get("properties") or {}).get(prop)) if isinstance(schema, dict) else None
    except (KeyError, IndexError, TypeError, ValueError):
        return []
    if isinstance(sub, dict):
        if isinstance(sub.get("const"), str):
            return [sub["const"]]
        if isinstance(sub.get("enum"), list) and sub["enum"] and all(isinstance(v, str) for v in sub["enum"]):
            return [str(v) for v in sub["enum"]]
    for part in (schema.get("allOf") or []) if isinstance(schema, dict) else []:
        found = _own_values(document, part, prop, depth + 1)
        if found:
            return found
    return []


def undecided(named: list[list[str]]) -> bool:
    """Whether a discriminator whose ``oneOf`` branches it names ``named`` (:func:`discriminator_names` of each)
    cannot pick one branch for every payload: an inline branch has no name it could select it by, a name two
    branches claim selects neither (DigitalOcean's droplet actions: both branches' ``type`` enums hold
    ``reboot``, the mapping names files not in the document). The payload must then match a branch, which is
    ``anyOf``: strict ``oneOf`` would refuse every value of overlapping branches."""
    claimed = [name for names in named for name in names]
    return not all(named) or len(set(claimed)) < len(claimed)
