"""Tryton's JSON-RPC value encoding: tagged dates, timedeltas, Decimals, bytes.

Tryton sends and accepts these as objects tagged with ``__class__``
(``{"__class__": "Decimal", "decimal": "1.50"}``); datetimes are naive UTC.
Sets travel as lists.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any

__all__ = ["dumps", "loads"]


def _encode(obj: object) -> object:
    if isinstance(obj, dt.datetime):
        return {
            "__class__": "datetime",
            "year": obj.year,
            "month": obj.month,
            "day": obj.day,
            "hour": obj.hour,
            "minute": obj.minute,
            "second": obj.second,
            "microsecond": obj.microsecond,
        }
    if isinstance(obj, dt.date):
        return {
            "__class__": "date",
            "year": obj.year,
            "month": obj.month,
            "day": obj.day,
        }
    if isinstance(obj, dt.time):
        return {
            "__class__": "time",
            "hour": obj.hour,
            "minute": obj.minute,
            "second": obj.second,
            "microsecond": obj.microsecond,
        }
    if isinstance(obj, dt.timedelta):
        return {"__class__": "timedelta", "seconds": obj.total_seconds()}
    if isinstance(obj, Decimal):
        return {"__class__": "Decimal", "decimal": str(obj)}
    if isinstance(obj, bytes | bytearray):
        return {"__class__": "bytes", "base64": base64.b64encode(obj).decode()}
    if isinstance(obj, set | frozenset):
        return list(obj)
    raise TypeError(f"cannot encode {type(obj).__name__} for Tryton")


def _decode(d: dict[str, Any]) -> Any:
    match d.get("__class__"):
        case "date":
            return dt.date(d["year"], d["month"], d["day"])
        case "datetime":
            return dt.datetime(  # noqa: DTZ001 - Tryton datetimes are naive UTC
                d["year"],
                d["month"],
                d["day"],
                d["hour"],
                d["minute"],
                d["second"],
                d["microsecond"],
            )
        case "time":
            return dt.time(d["hour"], d["minute"], d["second"], d["microsecond"])
        case "timedelta":
            return dt.timedelta(seconds=d["seconds"])
        case "Decimal":
            return Decimal(d["decimal"])
        case "bytes":
            return base64.b64decode(d["base64"])
    return d


def dumps(obj: object) -> bytes:
    """Encode a JSON-RPC body with Tryton's tagged types."""
    return json.dumps(obj, default=_encode, separators=(",", ":")).encode()


def loads(data: bytes) -> Any:
    """Decode a JSON-RPC answer, turning tagged objects into Python values."""
    return json.loads(data, object_hook=_decode)
