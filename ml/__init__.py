"""Machine learning over the marts: pure Python, no Prefect imports (flows only call in)."""
