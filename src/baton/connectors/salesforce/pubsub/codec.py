"""Avro payloads, change-event headers, bitmaps and cursors (pure: no I/O).

A Pub/Sub API event's ``payload`` is Avro binary without a container: the
schema comes from ``GetSchema(schema_id)`` and :func:`decode` reads it with
fastavro's ``schemaless_reader``. A change event is a record whose first
field is ``ChangeEventHeader``, then the sObject's fields (all of them on a
Pub/Sub event; unchanged ones null).

``changedFields``, ``diffFields`` and ``nulledFields`` arrive as bitmaps
(:mod:`~baton.connectors.salesforce.pubsub.bitmaps`); :func:`change_header`
expands them to field names.

The cursor a stream stores is the last event's ``replay_id`` (opaque bytes)
in standard base64 (:func:`encode_cursor`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import fastavro

from baton.connectors.salesforce.pubsub.bitmaps import bitmap, field_names

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ChangeHeader",
    "change_header",
    "decode",
    "decode_cursor",
    "encode",
    "encode_cursor",
    "header_record",
    "parse_schema",
]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class ChangeHeader:
    """A change event's ``ChangeEventHeader`` with its bitmaps expanded.

    ``change_type`` is ``CREATE``, ``UPDATE``, ``DELETE``, ``UNDELETE``, a
    ``GAP_*`` type (the event carries no field values) or ``GAP_OVERFLOW``.
    ``record_ids`` may hold a wildcard (``006*``) after a field-type change.
    """

    entity_name: str
    record_ids: tuple[str, ...]
    change_type: str
    change_origin: str
    transaction_key: str
    sequence_number: int
    commit_timestamp: dt.datetime
    commit_number: int
    commit_user: str
    changed_fields: tuple[str, ...] = ()
    diff_fields: tuple[str, ...] = ()
    nulled_fields: tuple[str, ...] = ()

    @property
    def is_delete(self) -> bool:
        """A delete (``DELETE`` or ``GAP_DELETE``): nothing left to read."""
        return self.change_type.endswith("DELETE")


def parse_schema(schema_json: str | Mapping[str, Any]) -> dict[str, Any]:
    """A parsed Avro schema (from ``SchemaInfo.schema_json``)."""
    doc = json.loads(schema_json) if isinstance(schema_json, str) else schema_json
    parsed: Any = fastavro.parse_schema(dict(doc))
    return dict(parsed)


def decode(payload: bytes, schema: dict[str, Any]) -> dict[str, Any]:
    """One Avro-encoded event (raises ``ValueError`` on a short or bad payload)."""
    try:
        record: Any = fastavro.schemaless_reader(io.BytesIO(payload), schema, None)
    except (EOFError, IndexError, UnicodeDecodeError, TypeError) as exc:
        raise ValueError(f"payload is not a {schema.get('name')}: {exc}") from exc
    if not isinstance(record, dict):
        raise ValueError(f"payload is not a {schema.get('name')} record")  # noqa: TRY004
    return record


def encode(record: Mapping[str, Any], schema: dict[str, Any]) -> bytes:
    """``record`` as schemaless Avro binary (what a publisher sends)."""
    out = io.BytesIO()
    fastavro.schemaless_writer(out, schema, dict(record))
    return out.getvalue()


def change_header(raw: Mapping[str, Any], schema: Mapping[str, Any]) -> ChangeHeader:
    """The decoded ``ChangeEventHeader`` record of an event of ``schema``.

    Raises:
        ValueError: a missing header field or a malformed bitmap.
    """
    try:
        stamp = _EPOCH + dt.timedelta(milliseconds=int(raw["commitTimestamp"]))
        return ChangeHeader(
            entity_name=str(raw["entityName"]),
            record_ids=tuple(str(i) for i in raw["recordIds"]),
            change_type=str(raw["changeType"]),
            change_origin=str(raw.get("changeOrigin") or ""),
            transaction_key=str(raw.get("transactionKey") or ""),
            sequence_number=int(raw.get("sequenceNumber") or 0),
            commit_timestamp=stamp,
            commit_number=int(raw.get("commitNumber") or 0),
            commit_user=str(raw.get("commitUser") or ""),
            changed_fields=field_names(schema, raw.get("changedFields") or []),
            diff_fields=field_names(schema, raw.get("diffFields") or []),
            nulled_fields=field_names(schema, raw.get("nulledFields") or []),
        )
    except (KeyError, TypeError, OverflowError, IndexError) as exc:
        raise ValueError(f"not a ChangeEventHeader: {exc!r}") from exc


def header_record(header: ChangeHeader, schema: Mapping[str, Any]) -> dict[str, Any]:
    """``header`` as the Avro ``ChangeEventHeader`` record (bitmaps encoded)."""
    millis = (header.commit_timestamp - _EPOCH) // dt.timedelta(milliseconds=1)
    return {
        "entityName": header.entity_name,
        "recordIds": list(header.record_ids),
        "changeType": header.change_type,
        "changeOrigin": header.change_origin,
        "transactionKey": header.transaction_key,
        "sequenceNumber": header.sequence_number,
        "commitTimestamp": millis,
        "commitNumber": header.commit_number,
        "commitUser": header.commit_user,
        "nulledFields": bitmap(schema, header.nulled_fields),
        "diffFields": bitmap(schema, header.diff_fields),
        "changedFields": bitmap(schema, header.changed_fields),
    }


def encode_cursor(replay_id: bytes) -> str:
    """A replay id as the stored cursor (standard base64)."""
    return base64.b64encode(replay_id).decode("ascii")


def decode_cursor(cursor: str) -> bytes:
    """The replay id of a stored cursor.

    Raises:
        ValueError: the cursor is not base64 (e.g. a JSON-feed cursor).
    """
    try:
        return base64.b64decode(cursor.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(f"cursor {cursor!r} is not a base64 replay id") from exc
