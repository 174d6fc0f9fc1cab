"""The sandbox's Avro schema of ``OpportunityChangeEvent`` (a subset).

Shaped like Salesforce's change-event schemas [kb: the field list and types
are from Salesforce's published examples, not a live org]: record
``OpportunityChangeEvent`` in namespace ``com.sforce.eventbus``; field 0 is
``ChangeEventHeader`` (``changeType`` an enum, ``commitTimestamp`` and
``commitNumber`` longs, the three bitmap fields string arrays); then the
sObject's fields, each a union with ``null`` defaulting to null (unchanged
fields are null on updates). Date and dateTime fields are epoch
milliseconds (``long``); currency fields are ``double`` — which is why the
stream re-reads each record over REST instead of mapping these values.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CHANGE_TYPES", "OPPORTUNITY_CHANGE_EVENT", "OPPORTUNITY_FIELDS"]

CHANGE_TYPES = (
    "CREATE", "UPDATE", "DELETE", "UNDELETE", "GAP_CREATE", "GAP_UPDATE",
    "GAP_DELETE", "GAP_UNDELETE", "GAP_OVERFLOW",
)  # fmt: skip

_HEADER: dict[str, Any] = {
    "type": "record",
    "name": "ChangeEventHeader",
    "namespace": "com.sforce.eventbus",
    "fields": [
        {"name": "entityName", "type": "string"},
        {"name": "recordIds", "type": {"type": "array", "items": "string"}},
        {
            "name": "changeType",
            "type": {"type": "enum", "name": "ChangeType", "symbols": CHANGE_TYPES},
        },
        {"name": "changeOrigin", "type": "string"},
        {"name": "transactionKey", "type": "string"},
        {"name": "sequenceNumber", "type": "int"},
        {"name": "commitTimestamp", "type": "long"},
        {"name": "commitNumber", "type": "long"},
        {"name": "commitUser", "type": "string"},
        {"name": "nulledFields", "type": {"type": "array", "items": "string"}},
        {"name": "diffFields", "type": {"type": "array", "items": "string"}},
        {"name": "changedFields", "type": {"type": "array", "items": "string"}},
    ],
}

OPPORTUNITY_FIELDS: dict[str, str] = {
    "AccountId": "string",
    "Name": "string",
    "StageName": "string",
    "Amount": "double",
    "CloseDate": "long",
    "LastModifiedDate": "long",
}

OPPORTUNITY_CHANGE_EVENT: dict[str, Any] = {
    "type": "record",
    "name": "OpportunityChangeEvent",
    "namespace": "com.sforce.eventbus",
    "fields": [
        {"name": "ChangeEventHeader", "type": _HEADER},
        *(
            {"name": name, "type": ["null", kind], "default": None}
            for name, kind in OPPORTUNITY_FIELDS.items()
        ),
    ],
}
