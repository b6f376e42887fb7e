"""The search site and JSON API (Flask): an app factory and one blueprint per area.

- ``pages``: search, document and vraagbaak pages (plain HTML, no JS needed)
- ``api``: the same data as JSON, plus autocomplete and the OpenAPI description
- ``editor``: upload, removal and reindexing, and what visitors search for
  (``query_log``), behind a login (off without a password)
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from indexer.search.service import SearchService
from search_app.error_pages import register_error_pages
from search_app.query_log import QueryLog
from search_app.rate_limits import init_rate_limits
from search_app.settings import from_environment, persistent_secret

csrf = CSRFProtect()

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _query_log(config: dict) -> QueryLog | None:
    where = config.get("QUERY_LOG")
    if where == "off":
        return None
    path = Path(where) if where else Path(config["INDEX_DIR"]).resolve().parent / "zoekvragen.sqlite"
    return QueryLog(path, retention_days=int(config.get("QUERY_LOG_DAYS") or 180))


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment, with ``config`` overriding it."""
    app = Flask(__name__)
    app.config.update(from_environment())
    app.config.update(JSON_AS_ASCII=False, SESSION_COOKIE_SAMESITE="Lax", WTF_CSRF_TIME_LIMIT=None)
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = persistent_secret(app.config["INDEX_DIR"])
    app.json.ensure_ascii = False
    if app.config.get("PROXIES"):
        proxies = int(app.config["PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.extensions["search_service"] = SearchService(app.config["INDEX_DIR"])
    app.extensions["query_log"] = _query_log(app.config)
    csrf.init_app(app)

    from search_app.api import api
    from search_app.editor import editor
    from search_app.pages import pages

    app.register_blueprint(pages)
    app.register_blueprint(api)
    app.register_blueprint(editor)
    init_rate_limits(app)

    @app.context_processor
    def site_context():
        return {"editor_enabled": bool(app.config.get("EDITOR_PASSWORD"))}

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    register_error_pages(app)
    return app
