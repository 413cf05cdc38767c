"""What a run against apitwin's own mock shows about the spec itself (``verify --against-mock``).

Some failures are not the mock's: the spec contradicts itself or HTTP, and no answer could pass.
:func:`move_spec_findings` moves them from the failures to ``VerifyReport.spec_findings``, one line
each naming the operation and the rule (lint warns about most of them too):

* an invalid request answered with a client error the operation does not document (no 4xx at all,
  or not this one: 400 and 422 stand for each other; nor ``4XX`` or ``default``). A 401 or 403
  whose request carried the mock's credential stays a failure (the mock refused its own credential).
* a valid request not answered 2xx/3xx where the operation documents no 2xx, 3xx nor ``default``:
  the mock answers with the lowest documented status.
* a 204 or 304 documented with a body: HTTP forbids one, the mock sends none, and the missing
  ``Content-Type`` and the empty body are the spec's.
* a discriminator value schemathesis does not know (no ``mapping`` entry, not a component name) in
  an answer that passed the mock's self-check: the branch itself gives the property its value
  (Spotify's ``TrackObject`` with ``type: {enum: [track]}``), which the implicit mapping contradicts.
* any failure of an operation whose path key carries a fragment or a query (Box's
  ``/2.0/shared_items#folders`` beside ``#files``): no request can name it, its requests reach the
  path's other operations (lint: ``path-no-query``).
* an ``Allow`` header that lists the methods of another path key naming its templates differently
  (Jira's ``/field/{id}`` and ``/field/{fieldId}``: one URL, which OpenAPI forbids).
* a 406 or 415 to a valid request where the operation declares an ``Accept`` or ``Content-Type`` header
  parameter (DigitalOcean's ``application/yaml``): OpenAPI ignores those definitions, the suite sends them;
  and an "invalid" request accepted whose mutation was the value of such a declared ``Accept``,
  ``Content-Type`` or ``Authorization`` header parameter (DigitalOcean's ``Accept: {}``): the mock ignores
  the parameter, as OpenAPI says.
* a valid request refused whose body schema requires a property that the object's
  ``additionalProperties: false`` forbids (Jira's ``ScreenTypes`` and ``defaultScreen``).
* a valid request refused whose form or multipart body has a schema that is not an object (Jira's
  ``PUT /filter/{id}/columns``: an array): no form carries one, the suite sends it malformed.
* an answer without an ``Accept``, ``Content-Type`` or ``Authorization`` header that the operation declares
  as a required parameter (SendGrid): OpenAPI ignores those definitions, so does the mock.
* a valid request refused whose query carries an array of objects (Box's ``mdfilters``): OpenAPI
  defines no serialisation for it, the suite writes each object's Python repr.
* an "invalid" request accepted whose one mutation (the suite's ``incorrect_type``, or ``invalid_enum_value`` on
  a branch beside an array one: Stripe's ``full_name_aliases=-58800``) sent a single value for
  an array query, header, cookie or path parameter or form field (Twilio's ``StatusCallbackEvent=AAA``,
  Stripe's ``expand=foo``; a member of an object field too, ``parameters[columns]=AAA``, or of an item of an
  array field, ``features[subscription_update][products][0][prices]=AAA``), written once: on
  the wire that is the one-element array, the same bytes a valid request sends, and the mock read it as that
  array and found it valid. No answer could tell them apart.
* a valid request refused whose urlencoded body carries an array of objects written as plain ``name=key``
  pairs (Stripe's ``lines=amount&lines=description``): the suite's HTTP client (``requests``, whose encoding
  the in-process transport follows) writes each object as its keys, losing the values, so a valid array and an
  invalid one are the same bytes.
* an "invalid" request accepted whose mutation left an object form field without its required property and
  without any other member (Stripe's ``sofort`` in ``POST /v1/payment_methods``): the form writes it as nothing.
* a valid request refused whose form body lacks a required property that may be an empty object or array
  (Stripe's ``business_profile``, ``shipping[address]``): a form writes an empty one as nothing, so the
  suite's ``{}`` never reaches the server and the request on the wire misses a required property.
* an "invalid" request accepted whose only mutations (the fuzzing phase's ``change_type``) gave multipart fields
  whose schema is a string another type (Dataiku's ``file=-6.006784022278132e+16``): each is one text part on the
  wire, whose text the field's schema accepts, so the request the server got is valid.
* a valid request of a stateful sequence refused (400) whose path or query parameter carries a value an earlier
  call carried and this operation's schema refuses (Dataiku's ``serviceId``, :mod:`.sequence_findings`).
* where a schema has two readings and the suite took the other one (:mod:`.schema_findings`): keywords beside
  ``$ref`` in OpenAPI 3.0 (DigitalOcean's ``{$ref: ..., required: [droplet_ids]}``), and ``oneOf`` branches
  that overlap where the discriminator cannot pick one (DigitalOcean's droplet actions).
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any
from urllib.parse import quote, unquote_plus

from mockserver.spec import HTTP_METHODS, deref, deref_at, join_pointer, resolve_pointer, schema_types

from .schema_findings import SchemaProbe
from .sequence_findings import linked_value_refused
from .verify_report import CheckFailure, Mutation, VerifyReport

__all__ = ["move_spec_findings"]

_RECEIVED = re.compile(r"Received:\s*(\d\d\d)\b")
#: the statuses the mock answers invalid requests with -> the documented statuses that mean the same
_CLIENT_ERRORS = {"400": ("400", "422"), "422": ("400", "422"), "401": ("401",), "403": ("403",),
                  "406": ("406",), "413": ("413",), "415": ("415",)}
#: what an answer without a body gives the content checks
_EMPTY_ANSWER = ("Received: no Content-Type header", "Received: a body that is not JSON")


def move_spec_findings(report: VerifyReport, document: dict[str, Any], credential_headers: list[str]) -> None:
    """Move the failures that are the spec's (module doc) from ``report``'s failures to its findings.

    ``credential_headers``: the headers carrying the mock's credential (lower case)."""
    operations: dict[str, dict[str, Any]] = {}
    for path, item in (document.get("paths") or {}).items():
        for method, operation in (deref(document, item) or {}).items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                operations[f"{method.upper()} {path}"] = operation
    probe = SchemaProbe(document, PurePath(report.spec).name)
    for score in report.operations.values():
        operation = operations.get(score.label)
        if operation is None:
            continue
        kept: list[CheckFailure] = []
        for failure in score.failures:
            path = score.label.partition(" ")[2]
            finding = (f"has {'a fragment' if '#' in path else 'a query'} in its path key, which no request "
                       f"carries: its {failure.check} failure is the spec's (lint: path-no-query)"
                       if "#" in path or "?" in path else _finding(failure, document, operation, credential_headers)
                       or _shape_finding(failure, document, path, operation) or probe.finding(failure, score.label)
                       or _string_as_text(failure, document, score.label, probe)
                       or linked_value_refused(failure, document, score.label, probe))
            if finding is None:
                kept.append(failure)
            else:
                report.spec_findings.append(f"{score.label} {finding}")
                score.failed = max(score.failed - 1, 0)
        score.failures = kept


