"""Re-ranking a page of hits, the same for every backend: of two passages
that say nearly the same, or two versions of one regulation, the newer
first.

In: hits as dicts with body, heading, date and score. Out: the same hits,
reordered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from indexer.analysis import dutch as dutch_analysis

T = TypeVar("T")
NEAR_DUPLICATE = 0.5  # word-set overlap (Jaccard) above which two passages say nearly the same
CLOSE_SCORE = 0.75  # ... and a score at least this share of the better one's
SAME_TOPIC = 0.6  # share of the shorter heading's words in the other: the same subject
VERSION_SCORE = 0.4  # ... and from this share of the older one's score, a newer version on the page goes first


def _words_of(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"\w{3,}", text.lower()))


def _heading_words(hit) -> frozenset[str]:
    """The words of a passage's heading path (stop words out): what it is about."""
    stop = dutch_analysis.dutch_stop_words()
    return frozenset(w for w in _words_of(hit.get("heading") or "") if w not in stop)


def _about_the_same(a: frozenset[str], b: frozenset[str]) -> bool:
    """Headings about the same thing: most of the shorter one's words in the
    other ("Nieuwe Beleidsregel experimenten ..." and "Beleidsregel ... voor
    experimenten ...")."""
    shorter = min(len(a), len(b))
    return shorter >= 3 and len(a & b) >= SAME_TOPIC * shorter


def _nearly_the_same(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two passages' words overlap by a Jaccard of ``NEAR_DUPLICATE`` or more."""
    if min(len(a), len(b)) < NEAR_DUPLICATE * max(len(a), len(b)):
        return False  # the overlap (Jaccard) is at most min/max
    common = len(a & b)
    return common / ((len(a) + len(b) - common) or 1) >= NEAR_DUPLICATE


def newer_first(hits: list, dates: list[str] | None = None, shown: int | None = None, docs: list | None = None) -> list:
    """Where two passages are versions of the same text or rule, the newer one
    goes first (the 2020 rule over the 2018 one): nearly the same words at a
    close score (``CLOSE_SCORE``), or, when both are on the page, passages of
    one document under headings about the same thing (a page that keeps the
    2018 and the 2020 rules) that are not far less relevant
    (``VERSION_SCORE``). A passage's date is its own (a dated news item) or
    its document's.
    ``dates``, ``docs``: each hit's date and document, when known without
    reading the hit (its stored fields are read only when a rule could apply).
    ``shown``: only the first this many places of the result are used (the
    page); a hit that would go further back goes last (hits only ever move
    back, so those places come out the same)."""
    if dates is None:
        dates = [hit.get("date") or "" for hit in hits]
    if docs is None:
        docs = [hit.get("doc_id") for hit in hits]
    scores = [relevance_of(hit.score) for hit in hits]
    page = len(hits) if shown is None else shown
    words: dict[int, frozenset[str]] = {}  # read when first needed
    headings: dict[int, frozenset[str]] = {}
    order: list[int] = []  # positions in ``hits``, in the new order
    for j in range(len(hits)):
        place = len(order)
        for at, i in enumerate(order if shown is None else order[:shown]):
            if not dates[j] > dates[i]:
                continue
            share = scores[j] / (scores[i] or 1)
            version = j < page and share >= VERSION_SCORE and docs[j] == docs[i]
            if version:
                for k in (i, j):
                    if k not in headings:
                        headings[k] = _heading_words(hits[k])
                if _about_the_same(headings[j], headings[i]):
                    place = at
                    break
            if share >= CLOSE_SCORE:
                for k in (i, j):
                    if k not in words:
                        words[k] = _words_of(hits[k]["body"])
                if _nearly_the_same(words[j], words[i]):
                    place = at
                    break
        order.insert(place, j)
    return [hits[i] for i in order]


def relevance_of(score) -> float:
    """A hit's relevance score; sorted results carry their sort key instead,
    whose last part is the (negated) relevance of the ScoreFacet."""
    if isinstance(score, tuple):
        score = abs(score[-1]) if score and isinstance(score[-1], (int, float)) else 0.0
    return float(score or 0.0)


def up_to_per_document(ranked: list[T], document_of: Callable[[T], object], per_doc: int) -> tuple[list[T], int]:
    """The ranked items, keeping each document's first ``per_doc`` only,
    and how many documents they hold.

    >>> up_to_per_document(["a1", "a2", "b1", "a3", "c1"], lambda item: item[0], 2)
    (['a1', 'a2', 'b1', 'c1'], 3)
    """
    kept: list[T] = []
    per: dict[object, int] = {}
    for item in ranked:
        d = document_of(item)
        if per.get(d, 0) < per_doc:
            per[d] = per.get(d, 0) + 1
            kept.append(item)
    return kept, len(per)
