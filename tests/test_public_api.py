"""The public surface of each package is declared in ``__all__`` and complete."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("package", ["mockserver", "contracts"])
def test_all_names_exist_and_public_names_are_listed(package: str) -> None:
    module = importlib.import_module(package)
    exported = set(module.__all__)
    assert exported, f"{package} declares no public API"
    for name in exported:
        assert hasattr(module, name), f"{package}.{name} is in __all__ but missing"
    public = {n for n, v in vars(module).items()
              if not n.startswith("_") and not isinstance(v, type(importlib)) and n not in ("annotations",)}
    assert public <= exported, f"{package} exposes names missing from __all__: {sorted(public - exported)}"


def test_public_functions_are_documented() -> None:
    import contracts
    import mockserver

    for module in (mockserver, contracts):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj):
                assert obj.__doc__, f"{module.__name__}.{name} has no docstring"
