"""The search site and JSON API (Flask): an app factory and one blueprint per area."""

from __future__ import annotations

import os

from flask import Flask

from indexer.search_service import SearchService


def create_app(config: dict | None = None) -> Flask:
    """Build the app. Settings come from the environment (``EXPERTISEBANK_*``)
    and can be overridden by ``config`` (tests do)."""
    app = Flask(__name__)
    app.config.update(
        INDEX_DIR=os.environ.get("EXPERTISEBANK_INDEX", "var/index"),
        SOURCE_DIR=os.environ.get("EXPERTISEBANK_SOURCE", "corpus"),
        JSON_AS_ASCII=False,
    )
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False
    app.extensions["search_service"] = SearchService(app.config["INDEX_DIR"])

    from search_app.api import api
    from search_app.pages import pages

    app.register_blueprint(pages)
    app.register_blueprint(api)
    return app
