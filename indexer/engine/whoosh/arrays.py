"""One searcher's index as numpy arrays: live records, each passage's
document, field lengths and whole posting lists, for
:mod:`indexer.engine.whoosh.array_ranking`.

In: a Whoosh searcher. Out: arrays, built once per searcher.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from whoosh import query as wq
from whoosh.codec import whoosh3

from indexer.engine.facets import FacetTable
from indexer.engine.whoosh import _internals, array_ranking
from indexer.passages import duplicates

POSTINGS_KEPT = 300_000  # postings kept per searcher (8 bytes each; p95 at 10k: 14.5 ms without, 8.7 with)
_BYTE_TO_LENGTH = np.array([whoosh3.byte_to_length(b) for b in range(256)], dtype=np.float64)


class IndexArrays:
    """One searcher's index as arrays for :mod:`indexer.engine.whoosh.array_ranking`: which
    passages are live, each passage's document ordinal, the fields' lengths
    (as Whoosh's length bytes, decoded as Whoosh decodes them) and, on
    request, a term's whole posting list. Built once per searcher."""

    def __init__(self, searcher, doc_of: list[str]):
        self.searcher = searcher
        self.size = searcher.doc_count_all()
        self.leaves = segment_readers(searcher.reader())  # none for an index without segments
        self.live = np.ones(self.size, dtype=bool)
        for leaf, offset in self.leaves:
            if leaf.has_deletions():
                gone = np.fromiter(leaf.deleted_docs_set, dtype=np.int64)
                self.live[gone + offset] = False
        ordinal: dict[str, int] = {}
        self.doc_index = np.fromiter(
            (ordinal.setdefault(d, len(ordinal)) for d in doc_of), dtype=np.int32, count=len(doc_of)
        )
        self.doc_ids = list(ordinal)
        self._length_codes: dict[str, np.ndarray] = {}
        self._facets: FacetTable | None = None
        self._kept: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._kept_postings = 0
        self.groups: np.ndarray | None = None  # duplicates.duplicate_groups, once per searcher (empty: none)
        self.in_group: np.ndarray | None = None  # passages that say the same as another

    def facets(self, meta) -> FacetTable:
        if self._facets is None:
            self._facets = FacetTable(self.doc_ids, meta)
        return self._facets

    def lengths(self, fieldname: str, ids: np.ndarray) -> np.ndarray:
        """The given passages' lengths of the field, as ``doc_field_length`` gives them."""
        return _BYTE_TO_LENGTH[self._length_codes_of(fieldname)[ids]]

    def _length_codes_of(self, fieldname: str) -> np.ndarray:
        codes = self._length_codes.get(fieldname)
        if codes is None:
            parts = []
            for leaf, _offset in self.leaves:
                n = leaf.doc_count_all()
                raw = _internals.length_bytes(leaf, fieldname)
                part = np.zeros(n, dtype=np.uint8)
                if raw is None:
                    part[:] = 1  # Whoosh's default length when a segment has no column (decodes to 1)
                else:
                    part[: min(n, len(raw))] = raw[:n]
                parts.append(part)
            codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint8)
            self._length_codes[fieldname] = codes
        return codes

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """A term's passage numbers (ascending, deleted ones included) and
        frequencies. The most recently used lists are kept (up to
        ``POSTINGS_KEPT`` postings): common words recur across queries, and
        reading a list means unpickling every block of it."""
        key = (fieldname, text)
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
            return kept
        ids, tf = self._read_postings(fieldname, text)
        kept = (ids.astype(np.int32), tf.astype(np.float32))  # both exact: ids < 2**31, Whoosh stores float32
        for array in kept:
            array.flags.writeable = False
        self._kept[key] = kept
        self._kept_postings += len(ids)
        while self._kept_postings > POSTINGS_KEPT and len(self._kept) > 1:
            _, (old_ids, _tf) = self._kept.popitem(last=False)
            self._kept_postings -= len(old_ids)
        return kept

    def _read_postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        btext = self.searcher.schema[fieldname].to_bytes(text)
        ids_parts, tf_parts = [], []
        fmt = self.searcher.schema[fieldname].format
        for leaf, offset in self.leaves:
            # the segment's own postings, deleted passages included (``live`` drops them)
            raw = _internals.segment_matcher(leaf, fieldname, btext, fmt)
            if raw is None:
                continue
            ids, tf = _internals.posting_blocks(raw)
            ids_parts.append(ids + offset if offset else ids)
            tf_parts.append(tf)
        if not ids_parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        if len(ids_parts) == 1:
            return ids_parts[0], tf_parts[0]
        return np.concatenate(ids_parts), np.concatenate(tf_parts)


