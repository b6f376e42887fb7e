"""Passage vectors beside the index, by the hash of the passage text.

The store lives in ``<index root>/vectors/`` and outlives generations: a
``--full`` run that writes a new generation finds the vectors of every
unchanged passage under the same keys, so nothing is embedded twice. It is
a set of segments, each two numpy files written whole and then renamed into
place (keys last: a segment counts once its keys file exists), so a run
killed with ``kill -9`` loses at most the batch it was writing, and the next
run goes on from there. Vectors are stored as float16 (half the size; the
cosine of a passage with a question moves by less than 0.001) and read
memory-mapped.

    vectors/
      seg-000001.vecs.npy   (n × 384) float16
      seg-000001.keys.npy   (n × 16) uint8: embeddings.text_key of each row's passage text
      embedding.lock        held by the run that embeds
      status.json           that run's progress, for /beheer
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

FOLDER = "vectors"
KEY_BYTES = 16
SEGMENT_RE = re.compile(r"^seg-(\d{6})\.keys\.npy$")
MERGE_FROM = 64  # segments; more are merged into one (streamed: bounded memory)


class EmbeddingBusy(RuntimeError):
    """Another run is embedding into this store."""


class VectorStore:
    """The vectors of one index folder. ``dim`` is the model's dimension."""

    def __init__(self, index_root: str | os.PathLike, dim: int = 384):
        self.folder = Path(index_root) / FOLDER
        self.dim = dim
        self._rows: dict[bytes, tuple[int, int]] = {}  # key -> (segment number, row)
        self._vectors: dict[int, np.ndarray] = {}  # segment number -> memory-mapped (n × dim) float16
        self._seen: set[int] = set()

    # -- reading ------------------------------------------------------------------------

    def segments(self) -> list[int]:
        if not self.folder.is_dir():
            return []
        return sorted(int(m.group(1)) for p in self.folder.iterdir() if (m := SEGMENT_RE.match(p.name)))

    def refresh(self) -> None:
        """Read the segments written since the last call (a running
        embedding adds them while searches read)."""
        live = self.segments()
        gone = self._seen - set(live)
        if gone:  # merged away: read everything again
            self._rows.clear()
            self._vectors.clear()
            self._seen.clear()
        for number in live:
            if number in self._seen:
                continue
            keys = np.load(self._path(number, "keys"))
            vectors = np.load(self._path(number, "vecs"), mmap_mode="r")
            self._vectors[number] = vectors
            for row, key in enumerate(keys):
                self._rows[key.tobytes()] = (number, row)
            self._seen.add(number)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: bytes) -> bool:
        return key in self._rows

    def vectors(self, keys: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
        """The vectors of ``keys`` (float32, zero rows for missing ones) and
        which were found."""
        out = np.zeros((len(keys), self.dim), dtype=np.float32)
        found = np.zeros(len(keys), dtype=bool)
        for i, key in enumerate(keys):
            place = self._rows.get(key)
            if place is not None:
                out[i] = self._vectors[place[0]][place[1]]
                found[i] = True
        return out, found

    # -- writing ------------------------------------------------------------------------

    def add(self, keys: list[bytes], vectors: np.ndarray) -> None:
        """Store one batch as a new segment (call under :meth:`lock`)."""
        if not keys:
            return
        vectors = np.asarray(vectors, dtype=np.float16).reshape(len(keys), self.dim)
        key_array = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), KEY_BYTES)
        self.folder.mkdir(parents=True, exist_ok=True)
        number = max(self.segments(), default=0) + 1
        _write_whole(self._path(number, "vecs"), vectors)
        _write_whole(self._path(number, "keys"), key_array)  # last: now the segment counts
        self.refresh()

    def merge(self, keep: set[bytes] | None = None) -> None:
        """Merge the segments into one, keeping only ``keep`` (all when None);
        streamed row by row into a memory-mapped file (call under :meth:`lock`)."""
        self.refresh()
        wanted = [key for key in self._rows if keep is None or key in keep]
        numbers = self.segments()
        if not numbers:
            return
        number = numbers[-1] + 1
        vec_path, key_path = self._path(number, "vecs"), self._path(number, "keys")
        tmp_vecs = vec_path.with_name(vec_path.name + ".tmp")
        merged = np.lib.format.open_memmap(tmp_vecs, mode="w+", dtype=np.float16, shape=(len(wanted), self.dim))
        for i, key in enumerate(wanted):
            segment, row = self._rows[key]
            merged[i] = self._vectors[segment][row]
        merged.flush()
        del merged
        _fsync(tmp_vecs)
        os.replace(tmp_vecs, vec_path)
        _write_whole(key_path, np.frombuffer(b"".join(wanted), dtype=np.uint8).reshape(len(wanted), KEY_BYTES))
        for old in numbers:
            for kind in ("keys", "vecs"):  # keys first: a half-removed segment never counts
                self._path(old, kind).unlink(missing_ok=True)
        self.refresh()

    def remove_leftovers(self) -> None:
        """Files of a segment a killed run did not finish (call under :meth:`lock`)."""
        if not self.folder.is_dir():
            return
        committed = set(self.segments())
        for path in self.folder.iterdir():
            if path.name.endswith(".tmp"):
                path.unlink(missing_ok=True)
            elif path.name.endswith(".vecs.npy") and int(path.name[4:10]) not in committed:
                path.unlink(missing_ok=True)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Held while embedding; a second run gets :class:`EmbeddingBusy`."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / "embedding.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise EmbeddingBusy(f"Er wordt al ingebed in {self.folder}.") from None
            yield
        finally:
            os.close(fd)

    def write_status(self, status: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "status.json"
        tmp = path.with_name(f".status.json.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(status), encoding="utf-8")
        os.replace(tmp, path)

    def read_status(self) -> dict | None:
        try:
            return json.loads((self.folder / "status.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def size_bytes(self) -> int:
        if not self.folder.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.folder.iterdir() if p.name.endswith(".npy"))

    def _path(self, number: int, kind: str) -> Path:
        return self.folder / f"seg-{number:06d}.{kind}.npy"


def _write_whole(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        np.save(fh, array)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
