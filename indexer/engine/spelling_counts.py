"""The spelling vocabulary: every surface word of the index with the number of
documents it occurs in, kept in a file beside the index.

"Bedoelde u", typo alternatives and word completion need each word's
document count. Indexed as a Whoosh field it cost about 38% of all indexing
work (a posting per distinct word per document); as a counter it costs a
``Counter.update`` per document. Each document record stores its own word
list, so the counts can always be derived from the index itself:

- the writer starts from the counts of the index it writes into, adds a new
  document's words, subtracts a deleted one's, and after Whoosh's commit
  saves the counts tagged with the commit's generation number;
- a reader uses the file only when its generation matches the index it
  reads, and otherwise (a run killed between the commit and the save, a
  file lost) recounts from the stored word lists, which takes a few seconds
  at 10,000 documents, and saves the result for the next reader.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

FILE_NAME = "spelling-counts.json"


def document_vocabulary(texts: Iterable[str]) -> str:
    """The distinct whitespace-separated words of a document's texts, in order
    of first appearance, as one string (stored with the document record)."""
    return " ".join(dict.fromkeys(" ".join(texts).split()))


class SpellingCounts:
    def __init__(self, counts: Counter | None = None, generation: int = -1):
        self.counts: Counter = counts if counts is not None else Counter()
        self.generation = generation

    @staticmethod
    def path(directory: str | os.PathLike) -> Path:
        return Path(directory) / FILE_NAME

    @classmethod
    def load(cls, directory: str | os.PathLike, generation: int) -> SpellingCounts | None:
        """The saved counts, if they belong to ``generation`` of the index."""
        try:
            data = json.loads(cls.path(directory).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("generation") != generation:
            return None
        return cls(Counter(data.get("counts") or {}), generation)

    def save(self, directory: str | os.PathLike) -> bool:
        """Write atomically; False when the folder cannot be written (a
        read-only index still works: readers recount)."""
        target = self.path(directory)
        tmp = target.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
        try:
            tmp.write_text(
                json.dumps(
                    {"generation": self.generation, "counts": self.counts}, ensure_ascii=False, separators=(",", ":")
                ),
                encoding="utf-8",
            )
            os.replace(tmp, target)
            return True
        except OSError:
            tmp.unlink(missing_ok=True)
            return False

    def add(self, words: Iterable[str]) -> None:
        self.counts.update(words)

    def remove(self, words: Iterable[str]) -> None:
        for word in words:
            left = self.counts.get(word, 0) - 1
            if left > 0:
                self.counts[word] = left
            else:
                self.counts.pop(word, None)