#: header parameters OpenAPI ignores
_IGNORED_HEADERS = ("accept", "content-type", "authorization")
_TEMPLATE = re.compile(r"\{[^}/]*\}")


def _an(name: str) -> str:
    """``an Accept``, ``a Content-Type``."""
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _shape_finding(failure: CheckFailure, document: dict[str, Any], path: str, operation: dict[str, Any]) -> str | None:
    """Findings about the URL itself: a path key that another one names alike, a query value with no wire form."""
    if failure.mutation is not None and failure.check == "negative_data_rejection":
        found_array = _scalar_for_array(failure.mutation, failure.wire, document, operation)
        if found_array is not None:
            return (f"was sent its {found_array} as one value in an {failure.mutation.scenario} case: on the wire "
                    "that is the one-element array a valid request sends (the mock read it so and found it valid), "
                    "so no answer could refuse it (a limit of the test tool)")
        emptied = _PROPERTY.fullmatch(failure.mutation.pointer)
        if (failure.mutation.scenario == "object_missing_required_property" and failure.mutation.parameter in _FORMS
                and emptied is not None
                and re.fullmatch(r"(?:/(?:anyOf|oneOf|allOf)/\d+)?/required", emptied.group(2) or "")):
            names = tuple(n.replace("~1", "/").replace("~0", "~") for n in _MEMBER.split(emptied.group(1)))
            if names not in _form_keys(failure.wire):
                return (f"was sent its form field {'/'.join(names)!r} as an object missing a required property and "
                        "nothing else: a form writes that empty object as nothing, so the request on the wire is "
                        "valid (a limit of the test tool)")
    if failure.check == "allow_header_conformance":
        shape = _TEMPLATE.sub("{}", path)
        twins = [key for key in (document.get("paths") or {}) if key != path and _TEMPLATE.sub("{}", key) == shape]
        if twins:
            return (f"shares its URL with {twins[0]} (templates named differently, which OpenAPI forbids): the Allow "
                    "header of that URL lists the methods of both path keys")
    mutation = failure.mutation
    declared = [deref(document, p) for p in operation.get("parameters") or []]
    if (failure.check == "negative_data_rejection" and mutation is not None and mutation.where == "header"
            and mutation.parameter.lower() in _IGNORED_HEADERS and any(
                isinstance(p, dict) and p.get("in") == "header"
                and str(p.get("name", "")).lower() == mutation.parameter.lower() for p in declared)):
        return (f"declares {_an(mutation.parameter)} header parameter, which OpenAPI ignores: the suite's invalid "
                f"value of it ({mutation.scenario}) leaves the request valid, the mock ignores the parameter as "
                "OpenAPI says")
    if failure.check in ("missing_required_header", "negative_data_rejection"):
        for parameter in operation.get("parameters") or []:
            parameter = deref(document, parameter)
            name = str(parameter.get("name", "")).lower() if isinstance(parameter, dict) else ""
            if (parameter.get("in") == "header" and parameter.get("required") and name in _IGNORED_HEADERS
                    and f"-h '{name}:" not in failure.wire.lower()):
                return (f"requires an {parameter.get('name')} header parameter, which OpenAPI ignores (the mock "
                        "answers without it)")
    if failure.check == "positive_data_acceptance":
        found = _RECEIVED.search(failure.reason)
        header = {"406": "accept", "415": "content-type"}.get(found.group(1) if found is not None else "")
        if header is not None and any(isinstance(p, dict) and p.get("in") == "header"
                                      and str(p.get("name", "")).lower() == header for p in declared):
            return (f"declares {_an(header.title())} header parameter, which OpenAPI ignores: the suite sent a value "
                    "of it naming a media type the operation does not document")
        body = deref(document, operation.get("requestBody")) or {}
        for media in (body.get("content") or {}).values() if isinstance(body, dict) else ():
            where = _forbidden_required(document, media.get("schema") if isinstance(media, dict) else None, "", set())
            if where is not None:
                return (f"requires {where[1]!r} in its request body at {where[0] or '/'}, which that object's "
                        "additionalProperties: false forbids: no request can be valid")
        for media_type, media in (body.get("content") or {}).items() if isinstance(body, dict) else ():
            schema = deref(document, (media or {}).get("schema")) if isinstance(media, dict) else None
            if (str(media_type).startswith(("multipart/", "application/x-www-form-urlencoded"))
                    and isinstance(schema, dict) and schema.get("type") not in (None, "object")
                    and f"content-type: {media_type}" in failure.wire.lower()):
                return (f"documents a {media_type} body whose schema is not an object ({schema.get('type')}): no "
                        "form carries one (the suite sends it malformed)")
        for media_type, media in (body.get("content") or {}).items() if isinstance(body, dict) else ():
            if media_type in _FORMS and f"content-type: {media_type}" in failure.wire.lower() and isinstance(
                    media, dict):
                keyed = _objects_as_keys(document, media.get("schema"), failure.wire) if media_type == _FORMS[0] \
                    else None
                if keyed is not None:
                    return (f"has the form field {keyed!r}, an array of objects, which the suite writes as each "
                            f"object's keys ({keyed}=key1&{keyed}=key2, the values lost, as requests encodes it): "
                            "a valid and an invalid one give the same body, so no answer could tell them apart")
                missing = _empty_required(document, media.get("schema"), _form_keys(failure.wire), (), 0)
                if missing is not None:
                    return (f"requires {missing} in its {media_type} body, which may be an empty object or array: "
                            "a form writes an empty one as nothing, so the suite's request misses it on the wire")
        for parameter in operation.get("parameters") or []:
            parameter = deref(document, parameter)
            if not isinstance(parameter, dict) or parameter.get("in") != "query" or "schema" not in parameter:
                continue
            schema = deref(document, parameter["schema"]) or {}
            items = deref(document, schema.get("items")) if isinstance(schema, dict) else None
            if (schema.get("type") == "array" and isinstance(items, dict)
                    and (items.get("type") == "object" or "properties" in items)
                    and f"{parameter.get('name')}=" in failure.wire):
                return (f"has the query parameter {parameter.get('name')}, an array of objects: OpenAPI defines no "
                        "way to write one in a query (the suite writes each object's repr)")
    return None


