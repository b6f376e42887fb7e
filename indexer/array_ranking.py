"""Ranking passages with arrays: BM25F scores, word coordination, the best
passages in order, and facet counts, each computed over whole posting lists
with numpy instead of a matcher walked passage by passage in Python.

No Whoosh here. :mod:`indexer.whoosh_index` reads each query term's posting
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


def passage_scores(terms: list[ScoredTerm], size: int, words: int = 0, strength: float = 0.0,
                   word_weights: list[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
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
        values = term.scores if term.scores is not None else bm25(
            term.tf, term.lengths, term.idf, term.avg_length, term.b, term.k1)
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


# Facet counts -------------------------------------------------------------------


class FacetTable:
    """Type, sectors and year of every document, as arrays over document
    ordinals: filters become masks and facet counts sums of weights.

    ``meta`` maps a doc_id to (type, sectors, year), as
    ``SearchIndex.document_meta`` gives it; a document without metadata passes
    no filter and counts in no facet."""

    FACETS = ("type", "sectors", "year")

    def __init__(self, doc_ids: list[str], meta: dict[str, tuple[str, list[str], tuple[int, ...]]]):
        self.size = len(doc_ids)
        self.known = np.array([d in meta for d in doc_ids], dtype=bool)
        self._values: dict[str, list[str]] = {}
        self._counts: dict[str, np.ndarray] = {}  # facet -> (documents × values) occurrences
        for facet in self.FACETS:
            names: dict[str, int] = {}
            rows, cols = [], []
            for n, d in enumerate(doc_ids):
                m = meta.get(d)
                if m is None:
                    continue
                for v in self._facet_values(m, facet):
                    rows.append(n)
                    cols.append(names.setdefault(v, len(names)))
            table = np.zeros((self.size, len(names)), dtype=np.int32)
            np.add.at(table, (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)), 1)
            self._values[facet] = list(names)
            self._counts[facet] = table

    @staticmethod
    def _facet_values(m: tuple[str, list[str], tuple[int, ...]], facet: str) -> list[str]:
        dtype, sectors, year = m
        if facet == "type":
            return [dtype]
        if facet == "sectors":
            return list(sectors)
        if not year:
            return []
        return [str(year)] if isinstance(year, int) else [str(y) for y in year]  # DocumentRecord.years

    def passing(self, filters: dict[str, list], skip: str | None = None) -> np.ndarray:
        """Which documents pass the filters: any value within a facet, every
        facet but ``skip``."""
        out = self.known.copy()
        for facet, wanted in filters.items():
            if not wanted or facet == skip:
                continue
            names = self._values[facet]
            cols = [names.index(v) for v in {str(w) for w in wanted} if v in names]
            if not cols:
                return np.zeros(self.size, dtype=bool)
            out &= self._counts[facet][:, cols].any(axis=1)
        return out

    def counts(self, weights: np.ndarray, filters: dict[str, list] | None) -> dict[str, dict[str, int]]:
        """Per type, sector and year, the sum of ``weights`` (one per document:
        1 for a matching document, or its number of matching passages) over
        the documents that pass the *other* facets' filters."""
        filters = {f: vs for f, vs in (filters or {}).items() if vs}
        out: dict[str, dict[str, int]] = {}
        for facet in self.FACETS:
            pool = weights * self.passing(filters, skip=facet)
            sums = pool @ self._counts[facet] if self._values[facet] else np.zeros(0, dtype=np.int64)
            out[facet] = {v: int(c) for v, c in zip(self._values[facet], sums) if c > 0}
        return {
            "type": dict(sorted(out["type"].items(), key=lambda kv: (-kv[1], kv[0]))),
            "sector": dict(sorted(out["sectors"].items())),
            "year": dict(sorted(out["year"].items(), reverse=True)),
        }
