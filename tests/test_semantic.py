"""Retrieval by meaning, step one: the embedding model (the optional
``semantic`` extra) and the vector store beside the index.

The store's tests use vectors made here and run everywhere; the model's
tests run where ``make semantic`` installed the extra and skip with the
reason where it did not.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from indexer.analysis.embeddings import DIM, passage_text, text_key, unavailable
from indexer.indexing.vector_store import EmbeddingBusy, VectorStore
from tests.conftest import CORPUS

REASON = unavailable()
needs_model = pytest.mark.skipif(REASON is not None, reason=f"the semantic extra is not installed: {REASON}")


def unit_rows(n: int, seed: int) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


# -- the store (no model needed) -------------------------------------------------------------


def test_vectors_come_back_by_the_key_of_their_text(tmp_path):
    store = VectorStore(tmp_path)
    keys = [text_key(f"passage {i}") for i in range(5)]
    vectors = unit_rows(5, 1)
    with store.lock():
        store.add(keys[:3], vectors[:3])
        store.add(keys[3:], vectors[3:])
    again = VectorStore(tmp_path)
    again.refresh()
    got, found = again.vectors([keys[4], text_key("unknown"), keys[0]])
    assert found.tolist() == [True, False, True] and len(again) == 5
    assert np.allclose(got[0], vectors[4], atol=1e-3) and np.allclose(got[2], vectors[0], atol=1e-3)
    assert not got[1].any()


def test_merging_keeps_the_live_vectors_only_and_readers_follow(tmp_path):
    store = VectorStore(tmp_path)
    keys = [text_key(f"p{i}") for i in range(6)]
    vectors = unit_rows(6, 2)
    with store.lock():
        for i in range(6):
            store.add([keys[i]], vectors[i : i + 1])
    reader = VectorStore(tmp_path)
    reader.refresh()
    with store.lock():
        store.merge(keep=set(keys[:4]))
    assert len(store.segments()) == 1 and len(store) == 4
    reader.refresh()  # its segments were merged away: it reads the merged one
    got, found = reader.vectors(keys)
    assert found.tolist() == [True] * 4 + [False] * 2
    assert np.allclose(got[:4], vectors[:4], atol=1e-3)


def test_a_segment_counts_only_once_its_keys_are_written(tmp_path):
    store = VectorStore(tmp_path)
    with store.lock():
        store.add([text_key("a")], unit_rows(1, 3))
    # as a run killed between its two files leaves it: vectors without keys, and a temporary file
    np.save(store.folder / "seg-000002.vecs.npy", unit_rows(1, 4).astype(np.float16))
    (store.folder / "seg-000003.keys.npy.tmp").write_bytes(b"half")
    reader = VectorStore(tmp_path)
    reader.refresh()
    assert reader.segments() == [1] and len(reader) == 1
    with reader.lock():
        reader.remove_leftovers()
    assert sorted(p.name for p in store.folder.glob("seg-*")) == ["seg-000001.keys.npy", "seg-000001.vecs.npy"]


def test_one_run_embeds_at_a_time(tmp_path):
    store = VectorStore(tmp_path)
    with store.lock():
        with pytest.raises(EmbeddingBusy, match="Er wordt al ingebed"):
            with VectorStore(tmp_path).lock():
                pass


def test_what_is_embedded_of_a_passage_and_its_key():
    text = passage_text("Toelating tot het so", "Duur van de verklaring", "De verklaring geldt twee jaar.")
    assert text == "Toelating tot het so. Duur van de verklaring. De verklaring geldt twee jaar."
    assert text_key(text) != text_key(text.replace("twee", "drie"))


# -- the model -------------------------------------------------------------------------------


@needs_model
def test_the_model_puts_a_question_near_the_passage_that_answers_it():
    from indexer.analysis.embeddings import shared_model

    model = shared_model()
    passages = model.passages(
        [
            "De toelaatbaarheidsverklaring geldt voor een bepaalde periode, met een minimumduur van een schooljaar.",
            "Scholen en gemeenten werken samen om thuiszitters snel weer naar school te laten gaan.",
            "De gemeenteraad kiest de wethouders in de eerste vergadering na de verkiezingen.",
        ]
    )
    assert passages.shape == (3, DIM) and np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    question = model.query("Hoe lang mag mijn kind naar het speciaal onderwijs?")
    assert int(np.argmax(passages @ question)) == 0
    question = model.query("Mijn zoon zit al maanden thuis zonder school, wie helpt?")
    assert int(np.argmax(passages @ question)) == 1


@needs_model
def test_embedding_resumes_after_kill_9_and_a_full_run_keeps_the_vectors(tmp_path):
    source = tmp_path / "bron"
    shutil.copytree(CORPUS, source, ignore=shutil.ignore_patterns("tools"))
    root = tmp_path / "index"
    cli = [sys.executable, "-m", "indexer.cli"]
    env = {**os.environ, "EXPERTISEBANK_EMBED_THREADS": "1"}
    subprocess.run([*cli, "index", "--source", str(source), "--index", str(root)], check=True, env=env,
                   capture_output=True, timeout=300)  # fmt: skip
    run = subprocess.Popen([*cli, "embed", "--index", str(root), "--quiet"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    store = VectorStore(root)
    deadline = time.monotonic() + 240
    while not store.segments() and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)
    assert store.segments(), "the first batch was never stored"
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    store.refresh()
    first = len(store)
    assert 0 < first
    done = subprocess.run([*cli, "embed", "--index", str(root), "--json"], env=env, capture_output=True,
                          text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr
    import json

    report = json.loads(done.stdout)
    assert report["with_vector"] == report["passages"] > 0
    assert report["embedded"] <= report["passages"] - first + 32  # what was stored before the kill stays
    # a --full run builds a new generation; every unchanged passage keeps its vector
    subprocess.run([*cli, "index", "--source", str(source), "--index", str(root), "--full"], check=True,
                   env=env, capture_output=True, timeout=300)  # fmt: skip
    again = subprocess.run([*cli, "embed", "--index", str(root), "--json"], env=env, capture_output=True,
                           text=True, timeout=300)  # fmt: skip
    assert json.loads(again.stdout)["embedded"] == 0
    stats = subprocess.run([*cli, "stats", "--index", str(root)], env=env, capture_output=True, text=True,
                           timeout=120)  # fmt: skip
    assert f"Vectoren:   {report['passages']} van {report['passages']} passages (klaar)" in stats.stdout


# -- the vraagbaak's hybrid ranking ------------------------------------------------------


def test_the_hybrid_setting_reads_aan_uit_or_a_share():
    from indexer.search import hybrid
    from indexer.search.service import hybrid_weight

    assert hybrid_weight({}) == hybrid.DEFAULT_WEIGHT
    assert hybrid_weight({"EXPERTISEBANK_HYBRID": "uit"}) == 0.0
    assert hybrid_weight({"EXPERTISEBANK_HYBRID": "aan"}) == hybrid.DENSE_WEIGHT
    assert hybrid_weight({"EXPERTISEBANK_HYBRID": "0.25"}) == 0.25
    with pytest.raises(ValueError, match="kies aan, uit of een getal"):
        hybrid_weight({"EXPERTISEBANK_HYBRID": "misschien"})


def test_fusion_reorders_by_meaning_and_a_passage_without_vector_keeps_its_place():
    from indexer.model import Hit
    from indexer.search.hybrid import rerank

    def hit(n: int, score: float) -> Hit:
        return Hit(f"p{n}", "d", "T", "s", "faq", None, None, None, score, "", f"tekst {n}")

    hits = [hit(0, 9.0), hit(1, 8.0), hit(2, 1.0)]
    question = unit_rows(1, 5)[0]
    vectors = {text_key("tekst 0"): -question, text_key("tekst 2"): question}  # p1 has no vector yet

    def vectors_of(keys):
        found = np.array([k in vectors for k in keys])
        return np.array([vectors.get(k, np.zeros(DIM)) for k in keys]), found

    assert [h.id for h in rerank(question, hits, vectors_of, 0.0)] == ["p0", "p1", "p2"]
    # dense alone: p2 answers, p0 does not; p1 keeps its lexical standing on both sides
    assert [h.id for h in rerank(question, hits, vectors_of, 1.0)] == ["p2", "p1", "p0"]


def test_the_vraagbaak_without_vectors_ranks_as_the_lexical_one(demo_index):
    from indexer.search.service import SearchService

    question = "Mogen leerlingen van het so en het sbo samen in één groep zitten?"
    lexical = SearchService(demo_index, hybrid=0.0).ask(question, k=5)
    hybrid = SearchService(demo_index, hybrid=0.7).ask(question, k=5)  # no vectors beside this index
    assert [h.id for h in hybrid.hits] == [h.id for h in lexical.hits]
    assert hybrid.answered == lexical.answered


def test_an_embedding_run_fills_the_store_it_is_given_and_resumes(demo_index, tmp_path):
    from indexer.indexing.embedding_run import embed_missing

    class CountingModel:  # stands in for the model: the run's bookkeeping is under test here
        def __init__(self):
            self.embedded = 0

        def passages(self, texts):
            self.embedded += len(texts)
            return unit_rows(len(texts), self.embedded)

    store = VectorStore(tmp_path / "elders")  # empty, so falsy: it must still be the one used
    model = CountingModel()
    first = embed_missing(demo_index, store=store, model=model, limit=40, batch=16)
    assert (first.embedded, model.embedded) == (40, 40) and len(store.segments()) == 3
    assert not (demo_index / "vectors").exists()
    rest = embed_missing(demo_index, store=store, model=model, batch=16)
    assert rest.embedded == len(store) - 40 and rest.with_vector == rest.passages  # unique texts only
    assert embed_missing(demo_index, store=store, model=model).embedded == 0


@needs_model
def test_index_starts_embedding_in_the_background_when_semantic_is_on(tmp_path):
    source = tmp_path / "bron"
    shutil.copytree(CORPUS, source, ignore=shutil.ignore_patterns("tools"))
    root = tmp_path / "index"
    env = {**os.environ, "EXPERTISEBANK_SEMANTIC": "aan", "EXPERTISEBANK_EMBED_THREADS": "2"}
    done = subprocess.run([sys.executable, "-m", "indexer.cli", "index", "--source", str(source), "--index",
                           str(root)], env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0 and "Inbedden gestart op de achtergrond" in done.stderr
    # searchable by words at once, before any vector exists
    from indexer.search.service import SearchService

    assert SearchService(root).search("samenwerkingsverband").total > 0
    store = VectorStore(root)
    deadline = time.monotonic() + 300
    while (store.read_status() or {}).get("state") != "klaar" and time.monotonic() < deadline:
        time.sleep(1)
    status = store.read_status()
    assert status["state"] == "klaar" and status["with_vector"] == status["passages"] > 0
