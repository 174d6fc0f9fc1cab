"""Baton: an integration hub for professional-services firms."""
