"""Salesforce change events over the Pub/Sub API (gRPC + Avro).

:mod:`.subscriber` is the client (metadata auth, flow-controlled
``Subscribe``, cached ``GetSchema``; errors by :mod:`.status`), :mod:`.codec`
and :mod:`.bitmaps` the pure Avro, header, bitmap and cursor functions, :mod:`.stream` the
``opportunity_changes`` stream of canonical records, and :mod:`.sandbox` a
local gRPC server for the contract tests. ``pubsub_api.proto`` is our own
subset of Salesforce's published proto (same wire format); the
``pubsub_api_pb2*`` modules are generated from it.
"""

from __future__ import annotations

from baton.connectors.salesforce.pubsub.codec import ChangeHeader
from baton.connectors.salesforce.pubsub.messages import PubSubSession
from baton.connectors.salesforce.pubsub.stream import CDC_TOPIC, PubSubChangeStream
from baton.connectors.salesforce.pubsub.subscriber import PUBSUB_HOST, PubSubSubscriber

__all__ = [
    "CDC_TOPIC",
    "PUBSUB_HOST",
    "ChangeHeader",
    "PubSubChangeStream",
    "PubSubSession",
    "PubSubSubscriber",
]
