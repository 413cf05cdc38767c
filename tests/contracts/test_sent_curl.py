"""The request as sent, written as one bash curl whatever ``$SHELL`` is (what the spec findings read)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from contracts.sent_curl import bash_curl, bash_word

VALUES = ["plain", "it's", "back\\slash", "a\r\nb\tc", "À \u2028 \x7f \x00", "$HOME `id` $(id)", "", "\ud9dd"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("value", VALUES)
def test_a_word_reads_back_as_the_same_bytes_in_bash(value: str) -> None:
    word = bash_word(value)
    out = subprocess.run(["bash", "-c", f"printf %s {word}"], capture_output=True, check=True).stdout
    expected = value.encode("utf-8", "surrogatepass").replace(b"\x00", b"")  # bash drops NUL from a word
    assert out == expected, word


def test_printable_values_are_single_quoted_and_others_ansi_c_quoted() -> None:
    assert bash_word("a b") == "'a b'"
    assert bash_word("a\r\nb") == "$'a\\r\\nb'"
    assert bash_word("\x11'") == "$'\\x11\\''"


def test_a_curl_has_every_header_value_the_body_and_the_url() -> None:
    curl = bash_curl("post", "http://localhost/up?q=1", {"Content-Type": ["multipart/form-data; boundary=b"],
                                                          "X-Two": ["1", "2"], "X-Empty": [""]},
                     b'--b\r\nContent-Disposition: form-data; name="\xc3\x80"\r\n\r\n\xff\r\n--b--\r\n')
    assert curl == ("curl -X POST -H 'Content-Type: multipart/form-data; boundary=b' -H 'X-Two: 1' -H 'X-Two: 2' "
                    "-H 'X-Empty;' -d $'--b\\r\\nContent-Disposition: form-data; name=\"À\"\\r\\n\\r\\n\ufffd\\r\\n"
                    "--b--\\r\\n' 'http://localhost/up?q=1'")


def test_a_failure_s_request_hides_what_the_shown_curl_hides() -> None:
    from types import SimpleNamespace

    from schemathesis.config import SanitizationConfig

    from contracts.verify_events import _sent

    request = SimpleNamespace(method="POST", uri="http://localhost/x?token=s3cret&page=2", body=b"{}",
                              headers={"Authorization": ["Bearer s3cret"], "Content-Type": ["application/json"],
                                       "Accept": ["*/*"], "User-Agent": ["schemathesis/4"], "Content-Length": ["2"]})
    sent = _sent(request, SanitizationConfig())
    assert "Accept" not in sent and "User-Agent" not in sent and "Content-Length" not in sent  # the client's own
    assert "-H 'Accept: */*'" in _sent(request, SanitizationConfig(), {"accept": "*/*"})  # the case's
    assert "s3cret" not in sent
    assert "-H 'Authorization: [Filtered]'" in sent and "-H 'Content-Type: application/json'" in sent
    assert "page=2" in sent and sent.endswith("-d '{}' 'http://localhost/x?token=%5BFiltered%5D&page=2'")
    assert "Bearer s3cret" in _sent(request, None)  # nothing to hide by: as sent
