"""``CanonicalModel``, the base of every canonical model (entities and Money).

Versioning: ``CanonicalModel.model_version`` is a class-level constant
(``ClassVar[str]``), not a field. It is published in each JSON schema as
``x-model-version`` (and in the schema ``$id``), and is never part of a payload;
whoever stores or sends a payload (inbox, outbox, events) records the version
beside it. A breaking change to one entity overrides ``model_version`` on that
class.

This module imports nothing else from ``baton.model``, so ``money`` and
``common`` can both build on it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

__all__ = ["CanonicalModel"]


def _add_model_version(schema: dict[str, Any], model_class: type[Any]) -> None:
    schema["x-model-version"] = model_class.model_version


class CanonicalModel(BaseModel):
    """Base of every canonical model: immutable, strict about unknown fields.

    Attributes:
        model_version: Version of the model's shape; published in the JSON schema
            as ``x-model-version``, never serialized into payloads.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        json_schema_extra=_add_model_version,
    )

    model_version: ClassVar[str] = "1"
