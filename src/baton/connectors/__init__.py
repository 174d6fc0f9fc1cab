"""System APIs: one package per vendor, behind the small interface in ``base``."""
