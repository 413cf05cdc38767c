"""The keywords of OpenAPI 3.1 objects and of its schemas (JSON Schema 2020-12 plus the OpenAPI vocabulary).

Data for ``apitwin lint``'s ``unknown-key`` and ``schema-keyword-type`` rules. Each
OpenAPI object names its fixed fields and, for each field that holds another
object, what that object is (``"Schema"``, ``"map:Response"``, ``"list:Parameter"``).
Keys of the form ``x-...`` are extensions everywhere and never looked into.
"""

from __future__ import annotations

__all__ = ["MAPS", "OBJECTS", "OPENAPI_30_SCHEMA_KEYWORDS", "REFERENCE_KEYS", "SCHEMA_KEYWORDS", "SCHEMA_TYPES",
           "ignored_beside_ref"]

#: object name -> {field: kind of its value}. A kind is an object name, ``map:X`` (a mapping of
#: names to X), ``list:X``, or ``""`` (a plain value, not looked into).
OBJECTS: dict[str, dict[str, str]] = {
    "OpenAPI": {"openapi": "", "info": "Info", "jsonSchemaDialect": "", "servers": "list:Server",
                "paths": "Paths", "webhooks": "map:PathItem", "components": "Components",
                "security": "", "tags": "list:Tag", "externalDocs": "ExternalDocs"},
    "Info": {"title": "", "summary": "", "description": "", "termsOfService": "", "contact": "Contact",
             "license": "License", "version": ""},
    "Contact": {"name": "", "url": "", "email": ""},
    "License": {"name": "", "identifier": "", "url": ""},
    "Server": {"url": "", "description": "", "variables": "map:ServerVariable"},
    "ServerVariable": {"enum": "", "default": "", "description": ""},
    "Components": {"schemas": "map:Schema", "responses": "map:Response", "parameters": "map:Parameter",
                   "examples": "map:Example", "requestBodies": "map:RequestBody", "headers": "map:Header",
                   "securitySchemes": "map:SecurityScheme", "links": "map:Link", "callbacks": "map:Callback",
                   "pathItems": "map:PathItem"},
    "PathItem": {"$ref": "", "summary": "", "description": "", "get": "Operation", "put": "Operation",
                 "post": "Operation", "delete": "Operation", "options": "Operation", "head": "Operation",
                 "patch": "Operation", "trace": "Operation", "servers": "list:Server",
                 "parameters": "list:Parameter"},
    "Operation": {"tags": "", "summary": "", "description": "", "externalDocs": "ExternalDocs",
                  "operationId": "", "parameters": "list:Parameter", "requestBody": "RequestBody",
                  "responses": "Responses", "callbacks": "map:Callback", "deprecated": "", "security": "",
                  "servers": "list:Server"},
    "ExternalDocs": {"description": "", "url": ""},
    "Parameter": {"name": "", "in": "", "description": "", "required": "", "deprecated": "",
                  "allowEmptyValue": "", "style": "", "explode": "", "allowReserved": "", "schema": "Schema",
                  "example": "", "examples": "map:Example", "content": "map:MediaType"},
    "RequestBody": {"description": "", "content": "map:MediaType", "required": ""},
    "MediaType": {"schema": "Schema", "example": "", "examples": "map:Example", "encoding": "map:Encoding"},
    "Encoding": {"contentType": "", "headers": "map:Header", "style": "", "explode": "", "allowReserved": ""},
    "Response": {"description": "", "headers": "map:Header", "content": "map:MediaType", "links": "map:Link"},
    "Example": {"summary": "", "description": "", "value": "", "externalValue": ""},
    "Link": {"operationRef": "", "operationId": "", "parameters": "", "requestBody": "", "description": "",
             "server": "Server"},
    "Header": {"description": "", "required": "", "deprecated": "", "allowEmptyValue": "", "style": "",
               "explode": "", "allowReserved": "", "schema": "Schema", "example": "", "examples": "map:Example",
               "content": "map:MediaType"},
    "Tag": {"name": "", "description": "", "externalDocs": "ExternalDocs"},
    "SecurityScheme": {"type": "", "description": "", "name": "", "in": "", "scheme": "", "bearerFormat": "",
                       "flows": "OAuthFlows", "openIdConnectUrl": ""},
    "OAuthFlows": {"implicit": "OAuthFlow", "password": "OAuthFlow", "clientCredentials": "OAuthFlow",
                   "authorizationCode": "OAuthFlow"},
    "OAuthFlow": {"authorizationUrl": "", "tokenUrl": "", "refreshUrl": "", "scopes": ""},
    "Discriminator": {"propertyName": "", "mapping": ""},
    "XML": {"name": "", "namespace": "", "prefix": "", "attribute": "", "wrapped": ""},
}

