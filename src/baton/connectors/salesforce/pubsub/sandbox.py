"""A local Salesforce Pub/Sub API (gRPC) for contract tests.

Serves ``Subscribe``, ``GetSchema`` and ``GetTopic`` of ``eventbus.v1.PubSub``
on ``127.0.0.1`` (plain, no TLS) for one topic whose events live in an
:class:`~baton.connectors.salesforce.pubsub.sandbox_events.EventLog`
(``publish(...)``, or mirrored from the REST sandbox's store on each poll).

It checks the metadata on every call: ``accesstoken`` must be a live token
of the REST sandbox (``auth.tokens``; ``auth.expire_tokens()`` expires them),
``tenantid`` the org id and ``instanceurl`` present — else
``UNAUTHENTICATED``. ``Subscribe`` starts at ``EARLIEST``, ``LATEST`` or
after a ``CUSTOM`` replay id (one it never issued: ``INVALID_ARGUMENT`` with
the ``error-code`` trailer ``…fetch.replayid.corrupted``), counts every
``num_requested`` (at most 100 outstanding) and never sends more events than
were requested; a token that expires mid-stream ends it with
``UNAUTHENTICATED``. Faults (:class:`GrpcFault`) end the next matching
calls with a status, optionally after some events. [kb: the statuses for
an unknown topic or schema (``NOT_FOUND``) and the auth trailer code are
this sandbox's guesses; the replay-id rejection is documented.]

For tests: :attr:`PubSubSandbox.fetches` (every ``FetchRequest`` seen),
:attr:`PubSubSandbox.sent` (replay ids sent), :attr:`PubSubSandbox.max_owed`
(the most events ever requested and not yet sent on one stream).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

import grpc

from baton.connectors.salesforce.pubsub import pubsub_api_pb2 as pb2
from baton.connectors.salesforce.pubsub import pubsub_api_pb2_grpc as pb2_grpc
from baton.connectors.salesforce.pubsub.sandbox_events import (
    EventLog,
    Faults,
    GrpcFault,
)
from baton.connectors.salesforce.pubsub.stream import CDC_TOPIC

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from baton.connectors.sandbox import VendorSandbox

__all__ = ["CORRUPTED", "GrpcFault", "PubSubSandbox"]

CORRUPTED = "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted"
_MAX = 100


class PubSubSandbox(pb2_grpc.PubSubServicer):
    """The Pub/Sub API for one topic (see the module docstring).

    Args:
        auth: the REST sandbox whose tokens are valid here.
        store: the REST sandbox's store to mirror events from (None: none).
        tenant_id: the org id callers must send.
        topic: the topic's name.
        per_response: events per ``FetchResponse`` at most.
        keepalive: seconds idle before an empty ``FetchResponse`` (None: never).
        pace: seconds between two responses (lets a client's request overtake).
    """

    def __init__(
        self,
        auth: VendorSandbox,
        *,
        store: object | None = None,
        tenant_id: str = "00D000000000001EAA",
        topic: str = CDC_TOPIC,
        per_response: int = _MAX,
        keepalive: float | None = None,
        pace: float = 0.0,
    ) -> None:
        self.auth = auth
        self.store = store
        self.tenant_id = tenant_id
        self.log = EventLog(topic)
        self.per_response = per_response
        self.keepalive = keepalive
        self.pace = pace
        self.faults = Faults()
        self.fetches: list[pb2.FetchRequest] = []
        self.sent: list[bytes] = []
        self.max_owed = 0
        self.calls: dict[str, int] = {}

    # -- for tests -----------------------------------------------------------
    def publish(self, change_type: str, record_ids: list[str], **kwargs: Any) -> bytes:
        """Append a change event (see :meth:`EventLog.publish`); its replay id."""
        if self.store is not None:  # the store's events come first
            self.log.mirror(self.store)
        return self.log.publish(change_type, record_ids, **kwargs)

    def inject(self, fault: GrpcFault) -> None:
        """Queue a fault."""
        self.faults.queue.append(fault)

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        """Serve on a free loopback port; yields ``host:port``."""
        server = grpc.aio.server()
        pb2_grpc.add_PubSubServicer_to_server(self, server)  # type: ignore[no-untyped-call]
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            yield f"127.0.0.1:{port}"
        finally:
            await server.stop(grace=None)

    # -- machinery -------------------------------------------------------------
    async def _end(self, context: Any, fault: GrpcFault) -> None:
        trailer = (("error-code", fault.error_code),) if fault.error_code else ()
        await context.abort(fault.code, fault.message, trailing_metadata=trailer)

    def _token_ok(self, context: Any) -> bool:
        meta = dict(context.invocation_metadata())
        expires = self.auth.tokens.get(str(meta.get("accesstoken")))
        return (
            expires is not None
            and expires > time.monotonic()
            and meta.get("tenantid") == self.tenant_id
            and bool(meta.get("instanceurl"))
        )

    async def _enter(self, method: str, context: Any) -> None:
        self.calls[method] = self.calls.get(method, 0) + 1
        if not self._token_ok(context):
            await context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                "The session is not valid or the org id does not match.",
                trailing_metadata=(
                    ("error-code", "sfdc.platform.eventbus.grpc.service.auth.error"),
                ),
            )
        fault = self.faults.take(method)
        if fault is not None:
            await self._end(context, fault)

    # -- the service -----------------------------------------------------------
    async def GetTopic(self, request: pb2.TopicRequest, context: Any) -> pb2.TopicInfo:  # noqa: N802
        """The topic's schema id (``NOT_FOUND`` for another topic)."""
        await self._enter("GetTopic", context)
        if request.topic_name != self.log.topic:
            await context.abort(grpc.StatusCode.NOT_FOUND, "topic not found")
        return pb2.TopicInfo(
            topic_name=self.log.topic, tenant_guid=self.tenant_id, can_publish=True,
            can_subscribe=True, schema_id=self.log.schema_id, rpc_id="rpc-topic",
        )  # fmt: skip

    async def GetSchema(  # noqa: N802
        self, request: pb2.SchemaRequest, context: Any
    ) -> pb2.SchemaInfo:
        """The Avro schema JSON of the topic's schema id."""
        await self._enter("GetSchema", context)
        if request.schema_id != self.log.schema_id:
            await context.abort(grpc.StatusCode.NOT_FOUND, "schema not found")
        return pb2.SchemaInfo(
            schema_json=self.log.schema_json, schema_id=self.log.schema_id
        )

    async def Subscribe(  # noqa: N802
        self, requests: AsyncIterator[pb2.FetchRequest], context: Any
    ) -> AsyncIterator[pb2.FetchResponse]:
        """Events after the first request's start, as many as requested."""
        await self._enter("Subscribe", context)
        first = await anext(requests)
        self.fetches.append(first)
        if first.topic_name != self.log.topic:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "topic not found")
        position = self._start(first)
        if position is None:
            msg = f"Replay ID {first.replay_id.hex()} is not valid for this topic."
            await self._end(
                context,
                GrpcFault(grpc.StatusCode.INVALID_ARGUMENT, message=msg,
                          error_code=CORRUPTED),
            )  # fmt: skip
        owed = [min(first.num_requested, _MAX)]
        reader = asyncio.ensure_future(self._more(requests, owed))
        try:
            async for response in self._pull(context, int(position or 0), owed):
                yield response
        finally:
            reader.cancel()

    def _start(self, first: pb2.FetchRequest) -> int | None:
        if self.store is not None:
            self.log.mirror(self.store)
        ids = self.log.replay_ids()
        if first.replay_preset == pb2.EARLIEST:
            return 0
        if first.replay_preset == pb2.LATEST:
            return len(ids)
        replay = bytes(first.replay_id)
        return ids.index(replay) + 1 if replay in ids else None

    async def _more(
        self, requests: AsyncIterator[pb2.FetchRequest], owed: list[int]
    ) -> None:
        async for request in requests:
            self.fetches.append(request)
            owed[0] = min(owed[0] + request.num_requested, _MAX)
            self.max_owed = max(self.max_owed, owed[0])

    async def _pull(
        self, context: Any, position: int, owed: list[int]
    ) -> AsyncIterator[pb2.FetchResponse]:
        delivered, idle = 0, time.monotonic()
        while True:
            self.max_owed = max(self.max_owed, owed[0])
            if self.store is not None:
                self.log.mirror(self.store)
            if not self._token_ok(context):
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, "session expired")
            fault = self.faults.take("Subscribe", delivered)
            if fault is not None:
                await self._end(context, fault)
            held = self.log.events
            if owed[0] > 0 and position < len(held):
                n = min(owed[0], len(held) - position, self.per_response)
                batch = held[position : position + n]
                position, owed[0], delivered = position + n, owed[0] - n, delivered + n
                self.sent.extend(bytes(e.replay_id) for e in batch)
                idle = time.monotonic()
                yield pb2.FetchResponse(
                    events=batch, latest_replay_id=batch[-1].replay_id,
                    rpc_id="rpc-sub", pending_num_requested=owed[0],
                )  # fmt: skip
                await asyncio.sleep(self.pace)
            elif (
                self.keepalive is not None
                and owed[0] > 0
                and time.monotonic() - idle >= self.keepalive
            ):
                idle = time.monotonic()
                tip = held[-1].replay_id if held else b""
                yield pb2.FetchResponse(
                    latest_replay_id=tip, pending_num_requested=owed[0]
                )
            else:
                await asyncio.sleep(0.01)
