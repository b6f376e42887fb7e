"""Rate limits (Flask-Limiter): the public JSON API, and failed editor logins.

Counted per client address. The default store is memory, which is per
process: under gunicorn each worker counts for itself, so a client gets up to
workers x the limit (point ``EXPERTISEBANK_RATE_LIMIT_STORAGE`` at a shared
store, e.g. ``redis://...`` with the redis package, to count across workers).
Behind a reverse proxy, set ``EXPERTISEBANK_PROXIES`` (see settings.py) or
every visitor counts as the proxy's address. ``/healthz`` is never limited.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many

OFF = {"", "0", "off", "uit", "none", "geen"}


def limit_setting(value: str | None, name: str) -> str | None:
    """A limit such as ``120/minute`` or ``5/minute;50/hour``; None when switched off."""
    value = (value or "").strip()
    if value.lower() in OFF:
        return None
    try:
        parse_many(value)
    except ValueError as exc:
        raise ValueError(f"{name}: ongeldige limiet {value!r}; schrijf bijvoorbeeld 120/minute, of off") from exc
    return value


def _health_check() -> bool:
    return request.endpoint == "api.healthz"


def _failed_login(response) -> bool:
    return response.status_code == 401


def init_rate_limits(app: Flask) -> Limiter:
    """Limit the API blueprint and the editors' login (only failed attempts count)."""
    api_limit = limit_setting(app.config.get("API_RATE_LIMIT"), "EXPERTISEBANK_API_RATE_LIMIT")
    login_limit = limit_setting(app.config.get("LOGIN_RATE_LIMIT"), "EXPERTISEBANK_LOGIN_RATE_LIMIT")
    limiter = Limiter(
        get_remote_address,
        storage_uri=app.config.get("RATE_LIMIT_STORAGE") or "memory://",
        headers_enabled=True,
        strategy="fixed-window",
    )
    limiter.init_app(app)
    if api_limit:
        # one budget for the whole API, not one per endpoint; monitoring is never refused
        limiter.shared_limit(api_limit, scope="api", exempt_when=_health_check)(app.blueprints["api"])
    if login_limit:
        # a decorated limit is checked by the wrapper, so the view is replaced by it
        app.view_functions["editor.login"] = limiter.limit(
            login_limit,
            methods=["POST"],
            deduct_when=_failed_login,
        )(app.view_functions["editor.login"])
    app.extensions["rate_limiter"] = limiter
    return limiter


def retry_after_seconds() -> int:
    """Seconds until the limit that was just exceeded lets the client in again."""
    limiter: Limiter | None = current_app.extensions.get("rate_limiter")
    current = limiter.current_limit if limiter is not None else None
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))
