"""What each indexed document was made from, kept in a file beside the index.

An incremental run compares every source file with the state its document
was indexed from (content hash and catalogue entry). Reading those states
from the index means reading every document record (about half a second at
10,000 documents), and knowing a file's content hash means reading the file.
This file keeps, per source path, the document id, the state, the content
hash and the file's signature (size, mtime, ctime, inode) when it was
hashed, so that a run reads one small file and hashes only the files whose
signature changed (:func:`indexer.sources.scan_sources`).

Like the spelling counts, the file is tagged with the index commit it
describes: the run saves it after its commit, and a file of another commit
(a run killed between the two, a file lost) is not used; the run then reads
the states from the index and hashes every file, as ``--full`` always does.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "document-states.json"


@dataclass(frozen=True)
class DocumentState:
    doc_id: str
    state: str  # SourceFile.state when indexed
    content_hash: str
    signature: tuple[int, int, int, int] | None  # the file when hashed; None: hash it again


class DocumentStates:
    def __init__(self, entries: dict[str, DocumentState], generation: int):
        self.entries = entries  # source path -> its document's state
        self.generation = generation

    @staticmethod
    def path(directory: str | os.PathLike) -> Path:
        return Path(directory) / FILE_NAME

    @classmethod
    def load(cls, directory: str | os.PathLike, generation: int) -> DocumentStates | None:
        """The saved states, if they belong to ``generation`` of the index."""
        try:
            data = json.loads(cls.path(directory).read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("generation") != generation:
                return None
            entries = {
                path: DocumentState(doc_id, state, content_hash, tuple(signature) if signature else None)
                for path, (doc_id, state, content_hash, signature) in data["documents"].items()
            }
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return cls(entries, generation)

    def save(self, directory: str | os.PathLike) -> bool:
        """Write atomically; False when that fails (the next run then reads
        the states from the index instead)."""
        target = self.path(directory)
        tmp = target.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
        documents = {path: [e.doc_id, e.state, e.content_hash, e.signature] for path, e in self.entries.items()}
        try:
            tmp.write_text(
                json.dumps(
                    {"generation": self.generation, "documents": documents}, ensure_ascii=False, separators=(",", ":")
                ),
                encoding="utf-8",
            )
            os.replace(tmp, target)
            return True
        except OSError:
            tmp.unlink(missing_ok=True)
            return False
