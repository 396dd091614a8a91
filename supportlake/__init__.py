"""supportlake: a lakehouse for customer-support data on one DuckDB file."""

__version__ = "0.1.0"
