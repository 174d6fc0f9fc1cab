from collections.abc import Iterable as _Iterable
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar

from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper

DESCRIPTOR: _descriptor.FileDescriptor

class ReplayPreset(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LATEST: _ClassVar[ReplayPreset]
    EARLIEST: _ClassVar[ReplayPreset]
    CUSTOM: _ClassVar[ReplayPreset]

LATEST: ReplayPreset
EARLIEST: ReplayPreset
CUSTOM: ReplayPreset

class TopicRequest(_message.Message):
    __slots__ = ("topic_name",)
    TOPIC_NAME_FIELD_NUMBER: _ClassVar[int]
    topic_name: str
    def __init__(self, topic_name: str | None = ...) -> None: ...

class TopicInfo(_message.Message):
    __slots__ = (
        "can_publish",
        "can_subscribe",
        "rpc_id",
        "schema_id",
        "tenant_guid",
        "topic_name",
    )
    TOPIC_NAME_FIELD_NUMBER: _ClassVar[int]
    TENANT_GUID_FIELD_NUMBER: _ClassVar[int]
    CAN_PUBLISH_FIELD_NUMBER: _ClassVar[int]
    CAN_SUBSCRIBE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_ID_FIELD_NUMBER: _ClassVar[int]
    RPC_ID_FIELD_NUMBER: _ClassVar[int]
    topic_name: str
    tenant_guid: str
    can_publish: bool
    can_subscribe: bool
    schema_id: str
    rpc_id: str
    def __init__(
        self,
        topic_name: str | None = ...,
        tenant_guid: str | None = ...,
        can_publish: bool | None = ...,
        can_subscribe: bool | None = ...,
        schema_id: str | None = ...,
        rpc_id: str | None = ...,
    ) -> None: ...

class SchemaRequest(_message.Message):
    __slots__ = ("schema_id",)
    SCHEMA_ID_FIELD_NUMBER: _ClassVar[int]
    schema_id: str
    def __init__(self, schema_id: str | None = ...) -> None: ...

class SchemaInfo(_message.Message):
    __slots__ = ("rpc_id", "schema_id", "schema_json")
    SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_ID_FIELD_NUMBER: _ClassVar[int]
    RPC_ID_FIELD_NUMBER: _ClassVar[int]
    schema_json: str
    schema_id: str
    rpc_id: str
    def __init__(
        self,
        schema_json: str | None = ...,
        schema_id: str | None = ...,
        rpc_id: str | None = ...,
    ) -> None: ...

class EventHeader(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: bytes
    def __init__(self, key: str | None = ..., value: bytes | None = ...) -> None: ...

class ProducerEvent(_message.Message):
    __slots__ = ("headers", "id", "payload", "schema_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_ID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    id: str
    schema_id: str
    payload: bytes
    headers: _containers.RepeatedCompositeFieldContainer[EventHeader]
    def __init__(
        self,
        id: str | None = ...,
        schema_id: str | None = ...,
        payload: bytes | None = ...,
        headers: _Iterable[EventHeader | _Mapping] | None = ...,
    ) -> None: ...

class ConsumerEvent(_message.Message):
    __slots__ = ("event", "replay_id")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    REPLAY_ID_FIELD_NUMBER: _ClassVar[int]
    event: ProducerEvent
    replay_id: bytes
    def __init__(
        self,
        event: ProducerEvent | _Mapping | None = ...,
        replay_id: bytes | None = ...,
    ) -> None: ...

class FetchRequest(_message.Message):
    __slots__ = ("num_requested", "replay_id", "replay_preset", "topic_name")
    TOPIC_NAME_FIELD_NUMBER: _ClassVar[int]
    REPLAY_PRESET_FIELD_NUMBER: _ClassVar[int]
    REPLAY_ID_FIELD_NUMBER: _ClassVar[int]
    NUM_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    topic_name: str
    replay_preset: ReplayPreset
    replay_id: bytes
    num_requested: int
    def __init__(
        self,
        topic_name: str | None = ...,
        replay_preset: ReplayPreset | str | None = ...,
        replay_id: bytes | None = ...,
        num_requested: int | None = ...,
    ) -> None: ...

class FetchResponse(_message.Message):
    __slots__ = ("events", "latest_replay_id", "pending_num_requested", "rpc_id")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    LATEST_REPLAY_ID_FIELD_NUMBER: _ClassVar[int]
    RPC_ID_FIELD_NUMBER: _ClassVar[int]
    PENDING_NUM_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[ConsumerEvent]
    latest_replay_id: bytes
    rpc_id: str
    pending_num_requested: int
    def __init__(
        self,
        events: _Iterable[ConsumerEvent | _Mapping] | None = ...,
        latest_replay_id: bytes | None = ...,
        rpc_id: str | None = ...,
        pending_num_requested: int | None = ...,
    ) -> None: ...
