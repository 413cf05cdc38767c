"""XML bodies from and to JSON values, as a schema's ``xml`` objects describe them (OpenAPI 3 "XML Object").

The root element is named by the schema's ``xml.name``, else its component name
(``#/components/schemas/Pet`` -> ``Pet``), else ``root``. Properties are child
elements (``xml.name`` renames, ``xml.attribute`` makes an attribute,
``xml.namespace``/``xml.prefix`` qualify); array items repeat under the
property's name, or inside a wrapper element with ``xml.wrapped``. Reading does
the reverse and casts text by the schema, so the compiled validator checks an
XML body as it checks JSON.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from ..spec import deref
from .parameters import coerce, items_schema, member_schema, value_kind
from .request import media_base

__all__ = ["from_xml", "is_xml", "to_xml"]

_COMPONENT = "#/components/schemas/"


def is_xml(media_type: str) -> bool:
    """Whether a media type carries XML (``application/xml``, ``text/xml``, ``application/atom+xml``...)."""
    base = media_base(media_type)
    return base in ("application/xml", "text/xml") or base.endswith("+xml")


def _resolve(document: dict[str, Any], schema: Any) -> tuple[dict[str, Any], str | None]:
    """The schema behind any ``$ref`` chain, and the last component name met on the way."""
    name: str | None = None
    for _ in range(32):
        if not isinstance(schema, dict) or "$ref" not in schema:
            break
        ref = str(schema["$ref"])
        if ref.startswith(_COMPONENT):
            name = ref[len(_COMPONENT):].split("/", 1)[0]
        schema = deref(document, {"$ref": ref})
    return (schema if isinstance(schema, dict) else {}), name


def _xml(schema: dict[str, Any]) -> dict[str, Any]:
    found = schema.get("xml")
    return found if isinstance(found, dict) else {}


def _tag(xml: dict[str, Any], name: str) -> str:
    tag = str(xml.get("name") or name)
    namespace = xml.get("namespace")
    if namespace:
        if xml.get("prefix"):
            ET.register_namespace(str(xml["prefix"]), str(namespace))
        return f"{{{namespace}}}{tag}"
    return tag


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _element(document: dict[str, Any], schema: Any, value: Any, name: str, root: bool = False) -> ET.Element:
    resolved, ref_name = _resolve(document, schema)
    element = ET.Element(_tag(_xml(resolved), (ref_name or "root") if root else name))
    _fill(document, resolved, value, element)
    return element


def _fill(document: dict[str, Any], schema: dict[str, Any], value: Any, element: ET.Element) -> None:
    if isinstance(value, dict):
        for key, member in value.items():
            sub = member_schema(document, schema, key)
            resolved, _ = _resolve(document, sub)
            xml = _xml(resolved)
            if xml.get("attribute"):
                element.set(_tag(xml, key), _text(member))
            elif isinstance(member, list):
                items = items_schema(document, resolved)
                item_xml = _xml(_resolve(document, items)[0])
                parent = ET.SubElement(element, _tag(xml, key)) if xml.get("wrapped") else element
                item_name = str(item_xml.get("name") or (key if not xml.get("wrapped") else xml.get("name") or key))
                for item in member:
                    parent.append(_element(document, items, item, item_name))
            else:
                element.append(_element(document, sub, member, key))
    elif isinstance(value, list):
        items = items_schema(document, schema)
        item_resolved, item_ref = _resolve(document, items)
        item_name = str(_xml(item_resolved).get("name") or item_ref or "item")
        for item in value:
            element.append(_element(document, items, item, item_name))
    else:
        element.text = _text(value)


def to_xml(document: dict[str, Any], schema: Any, value: Any) -> bytes:
    """``value`` serialised as an XML document by ``schema``."""
    if isinstance(value, str) and value.lstrip().startswith("<"):
        return value.encode("utf-8")  # an example already written as XML
    root = _element(document, schema or {}, value, "", root=True)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + text


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _read(document: dict[str, Any], schema: Any, element: ET.Element) -> Any:
    resolved, _ = _resolve(document, schema)
    kind = value_kind(document, resolved)
    if kind == "array":
        items = items_schema(document, resolved)
        return [_read(document, items, child) for child in element]
    if kind == "object" and not len(element) and not element.attrib and (element.text or "").strip():
        return element.text  # text where an object belongs (``<booking>true</booking>``): a string, refused
    if kind == "object" or (len(element) or element.attrib):
        out: dict[str, Any] = {}
        for key, raw in element.attrib.items():
            out[_local(key)] = coerce(document, member_schema(document, resolved, _local(key)), raw)
        props = {}
        for key in (resolved.get("properties") or {}):
            sub_resolved, _ = _resolve(document, member_schema(document, resolved, key))
            props[str(_xml(sub_resolved).get("name") or key)] = (key, sub_resolved)
        for child in element:
            tag = _local(child.tag)
            key, sub = props.get(tag, (tag, member_schema(document, resolved, tag)))
            sub_resolved, _ = _resolve(document, sub)
            if value_kind(document, sub_resolved) == "array":
                if _xml(sub_resolved).get("wrapped"):
                    out[key] = _read(document, sub_resolved, child)
                else:
                    out.setdefault(key, []).append(_read(document, items_schema(document, sub_resolved), child))
            else:
                out[key] = _read(document, sub_resolved, child)
        return out
    return coerce(document, resolved, element.text or "")


def from_xml(document: dict[str, Any], schema: Any, body: bytes) -> Any:
    """An XML request body read into the value ``schema`` describes (``ET.ParseError`` when malformed)."""
    root = ET.fromstring(body)  # the standard library's expat expands no external entities
    return _read(document, schema or {}, root)
