"""docs/connectors.md names every setting of every connector kind (docs stay true)."""

from __future__ import annotations

from pathlib import Path

import pytest

from baton.connectors import catalog

DOCS = Path(__file__).parents[2] / "docs" / "connectors.md"


@pytest.mark.parametrize("kind", sorted(catalog.KINDS))
def test_the_configuration_table_lists_the_kind_and_all_its_settings(kind):
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## Configuring a connector") :]
    (row,) = [line for line in section.splitlines() if line.startswith(f"| `{kind}` |")]
    for field in catalog.fields(kind):
        shown = f"**`{field.name}`**" if field.required else f"`{field.name}`"
        assert shown in row, f"{kind}.{field.name} (required={field.required})"
        assert ("🔒" in row.split(shown, 1)[1][:4]) is field.secret, field.name
