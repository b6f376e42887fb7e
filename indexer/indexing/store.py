"""Where the index lives on disk: generations, an atomic swap, and a lock.

An index folder (``var/index``) holds::

    current -> gen-20261124T101500-1234   (a symlink: the live generation)
    previous -> gen-20261120T090000-999   (the one it replaced)
    gen-20261124T101500-1234/             (Whoosh files)
    gen-20261120T090000-999/              (the previous one, kept for readers)
    indexing.lock                         (held while an indexing run works)

Incremental runs write into the current generation (Whoosh commits are
atomic). ``--full`` builds a new generation beside it and swaps the
``current`` link with one ``rename``, so a reader sees the old index or the
new one, never half of one. Readers resolve the link once when they open.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import json
import os
import re
import shutil
import signal
import time
import weakref
from collections.abc import Callable
from pathlib import Path

from indexer.engine.backend import release_generation

CURRENT = "current"
PREVIOUS = "previous"
LOCK_NAME = "indexing.lock"
MANIFEST = "manifest.json"


class IndexBusyError(Exception):
    """Another indexing run holds the lock."""


class IndexStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).absolute()  # generations compare with resolved links

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
        """Make ``generation`` the live index, atomically. The one it replaces
        is remembered as ``previous`` (readers may still have it open)."""
        before = self.current_generation()
        if before is not None and before != generation:
            self._point(PREVIOUS, before)
        self._point(CURRENT, generation)
        self._fsync_dir()
        self.prune()

    def _point(self, name: str, generation: Path) -> None:
        tmp = self.root / f".{name}.{os.getpid()}.tmp"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(generation.name, tmp)  # relative: the folder may move
        os.replace(tmp, self.root / name)

    def prune(self) -> None:
        """Keep the live generation and the one it replaced (for readers that
        opened it just before the swap); remove the rest, such as a folder a
        killed ``--full`` run left behind, complete or not, and the temporary
        links of a run killed while swapping. Runs under the lock (also each
        time the lock is taken), so no other run is building a generation."""
        current = self.current_generation()
        others = sorted(
            (p for p in self.root.glob("gen-*") if p.is_dir() and p.resolve() != current),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        link = self.root / PREVIOUS
        if link.is_symlink():
            previous = link.resolve()
        else:  # an index published before ``previous`` was kept: the newest complete one
            previous = next((p for p in others if any(p.glob("*.toc"))), None)
        for p in others:
            if p.resolve() != previous:
                release_generation(p)
                shutil.rmtree(p, ignore_errors=True)
        for tmp in self.root.glob(".*.*.tmp"):  # ".current.<pid>.tmp", ".status.json.<pid>.tmp"
            try:
                os.kill(int(tmp.name.rsplit(".", 2)[-2]), 0)
            except ProcessLookupError:  # its writer is gone
                if tmp.is_symlink() or tmp.is_file():
                    tmp.unlink(missing_ok=True)
            except (ValueError, PermissionError, OSError):
                pass

    def discard(self, generation: Path) -> None:
        if generation != self.current_generation():
            release_generation(generation)
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
        if IndexStore.read_manifest(generation) == data:
            return  # an incremental run: nothing to write, nothing that can fail after its commit
        tmp = generation / f".{MANIFEST}.tmp"
        try:
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, generation / MANIFEST)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

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

    def lock(self) -> IndexLock:
        """The indexing lock; taking it clears what a killed run left behind."""
        self.root.mkdir(parents=True, exist_ok=True)
        return IndexLock(self.root / LOCK_NAME, on_acquire=self.prune)


# Locks held by this process. A process forked while one is held (Whoosh's
# writer processes, an extraction pool) would share the lock: ``flock``
# belongs to the open file, and a fork copies the descriptor. After a
# ``kill -9`` of the run those children, blocked on their job queue, would
# hold the lock for ever. So a child closes its copy at once, and asks the
# kernel to kill it when the run that forked it dies.
_HELD_LOCKS: weakref.WeakSet[IndexLock] = weakref.WeakSet()
_PR_SET_PDEATHSIG = 1


def _after_fork_in_child(parent_pid: int) -> None:
    if not _HELD_LOCKS:
        return
    for held in list(_HELD_LOCKS):
        held._forget_in_child()
    _HELD_LOCKS.clear()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the lock is still released above
        return
    if os.getppid() != parent_pid:  # the run died before the request took effect
        os._exit(1)


def _register_fork_hook() -> None:
    parent = {"pid": os.getpid()}

    def before() -> None:
        parent["pid"] = os.getpid()

    os.register_at_fork(before=before, after_in_child=lambda: _after_fork_in_child(parent["pid"]))


if hasattr(os, "register_at_fork"):
    _register_fork_hook()


class IndexLock:
    """An exclusive, non-blocking ``flock``; released when the process dies,
    so a killed run never leaves a stale lock behind (its forked helper
    processes do not keep it, and die with it)."""

    def __init__(self, path: Path, on_acquire: Callable[[], None] | None = None):
        self.path = path
        self._fd: int | None = None
        self._on_acquire = on_acquire

    def __enter__(self) -> IndexLock:
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
        _HELD_LOCKS.add(self)
        if self._on_acquire is not None:
            try:
                self._on_acquire()
            except BaseException:
                self.__exit__(None, None, None)
                raise
        return self

    def _forget_in_child(self) -> None:
        """In a forked child: drop the copied descriptor, so the lock is the parent's alone."""
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None

    def __exit__(self, *exc) -> None:
        _HELD_LOCKS.discard(self)
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None
