"""``make bench-opensearch``: the OpenSearch engine beside Whoosh, at 10,000
and 50,000 documents, written to ``bench/RESULTS.md``.

    python -m bench.opensearch_bench                 # 10k and 50k, one node; 10k on three nodes
    python -m bench.opensearch_bench --sizes 10000   # one size

Both engines index the same synthetic corpus (``make bench`` generates it in
``var/bench``) through ``expertisebank index --full`` from a warm extraction
cache: what is timed is analysis and indexing, not PDF parsing, which is the
same Python code for both. Searches go through the JSON API of the real
gunicorn server (``expertisebank serve``, 2 workers) with the query mix of
``make bench``. The nodes run the launcher in ``opensearch/`` on this
machine (loopback), so a three-node cluster here shares the same two cores:
it shows the cost of replication, not the gain of more machines.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psutil

from bench.live_server import live_server
from bench.query_mix import query_mix
from bench.results_file import command_line, header, write_section
from bench.run_bench import corpus, index_run, latencies_http, measure
from indexer.engine import opensearch_nodes

REPO = Path(__file__).resolve().parent.parent
HEAP_MB = 1024
PASSES, PER_PASS = 3, 150


@contextmanager
def engine_env(urls: list[str] | None, shards: int = 1, replicas: int = 0):
    """The environment that selects OpenSearch for ``expertisebank`` commands (None: Whoosh)."""
    keys = ("EXPERTISEBANK_BACKEND", "EXPERTISEBANK_OPENSEARCH_URL", "EXPERTISEBANK_OPENSEARCH_SHARDS")
    keys += ("EXPERTISEBANK_OPENSEARCH_REPLICAS",)
    saved = {k: os.environ.get(k) for k in keys}
    if urls:
        os.environ.update(
            EXPERTISEBANK_BACKEND="opensearch",
            EXPERTISEBANK_OPENSEARCH_URL=",".join(urls),
            EXPERTISEBANK_OPENSEARCH_SHARDS=str(shards),
            EXPERTISEBANK_OPENSEARCH_REPLICAS=str(replicas),
        )
    else:
        os.environ["EXPERTISEBANK_BACKEND"] = "whoosh"
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def warm_root(work: Path, name: str, size: int) -> Path:
    """A fresh index folder whose extraction cache is ``make bench``'s (hard links)."""
    root = work / name
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    cache = work / f"index-{size}" / "extract-cache"
    if cache.is_dir():
        shutil.copytree(cache, root / "extract-cache", copy_function=os.link)
    else:
        print(f"  (no extraction cache at {cache}: this run parses every file)", flush=True)
    return root


def node_memory(cluster: opensearch_nodes.LocalCluster) -> list[tuple[str, float, float, float]]:
    """(node, heap used MB, heap max MB, RSS MB) per node."""
    with urllib.request.urlopen(cluster.urls[0] + "/_nodes/stats/jvm", timeout=30) as resp:
        stats = json.load(resp)["nodes"]
    heap = {n["name"]: n["jvm"]["mem"] for n in stats.values()}
    out = []
    for node in cluster.nodes:
        rss = psutil.Process(node.pid).memory_info().rss / 2**20
        mem = heap.get(node.name, {})
        out.append((node.name, mem.get("heap_used_in_bytes", 0) / 2**20, mem.get("heap_max_in_bytes", 0) / 2**20, rss))
    return out


def store_mb(cluster: opensearch_nodes.LocalCluster) -> float:
    with urllib.request.urlopen(cluster.urls[0] + "/_stats/store", timeout=30) as resp:
        return json.load(resp)["_all"]["total"]["store"]["size_in_bytes"] / 2**20


def bench_engine(label: str, source: Path, root: Path, passes, warmup, env: dict | None = None) -> dict:
    """Index ``source`` into ``root`` (--full, warm cache) and measure HTTP search."""
    built = index_run(source, root, full=True)
    print(f"  {label}: indexed in {built.seconds:.1f} s", flush=True)
    with live_server(root, env=env) as server:
        http = measure(latencies_http, server, passes, warmup)
        rss = server.rss_mb()
    print(f"  {label}: HTTP p50 {http.stat(50):.1f} ms, p95 {http.stat(95):.1f} ms", flush=True)
    return {"build": built, "http": http, "server_rss": rss["total"], "passages": built.report["passages"]}


