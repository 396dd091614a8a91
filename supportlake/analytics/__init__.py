"""The analytics report: figures from the marts, filtered by bound parameters."""
