"""The package's public surface is deliberate: this test changes with it."""

from __future__ import annotations

import baton
import baton.model


def test_top_level_surface():
    assert baton.__all__ == ["__version__"]
    assert baton.__version__ == "0.1.0"


def test_model_exports_resolve():
    missing = [name for name in baton.model.__all__ if not hasattr(baton.model, name)]
    assert missing == []
    assert {"TimeEntry", "Worker", "Money", "export_schemas"} <= set(
        baton.model.__all__
    )
