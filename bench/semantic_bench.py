"""``make bench-semantic``: retrieval by meaning, measured (needs ``make semantic``).

- embedding throughput (passages/s) and the embedding worker's peak memory,
  from ``expertisebank embed`` on the demo corpus (a process of its own);
- the vector store's size per passage and for the demo corpus;
- the vraagbaak's ``ask`` latency, p50/p95, lexical and hybrid, on the demo
  corpus and on the 10,000-document bench corpus;
- at 10,000 documents only a sample of passages is embedded (at a couple of
  passages a second the whole would take hours): the run reports the
  sample's rate and the projected time for all. The other passages get
  stand-in unit vectors, marked so in the store's status, because the
  latency of fusion does not depend on the vectors' values. Their ranking
  is not measured here; ``make eval`` measures quality.

Results go to the ``bench-semantic`` section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.results_file import command_line, header, percentile, write_section
from bench.run_bench import BIN, corpus, index_run

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Mogen leerlingen van het so en het sbo samen in één groep zitten?",
    "Hoe lang mag mijn kind speciaal onderwijs volgen?",
    "Wie beslist over een toelaatbaarheidsverklaring?",
    "Wat doet een samenwerkingsverband voor thuiszitters?",
    "Hoe vraag ik een experiment regulier en speciaal onderwijs aan?",
    "Welke ondersteuning biedt een school zonder extra geld?",
    "Kan mijn kind met autisme naar een gewone school?",
    "Wat staat er in het schoolondersteuningsprofiel?",
    "Hoe werken gemeente en school samen bij jeugdhulp?",
    "Wanneer krijgt een leerling een ontwikkelingsperspectief?",
]


def embed_command(index_root: Path, limit: int | None = None) -> dict:
    """``expertisebank embed`` as its own process: its report, wall time and peak RSS."""
    cmd = [str(BIN / "expertisebank"), "embed", "--index", str(index_root), "--json", "--quiet"]
    if limit:
        cmd += ["--limit", str(limit)]
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = json.loads(done.stdout)
    report["wall"] = time.perf_counter() - started
    report["peak_rss_mb"] = max(before, after) / 1024  # the largest child so far: this one when it is the first
    return report


def ask_latencies(index_root: Path, hybrid: float, passes: int = 3) -> list[float]:
    from indexer.search.service import SearchService

    service = SearchService(index_root, hybrid=hybrid)
    try:
        service.ask(QUESTIONS[0])  # loads the model and the tables
        out = []
        for n in range(passes):
            for q in QUESTIONS:
                started = time.perf_counter()
                service.ask(f"{q} ({n})" if n else q, k=5)  # each question text distinct: no cached answer
                out.append((time.perf_counter() - started) * 1000)
        return out
    finally:
        service.close()


def fill_with_stand_ins(index_root: Path) -> int:
    """Stand-in unit vectors for every passage still without one."""
    from indexer.indexing.embedding_run import embed_missing

    class StandIn:
        def passages(self, texts):
            rows = np.random.default_rng(len(texts)).normal(size=(len(texts), 384)).astype(np.float32)
            return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    return embed_missing(index_root, model=StandIn(), batch=4096).embedded


def run(work: Path, sample: int) -> str:
    from indexer.indexing.vector_store import VectorStore

    lines = [header(command_line()), ""]
    demo = work / "semantic-demo"
    shutil.rmtree(demo, ignore_errors=True)
    index_run(REPO / "corpus", demo)
    report = embed_command(demo)
    rate = report["embedded"] / report["wall"]
    store = VectorStore(demo)
    store.refresh()
    per_vector = store.size_bytes() / max(len(store), 1)
    lines += [
        "### Embedding",
        "",
        "| corpus | passages | embedded | seconds | passages/s | worker peak RSS MB | store KB | bytes/passage |",
        "|---|---|---|---|---|---|---|---|",
        f"| demo | {report['passages']} | {report['embedded']} | {report['wall']:.1f} | {rate:.2f} | "
        f"{report['peak_rss_mb']:.0f} | {store.size_bytes() / 1024:.0f} | {per_vector:.0f} |",
    ]
    ten_k, _stats = corpus(work, 10000)
    big = work / "index-10000"
    if not (big / "current").exists():
        index_run(ten_k, big)
    shutil.rmtree(big / "vectors", ignore_errors=True)
    sampled = embed_command(big, limit=sample)
    sample_rate = sampled["embedded"] / sampled["wall"]
    projected_h = sampled["passages"] / sample_rate / 3600
    lines.append(
        f"| 10,000 docs (sample) | {sampled['passages']} | {sampled['embedded']} | {sampled['wall']:.1f} | "
        f"{sample_rate:.2f} | {sampled['peak_rss_mb']:.0f} | | |"
    )
    stand_ins = fill_with_stand_ins(big)
    lines += [
        "",
        f"- 10,000 docs: all {sampled['passages']:,} passages would take {projected_h:.1f} h at the sample's rate "
        f"on this machine; {stand_ins:,} got stand-in vectors for the latency rows below.",
        f"- store size at 10,000 docs: {VectorStore(big).size_bytes() / 2**20:.0f} MB "
        f"({per_vector:.0f} bytes a passage, float16).",
        "",
        "### Vraagbaak latency (ms), `SearchService.ask`, k=5",
        "",
        "| where | ranking | p50 | p95 | questions |",
        "|---|---|---|---|---|",
    ]
    for name, root in (("demo", demo), ("10,000 docs", big)):
        for label, weight in (("lexical", 0.0), ("hybrid 0.6", 0.6)):
            values = ask_latencies(root, weight)
            lines.append(
                f"| {name} | {label} | {statistics.median(values):.1f} | {percentile(values, 95):.1f} | {len(values)} |"
            )
    shutil.rmtree(big / "vectors", ignore_errors=True)  # stand-ins must not stay beside the bench index
    return "## Retrieval by meaning (bench-semantic)\n\n" + "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from indexer.analysis.embeddings import unavailable

    parser = argparse.ArgumentParser(prog="make bench-semantic")
    parser.add_argument("--work", type=Path, default=REPO / "var" / "bench")
    parser.add_argument("--sample", type=int, default=96, help="passages embedded at 10,000 documents")
    args = parser.parse_args(argv)
    reason = unavailable()
    if reason:
        print(f"bench-semantic: {reason}", file=sys.stderr)
        return 2
    os.environ.setdefault("EXPERTISEBANK_SEMANTIC", "uit")  # the index runs here must not start embedding
    body = run(args.work, args.sample)
    print(body)
    print(f"written to {write_section('bench-semantic', body)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
