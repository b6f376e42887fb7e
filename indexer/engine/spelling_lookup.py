"""Nearest known words for "Bedoelde u" and typo alternatives.

The index's spelling vocabulary (every surface word it holds) is bucketed by
length; a lookup compares the query word only with words whose length is
within the allowed distance, with rapidfuzz's optimal-string-alignment
distance (a swap of two neighbouring letters counts as one edit). Written in
C++, it compares a word with a hundred thousand in a few milliseconds, where
Whoosh's own ``terms_within`` walks the whole term list in Python (about a
second per word at 10,000 documents).
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA


class SpellingVocabulary:
    def __init__(self, words: Iterable[str]):
        self._by_length: dict[int, list[str]] = {}
        for word in words:
            self._by_length.setdefault(len(word), []).append(word)

    def __len__(self) -> int:
        return sum(len(b) for b in self._by_length.values())

    def near(self, word: str, max_distance: int) -> list[tuple[str, int]]:
        """Known words within ``max_distance`` edits of ``word`` (itself excluded),
        with their distance."""
        out: list[tuple[str, int]] = []
        n = len(word)
        for length in range(max(1, n - max_distance), n + max_distance + 1):
            bucket = self._by_length.get(length)
            if not bucket:
                continue
            for candidate, distance, _ in process.extract_iter(
                word, bucket, scorer=OSA.distance, score_cutoff=max_distance
            ):
                if candidate != word:
                    out.append((candidate, int(distance)))
        return out
