"""What crosses between the grader and a worker: JSON, with NumPy arrays as typed base64 blobs.

Decoding never unpickles: it parses JSON and rebuilds arrays from raw bytes of a few plain dtypes, so
a worker that student code has taken over can send wrong data but cannot run code in the grader.
"""

from __future__ import annotations

import base64
import json
import socket
from typing import Any

import numpy as np

ARRAY_KEY = "__ndarray__"
DTYPES = frozenset({"bool", "uint8", "int32", "int64", "float32", "float64"})


class WireError(ValueError):
    """A message that is not what a worker should send."""


def _default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.name not in DTYPES:
            value = value.astype(np.float64)
        data = np.ascontiguousarray(value).astype(value.dtype.newbyteorder("<"), copy=False)
        return {ARRAY_KEY: value.dtype.name, "shape": list(value.shape),
                "data": base64.b64encode(data.tobytes()).decode("ascii")}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot send {type(value).__name__}")


def _array(obj: dict[str, Any]) -> Any:
    if ARRAY_KEY not in obj:
        return obj
    dtype, shape, data = obj.get(ARRAY_KEY), obj.get("shape"), obj.get("data")
    if dtype not in DTYPES or not isinstance(shape, list) or not isinstance(data, str):
        raise WireError(f"malformed array: dtype {dtype!r}")
    if not all(isinstance(n, int) and n >= 0 for n in shape):
        raise WireError(f"malformed array shape {shape!r}")
    raw = base64.b64decode(data, validate=True)
    array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
    if array.size != int(np.prod(shape, dtype=np.int64)):
        raise WireError(f"array of {array.size} values cannot have shape {shape}")
    return array.reshape(shape).astype(dtype)  # native byte order, writable copy


def encode(message: Any) -> bytes:
    """One line of JSON ending in a newline."""
    return json.dumps(message, default=_default).encode() + b"\n"


def decode(line: bytes) -> Any:
    try:
        return json.loads(line, object_hook=_array)
    except (ValueError, RecursionError) as error:
        raise WireError(f"unreadable message from the worker: {error}") from None


def read_line(connection: socket.socket, most: int = 1 << 16) -> bytes:
    """One line, a byte at a time: what follows stays in the socket for whoever reads next (a spawned
    child's first lines, its token and "ready", come before the check's own messages)."""
    line = bytearray()
    while not line.endswith(b"\n") and len(line) < most:
        byte = connection.recv(1)
        if not byte:
            break
        line += byte
    return bytes(line)
