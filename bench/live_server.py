"""The real WSGI server (gunicorn via ``expertisebank serve``) on 127.0.0.1,
for the HTTP latency benchmark and the load test."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import psutil

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, process: subprocess.Popen, port: int):
        self.process = process
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str, params: dict | None = None, timeout: float = 30) -> tuple[int, bytes]:
        """One request on a new connection (gunicorn's sync workers close each one)."""
        url = path + ("?" + urlencode(params, doseq=True) if params else "")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", url)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def rss_mb(self) -> dict[str, float]:
        """Resident memory of the master and each worker, in MB."""
        master = psutil.Process(self.process.pid)
        workers = master.children(recursive=True)
        procs = [master] + workers

        def pss(p) -> float:
            try:
                return p.memory_full_info().pss
            except (psutil.AccessDenied, AttributeError):
                return float("nan")

        return {
            "master": master.memory_info().rss / 2**20,
            "workers": [w.memory_info().rss / 2**20 for w in workers],
            "total": sum(p.memory_info().rss for p in procs) / 2**20,
            # proportional: pages the workers share with the master counted once
            "pss_total": sum(pss(p) for p in procs) / 2**20,
        }


@contextmanager
def live_server(index_root: Path, workers: int = 2, env: dict | None = None) -> Iterator[LiveServer]:
    port = free_port()
    full_env = dict(os.environ)
    full_env.update(
        {
            "EXPERTISEBANK_API_RATE_LIMIT": "off",  # measuring the search, not the limiter
            "EXPERTISEBANK_SECRET_KEY": "bench-only",
        }
    )
    full_env.update(env or {})
    process = subprocess.Popen(
        [
            str(BIN / "expertisebank"),
            "serve",
            "--index",
            str(index_root),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = LiveServer(process, port)
    try:
        deadline = time.monotonic() + 180  # workers warm up first (about 8 s of CPU each at 50k)
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server stopped at start (exit {process.returncode})")
            try:
                status, _ = server.get("/healthz", timeout=2)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer /healthz within 180 s")
            time.sleep(0.2)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
