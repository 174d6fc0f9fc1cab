"""A Salesforce Pub/Sub API subscriber over gRPC (``grpc.aio``).

Every call carries ``accesstoken``, ``instanceurl`` and ``tenantid`` (the org
id) from a session such as the REST client's
:class:`~baton.connectors.salesforce.session.SalesforceTokens`. ``Subscribe``
is a pull-based bidirectional stream: the first ``FetchRequest`` names the
topic, the start (``EARLIEST``, ``LATEST`` or ``CUSTOM`` after a
``replay_id``; honoured on the first request only) and ``num_requested``; we
ask for ``batch_size`` (at most 100) and ask again only once all of it
arrived. A read stops after ``max_events`` or ``idle_wait`` seconds without a
response, so a poller can call it again and again. Payloads are Avro,
decoded with ``GetSchema`` (cached). Errors: :func:`.status.classify`, after
one session refresh on ``UNAUTHENTICATED`` (a stream resumes after the last
replay id it delivered).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

import grpc

from baton.connectors.salesforce.pubsub import codec
from baton.connectors.salesforce.pubsub import pubsub_api_pb2 as pb2
from baton.connectors.salesforce.pubsub import pubsub_api_pb2_grpc as pb2_grpc
from baton.connectors.salesforce.pubsub.messages import Batch, ReceivedEvent
from baton.connectors.salesforce.pubsub.status import classify
from baton.engine.errors import Fatal

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from baton.connectors.salesforce.pubsub.messages import PubSubSession
    from baton.engine.limiter import AccountLimiter

__all__ = ["MAX_REQUESTED", "PUBSUB_HOST", "PubSubSubscriber"]

PUBSUB_HOST = "api.pubsub.salesforce.com:7443"
MAX_REQUESTED = 100


async def _send(call: Any, request: pb2.FetchRequest) -> bool:
    """Write ``request``; False when the stream ended well (raises its error)."""
    try:
        await call.write(request)
    except asyncio.InvalidStateError:  # the server already ended the stream
        if await call.read() is grpc.aio.EOF:  # raises an error status
            return False
    return True


class PubSubSubscriber:
    """One org's Pub/Sub API connection.

    Args:
        session: the org's session (token and instance URL).
        tenant_id: the org id (``00D…``), sent as ``tenantid`` (None: the
            session's ``org_id`` attribute, if it has one).
        target: ``host:port`` (the sandbox's on loopback in tests).
        secure: TLS with the system's roots (False: plain, loopback only).
        timeout: seconds for the unary calls.
        limit_pause: ``retry_after`` of a ``RESOURCE_EXHAUSTED``.
        limiter: the org's shared limiter, paused ``limit_pause`` by it.
    """

    def __init__(
        self,
        session: PubSubSession,
        *,
        tenant_id: str | None = None,
        target: str = PUBSUB_HOST,
        secure: bool = True,
        timeout: float = 30.0,
        limit_pause: float = 60.0,
        limiter: AccountLimiter | None = None,
    ) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.timeout = timeout
        self.limit_pause = limit_pause
        self.limiter = limiter
        self.refreshes = 0
        self.target = target
        self.secure = secure
        self._channel: grpc.aio.Channel | None = None
        self._stub_obj: Any = None
        self._schemas: dict[str, dict[str, Any]] = {}

    @property
    def _stub(self) -> Any:
        """The stub, its channel opened on first use (in the running loop)."""
        if self._stub_obj is None:
            self._channel = (
                grpc.aio.secure_channel(self.target, grpc.ssl_channel_credentials())
                if self.secure
                else grpc.aio.insecure_channel(self.target)
            )
            self._stub_obj = pb2_grpc.PubSubStub(self._channel)  # type: ignore[no-untyped-call]
        return self._stub_obj

    async def _metadata(self, *, refresh: bool = False) -> tuple[tuple[str, str], ...]:
        if refresh:
            self.refreshes += 1
        token = await self.session.token(refresh=refresh)
        if not self.session.instance_url:
            raise Fatal("salesforce pubsub: the session names no instance_url")
        tenant = self.tenant_id or getattr(self.session, "org_id", None)
        if not tenant:
            raise Fatal("salesforce pubsub: no org id (tenantid) is configured")
        return (
            ("accesstoken", token),
            ("instanceurl", self.session.instance_url),
            ("tenantid", str(tenant)),
        )

    async def _unary(self, method: Any, request: Any) -> Any:
        for refresh in (False, True):
            metadata = await self._metadata(refresh=refresh)
            try:
                return await method(request, metadata=metadata, timeout=self.timeout)
            except grpc.aio.AioRpcError as exc:
                if exc.code() is grpc.StatusCode.UNAUTHENTICATED and not refresh:
                    continue
                raise self._error(exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(self, exc: grpc.aio.AioRpcError) -> Exception:
        return classify(exc, limit_pause=self.limit_pause, limiter=self.limiter)

    async def topic(self, topic_name: str) -> pb2.TopicInfo:
        """``GetTopic``: the topic's schema id and whether we may subscribe."""
        request = pb2.TopicRequest(topic_name=topic_name)
        return await self._unary(self._stub.GetTopic, request)  # type: ignore[no-any-return]

    async def health(self, topic_name: str) -> None:
        """Raise a classified error unless ``topic_name`` can be subscribed to."""
        info = await self.topic(topic_name)
        if not info.can_subscribe:
            raise Fatal(f"salesforce pubsub: {topic_name} cannot be subscribed to")

    async def schema(self, schema_id: str) -> dict[str, Any]:
        """The parsed Avro schema of ``schema_id`` (``GetSchema``, cached)."""
        if schema_id not in self._schemas:
            info = await self._unary(
                self._stub.GetSchema, pb2.SchemaRequest(schema_id=schema_id)
            )
            self._schemas[schema_id] = codec.parse_schema(info.schema_json)
        return self._schemas[schema_id]

    async def _event(self, event: pb2.ConsumerEvent) -> ReceivedEvent:
        schema_id = event.event.schema_id
        schema = await self.schema(schema_id)
        replay = bytes(event.replay_id)
        try:
            payload = codec.decode(event.event.payload, schema)
        except ValueError as exc:
            return ReceivedEvent(replay, schema_id, schema, None, str(exc))
        return ReceivedEvent(replay, schema_id, schema, payload)

    async def subscribe(
        self,
        topic_name: str,
        replay_id: bytes | None,
        *,
        batch_size: int = MAX_REQUESTED,
        max_events: int = 1000,
        idle_wait: float = 5.0,
        preset: pb2.ReplayPreset = pb2.EARLIEST,
    ) -> AsyncGenerator[Batch, None]:
        """Batches after ``replay_id`` (None: from ``preset``); see the module docstring.

        Raises:
            baton.engine.errors.DeliveryError: classified by :func:`classify`.
        """
        size = max(1, min(batch_size, MAX_REQUESTED))
        after, budget, refreshed = replay_id, max_events, False
        while True:
            call = self._stub.Subscribe(
                metadata=await self._metadata(refresh=refreshed)
            )
            try:
                start = pb2.CUSTOM if after else preset
                pulled = self._pull(
                    call, topic_name, start, after, size, budget, idle_wait
                )
                async with contextlib.aclosing(pulled):
                    async for batch in pulled:
                        if batch.events:
                            after = batch.events[-1].replay_id
                            budget -= len(batch.events)
                        yield batch
                return
            except grpc.aio.AioRpcError as exc:
                if exc.code() is grpc.StatusCode.UNAUTHENTICATED and not refreshed:
                    refreshed = True
                    continue
                raise self._error(exc) from exc
            finally:
                call.cancel()

    async def _pull(
        self,
        call: Any,
        topic_name: str,
        preset: pb2.ReplayPreset,
        after: bytes | None,
        size: int,
        budget: int,
        idle_wait: float,
    ) -> AsyncGenerator[Batch, None]:
        asked = min(size, budget)
        if asked <= 0:
            return
        first = pb2.FetchRequest(
            topic_name=topic_name,
            replay_preset=preset,
            replay_id=after or b"",
            num_requested=asked,
        )
        if not await _send(call, first):
            return
        outstanding, received = asked, 0
        while True:
            try:
                resp = await asyncio.wait_for(call.read(), idle_wait)
            except TimeoutError:
                return
            if resp is grpc.aio.EOF:  # an error status raises from read()
                return
            events = tuple([await self._event(e) for e in resp.events])
            received += len(events)
            outstanding -= len(events)
            yield Batch(
                events, bytes(resp.latest_replay_id), resp.pending_num_requested
            )
            if outstanding <= 0:
                asked = min(size, budget - received)
                if asked <= 0:
                    return
                if not await _send(call, pb2.FetchRequest(num_requested=asked)):
                    return
                outstanding += asked

    async def close(self) -> None:
        """Close the channel (if one was opened)."""
        if self._channel is not None:
            await self._channel.close()
        self._channel, self._stub_obj = None, None
