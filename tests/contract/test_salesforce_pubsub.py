"""Salesforce change events over the Pub/Sub API (gRPC sandbox) and our proto vs the vendor's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_tools import protoc
from hypothesis import given, settings
from hypothesis import strategies as st

from baton.connectors.base import Probe
from baton.connectors.salesforce.pubsub import bitmaps, codec, pubsub_api_pb2
from baton.connectors.salesforce.pubsub.contract import differences
from baton.connectors.salesforce.pubsub.sandbox import GrpcFault
from baton.connectors.salesforce.pubsub.schema import CHANGE_TYPES
from baton.connectors.salesforce.pubsub.schema import OPPORTUNITY_CHANGE_EVENT as OCE
from baton.connectors.salesforce.pubsub.stream import PubSubChangeStream, plan
from baton.connectors.salesforce.pubsub.subscriber import PubSubSubscriber
from baton.connectors.salesforce.pubsub.testing import bench, seeded
from baton.engine.errors import Fatal, Invalid, RateLimited, Retriable
from baton.model import OpportunityStage
from tests.contract import specs

SCHEMA = codec.parse_schema(OCE)


async def read(stream: PubSubChangeStream, cursor: str | None = None):
    pages = [p async for p in stream.read(cursor)]
    return pages, (pages[-1].cursor if pages else cursor)


def ids_of(pages) -> list[str]:
    return [r.source_id for p in pages for r in p.records]


async def test_a_read_resumes_after_the_stored_replay_id_with_the_soql_streams_records():
    rest, ids = seeded(3)
    async with bench(rest) as e:
        first, cursor = await read(e.stream)
        rest.touch("Opportunity", ids[1], StageName="Closed Lost", IsClosed=True)
        rest.touch("Opportunity", ids[2], Amount=99)
        resumed, cursor2 = await read(e.stream, cursor)
        nothing, _ = await read(e.stream, cursor2)
        soql, _ = await read(e.source.stream("opportunities"))
    assert (ids_of(first), ids_of(resumed), nothing) == (ids, ids[1:], [])
    assert codec.decode_cursor(cursor) == e.bus.log.replay_ids()[2]
    assert codec.decode_cursor(cursor2) == e.bus.log.replay_ids()[-1]
    assert resumed[-1].records[-1] == soql[-1].records[-1]  # same event_id, data
    assert resumed[0].records[0].data.stage is OpportunityStage.CLOSED_LOST
    starts = [f.replay_preset for f in e.bus.fetches if f.topic_name]
    assert starts[:2] == [pubsub_api_pb2.EARLIEST, pubsub_api_pb2.CUSTOM]
    assert e.bus.calls["GetSchema"] == 1  # cached per schema id


async def test_flow_control_never_has_more_than_num_requested_outstanding():
    rest, ids = seeded(7)
    async with bench(rest, batch_size=3, per_response=2, pace=0.05) as e:
        pages, _ = await read(e.stream)
        requested = [f.num_requested for f in e.bus.fetches]
        async with bench(seeded(7)[0], batch_size=3, max_events=4) as capped:
            few, _ = await read(capped.stream)
    assert [len(p.records) for p in pages] == [2, 1, 2, 1, 1]
    assert ids_of(pages) == ids
    assert (requested, e.bus.max_owed) == ([3, 3, 3], 3)
    assert [bool(f.topic_name) for f in e.bus.fetches] == [True, False, False]
    assert len(e.bus.sent) == 7 <= sum(requested)
    assert sum(len(p.records) for p in few) == 4  # a read stops after max_events
    assert [f.num_requested for f in capped.bus.fetches] == [3, 1]


async def test_an_expired_session_is_refreshed_once_and_refused_again_is_fatal():
    rest, ids = seeded(3)
    async with bench(rest, batch_size=1, pace=0.1) as e:
        pages = e.stream.read(None)
        first = await anext(pages)
        rest.expire_tokens()  # mid-stream: refreshed, resumed after the first
        later = [p async for p in pages]
        assert ids_of([first, *later]) == ids
        assert (e.stream.subscriber.refreshes, e.client.tokens.fetched) == (1, 2)
        starts = [(f.replay_preset, f.replay_id) for f in e.bus.fetches if f.topic_name]
        assert starts[1] == (pubsub_api_pb2.CUSTOM, e.bus.log.replay_ids()[0])
        rest.expire_tokens()
        rest.clients = {}  # the connected app was revoked
        with pytest.raises(Fatal, match="token refused"):
            await read(e.stream, later[-1].cursor)
    async with bench(seeded(1)[0], tenant="00DWRONGORG000000") as wrong:
        with pytest.raises(Fatal, match=r"UNAUTHENTICATED.*auth\.error"):
            await read(wrong.stream)
        assert wrong.stream.subscriber.refreshes == 1
        assert wrong.bus.calls["Subscribe"] == 2


async def test_unavailable_is_retriable_resource_exhausted_rate_limited_and_a_read_resumes():
    rest, ids = seeded(5)
    async with bench(rest, batch_size=2) as e:
        e.bus.inject(GrpcFault(grpc.StatusCode.UNAVAILABLE))
        with pytest.raises(Retriable, match="UNAVAILABLE: injected"):
            await read(e.stream)
        e.bus.inject(GrpcFault(grpc.StatusCode.RESOURCE_EXHAUSTED))
        with pytest.raises(RateLimited):
            await read(e.stream)
        e.bus.inject(GrpcFault(grpc.StatusCode.INTERNAL, after_events=2))
        pages = e.stream.read(None)
        got = await anext(pages)
        with pytest.raises(Retriable, match="INTERNAL"):
            await anext(pages)
        more, _ = await read(e.stream, got.cursor)
    assert (ids_of([got]), ids_of(more)) == (ids[:2], ids[2:])


async def test_a_replay_id_the_bus_does_not_hold_is_invalid_with_the_servers_message():
    rest, ids = seeded(2)
    async with bench(rest) as e:
        stale = codec.encode_cursor((42).to_bytes(8, "big"))
        with pytest.raises(Invalid) as err:
            await read(e.stream, stale)
        with pytest.raises(Invalid, match="not a base64 replay id"):
            await read(e.stream, "1002!")
        again, _ = await read(e.stream, None)  # restart from EARLIEST
    msg = err.value.message
    assert "INVALID_ARGUMENT: Replay ID 000000000000002a is not valid" in msg
    assert msg.endswith(".subscription.fetch.replayid.corrupted)")
    assert "EARLIEST" in err.value.fix
    assert ids_of(again) == ids


async def test_gaps_are_fetched_by_id_deletes_noted_and_changed_fields_decoded():
    rest, ids = seeded(3, gap_every=4)
    async with bench(rest, batch_size=10) as e:  # the five changes in one batch
        _, cursor = await read(e.stream)
        rest.touch("Opportunity", ids[0], StageName="Closed Lost", IsClosed=True)  # gap
        rest.touch("Opportunity", ids[1], StageName="Negotiation/Review", Amount=5)
        e.bus.publish("UPDATE", [ids[2]], fields={"Name": "x"})
        e.bus.publish("DELETE", [ids[2]])
        e.bus.publish("UPDATE", ["006*"])
        pages, _ = await read(e.stream, cursor)
    gap = e.bus.log.published[3]
    assert gap["ChangeEventHeader"]["changeType"] == "GAP_UPDATE"
    assert gap["StageName"] is None
    assert ids_of(pages) == e.stream.fetched[-2:] == ids[:2]
    assert pages[0].records[0].data.stage is OpportunityStage.CLOSED_LOST
    assert e.stream.deleted == [ids[2]]
    assert e.stream.rejected[-1][1].startswith("wildcard")
    assert e.bus.log.published[4]["ChangeEventHeader"]["changedFields"] == ["0x18"]
    assert e.stream.headers[1].changed_fields == ("StageName", "Amount")
    assert e.stream.headers[1].commit_timestamp.tzinfo is dt.UTC


async def test_health_reads_the_topic_and_fails_fatal_with_a_wrong_org_or_unavailable_tls():
    rest, _ = seeded(0)
    async with bench(rest) as e:
        assert isinstance(e.stream, Probe)
        await e.stream.health()
        e.stream.topic = "/data/NoSuchChangeEvent"
        with pytest.raises(Fatal, match="NOT_FOUND"):
            await e.stream.health()
        tls = PubSubSubscriber(e.client.tokens, tenant_id="0", target=e.target)
        with pytest.raises(Retriable):  # TLS against a plain server
            await tls.health(e.stream.topic.replace("NoSuch", "Opportunity"))
        await tls.close()
    async with bench(seeded(0)[0], tenant="00DWRONGORG000000") as wrong:
        with pytest.raises(Fatal, match="UNAUTHENTICATED"):
            await wrong.stream.health()


def compiled(folder, tmp_path) -> descriptor_pb2.FileDescriptorProto:
    out = tmp_path / "set.pb"
    args = ["protoc", f"-I{folder}", f"--descriptor_set_out={out}", "pubsub_api.proto"]
    assert protoc.main(args) == 0
    return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file[0]


def test_every_message_field_enum_and_rpc_of_our_proto_is_the_vendors(tmp_path):
    ours = compiled(Path(codec.__file__).parent, tmp_path)
    vendor = compiled(specs.SPECS / "salesforce", tmp_path)
    assert differences(ours, vendor) == []
    changed = descriptor_pb2.FileDescriptorProto.FromString(vendor.SerializeToString())
    fetch = next(m for m in changed.message_type if m.name == "FetchRequest")
    fetch.field[3].number = 9  # a vendor change breaks it
    changed.service[0].method[0].server_streaming = False
    assert differences(ours, changed) == [
        "field FetchRequest.num_requested",
        "rpc PubSub.Subscribe",
    ]
    generated = descriptor_pb2.FileDescriptorProto()
    pubsub_api_pb2.DESCRIPTOR.CopyToProto(generated)
    _ = [f.ClearField("json_name") for m in ours.message_type for f in m.field]
    assert generated.message_type == ours.message_type  # the pb2 module is not stale
    assert generated.service == ours.service


NAMES = [f["name"] for f in SCHEMA["fields"]]
text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20)
at = st.datetimes(
    dt.datetime(1970, 1, 1), dt.datetime(2999, 12, 31), timezones=st.just(dt.UTC)
)
headers = st.builds(
    codec.ChangeHeader, entity_name=text, record_ids=st.lists(text, max_size=3).map(tuple),
    change_type=st.sampled_from(CHANGE_TYPES), change_origin=text, transaction_key=text,
    sequence_number=st.integers(-(2**31), 2**31 - 1), commit_number=st.integers(-(2**63), 2**63 - 1),
    commit_timestamp=at.map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000)),
    commit_user=text, changed_fields=st.lists(st.sampled_from(NAMES), unique=True).map(lambda f: tuple(sorted(f, key=NAMES.index))),
    nulled_fields=st.lists(st.sampled_from(NAMES[1:]), unique=True).map(lambda f: tuple(sorted(f, key=NAMES.index))),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(header=headers)
def test_a_header_survives_the_avro_round_trip_with_its_bitmaps(header):
    record = {"ChangeEventHeader": codec.header_record(header, SCHEMA)}
    avro = codec.encode(record, SCHEMA)
    raw = codec.decode(avro, SCHEMA)["ChangeEventHeader"]
    assert codec.change_header(raw, SCHEMA) == header


COMPOUND = codec.parse_schema({"type": "record", "name": "C", "fields": [
    {"name": "Id", "type": "string"}, *({"name": f"F{i}", "type": ["null", "long"]} for i in range(40)),
    {"name": "Address", "type": ["null", {"type": "record", "name": "A", "fields": [
        {"name": n, "type": ["null", "string"]} for n in ("Street", "City", "Country")]}]},
]})  # fmt: skip
FIELDS = [f"F{i}" for i in range(40)] + [f"Address.{n}" for n in ("Street", "City")]


@given(chosen=st.sets(st.sampled_from(FIELDS)))
def test_bitmaps_name_exactly_the_fields_including_compound_parts(chosen):
    encoded = bitmaps.bitmap(COMPOUND, chosen)
    assert set(bitmaps.field_names(COMPOUND, encoded)) == chosen
    assert all(b.startswith(("0x", "41-0x")) for b in encoded)


@given(st.lists(st.tuples(st.sampled_from(["CREATE", "UPDATE", "DELETE", "GAP_UPDATE", "GAP_DELETE", "UNDELETE"]),
                          st.lists(st.sampled_from(["a", "b", "c", "00*"]), min_size=1, max_size=3))))  # fmt: skip
def test_a_batch_fetches_each_id_not_deleted_after_its_last_change_once(events):
    when = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    hs = [
        codec.ChangeHeader("O", tuple(i), c, "", "", 1, when, 1, "") for c, i in events
    ]
    fetch, deleted = plan(hs)
    last = {i: c for c, ids in events for i in ids if "*" not in i}
    assert sorted(fetch) == sorted(i for i, c in last.items() if c[-6:] != "DELETE")
    assert len(set(fetch)) == len(fetch)
    assert all("*" not in i for i in fetch + deleted)
    assert deleted == [
        i for c, ids in events if "DELETE" in c for i in ids if "*" not in i
    ]