#: objects that are mappings with free keys: Paths (``/...`` -> PathItem), Responses (status -> Response),
#: Callback (expression -> PathItem).
MAPS: dict[str, str] = {"Paths": "PathItem", "Responses": "Response", "Callback": "PathItem"}

#: schema keyword -> the type its value must have:
#: ``schema`` (a schema: mapping or boolean), ``schemas`` (non-empty list of schemas),
#: ``schema-map`` (mapping of names to schemas), ``string``, ``number``, ``count`` (integer >= 0),
#: ``positive`` (number > 0), ``boolean``, ``list`` (any array), ``strings`` (array of unique strings),
#: ``string-lists`` (mapping of names to arrays of strings), ``type``, ``object``, ``any``.
SCHEMA_KEYWORDS: dict[str, str] = {
    # core
    "$schema": "string", "$id": "string", "$ref": "string", "$anchor": "string", "$dynamicRef": "string",
    "$dynamicAnchor": "string", "$vocabulary": "object", "$comment": "string", "$defs": "schema-map",
    # applicators
    "allOf": "schemas", "anyOf": "schemas", "oneOf": "schemas", "not": "schema", "if": "schema",
    "then": "schema", "else": "schema", "dependentSchemas": "schema-map", "prefixItems": "schemas",
    "items": "schema", "contains": "schema", "properties": "schema-map", "patternProperties": "schema-map",
    "additionalProperties": "schema", "propertyNames": "schema", "unevaluatedItems": "schema",
    "unevaluatedProperties": "schema",
    # validation
    "type": "type", "enum": "list", "const": "any", "multipleOf": "positive", "maximum": "number",
    "exclusiveMaximum": "number", "minimum": "number", "exclusiveMinimum": "number", "maxLength": "count",
    "minLength": "count", "pattern": "string", "maxItems": "count", "minItems": "count",
    "uniqueItems": "boolean", "maxContains": "count", "minContains": "count", "maxProperties": "count",
    "minProperties": "count", "required": "strings", "dependentRequired": "string-lists",
    # meta-data, format, content
    "title": "string", "description": "string", "default": "any", "deprecated": "boolean",
    "readOnly": "boolean", "writeOnly": "boolean", "examples": "list", "format": "string",
    "contentEncoding": "string", "contentMediaType": "string", "contentSchema": "schema",
    # the OpenAPI vocabulary
    "discriminator": "object", "xml": "object", "externalDocs": "object", "example": "any",
}

#: the values of ``type``
SCHEMA_TYPES = frozenset({"null", "boolean", "object", "array", "number", "string", "integer"})

#: what OpenAPI 3.0's schema dialect (a JSON Schema draft 4 subset) has or types differently
OPENAPI_30_SCHEMA_KEYWORDS: dict[str, str] = {
    "nullable": "boolean", "exclusiveMaximum": "boolean-or-number", "exclusiveMinimum": "boolean-or-number",
}

#: what a Reference object holds: ``$ref`` and, since 3.1, a ``summary`` and ``description`` that override its target's
REFERENCE_KEYS = frozenset({"$ref", "summary", "description"})


def ignored_beside_ref(schema: object) -> list[str]:
    """The keywords beside the ``$ref`` of an OpenAPI 3.0 schema that 3.0 ignores and that say something
    (every key but ``summary``, ``description`` and ``x-...``): ``{$ref: X, required: [a]}`` -> ``["required"]``.
    3.0 ignores them ("any sibling elements of a $ref are ignored"), apitwin's mock applies them, as Prism and
    openapi-core do (README, Spec loading). [] for a schema without a ``$ref`` (a property named ``$ref``
    holds a schema, not a string)."""
    if not isinstance(schema, dict) or not isinstance(schema.get("$ref"), str):
        return []
    return [str(k) for k in schema if k not in REFERENCE_KEYS and not str(k).startswith("x-")]
