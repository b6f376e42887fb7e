"""Where the index lives on disk: generations, an atomic swap, and a lock.

An index folder (``var/index``) holds::

    current -> gen-20261124T101500-1234   (a symlink: the live generation)
    gen-20261124T101500-1234/             (Whoosh files)
    gen-20261120T090000-999/              (the previous one, kept for readers)
    indexing.lock                         (held while an indexing run works)

Incremental runs write into the current generation (Whoosh commits are
atomic). ``--full`` builds a new generation beside it and swaps the
``current`` link with one ``rename``, so a reader sees the old index or the
new one, never half of one. Readers resolve the link once when they open.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import time
from pathlib import Path

CURRENT = "current"
LOCK_NAME = "indexing.lock"
MANIFEST = "manifest.json"


class IndexBusyError(Exception):
    """Another indexing run holds the lock."""


class IndexStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    @property
    def current_link(self) -> Path:
        return self.root / CURRENT

    def current_generation(self) -> Path | None:
        """The live generation's real path, or None before the first index."""
        link = self.current_link
        if not link.is_symlink() and not link.exists():
            return None
        target = link.resolve()
        return target if target.is_dir() else None

    def new_generation(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        path = self.root / f"gen-{stamp}-{os.getpid()}-{time.monotonic_ns() % 100000}"
        path.mkdir()
        return path

    def publish(self, generation: Path) -> None:
        """Make ``generation`` the live index, atomically."""
        tmp = self.root / f".{CURRENT}.{os.getpid()}.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(generation.name, tmp)  # relative: the folder may move
        os.replace(tmp, self.current_link)
        self._fsync_dir()
        self.prune()

    def prune(self) -> None:
        """Keep the live generation and the newest complete one before it (for
        readers that opened it just before a swap); remove the rest, such as
        a folder a killed ``--full`` run left behind. Runs under the lock, so
        no other run is building a generation meanwhile."""
        current = self.current_generation()
        others = sorted(
            (p for p in self.root.glob("gen-*") if p.is_dir() and p != current),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        previous = next((p for p in others if any(p.glob("*.toc"))), None)
        for p in others:
            if p != previous:
                shutil.rmtree(p, ignore_errors=True)

    def discard(self, generation: Path) -> None:
        if generation != self.current_generation():
            shutil.rmtree(generation, ignore_errors=True)

    def _fsync_dir(self) -> None:
        try:
            fd = os.open(self.root, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    @staticmethod
    def read_manifest(generation: Path) -> dict:
        """What a generation says about itself (schema version, profile, source folder)."""
        try:
            return json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    @staticmethod
    def write_manifest(generation: Path, data: dict) -> None:
        tmp = generation / f".{MANIFEST}.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, generation / MANIFEST)

    def busy(self) -> bool:
        """Whether an indexing run holds the lock, without touching the lock
        (taking it even briefly could turn away a run that starts just then).
        The holder writes its process id into the lock file."""
        try:
            text = (self.root / LOCK_NAME).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        m = re.match(r"proces (\d+)", text)
        if not m:
            return False
        pid = int(m.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False  # killed without cleaning up; the kernel released its lock
        except PermissionError:
            return True
        return True

    def lock(self) -> "IndexLock":
        self.root.mkdir(parents=True, exist_ok=True)
        return IndexLock(self.root / LOCK_NAME)


class IndexLock:
    """An exclusive, non-blocking ``flock``; released when the process dies,
    so a killed run never leaves a stale lock behind."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> "IndexLock":
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = ""
            try:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            except OSError:
                pass
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                detail = f" ({holder})" if holder else ""
                raise IndexBusyError(
                    f"Er loopt al een indexering voor {self.path.parent}{detail}. "
                    "Wacht tot die klaar is en probeer het dan opnieuw."
                ) from exc
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"proces {os.getpid()}, gestart {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None
