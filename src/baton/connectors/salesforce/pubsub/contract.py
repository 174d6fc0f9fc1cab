"""Our proto against Salesforce's (pure): what differs on the wire.

:func:`differences` compares two compiled ``FileDescriptorProto`` s: every
message, field (name, number, type, label, message/enum type), enum value
and rpc (types, streaming) of ``ours`` must exist identically in
``vendor``; anything of the vendor's we leave out is fine. The contract test
compiles ``pubsub_api.proto`` of both at test time and expects none.
"""

from __future__ import annotations

from typing import Any

__all__ = ["differences"]


def differences(ours: Any, vendor: Any) -> list[str]:
    """Each element of ``ours`` that ``vendor`` lacks or defines otherwise.

    Both are ``google.protobuf.descriptor_pb2.FileDescriptorProto`` s.
    """
    out = [] if ours.package == vendor.package else [f"package {ours.package}"]
    theirs = {m.name: {f.name: f for f in m.field} for m in vendor.message_type}
    for message in ours.message_type:
        fields = theirs.get(message.name)
        if fields is None:
            out.append(f"message {message.name}")
            continue
        for f in message.field:
            v = fields.get(f.name)
            shape = (f.number, f.type, f.label, f.type_name)
            if v is None or shape != (v.number, v.type, v.label, v.type_name):
                out.append(f"field {message.name}.{f.name}")
    enums = {e.name: {(v.name, v.number) for v in e.value} for e in vendor.enum_type}
    out.extend(
        f"enum {enum.name}.{value.name}"
        for enum in ours.enum_type
        for value in enum.value
        if (value.name, value.number) not in enums.get(enum.name, set())
    )
    services = {s.name: {m.name: m for m in s.method} for s in vendor.service}
    for service in ours.service:
        rpcs = services.get(service.name, {})
        for rpc in service.method:
            v = rpcs.get(rpc.name)
            call = (rpc.input_type, rpc.output_type)
            streams = (rpc.client_streaming, rpc.server_streaming)
            if v is None or (call, streams) != (
                (v.input_type, v.output_type),
                (v.client_streaming, v.server_streaming),
            ):
                out.append(f"rpc {service.name}.{rpc.name}")
    return out