_PROPERTY = re.compile(r"/properties/([^/]+(?:(?:/(?:anyOf|oneOf|allOf)/\d+)?/properties/[^/]+)*)(/(?!properties/).*)?")
#: between two property names of a :data:`_PROPERTY` pointer (through a branch: Stripe's ``tipping/anyOf/0/...``)
_MEMBER = re.compile(r"(?:/(?:anyOf|oneOf|allOf)/\d+)?/properties/")
#: a form field and the members and array items below it (``/properties/a/anyOf/0/items/properties/b``), then the rest
_MEMBER_PATH = re.compile(r"(/properties/[^/]+(?:(?:/(?:anyOf|oneOf|allOf)/\d+)?/(?:properties/[^/]+|items))*)(/.*)?")
#: one step of :data:`_MEMBER_PATH`: ``properties/NAME`` or ``items``
_STEP = re.compile(r"/(?:(?:anyOf|oneOf|allOf)/\d+/)?(properties/[^/]+|items)")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _scalar_for_array(mutation: Mutation, curl: str, document: dict[str, Any], operation: dict[str, Any]) -> str | None:
    """``"query parameter 'expand'"`` when ``mutation`` changed the type of an array parameter or form field to a
    single value that the request (``curl``) carries once, which is how that array of one item is written."""
    if mutation.scenario not in ("incorrect_type", "invalid_enum_value"):
        return None
    if mutation.where == "body":
        found = _MEMBER_PATH.fullmatch(mutation.pointer)
        body = deref(document, operation.get("requestBody")) or {}
        media = ((body.get("content") or {}) if isinstance(body, dict) else {}).get(mutation.parameter)
        if found is None or mutation.parameter not in _FORMS or not isinstance(media, dict) or any(
                k in (found.group(2) or "") for k in ("/items", "/properties")):
            return None
        steps = _STEP.findall(found.group(1))
        if steps[-1] == "items":
            return None  # the mutated value is an item of the array, not the array
        # a member of an object field (Stripe's ``parameters[columns]``), of an item of an array field
        # (``features[subscription_update][products][0][prices]``) as well as a field
        names = [step[11:].replace("~1", "/").replace("~0", "~") if step != "items" else None for step in steps]
        schema: Any = media.get("schema")
        for member in names:
            within: Any = {}
            for branch in _branches(document, schema, 0):
                within = (branch.get("properties") or {}).get(member, within) if member is not None else \
                    branch.get("items", within)
            schema = within
        name = str(names[0]) + "".join(f"[{n}]" if n is not None else "[]" for n in names[1:])
        multipart = mutation.parameter == "multipart/form-data"
        index = r"\[\d+\]" if multipart else r"%5B\d+%5D"  # an item of the array, at any index
        key = "".join(index if n is None else re.escape(n if multipart else quote(n, safe=""))
                      for n in [str(names[0]), *(f"[{n}]" if n is not None else None for n in names[1:])])
        what = f"form field {name!r}"
    else:
        name = mutation.parameter
        params = [deref(document, p) for p in operation.get("parameters") or []]
        schema = next((p.get("schema") for p in params if isinstance(p, dict) and p.get("in") == mutation.where
                       and p.get("name") == name), None)
        if schema is None or "/items" in mutation.pointer or "/properties" in mutation.pointer:
            return None
        what = f"{mutation.where} parameter {name!r}"
        key = re.escape(quote(name, safe=""))
    if not any("array" in schema_types(b) or ("items" in b and not schema_types(b))
               for b in _branches(document, schema, 0)):
        return None
    written = len(re.findall(rf'name="{key}"' if mutation.parameter == "multipart/form-data"
                             else rf"(?:^|[\s'?&]){key}=", curl))
    return f"{what} (an array)" if written == 1 else None


