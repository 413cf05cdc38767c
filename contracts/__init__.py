"""apitwin's contract tools: conformance suites (``verify``), a spec linter (``lint``), spec diffs.

The ``apitwin`` command line lives in :mod:`contracts.cli`.
"""

__all__: list[str] = []
