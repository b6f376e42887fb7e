"""Retrieval by meaning in the evaluation: dense ranking alone and the
vraagbaak's hybrid ranking (:mod:`indexer.search.hybrid`) at several dense
shares, on the same index and queries as the lexical product.

Runs where the ``semantic`` extra is installed. Passage vectors are kept in
``var/eval-cache/vectors`` by the hash of the passage text, so a second
``make eval`` embeds nothing again.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from indexer.analysis.embeddings import shared_model, text_key, unavailable
from indexer.engine.backend import backend_class
from indexer.indexing.embedding_run import embed_missing
from indexer.indexing.store import IndexStore
from indexer.indexing.vector_store import VectorStore
from indexer.search import hybrid
from indexer.search.service import SearchService

REPO = Path(__file__).resolve().parent.parent.parent
VECTORS = REPO / "var" / "eval-cache"
WEIGHTS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def enabled() -> bool:
    return unavailable() is None


def _progress(batches, total):
    started = time.monotonic()
    for n, batch in enumerate(batches, start=1):
        yield batch
        if n % 20 == 0 or n == total:
            rate = n * len(batch) / max(time.monotonic() - started, 1e-9)
            print(f"  embedded {n}/{total} batches ({rate:.1f} passages/s)", file=sys.stderr, flush=True)


def reciprocal_rank_fusion(vector: np.ndarray, pool: list, store: VectorStore, k: int = 60) -> list:
    """The pool by ``1/(k + lexical rank) + 1/(k + dense rank)`` (ranks within
    the pool; a passage without a vector gets its lexical rank on both sides):
    the other common fusion, compared with the weighted one on dev."""
    vectors, found = store.vectors([hybrid.hit_key(h) for h in pool])
    dense = np.where(found, vectors @ vector, -np.inf)
    dense_rank = {i: r for r, i in enumerate(sorted(range(len(pool)), key=lambda i: -dense[i]), start=1)}
    fused = [1 / (k + i + 1) + 1 / (k + (dense_rank[i] if found[i] else i + 1)) for i in range(len(pool))]
    return [pool[i] for i in sorted(range(len(pool)), key=lambda i: (-fused[i], i))]


def dense_ranks(root: Path, queries, first_good_rank) -> dict[str, dict[str, int | None]]:
    """``{"dense": ranks, "hybrid-0.7": ranks, ...}`` for the index at ``root``."""
    store = VectorStore(VECTORS)
    report = embed_missing(root, store=store, progress=_progress)
    print(f"  vectors: {report.render()}", file=sys.stderr, flush=True)
    index = backend_class()(IndexStore(root).current_generation())
    passages = list(index.export_passages())
    index.close()
    matrix, found = store.vectors([text_key(str(p["body"] or "")) for p in passages])
    model = shared_model()
    service = SearchService(root, hybrid=0.0)
    out: dict[str, dict[str, int | None]] = {"dense": {}, "rrf": {}, **{f"hybrid-{w:.1f}": {} for w in WEIGHTS}}
    for q in queries:
        vector = model.query(q.query)
        scores = np.where(found, matrix @ vector, -np.inf)
        top = np.argsort(-scores, kind="stable")[:10]
        shown = [SimpleNamespace(heading=passages[i]["heading"], text=passages[i]["body"],
                                 doc_id=passages[i]["doc_id"]) for i in top]  # fmt: skip
        out["dense"][q.id] = first_good_rank(shown, q)
        pool = service.search(q.query, k=hybrid.POOL, mode="passages").hits
        for w in WEIGHTS:
            out[f"hybrid-{w:.1f}"][q.id] = first_good_rank(hybrid.rerank(vector, pool, store.vectors, w)[:10], q)
        out["rrf"][q.id] = first_good_rank(reciprocal_rank_fusion(vector, pool, store)[:10], q)
    service.close()
    return out
