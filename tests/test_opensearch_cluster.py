"""The OpenSearch engine on a real three-node cluster (tests/opensearch_cluster.py):
shards and replicas, a node killed with ``kill -9`` while searches run, and
reindexing while searching. The conformance suite runs on the same cluster
(tests/test_backend_conformance.py). Without Java or the launcher these skip
with the reason."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from indexer.engine.backend import backend_class
from indexer.indexing.run import Pipeline, run_index
from indexer.indexing.store import IndexStore
from indexer.model import DocumentRecord, Passage
from indexer.search.query_parser import parse_query
from indexer.search.service import SearchService

SUBJECTS = ["toelating", "thuiszitters", "basisondersteuning", "dyslexie", "hoogbegaafdheid", "gedrag"]


def record(n: int, state: str = "s1") -> DocumentRecord:
    subject = SUBJECTS[n % len(SUBJECTS)]
    return DocumentRecord(
        doc_id=f"doc-{n}",
        source=f"doc-{n}.html",
        format="html",
        title=f"Over {subject} nummer {n}",
        type=("publicatie", "praktijkvoorbeeld", "nieuws")[n % 3],
        sectors=[("po", "vo", "so")[n % 3]],
        date=f"20{10 + n % 15}-0{1 + n % 9}-01",
        url=None,
        author=None,
        description=None,
        page_count=None,
        headings=[],
        passage_count=2,
        state=state,
        indexed_at="2026-12-02T00:00:00",
    )


def passages(n: int, word: str) -> list[Passage]:
    subject = SUBJECTS[n % len(SUBJECTS)]
    return [
        Passage(f"doc-{n}", 0, f"Het samenwerkingsverband regelt {subject} voor leerling {n} ({word}).", ["Inleiding"]),
        Passage(
            f"doc-{n}", 1, f"Scholen overleggen over {subject} en ondersteuning voor {n}, versie {word}.", ["Aanpak"]
        ),
    ]


def fill(index, count: int, word: str, replace: bool = False) -> int:
    writer = index.writer()
    for n in range(count):
        if replace:
            writer.delete_document(f"doc-{n}")
        writer.add_document(record(n, state=word), passages(n, word), record(n).sectors)
    return writer.commit()


QUERIES = ["samenwerkingsverband toelating", "thuiszitters", "ondersteuning gedrag", "dyslexie leerling"]


def answers(index) -> dict[str, tuple]:
    out = {}
    for q in QUERIES:
        result = index.search(parse_query(q), limit=10, facets=True)
        out[q] = (result.total, [h.id for h in result.hits], result.facets)
    return out


def grows(items: list, count: int, errors: list, timeout: float = 60.0) -> bool:
    """Wait, bounded, until a search loop has added ``count`` more items to
    ``items`` (not after an error): waits that hold on a loaded machine too."""
    target, deadline = len(items) + count, time.monotonic() + timeout
    while len(items) < target and time.monotonic() < deadline and not errors:
        time.sleep(0.05)
    return len(items) >= target


@pytest.fixture(scope="module")
def cluster_index(opensearch, tmp_path_factory):
    index = backend_class("opensearch").create(tmp_path_factory.mktemp("cluster") / "gen")
    fill(index, 120, "alfa")
    index.refresh()
    yield index
    index.close()


def test_a_new_index_has_three_shards_each_with_a_replica_on_another_node(opensearch, cluster_index):
    opensearch.wait_status("green", 60)
    shards = cluster_index.client.cat.shards(index=cluster_index.index, format="json")
    primaries = {s["shard"]: s["node"] for s in shards if s["prirep"] == "p"}
    replicas = {s["shard"]: s["node"] for s in shards if s["prirep"] == "r"}
    assert sorted(primaries) == ["0", "1", "2"] == sorted(replicas)
    assert all(primaries[s] != replicas[s] for s in primaries)
    assert all(s["state"] == "STARTED" for s in shards)
    assert len({s["node"] for s in shards}) == 3  # spread over the three nodes


def test_searches_go_on_while_a_data_node_is_killed_and_it_comes_back_green(opensearch, cluster_index):
    opensearch.wait_status("green", 60)
    expected = answers(cluster_index)
    assert all(total > 0 for total, _ids, _facets in expected.values())
    failures: list[str] = []
    mismatches: list[str] = []
    done = threading.Event()
    rounds: list[int] = []  # one item per round of searches that all succeeded

    def loop():
        while not done.is_set():
            try:
                got = answers(cluster_index)
            except Exception as exc:  # any failed search fails the test
                failures.append(repr(exc))
                continue
            rounds.append(1)
            mismatches.extend(q for q in QUERIES if got[q] != expected[q])

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    assert grows(rounds, 1, failures), failures[:3]
    opensearch.kill(1)  # a data node, its shards' other copies elsewhere
    # searches go on while the others notice the loss and promote replicas;
    # how soon they notice depends on the machine's load, so the waits are bounded, not fixed
    assert grows(rounds, 2, failures), failures[:3]
    assert opensearch.wait_nodes(2, 90)["number_of_nodes"] == 2
    assert opensearch.wait_status("yellow", 60)["status"] in ("yellow", "green")  # every shard has a copy
    assert grows(rounds, 2, failures), failures[:3]  # on the two nodes that are left
    opensearch.restart(1)
    opensearch.wait_status("green", 120)  # the node is back and every replica assigned again
    assert grows(rounds, 2, failures), failures[:3]
    done.set()
    thread.join(30)
    assert failures == [], failures[:3]
    assert mismatches == [], mismatches[:3]
    assert opensearch.health()["number_of_nodes"] == 3
    assert answers(cluster_index) == expected


def test_a_commit_is_seen_whole_by_searches_running_during_it(opensearch, cluster_index, tmp_path):
    """Every passage is replaced in one commit; a search sees all old texts or
    all new ones, never a mix, although the three shards refresh one by one."""
    reader = backend_class("opensearch")(cluster_index.directory)
    seen: list[set[str]] = []
    errors: list[str] = []
    done = threading.Event()

    def loop():
        while not done.is_set():
            try:
                reader.refresh()
                result = reader.search(parse_query("versie"), mode="passages", limit=300)
            except Exception as exc:
                errors.append(repr(exc))
                continue
            seen.append({h.text.rsplit(" ", 1)[-1].strip(".") for h in result.hits} | {f"total={result.total}"})

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    assert grows(seen, 1, errors), errors[:3]
    for word in ("beta", "alfa"):
        fill(cluster_index, 120, word, replace=True)
    assert grows(seen, 2, errors), errors[:3]
    done.set()
    thread.join(30)
    reader.close()
    cluster_index.refresh()
    assert errors == []
    assert len(seen) >= 3
    versions = [s - {"total=120"} for s in seen]
    assert all("total=120" in s for s in seen)
    assert all(len(v) == 1 for v in versions), [v for v in versions if len(v) != 1][:3]
    assert len({next(iter(v)) for v in versions}) >= 2  # the loop saw more than one version


def write_sources(folder: Path, word: str, count: int = 8) -> None:
    folder.mkdir(exist_ok=True)
    for n in range(count):
        subject = SUBJECTS[n % len(SUBJECTS)]
        (folder / f"pagina-{n}.html").write_text(
            f"<html><head><title>Pagina {n} over {subject}</title></head><body><h1>Pagina {n}</h1>"
            f"<p>Het samenwerkingsverband maakt afspraken over {subject}. Dit is de versie {word} van "
            f"pagina {n}, met genoeg woorden om een passage te vormen voor de zoekmachine.</p></body></html>",
            encoding="utf-8",
        )


def test_reindexing_while_searching_gives_old_or_new_results_never_a_mix(opensearch, tmp_path):
    """The product's own path: ``expertisebank index`` (incremental, then
    --full, which clones the live index into a new generation and swaps it
    in) while the search service answers."""
    engine = backend_class("opensearch")
    sources, root = tmp_path / "bron", tmp_path / "index"
    write_sources(sources, "alfa")
    report = run_index(sources, root, pipeline=Pipeline(backend=engine))
    assert report.failed == [] and report.documents == 8
    service = SearchService(root, backend=engine)
    seen: list[tuple[int, frozenset]] = []
    errors: list[str] = []
    done = threading.Event()

    def loop():
        while not done.is_set():
            try:
                response = service.search("versie samenwerkingsverband", k=20, mode="passages")
            except Exception as exc:
                errors.append(repr(exc))
                continue
            words = frozenset(w for h in response.hits for w in ("alfa", "beta", "gamma") if f"versie {w}" in h.text)
            seen.append((response.total, words))

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    assert grows(seen, 1, errors), errors[:3]  # the old results seen first
    first = IndexStore(root).current_generation()
    write_sources(sources, "beta")
    run_index(sources, root, pipeline=Pipeline(backend=engine))  # incremental: one commit in the live index
    assert IndexStore(root).current_generation() == first
    write_sources(sources, "gamma")
    run_index(sources, root, full=True, pipeline=Pipeline(backend=engine))  # a new generation, swapped in
    assert grows(seen, 2, errors), errors[:3]  # and the new ones after
    done.set()
    thread.join(30)
    assert errors == []
    assert all(total == 8 and len(words) == 1 for total, words in seen), [s for s in seen if len(s[1]) != 1][:3]
    assert {w for _t, words in seen for w in words} >= {"alfa", "gamma"}
    assert service.search("versie", k=20, mode="passages").hits[0].text.count("gamma") == 1
    second = IndexStore(root).current_generation()
    assert second != first
    run_index(sources, root, full=True, pipeline=Pipeline(backend=engine))
    # two generations are kept (live and previous); the first one's OpenSearch index is gone
    client = engine(second).client
    assert not client.indices.exists(index=_index_of(first))
    service.close()


def _index_of(generation: Path) -> str:
    from indexer.engine.opensearch.index import index_name

    return index_name(generation)
