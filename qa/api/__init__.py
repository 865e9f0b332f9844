"""The HTTP service: ``create_app(settings, engine)``; one router per concern under ``routes/``."""

from qa.api.app import create_app

__all__ = ["create_app"]
