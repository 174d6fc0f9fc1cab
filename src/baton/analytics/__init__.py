"""Analytics: normalized entities and facts published for BI (DuckDB, Parquet)."""
