"""Ranking passages with arrays: BM25F scores, word coordination, the best
passages in order, and facet counts, each computed over whole posting lists
with numpy instead of a matcher walked passage by passage in Python.

No Whoosh here. :mod:`indexer.engine.whoosh.index` reads each query term's posting
list (passage numbers and term frequencies) and the fields' lengths, and hands
them over as arrays; the arithmetic is Whoosh's BM25F (``whoosh.scoring.bm25``)
so that the scores are the ones Whoosh's own search gives
(``tests/test_array_ranking.py`` compares the two).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ScoredTerm:
    """One query term in one field (or one phrase), with its postings and how it scores."""

    ids: np.ndarray  # passage numbers (ascending, int64) that hold the term
    tf: np.ndarray  # the term's frequency in each of them (float64)
    lengths: np.ndarray  # the field's length in each of them (float64)
    idf: float
    avg_length: float
    b: float
    k1: float
    boosts: tuple[float, ...]  # applied one after the other, innermost first
    words: tuple[tuple[int, float], ...] = ()  # the query words it counts for, with their credit
    keys: list = field(default_factory=list)  # which (field, term)s this is: for the caller only
    scores: np.ndarray | None = None  # scores given already (a phrase's): no BM25 here


def bm25(tf: np.ndarray, length: np.ndarray, idf: float, avg_length: float, b: float, k1: float) -> np.ndarray:
    """Whoosh's ``scoring.bm25``, element by element."""
    return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length / avg_length)))


def passage_scores(
    terms: list[ScoredTerm], size: int, words: int = 0, strength: float = 0.0, word_weights: list[float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Every passage's score (the sum of its terms' boosted BM25F scores) and
    whether it matches any term, as arrays of ``size``.

    With ``words`` ≥ 2 and ``strength`` > 0 each score is scaled by
    ``(1 - strength) + strength * share²``, where ``share`` is the part of the
    query words the passage has (a word counts for the best credit among its
    terms the passage holds), each word weighing ``word_weights[i]`` (1 by
    default): a passage with every word of a question ranks above one that
    repeats one word, and with idf weights one with the rare word above one
    with two common ones."""
    scores = np.zeros(size, dtype=np.float64)
    matched = np.zeros(size, dtype=bool)
    credits = np.zeros((words, size), dtype=np.float64) if words >= 2 and strength > 0 else None
    for term in terms:
        if not len(term.ids):
            continue
        values = (
            term.scores
            if term.scores is not None
            else bm25(term.tf, term.lengths, term.idf, term.avg_length, term.b, term.k1)
        )
        for boost in term.boosts:
            values = values * boost
        scores[term.ids] += values  # a term's passage numbers are distinct
        matched[term.ids] = True
        if credits is not None:
            for word, credit in term.words:
                row = credits[word]
                row[term.ids] = np.maximum(row[term.ids], credit)
    if credits is not None:
        weights = np.ones(words) if word_weights is None else np.asarray(word_weights, dtype=np.float64)
        share = weights @ credits / weights.sum()
        scores *= (1 - strength) + strength * share * share
    return scores, matched


def ranked(ids: np.ndarray, scores: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``limit`` best of the passages ``ids`` (with ``scores`` of the same
    length): highest score first, the lower passage number first on a tie,
    as Whoosh's collector orders them."""
    if len(ids) > limit:
        # everything at least as good as the limit-th score, ties included,
        # then the exact order of those
        kth = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        keep = scores >= kth
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))[:limit]
    return ids[order], scores[order]
