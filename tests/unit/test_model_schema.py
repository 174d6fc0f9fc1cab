"""The entity registry, JSON schema export and the package's public surface."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

import baton.model
from baton.model import (
    ENTITIES,
    SCHEMA_BASE_URL,
    CanonicalModel,
    Entity,
    EntityKind,
    Money,
    export_schemas,
    schema_for,
)

if TYPE_CHECKING:
    from pathlib import Path


def test_registry_keys_are_class_names_of_entities():
    for name, cls in ENTITIES.items():
        assert cls.__name__ == name
        assert issubclass(cls, Entity)
        assert issubclass(cls, CanonicalModel)


def test_registry_covers_every_entity_kind_once():
    kinds = [cls.kind for cls in ENTITIES.values()]
    assert len(kinds) == len(set(kinds))
    assert set(kinds) == set(EntityKind)


def test_every_entity_subclass_is_registered():
    def subclasses(cls: type) -> set[type]:
        found: set[type] = set(cls.__subclasses__())
        return found.union(*(subclasses(sub) for sub in found))

    assert subclasses(Entity) == set(ENTITIES.values())


def test_schema_carries_id_and_model_version():
    schema = schema_for(ENTITIES["TimeEntry"])
    assert schema["$id"] == f"{SCHEMA_BASE_URL}/v1/TimeEntry.json"
    assert schema["$id"] == "https://baton.dev/schema/v1/TimeEntry.json"
    assert schema["x-model-version"] == "1"
    assert schema["additionalProperties"] is False
    assert "model_version" not in schema["properties"]  # type: ignore[operator]


def test_money_schema_refuses_floats_and_lists_currencies():
    schema = Money.model_json_schema()
    amount = schema["properties"]["amount"]
    assert {"type": "number"} not in amount["anyOf"]
    assert "USD" in schema["properties"]["currency"]["enum"]
    assert "usd" not in schema["properties"]["currency"]["enum"]


def test_export_writes_one_sorted_file_per_entity(tmp_path: Path):
    out = tmp_path / "schemas" / "v1"
    paths = export_schemas(out)

    assert [p.name for p in paths] == [f"{n}.schema.json" for n in ENTITIES]
    assert sorted(out.iterdir()) == sorted(paths)
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert text.endswith("}\n")
        assert not text.endswith("\n\n")
        schema = json.loads(text)
        entity = path.name.removesuffix(".schema.json")
        assert schema["$id"] == f"https://baton.dev/schema/v1/{entity}.json"
        assert schema["title"] == entity
        assert schema["x-model-version"] == "1"
        assert json.dumps(schema, indent=2, sort_keys=True) + "\n" == text


def test_export_is_reproducible_and_overwrites(tmp_path: Path):
    first = {p.name: p.read_bytes() for p in export_schemas(tmp_path)}
    (tmp_path / "TimeEntry.schema.json").write_text("stale", encoding="utf-8")
    second = {p.name: p.read_bytes() for p in export_schemas(tmp_path)}
    assert first == second


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_schema_requires_id_and_lists_common_fields(name: str):
    schema = schema_for(ENTITIES[name])
    assert "id" in schema["required"]  # type: ignore[operator]
    properties = schema["properties"]
    assert {"id", "source_system", "external_ids"} <= set(properties)  # type: ignore[call-overload]


def test_public_surface_is_declared_and_importable():
    names = baton.model.__all__
    assert sorted(names) == sorted(set(names))
    for name in names:
        assert getattr(baton.model, name) is not None
    assert set(ENTITIES) <= set(names)
    for required in (
        "CanonicalModel",
        "Money",
        "WorkerType",
        "ApprovalStatus",
        "ProjectStatus",
        "OwnerTeam",
        "EntityKind",
        "HoursPrecision",
        "validate_hours",
        "export_schemas",
        "new_id",
    ):
        assert required in names
