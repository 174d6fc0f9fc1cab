"""The HEAD constant start-up relies on matches Alembic's real head revision."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from baton.store.factory import alembic_config
from baton.store.migrations import HEAD


def test_head_constant_is_alembics_head():
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD
