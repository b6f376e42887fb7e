"""Facet counts and filters over documents, the same for every backend that
keeps document metadata beside its index.

In: each document's (type, sectors, years), as ``SearchIndex.document_meta``
gives them, and the filters a visitor chose. Out: which documents pass, and
counts per type, sector and year, each facet counted under the *other*
facets' filters (so that choosing a type still shows what the others hold).
"""

from __future__ import annotations

import numpy as np

FACETS = ("type", "sectors", "year")


def year_values(years) -> tuple[str, ...]:
    """A document's years for the year facet: ``DocumentRecord.years`` (or
    one year, or None).

    >>> year_values((2021, 2024)), year_values(2020), year_values(None)
    (('2021', '2024'), ('2020',), ())
    """
    if not years:
        return ()
    return (str(years),) if isinstance(years, int) else tuple(str(y) for y in years)


class FacetTable:
    """Type, sectors and year of every document, as arrays over document
    ordinals: filters become masks and facet counts sums of weights.

    ``meta`` maps a doc_id to (type, sectors, year), as
    ``SearchIndex.document_meta`` gives it; a document without metadata passes
    no filter and counts in no facet."""

    FACETS = FACETS

    def __init__(self, doc_ids: list[str], meta: dict[str, tuple[str, list[str], tuple[int, ...]]]):
        self.size = len(doc_ids)
        self.position = {d: n for n, d in enumerate(doc_ids)}
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
        return list(year_values(year))

    def weights_of(self, weights: dict[str, int]) -> np.ndarray:
        """A weight per document ordinal from ``doc_id -> weight`` (0 for
        documents not in ``weights`` or not in the table)."""
        out = np.zeros(self.size, dtype=np.int64)
        for doc_id, weight in weights.items():
            n = self.position.get(doc_id)
            if n is not None:
                out[n] = weight
        return out

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
