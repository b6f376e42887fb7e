"""Hybrid ranking for questions: the lexical ranking's candidates re-ranked
by a fusion of their lexical and dense (embedding) scores.

In: a question, the lexical hits for it (a pool larger than the page), the
passage vectors (:mod:`indexer.indexing.vector_store`) and the model
(:mod:`indexer.analysis.embeddings`). Out: the same hits, best first by the
fused score.

Fusion: each side min-max normalised over the pool, then
``weight * dense + (1 - weight) * lexical``. A hit whose passage has no
vector yet (a new publication whose vectors are not done) keeps its
lexical score on both sides, so it neither gains nor loses by the missing
vector. The fusion and its weight were chosen on the dev part of the
evaluation (``make eval``); see the README for the figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from indexer.analysis.embeddings import text_key
from indexer.model import Hit

POOL = 50  # lexical candidates re-ranked
DENSE_WEIGHT = 0.6  # the dense share with the best dev MRR (make eval, dev and Q&A dev)
DEFAULT_WEIGHT = 0.0  # off unless the test part showed a gain (README, "Retrieval by meaning")


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scores scaled to 0..1 over the pool (all 1 when they are equal).

    >>> minmax(np.array([2.0, 4.0, 3.0])).tolist()
    [0.0, 1.0, 0.5]
    """
    if not len(scores):
        return scores
    low, high = float(np.min(scores)), float(np.max(scores))
    if high - low <= 1e-12:
        return np.ones_like(scores)
    return (scores - low) / (high - low)


def fuse(lexical: np.ndarray, dense: np.ndarray, has_vector: np.ndarray, weight: float = DENSE_WEIGHT) -> np.ndarray:
    """The fused score of each candidate; without a vector, its lexical one.

    >>> fuse(np.array([3.0, 2.0, 1.0]), np.array([0.2, 0.9, 0.0]), np.array([True, True, False]), 0.5).round(2).tolist()
    [0.5, 0.75, 0.0]
    """
    lex = minmax(np.asarray(lexical, dtype=np.float64))
    dense_norm = np.zeros_like(lex)
    if has_vector.any():
        dense_norm[has_vector] = minmax(np.asarray(dense, dtype=np.float64)[has_vector])
    dense_norm[~has_vector] = lex[~has_vector]
    return weight * dense_norm + (1.0 - weight) * lex


def hit_key(hit: Hit) -> bytes:
    """The vector key of a hit's passage: the hash of its text."""
    return text_key(hit.text)


def rerank(
    question_vector: np.ndarray,
    hits: Sequence[Hit],
    vectors_of: Callable[[list[bytes]], tuple[np.ndarray, np.ndarray]],
    weight: float = DENSE_WEIGHT,
) -> list[Hit]:
    """``hits`` (lexical order) in fused order; ``vectors_of(keys)`` gives
    the stored vectors and which exist."""
    if not hits or weight <= 0:
        return list(hits)
    vectors, found = vectors_of([hit_key(hit) for hit in hits])
    dense = vectors @ question_vector
    fused = fuse(np.array([hit.score for hit in hits]), dense, found, weight)
    order = sorted(range(len(hits)), key=lambda i: (-fused[i], i))
    return [hits[i] for i in order]
