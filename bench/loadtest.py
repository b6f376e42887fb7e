"""``make loadtest``: 50 concurrent clients for 60 s against the real server.

The index holds the demo corpus plus the generated 10,000 documents (built
once into ``var/bench``; later runs bring it up to date incrementally, which
takes seconds). gunicorn serves it on 127.0.0.1 (loopback only); locust
drives mixed search, ask and suggest requests (``bench/locustfile.py``).
Requests/s, p50/p95/p99 and errors per kind go into ``bench/RESULTS.md``.

    python -m bench.loadtest [--users 50] [--seconds 60] [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.live_server import BIN, live_server
from bench.results_file import command_line, header, write_section
from bench.run_bench import REPO, corpus, index_run

SEARCH_P95_GOAL_MS = 100


def loadtest_source(work: Path) -> Path:
    """The demo corpus and the 10k synthetic corpus in one source folder."""
    synthetic, _ = corpus(work, 10000)
    source = work / "loadtest-source"
    stamp = source / ".bench-source"
    if not stamp.exists():
        shutil.rmtree(source, ignore_errors=True)
        shutil.copytree(REPO / "corpus", source, ignore=shutil.ignore_patterns("tools"))
        shutil.copytree(synthetic, source / "synthetic", ignore=shutil.ignore_patterns("catalogue.toml", ".*"))
        extra = re.sub(
            r'^\["', '["synthetic/', (synthetic / "catalogue.toml").read_text(encoding="utf-8"), flags=re.MULTILINE
        )  # the table keys, not the values
        with (source / "catalogue.toml").open("a", encoding="utf-8") as fh:
            fh.write("\n" + extra)
        stamp.write_text("demo corpus + corpus-10000\n")
    return source


def read_stats(prefix: Path) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def main() -> None:
    parser = argparse.ArgumentParser(description="expertisebank load test")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--work", type=Path, default=REPO / "var" / "bench")
    args = parser.parse_args()
    args.users = max(1, min(args.users, 500))  # bounded in count ...
    args.seconds = max(5, min(args.seconds, 600))  # ... and in time

    source = loadtest_source(args.work)
    root = args.work / "index-loadtest"
    print("indexing the load-test corpus (first time takes minutes, later runs seconds)", flush=True)
    run = index_run(source, root)
    documents = run.report["documents"]
    prefix = args.work / "loadtest"
    with live_server(root, workers=args.workers) as server:
        rss_before = server.rss_mb()["total"]
        started = time.perf_counter()
        proc = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(REPO / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.users),
                "--run-time",
                f"{args.seconds}s",
                "--host",
                server.base,
                "--csv",
                str(prefix),
                "--only-summary",
                "--stop-timeout",
                "10",
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=args.seconds + 120,
        )
        elapsed = time.perf_counter() - started
        rss_after = server.rss_mb()
    if not Path(f"{prefix}_stats.csv").exists():
        sys.exit(f"locust wrote no statistics (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    rows = read_stats(prefix)
    table = []
    errors = 0
    search_p95 = None
    for r in rows:
        name = r["Name"]
        failures = int(r["Failure Count"])
        if name == "Aggregated":
            errors = failures
        if name == "search":
            search_p95 = float(r["95%"])
        table.append(
            f"| {name} | {r['Request Count']} | {failures} | {float(r['Requests/s']):.1f} | "
            f"{r['50%']} | {r['95%']} | {r['99%']} | {r['Max Response Time'].split('.')[0]} |"
        )
    ok = errors == 0 and search_p95 is not None and search_p95 < SEARCH_P95_GOAL_MS
    body = "\n".join(
        [
            "## Load test",
            "",
            header(command_line()),
            f"{args.users} concurrent clients (locust, each waiting 0.5-1.5 s between requests) for {args.seconds} s "
            f"against gunicorn ({args.workers} sync workers) on 127.0.0.1; index of {documents:,} documents "
            "(demo corpus + 10,000 generated). Mix: search 60%, ask 20%, suggest 20%, drawn from 3,000 distinct "
            f"queries. Locust ran {elapsed:.0f} s on the same 2 cores as the server.",
            "",
            "| request | count | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|---|---|",
            *table,
            "",
            f"Goal: zero errors and search p95 under {SEARCH_P95_GOAL_MS} ms: "
            f"{'met' if ok else '**not met**'} ({errors} errors, search p95 {search_p95} ms). "
            f"Server RSS {rss_before:.0f} MB before, {rss_after['total']:.0f} MB after "
            f"(workers {' + '.join(f'{w:.0f}' for w in rss_after['workers'])} MB).",
        ]
    )
    path = write_section("loadtest", body)
    print(body)
    print(f"written to {path}")
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
