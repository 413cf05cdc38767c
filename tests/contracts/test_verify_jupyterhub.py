"""`apitwin verify` against JupyterHub (PyPI), with the REST API description its documentation publishes.

JupyterHub throttles spawns for real: with ``concurrent_spawn_limit = 1`` and one
spawn pending (alice's, whose single-user server never answers), a request to start
another user's server is refused with ``429 Too Many Requests`` and ``Retry-After``
(JupyterHub's ``spawn_single_user``). The run must report those refusals as the
server's rate limit (``rate_limited``, with Retry-After), not as failures of the
contract. Its other finding, checked by hand with curl, is a real deviation:
Tornado answers an undeclared method (TRACE) with 405 and no ``Allow`` header.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from contracts import cli

from .real_servers import HUB_TOKEN, jupyterhub

SPEC = Path(__file__).parent.parent / "data" / "jupyterhub" / "rest-api-5.4.0.yaml"  # 5.4.3's but for info.version


@pytest.mark.slow
def test_jupyterhub_spawn_throttle_is_reported_as_its_rate_limit(tmp_path: Path) -> None:
    pytest.importorskip("jupyterhub")
    with jupyterhub(tmp_path) as url:
        pending = httpx.post(f"{url}/hub/api/users/alice/server", headers={"Authorization": f"token {HUB_TOKEN}"},
                             timeout=30)
        assert pending.status_code == 202, pending.text  # alice's spawn is pending: the others are throttled
        result = CliRunner().invoke(cli.main, [
            "verify", str(SPEC), "--base-url", url, "-H", f"Authorization: token {HUB_TOKEN}",
            "--path", "/users/{name}/server", "--method", "POST", "--parameter", "path.name=bob",
            "--max-examples", "3", "--seed", "1", "--max-time", "90"])
    card = result.output
    assert result.exit_code == 1, card
    assert "Traceback" not in card and HUB_TOKEN not in card, card
    assert "1/1 operations tested" in card, card
    assert "rate_limited (failed" in card and "429 Too Many Requests (Retry-After: " in card, card
    checks = [line.split()[0] for line in card.split("failures by check:")[1].splitlines()[1:]
              if line.startswith("    ")]
    # the 429s are no failure of any check: only the server's rate limit and Tornado's 405 without Allow
    assert set(checks) <= {"rate_limited", "unsupported_method"} and "rate_limited" in checks, card
    assert "Received: 405 to TRACE without an Allow header" in card or "unsupported_method" not in checks, card
