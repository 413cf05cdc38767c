"""The generator never produces what the self-check refuses, on schemas nobody here wrote (issue 19, part 4).

Every named schema (``components/schemas``) and every request and response media-type schema of the
public specs in ``tests/data/public-specs`` (licences there): for each, several seeds, stable and
dynamic, the value :func:`generate` gives with the compiled validator as its check (as the mock calls
it) must validate with that validator. ``bench/public_specs.py`` runs the same check over its 17
bigger specs (the ``gen`` column).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver import load_spec
from mockserver.spec import SchemaCompiler, generate
from mockserver.spec.unsatisfiable import unsatisfiable
from tests.schema_pointers import schema_pointers

SPECS = Path(__file__).resolve().parents[2] / "data" / "public-specs"


DOCUMENTS = {path.stem: load_spec(path).document for path in sorted([*SPECS.glob("*.json"), *SPECS.glob("*.yaml")])}
COMPILERS = {name: SchemaCompiler(document) for name, document in DOCUMENTS.items()}
CASES = [(name, pointer) for name, document in DOCUMENTS.items() for pointer in schema_pointers(document)]


def test_the_corpus_is_what_it_says() -> None:
    assert set(DOCUMENTS) == {"figma-connectors", "openai", "petstore-swagger2", "spotify"}
    assert len(CASES) > 250


@pytest.mark.parametrize(("spec", "pointer"), CASES, ids=[f"{s}:{p}" for s, p in CASES])
@settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(min_value=0, max_value=10_000), dynamic=st.booleans())
def test_generated_values_of_public_schemas_validate(spec: str, pointer: str, seed: int, dynamic: bool) -> None:
    validator = COMPILERS[spec].at(pointer)
    value = generate(DOCUMENTS[spec], {"$ref": "#" + pointer}, seed=seed, dynamic=dynamic, check=validator.is_valid)
    assert validator.is_valid(value), (value, list(validator.iter_errors(value))[:3])


@pytest.mark.parametrize("spec", sorted(DOCUMENTS))
def test_no_public_schema_is_called_unsatisfiable(spec: str) -> None:
    # each has a value (the test above finds one), so a proof of the contrary would be wrong
    proofs = {pointer: unsatisfiable(DOCUMENTS[spec], pointer, COMPILERS[spec]) for s, pointer in CASES if s == spec}
    assert {p: proof for p, proof in proofs.items() if proof is not None} == {}
