"""Baton: an integration hub for professional-services firms.

The public surface is small on purpose: build a hub from settings, serve it.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