def scored_leaves(q, boosts: tuple[float, ...] = ()) -> list[tuple[wq.Query, tuple[float, ...]]]:
    """The leaves (terms and phrases) of a query of Or, Term and Phrase, each
    with the boosts its matcher gets on the way up, innermost first: a term's
    own boost, then each enclosing Or's (an Or counts only when it has two or
    more subqueries, as in Whoosh). A phrase's own boost is in its score."""
    if isinstance(q, wq.Term):
        return [(q, ((q.boost,) if q.boost != 1.0 else ()) + boosts)]
    if isinstance(q, wq.Phrase):
        return [(q, boosts)]
    subs = q.subqueries
    if len(subs) > 1 and q.boost != 1.0:
        boosts = (q.boost,) + boosts
    return [leaf for sub in subs for leaf in scored_leaves(sub, boosts)]


def array_rankable(q) -> bool:
    """Whether the arrays can rank ``q``: an Or of terms and phrases (the
    words' groups), optionally without what an exclusion matches."""
    if isinstance(q, wq.AndNot):
        q = q.a
    if isinstance(q, (wq.Term, wq.Phrase)):
        return True
    return (
        isinstance(q, wq.Or)
        and not isinstance(q, wq.DisjunctionMax)
        and all(array_rankable(sub) for sub in q.subqueries)
    )


def word_shares(terms: list[array_ranking.ScoredTerm], docnums: list[int], weights: list[float] | None) -> list[float]:
    """For each passage, the idf-weighted share of the query's words it holds
    (each word at the best credit of its terms there), as coordination
    counts it; 1.0 for a matching passage of a one-word query."""
    if weights is None:
        return [1.0] * len(docnums)
    wanted = np.array(docnums, dtype=np.int64)
    credits = np.zeros((len(weights), len(wanted)), dtype=np.float64)
    for term in terms:
        if not len(term.ids) or not term.words:
            continue
        at = np.minimum(np.searchsorted(term.ids, wanted), len(term.ids) - 1)
        holds = term.ids[at] == wanted
        for word, credit in term.words:
            credits[word] = np.maximum(credits[word], np.where(holds, credit, 0.0))
    w = np.asarray(weights, dtype=np.float64)
    return (w @ credits / (w.sum() or 1.0)).tolist()


def fingerprints_of(leaf) -> np.ndarray:
    """A segment's passage fingerprints as a (records × K) array (zeros for
    records without one), read from the column in one piece."""
    count = leaf.doc_count_all()
    if "fingerprint" not in leaf.schema:
        return np.zeros((count, duplicates.K), dtype=np.uint32)
    reader = leaf.column_reader("fingerprint", translate=False)
    raw, stored = _internals.fixed_column_bytes(reader, count)
    found = np.frombuffer(raw, dtype="<u4").reshape(stored, duplicates.K)
    if stored == count:
        return found
    return np.concatenate([found, np.zeros((count - stored, duplicates.K), dtype=np.uint32)])


def segment_key(leaf) -> str:
    """A segment reader's segment id (unique and never reused in an index)."""
    return leaf.segment().segment_id()


def segment_readers(reader) -> list:
    """``(segment reader, first document number)`` of each segment; none for
    an index without segments (Whoosh's empty reader stands in for it)."""
    return [(leaf, offset) for leaf, offset in reader.leaf_readers() if leaf.segment() is not None]
