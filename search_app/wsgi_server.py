"""Serve the app with gunicorn (a real WSGI server, also in ``make run``)."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from search_app import create_app


class _Gunicorn(BaseApplication):
    def __init__(self, app, options: dict):
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self):
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._app


def _warm_up(worker) -> None:
    try:
        worker.wsgi.extensions["search_service"].warm_up()
    except Exception:  # a worker that cannot warm up still serves (and reports errors per request)
        worker.log.exception("warming up the search index failed")


# The access log names no visitor: no address, no user agent, no query string
# (a query can hold personal data; see search_app.query_log).
ACCESS_LOG_FORMAT = "%(m)s %(U)s %(s)s %(B)s %(M)sms"


def gunicorn_options(host: str = "127.0.0.1", port: int = 8000, workers: int = 2) -> dict:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": 30,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        # the longest request line gunicorn reads (its maximum); a longer one
        # gets 414, which /api/openapi.json documents
        "limit_request_line": 8190,
        # each worker opens the index and builds its tables before it takes
        # requests, so the first visitors do not wait for that
        "post_worker_init": _warm_up,
    }


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 2) -> None:
    _Gunicorn(create_app(), gunicorn_options(host, port, workers)).run()
