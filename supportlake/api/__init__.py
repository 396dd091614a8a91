"""The HTTP API (`supportlake serve`): create_app() builds it from the settings."""

from supportlake.api.app import create_app

__all__ = ["create_app"]