def _string_as_text(failure: CheckFailure, document: dict[str, Any], label: str, probe: SchemaProbe) -> str | None:
    """The finding for an "invalid" multipart request whose only mutations gave fields another type (fuzzing's
    ``change_type``) and whose parts, as written (``curl``), are each once there, text the field's schema accepts."""
    if failure.check != "negative_data_rejection" or not failure.fuzzed:
        return None
    method, _, path = label.partition(" ")
    names: list[str] = []
    for mutation in failure.fuzzed:
        found = re.fullmatch(r"/properties/([^/]+)", mutation.pointer)
        if (mutation.scenario != "change_type" or mutation.where != "body" or found is None
                or not mutation.parameter.startswith("multipart/form-data")):
            return None
        name = found.group(1).replace("~1", "/").replace("~0", "~")
        part = rf'name="{re.escape(name)}"(?:; filename="[^"]*")?(?:\\r\\n[^\\]+)*\\r\\n\\r\\n(.*?)\\r\\n--'
        texts = re.findall(part, failure.wire)
        try:
            pointer = join_pointer("paths", path, method.lower(), "requestBody")
            _, pointer = deref_at(document, resolve_pointer(document, pointer), pointer)
            pointer += join_pointer("content", failure.fuzzed[0].parameter.partition(";")[0], "schema")
            _, pointer = deref_at(document, resolve_pointer(document, pointer), pointer)
            pointer += join_pointer("properties", name)
            schema, pointer = deref_at(document, resolve_pointer(document, pointer), pointer)
            valid = len(texts) == 1 and schema_types(schema) == ["string"] and probe.as_written().at(
                pointer, "request").is_valid(texts[0])
        except Exception:  # a schema the validators cannot build, a place the pointers miss: the failure stays
            return None
        if not valid:
            return None
        names.append(name)
    return (f"was sent its multipart field{'s' if len(names) > 1 else ''} {', '.join(map(repr, names))} (a string) "
            "as another type in a negative case: a part is text on the wire, and that text is a valid string, so "
            "the request the mock accepted is valid (a limit of the test tool)")


