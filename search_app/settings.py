"""Settings from the environment (``EXPERTISEBANK_*``); tests pass overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def from_environment() -> dict:
    return {
        "INDEX_DIR": os.environ.get("EXPERTISEBANK_INDEX", "var/index"),
        "SOURCE_DIR": os.environ.get("EXPERTISEBANK_SOURCE", "corpus"),
        # The editors' area is off unless a password (or long token) is set.
        "EDITOR_PASSWORD": os.environ.get("EXPERTISEBANK_EDITOR_PASSWORD") or None,
        "SECRET_KEY": os.environ.get("EXPERTISEBANK_SECRET_KEY") or None,
        "MAX_CONTENT_LENGTH": int(float(os.environ.get("EXPERTISEBANK_MAX_UPLOAD_MB", "25")) * 1024 * 1024),
        "SESSION_COOKIE_SECURE": os.environ.get("EXPERTISEBANK_HTTPS", "") == "1",
        # requests per client address to /api/... ("off" or empty: no limit)
        "API_RATE_LIMIT": os.environ.get("EXPERTISEBANK_API_RATE_LIMIT", "120/minute"),
        # failed editor logins per client address, then 429 until the window ends
        "LOGIN_RATE_LIMIT": os.environ.get("EXPERTISEBANK_LOGIN_RATE_LIMIT", "5/minute"),
        "RATE_LIMIT_STORAGE": os.environ.get("EXPERTISEBANK_RATE_LIMIT_STORAGE", "memory://"),
        # reverse proxies in front of the site whose X-Forwarded-For/-Proto are believed
        "PROXIES": _count("EXPERTISEBANK_PROXIES"),
        # how visitors reach the help desk, shown when the vraagbaak has no good answer
        "HELPDESK_CONTACT": os.environ.get("EXPERTISEBANK_HELPDESK_CONTACT", "").strip() or None,
        # counts of what visitors search (search_app.query_log): a file, "off", or empty for
        # zoekvragen.sqlite next to the index folder; rows older than QUERY_LOG_DAYS are deleted
        "QUERY_LOG": os.environ.get("EXPERTISEBANK_QUERY_LOG", "").strip() or None,
        "QUERY_LOG_DAYS": _count("EXPERTISEBANK_QUERY_LOG_DAYS") or 180,
    }


def _count(name: str) -> int:
    raw = os.environ.get(name, "").strip() or "0"
    if not raw.isascii() or not raw.isdigit():
        raise ValueError(f"{name} moet een geheel getal zijn, niet {raw!r}")
    return int(raw)


def persistent_secret(index_dir: str) -> str:
    """A session key shared by all workers and kept across restarts, made on
    first use next to the index (or set EXPERTISEBANK_SECRET_KEY)."""
    path = Path(index_dir) / "secret-key"
    try:
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".secret-key.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    try:
        os.link(tmp, path)  # the first worker's key wins; the others read it
    except FileExistsError:
        if not path.read_text(encoding="ascii").strip():
            os.replace(tmp, path)  # an empty file left by a crash
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()
