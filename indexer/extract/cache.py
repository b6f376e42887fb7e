"""Extracted text kept by content hash, so that a file is parsed once.

A ``--full`` rebuild, a changed catalogue entry or a second index of the same
files (the evaluation's baseline) reuses what was extracted before. A file
that could not be read is remembered with its reason, so it is not parsed
again either. Entries carry the extractor's version: a change to extraction
invalidates them all.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from indexer.model import Block, ExtractedDocument, ExtractionError

# Bump when extraction changes what it returns for the same file.
EXTRACTOR_VERSION = 6


class ExtractionCache:
    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def _path(self, content_hash: str) -> Path:
        return self.directory / f"{content_hash}.v{EXTRACTOR_VERSION}.json"

    def has(self, content_hash: str) -> bool:
        """Whether these bytes were extracted before (cheap: no reading)."""
        return self._path(content_hash).is_file()

    def get(self, content_hash: str, source: str) -> ExtractedDocument | None:
        """The cached extraction (with this source path), or None; raises the
        cached :class:`ExtractionError` for a file known to be unreadable."""
        try:
            data = json.loads(self._path(content_hash).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if "error" in data:
            raise ExtractionError(data["error"])
        data["blocks"] = [Block(**b) for b in data["blocks"]]
        data["source"] = source
        return ExtractedDocument(**data)

    def put(self, content_hash: str, doc: ExtractedDocument | None = None, error: str | None = None) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        # asdict(doc) without its deep copy, which cost more than the JSON
        data = {"error": error} if error is not None else {**vars(doc), "blocks": [vars(b) for b in doc.blocks]}
        path = self._path(content_hash)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)  # a full disk must not keep half an entry
            raise

    def prune(self, keep_hashes: set[str]) -> None:
        """Drop entries of files no longer in the source folder, and of older extractors."""
        if not self.directory.is_dir():
            return
        for path in self.directory.glob("*.json"):
            content_hash, _, version = path.name.partition(".v")
            if content_hash not in keep_hashes or version != f"{EXTRACTOR_VERSION}.json":
                path.unlink(missing_ok=True)