_FORM_BODY = re.compile(r"-d '([^']*)'")
_PART_NAME = re.compile(r'name="([^"]+)"')


def _form_keys(curl: str) -> set[tuple[str, ...]]:
    """Every key path the form body of ``curl`` writes, with their prefixes (``a[b]=1``: ``(a,)``, ``(a, b)``)."""
    found = _FORM_BODY.search(curl)
    names = ([unquote_plus(pair.partition("=")[0]) for pair in found.group(1).split("&") if pair]
             if found is not None else []) + _PART_NAME.findall(curl)
    keys: set[tuple[str, ...]] = set()
    for name in names:
        head, _, rest = name.partition("[")
        path = (head, *re.findall(r"([^\[\]]*)\]", "[" + rest)) if rest else (head,)
        keys.update(path[:i] for i in range(1, len(path) + 1))
    return keys


def _objects_as_keys(document: dict[str, Any], schema: Any, curl: str) -> str | None:
    """The key of a field of ``schema``, or of a member of an object field, that may be an array of objects and that
    the urlencoded body of ``curl`` writes as plain ``key=text`` pairs (Stripe's ``lines=amount&lines=description``,
    ``spending_controls[spending_limits]=amount``), if there is one."""
    found = _FORM_BODY.search(curl)
    keys = {unquote_plus(k) for k, _, v in (pair.partition("=") for pair in found.group(1).split("&")) if v} \
        if found is not None else set()
    for key in sorted(keys):
        head, _, rest = key.partition("[")
        names = [head, *re.findall(r"([^\[\]]*)\]", "[" + rest)] if rest else [head]
        sub: Any = schema
        for name in names:
            within: Any = None
            for branch in _branches(document, sub, 0):
                within = (branch.get("properties") or {}).get(name, within)
            sub = within
        if sub is not None and any(isinstance(items := deref(document, b.get("items")), dict) and (
                "object" in schema_types(items) or "properties" in items) for b in _branches(document, sub, 0)):
            return key
    return None


