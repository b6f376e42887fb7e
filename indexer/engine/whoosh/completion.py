"""The completion index: titles and headings as phrases, searched by the
words typed so far and the prefix of the last one.
"""

from __future__ import annotations

import bisect
from array import array


class PhraseIndex:
    """Phrases (titles, then headings, in order) by the surface words they
    hold: which phrases hold every given word and a word with a prefix.
    ``entries[n]`` is (kind, phrase, doc_id)."""

    def __init__(self, phrases: list[str], docs: list[str], titles: int, surface):
        # parallel lists (the first ``titles`` are titles), not a tuple per
        # phrase: 7 MB less at 10,000 documents
        self._titles = titles
        self._phrases = phrases
        self._docs = docs
        postings: dict[str, array] = {}  # arrays from the start: a list of ints peaked at 60 MB at 10k
        for n, phrase in enumerate(self._phrases):
            for term in set(surface.terms(phrase)):
                found = postings.get(term)
                if found is None:
                    found = postings[term] = array("I")
                found.append(n)
        self._postings = postings
        self._terms = sorted(self._postings)
        self.entries = self  # entries[n], as a list of tuples would give it

    def __getitem__(self, n: int) -> tuple[str, str, str]:
        return ("titel" if n < self._titles else "kop", self._phrases[n], self._docs[n])

    def __len__(self) -> int:
        return len(self._phrases)

    def matching(self, words: list[str], prefix: str) -> list[int]:
        """Entry numbers, in order, holding every word and a word starting with ``prefix``."""
        lo = bisect.bisect_left(self._terms, prefix)
        hi = bisect.bisect_left(self._terms, prefix + "\U0010ffff")
        found: set[int] = set()
        for term in self._terms[lo:hi]:
            found.update(self._postings[term])
        for word in words:
            found.intersection_update(self._postings.get(word, ()))
            if not found:
                break
        return sorted(found)
