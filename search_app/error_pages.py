"""Errors as the visitor sees them: a Dutch page for the site, a Dutch
``{"error": ...}`` for the JSON API, never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from indexer.model import EngineUnavailableError
from search_app.rate_limits import retry_after_seconds


def register_error_pages(app: Flask) -> None:
    """Handlers for the errors a request can end in."""

    def wants_json() -> bool:
        return request.path.startswith("/api/") or request.path == "/healthz"

    def error(status: int, message: str):
        if wants_json():
            return jsonify(error=message), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error(400, "Het formulier is verlopen of ongeldig. Laad de pagina opnieuw en probeer het nog eens.")

    @app.errorhandler(404)
    def not_found(exc):
        return error(404, "Deze pagina bestaat niet.")

    @app.errorhandler(405)
    def not_allowed(exc):
        response, status = error(405, "Deze actie is hier niet mogelijk.")
        if getattr(exc, "valid_methods", None):  # RFC 9110: a 405 says what is allowed
            response = app.make_response(response)
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response, status

    @app.errorhandler(413)
    def too_large(exc):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return error(413, f"Het bestand is te groot (maximaal {limit} MB).")

    @app.errorhandler(429)
    def too_many_requests(exc):
        wait = retry_after_seconds()
        if request.endpoint == "editor.login":
            return error(429, f"Te veel mislukte inlogpogingen. Wacht {wait} seconden en probeer het dan opnieuw.")
        return error(429, f"Te veel verzoeken vanaf uw adres. Wacht {wait} seconden en probeer het dan opnieuw.")

    @app.errorhandler(EngineUnavailableError)
    def engine_unavailable(exc):
        app.logger.warning("zoekmachine onbereikbaar: %s", exc)
        response, status = error(503, str(exc))
        response = app.make_response(response)
        response.headers["Retry-After"] = "30"
        return response, status

    @app.errorhandler(500)
    def server_error(exc):
        app.logger.exception("onverwachte fout")
        return error(500, "Er ging iets mis aan onze kant. Probeer het later opnieuw.")
