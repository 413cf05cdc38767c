"""Load time: a spec read, bundled, validated and described as plain data. No request types, no Flask.

This is the part of mockserver that ``contracts`` (lint, diff, verify) may use besides the
top-level ``mockserver`` API.
"""

from ..errors import one_line
from .discriminators import discriminator_names, undecided
from .generator import generate
from .loading import LoadedSpec, load_spec
from .operations import HTTP_METHODS, Operation, iter_operations, merged_parameters, server_prefixes
from .pointers import (
    component_of,
    deref,
    deref_at,
    escape_token,
    join_pointer,
    referenced_components,
    resolve_pointer,
    split_pointer,
)
from .schemas import CompiledSchema, SchemaCompiler, schema_types
from .validity import iter_spec_errors

__all__ = [
    "HTTP_METHODS",
    "CompiledSchema",
    "LoadedSpec",
    "Operation",
    "SchemaCompiler",
    "component_of",
    "deref",
    "deref_at",
    "discriminator_names",
    "escape_token",
    "generate",
    "iter_operations",
    "iter_spec_errors",
    "join_pointer",
    "load_spec",
    "merged_parameters",
    "one_line",
    "referenced_components",
    "resolve_pointer",
    "schema_types",
    "server_prefixes",
    "split_pointer",
    "undecided",
]
