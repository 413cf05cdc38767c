"""JSON text of the answers the mock builds on the request path, each encoder made once.

``json.dumps`` (and ``JSONEncoder.encode``) builds a C encoder on every call: for the small bodies
of error answers that is two thirds of the work (``{"message": ...}``: 4.0 µs against 1.4 µs
with the encoder made once). These are the same C encoder, made once, with ``json.dumps``'s
output byte for byte. One difference: an encoder made once is shared by every thread, so it
keeps no record of the containers it is inside (that record would be shared too), and a value that
contains itself raises ``RecursionError`` rather than ``ValueError``; the values encoded here come
from JSON and from safe YAML, which makes none. Where the C accelerator is missing, ``json``'s own
encoder.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from typing import Any

__all__ = ["compact", "compact_ascii", "spaced"]


def _encoder(ascii_only: bool, separators: tuple[str, str]) -> Callable[[Any], str]:
    fallback = json.JSONEncoder(ensure_ascii=ascii_only, separators=separators).encode
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: json's own (pure Python) encoder
        return fallback
    escape = json.encoder.encode_basestring_ascii if ascii_only else json.encoder.encode_basestring
    try:  # as JSONEncoder(check_circular=False).iterencode makes it: markers None (module doc), json's default
        chunks = make(None, json.JSONEncoder().default, escape, None, separators[1], separators[0], False, False,
                      True)
    except TypeError:  # a Python whose accelerator takes other arguments
        return fallback

    def encode(value: Any) -> str:
        if isinstance(value, str):  # as JSONEncoder.encode: a bare string is escaped directly
            return str(escape(value))
        return "".join(chunks(value, 0))

    return encode


#: ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``
compact = _encoder(False, (",", ":"))
#: ``json.dumps(value, separators=(",", ":"))``: ASCII only (a header value)
compact_ascii = _encoder(True, (",", ":"))
#: ``json.dumps(value, ensure_ascii=False)``
spaced = _encoder(False, (", ", ": "))