def run(sizes: tuple[int, ...], three_nodes_at: tuple[int, ...], work: Path) -> str:
    problem = opensearch_nodes.launcher_problem()
    if problem:
        raise SystemExit(f"OpenSearch kan niet starten: {problem}")
    started_all = time.perf_counter()
    mix = query_mix(PASSES * PER_PASS + 40)
    warmup, rest = mix[:40], mix[40:]
    passes = [rest[i * PER_PASS : (i + 1) * PER_PASS] for i in range(PASSES)]
    rows, memory, notes = [], [], []
    for size in sizes:
        print(f"[{size} documents]", flush=True)
        source, stats = corpus(work, size)
        with engine_env(None):
            whoosh = bench_engine("Whoosh", source, warm_root(work, f"whoosh-{size}", size), passes, warmup)
        rows.append(_row(f"{size:,}", "Whoosh (1 process)", whoosh, size))
        memory.append(f"| {size:,} | Whoosh (1 process) | (none) | | | {whoosh['server_rss']:.0f} | |")
        topologies = [(1, 1, 0)] + ([(3, 3, 1)] if size in three_nodes_at else [])
        for nodes, shards, replicas in topologies:
            with tempfile.TemporaryDirectory(prefix="bench-opensearch-", dir=work) as tmp:
                cluster = opensearch_nodes.LocalCluster(tmp, size=nodes, heap_mb=HEAP_MB, name_prefix="bench")
                with cluster:
                    cluster.wait_status("green", 180)
                    plural = "s" if nodes > 1 else ""
                    label = f"OpenSearch, {nodes} node{plural} ({shards} shard{plural}, {replicas} replica)"
                    env = {
                        "EXPERTISEBANK_BACKEND": "opensearch",
                        "EXPERTISEBANK_OPENSEARCH_URL": ",".join(cluster.urls),
                    }
                    with engine_env(cluster.urls, shards, replicas):
                        root = warm_root(work, f"opensearch-{size}-{nodes}", size)
                        result = bench_engine(label, source, root, passes, warmup, env)
                    rows.append(_row(f"{size:,}", label, result, size))
                    store = store_mb(cluster)
                    for name, used, heap_max, rss in node_memory(cluster):
                        memory.append(
                            f"| {size:,} | {label} | {name} | {used:.0f} / {heap_max:.0f} | {rss:.0f} | "
                            f"{result['server_rss']:.0f} | {store:.0f} |"
                        )
                    if nodes == 1:
                        ratio = result["http"].stat(95) / whoosh["http"].stat(95)
                        notes.append(
                            f"{size:,} docs: OpenSearch (1 node) HTTP p95 is {ratio:.2f}× Whoosh's; "
                            f"indexing {result['build'].seconds / whoosh['build'].seconds:.2f}× Whoosh's time"
                        )
                shutil.rmtree(work / f"opensearch-{size}-{nodes}", ignore_errors=True)
        shutil.rmtree(work / f"whoosh-{size}", ignore_errors=True)
    total = time.perf_counter() - started_all
    lines = [
        "## OpenSearch beside Whoosh",
        "",
        header(command_line()),
        "Both engines index the same synthetic corpus with `expertisebank index --full` from a warm extraction "
        "cache (analysis and indexing are timed, not PDF parsing). Searches: the JSON API of the real gunicorn "
        f"server (2 workers), {PASSES} passes of {PER_PASS} distinct queries after 40 warm-up queries, 10 documents "
        f"with snippets and facet counts each; the median over passes of each pass's percentile. Nodes: the "
        f"launcher in `opensearch/` (OpenSearch 2.19.6), {HEAP_MB} MB heap each, on this machine's loopback; "
        f"three nodes here share two cores. Whole run: {total / 60:.1f} min.",
        "",
        "| documents | engine | passages | index seconds | docs/s | HTTP p50 ms | HTTP p95 ms | HTTP p99 ms |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Memory per node (heap used / max after the searches; RSS of the JVM), the web server's RSS "
        "(gunicorn master and workers) and the cluster's store (all copies):",
        "",
        "| documents | engine | node | heap MB | node RSS MB | server RSS MB | store MB |",
        "|---|---|---|---|---|---|---|",
        *memory,
        "",
        *[f"- {n}" for n in notes],
    ]
    return "\n".join(lines) + "\n"


def _row(size: str, label: str, result: dict, docs: int) -> str:
    build, http = result["build"], result["http"]
    return (
        f"| {size} | {label} | {result['passages']:,} | {build.seconds:.1f} | {docs / build.seconds:.0f} | "
        f"{http.stat(50):.1f} | {http.stat(95):.1f} | {http.stat(99):.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="OpenSearch beside Whoosh")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 50000])
    parser.add_argument("--three-nodes-at", type=int, nargs="*", default=[10000])
    parser.add_argument("--work", type=Path, default=REPO / "var" / "bench")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    body = run(tuple(args.sizes), tuple(args.three_nodes_at), args.work)
    path = write_section("bench-opensearch", body)
    print(body)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
