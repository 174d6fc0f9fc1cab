"""Master data: reference data, cross-references, stewardship and rules."""
