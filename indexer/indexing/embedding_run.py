"""Embedding the live index's passages: the vectors that retrieval by
meaning needs, computed after the lexical commit.

A new publication is searchable by its words as soon as ``expertisebank
index`` commits; this run then embeds every passage whose text has no
vector yet, a batch at a time (bounded memory), storing each batch before
the next (:mod:`indexer.indexing.vector_store`), so a run that is killed
resumes where it stopped. ``expertisebank embed`` runs it in the
foreground with a progress bar; ``expertisebank index`` starts it in the
background when ``EXPERTISEBANK_SEMANTIC=aan``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indexer.analysis.embeddings import EmbeddingModel, passage_text, text_key
from indexer.engine.backend import SearchBackend, backend_class
from indexer.indexing.store import IndexStore
from indexer.indexing.vector_store import MERGE_FROM, VectorStore

BATCH = 32  # passages per batch and per stored segment: what a kill -9 can lose
Progress = Callable[[Iterable, int], Iterator]


@dataclass
class EmbeddingReport:
    passages: int  # live passages
    with_vector: int  # of those, with a vector now
    embedded: int  # vectors made by this run
    seconds: float

    def as_json(self) -> dict:
        return {"passages": self.passages, "with_vector": self.with_vector, "embedded": self.embedded,
                "seconds": round(self.seconds, 2)}  # fmt: skip

    def render(self) -> str:
        rate = self.embedded / self.seconds if self.seconds and self.embedded else 0.0
        return (f"Inbedden klaar in {self.seconds:.1f} s: {self.embedded} passages ingebed ({rate:.1f} per s); "
                f"{self.with_vector} van de {self.passages} passages hebben een vector.")  # fmt: skip


def live_passage_keys(index: SearchBackend) -> Iterator[tuple[bytes, str]]:
    """Each live passage's vector key (the hash of its text) and what is
    embedded of it (with its title and heading path), in the index's order;
    read as it goes, so that memory does not grow with the index."""
    for p in index.export_passages():
        body = str(p["body"] or "")
        yield text_key(body), passage_text(str(p["title"] or ""), str(p["heading"] or ""), body)


def embed_missing(
    index_root: str | os.PathLike,
    *,
    model: EmbeddingModel | None = None,
    backend: type[SearchBackend] | None = None,
    progress: Progress | None = None,
    batch: int = BATCH,
    limit: int | None = None,
    store: VectorStore | None = None,
) -> EmbeddingReport:
    """Embed the live passages that have no vector (at most ``limit`` of
    them) into ``store`` (default: the one beside the index); raises
    ``EmbeddingBusy`` when another run is at it."""
    started = time.monotonic()
    store = store if store is not None else VectorStore(index_root)
    generation = IndexStore(index_root).current_generation()
    if generation is None:
        raise FileNotFoundError(f"Er is nog geen index in {index_root}. Maak die met: expertisebank index")
    index = (backend or backend_class())(generation)
    try:
        with store.lock():
            store.remove_leftovers()
            store.refresh()
            # a first pass keeps only keys (16 bytes a passage); the second reads the texts as it embeds
            live: dict[bytes, int] = {}  # key -> passages with that text
            missing: set[bytes] = set()
            for key, _text in live_passage_keys(index):
                live[key] = live.get(key, 0) + 1
                if key not in store:
                    missing.add(key)
            todo = min(len(missing), limit) if limit is not None else len(missing)
            done = _embed_streamed(index, store, model or EmbeddingModel(), missing, todo, batch, progress)
            if len(store.segments()) > MERGE_FROM:
                store.merge(keep=set(live))
            with_vector = sum(n for key, n in live.items() if key in store)
            report = EmbeddingReport(sum(live.values()), with_vector, done, time.monotonic() - started)
            store.write_status({"state": "klaar", **report.as_json()})
    finally:
        index.close()
    return report


def _embed_streamed(index, store: VectorStore, model, missing: set[bytes], todo: int, batch: int, progress) -> int:
    """Embed the first ``todo`` passages whose key is ``missing``, ``batch``
    at a time, each batch stored before the next is read; how many were."""

    def batches() -> Iterator[list[tuple[bytes, str]]]:
        chunk: list[tuple[bytes, str]] = []
        left = todo
        for key, text in live_passage_keys(index):
            if left <= 0:
                break
            if key in missing:
                missing.discard(key)  # a text that several passages share is embedded once
                chunk.append((key, text))
                left -= 1
                if len(chunk) == batch:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk

    total = index.counts()[1]
    done = 0
    store.write_status({"state": "bezig", "done": 0, "todo": todo, "passages": total})
    for chunk in (progress or _no_progress)(batches(), -(-todo // batch)):
        store.add([key for key, _ in chunk], model.passages([text for _, text in chunk]))
        done += len(chunk)
        store.write_status({"state": "bezig", "done": done, "todo": todo, "passages": total})
    return done


def start_in_background(index_root: str | os.PathLike) -> subprocess.Popen:
    """``expertisebank embed`` for this index as a process of its own, which
    outlives the command that started it; its output goes to
    ``vectors/embed.log``."""
    folder = Path(index_root) / "vectors"
    folder.mkdir(parents=True, exist_ok=True)
    log = open(folder / "embed.log", "ab")  # noqa: SIM115 - handed to the child
    try:
        command = [sys.executable, "-m", "indexer.cli", "embed", "--index", str(index_root), "--quiet"]
        return subprocess.Popen(command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        log.close()


def _no_progress(items: Iterable, total: int) -> Iterator:
    return iter(items)
