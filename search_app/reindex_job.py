"""Indexing started from the editors' pages, in a process of its own.

The run outlives the request and the worker that started it; its progress and
report go to ``<index>/status.json``, which every worker can read.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from indexer.indexing.status import read_status
from indexer.indexing.store import IndexStore

STATUS_NAME = "status.json"
LOG_NAME = "indexing.log"


def status_path(index_dir: str) -> Path:
    return Path(index_dir) / STATUS_NAME


def is_busy(index_dir: str) -> bool:
    return IndexStore(index_dir).busy()


def start(index_dir: str, source_dir: str, *, full: bool = False) -> bool:
    """Start ``expertisebank index`` in the background; False when a run is busy."""
    if is_busy(index_dir):
        return False
    root = Path(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "indexer.cli",
        "index",
        "--source",
        str(source_dir),
        "--index",
        str(index_dir),
        "--status-file",
        str(status_path(index_dir)),
    ]
    if full:
        command.append("--full")
    with open(root / LOG_NAME, "ab") as log:
        subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
    return True


def _alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError, TypeError):
        return False
    except PermissionError:
        return True
    try:  # a run started by this worker and ended without a word stays a zombie until reaped
        return Path(f"/proc/{int(pid)}/stat").read_text().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


def current_status(index_dir: str) -> dict | None:
    status = read_status(status_path(index_dir))
    if status and status.get("state") == "bezig" and not _alive(status.get("pid")):
        # the process that wrote "bezig" is gone without a last word (killed)
        status["state"] = "afgebroken"
    return status
