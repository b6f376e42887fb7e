"""Progress and outcome of an indexing run, as a small JSON file.

The editors' pages start indexing in a separate process; this file is how
that process tells every web worker how far it is and how it ended.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

RUNNING, DONE, FAILED = "bezig", "klaar", "mislukt"


def write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not collect half-written copies
        raise


def read_status(path: str | os.PathLike) -> dict[str, Any] | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class RunStatus:
    def __init__(self, path: str | os.PathLike, *, full: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.data: dict[str, Any] = {
            "state": RUNNING,
            "full": full,
            "pid": os.getpid(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "done": 0,
            "total": 0,
            "current": None,
        }
        self._write()

    def _write(self) -> None:
        write_json_atomically(self.path, self.data)

    def track(self, items: Iterable[T], total: int) -> Iterator[T]:
        """Pass ``items`` through, recording each one as it is worked on."""
        self.data["total"] = total
        self._write()
        for n, item in enumerate(items):
            self.data.update(done=n, current=getattr(item, "path", str(item)))
            self._write()
            yield item
        self.data.update(done=total, current=None)
        self._write()

    def finished(self, report: dict[str, Any]) -> None:
        self.data.update(state=DONE, finished=time.strftime("%Y-%m-%d %H:%M:%S"), report=report, current=None)
        self._write()

    def failed(self, message: str) -> None:
        self.data.update(state=FAILED, finished=time.strftime("%Y-%m-%d %H:%M:%S"), error=message, current=None)
        self._write()