def _empty_required(document: dict[str, Any], schema: Any, keys: set[tuple[str, ...]], at: tuple[str, ...],
                    depth: int) -> str | None:
    """The path (``shipping/address``) of a required property absent from ``keys`` whose schema admits an empty
    object or array, under objects the form writes (None: there is none)."""
    if depth > 8:
        return None
    for branch in _branches(document, schema, 0):
        found_props = branch.get("properties")
        props: dict[str, Any] = found_props if isinstance(found_props, dict) else {}
        for name in branch.get("required") or []:
            if (*at, name) not in keys and name in props and any(
                    (("object" in schema_types(b) or "properties" in b) and not b.get("required"))
                    or ("array" in schema_types(b) and not b.get("minItems"))
                    for b in _branches(document, props[name], 0)):
                return "/".join((*at, str(name)))
        for name, sub in props.items():
            if (*at, name) in keys:
                found = _empty_required(document, sub, keys, (*at, name), depth + 1)
                if found is not None:
                    return found
    return None


def _branches(document: dict[str, Any], schema: Any, depth: int) -> list[dict[str, Any]]:
    """``schema`` and the schemas of its ``allOf``/``anyOf``/``oneOf`` branches, dereferenced."""
    schema = deref(document, schema)
    if not isinstance(schema, dict) or depth > 8:
        return []
    out = [schema]
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key) or []:
            out += _branches(document, branch, depth + 1)
    return out


def _forbidden_required(document: dict[str, Any], schema: Any, at: str, seen: set[int]) -> tuple[str, str] | None:
    """(where, name) of an object under ``schema`` whose ``required`` names a property its
    ``additionalProperties: false`` forbids (Jira's ``ScreenTypes`` requires ``defaultScreen``)."""
    schema = deref(document, schema)
    if not isinstance(schema, dict) or id(schema) in seen or len(seen) > 500:
        return None
    seen.add(id(schema))
    found_props = schema.get("properties")
    props: dict[str, Any] = found_props if isinstance(found_props, dict) else {}
    if schema.get("additionalProperties") is False and not schema.get("patternProperties") and not any(
            k in schema for k in ("allOf", "anyOf", "oneOf")):
        missing = [name for name in schema.get("required") or [] if name not in props]
        if missing:
            return at, str(missing[0])
    children = [(f"{at}/{key}", sub) for key, sub in props.items()]
    children += [(f"{at}/[]", schema.get("items"))]
    children += [(at, sub) for key in ("allOf", "anyOf", "oneOf") for sub in schema.get(key) or []]
    for where, sub in children:
        found = _forbidden_required(document, sub, where, seen)
        if found is not None:
            return found
    return None


def _finding(failure: CheckFailure, document: dict[str, Any], operation: dict[str, Any],
             credential_headers: list[str]) -> str | None:
    statuses = [str(code).upper() for code in (operation.get("responses") or {})]
    if failure.check == "status_code_conformance":
        found = _RECEIVED.search(failure.reason) or _RECEIVED.search(failure.message)
        code = found.group(1) if found is not None else ""
        if code not in _CLIENT_ERRORS or "4XX" in statuses or "DEFAULT" in statuses:
            return None
        if code in ("401", "403") and credential_headers and all(f"-h '{name}:" in failure.wire.lower()
                                                                 for name in credential_headers):
            # the mock refused its own credential: its failure (a key in a query or a cookie shows filtered in
            # the reproduction: there a 401 or 403 is taken for the answer to the suite's own missing or bad key)
            return None
        if not any(s.startswith("4") for s in statuses):
            return (f"documents no 4xx response: the mock answered an invalid request with {code} "
                    "(lint: error-responses)")
        if not any(s in statuses for s in _CLIENT_ERRORS[code]):
            return f"documents no {code} response: the mock answered a request it refuses with {code}"
        return None
    if failure.check == "positive_data_acceptance" and not any(s[:1] in ("2", "3") or s == "DEFAULT"
                                                               for s in statuses):
        return ("documents no 2xx, 3xx or default response: the mock answers a valid request with the lowest "
                "documented status (lint: success-response)")
    if failure.check == "response_schema_conformance" and failure.reason.startswith("Unknown discriminator value"):
        return ("has a discriminator without a mapping whose branches give the property their own values (an enum "
                "or const): the implicit mapping (component names) contradicts them; the mock answers the branches' "
                "values")
    if failure.check in ("content_type_conformance", "response_schema_conformance") and failure.reason.startswith(
            _EMPTY_ANSWER):
        responses = operation.get("responses") or {}
        for code in ("204", "304"):
            response = deref(document, responses.get(code) or responses.get(int(code)))
            if isinstance(response, dict) and response.get("content"):
                return f"documents a body for {code}: HTTP forbids one, the mock sends none"
    return None
