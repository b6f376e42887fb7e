"""`make eval`: dev and test figures, the real Q&A check and the naive baseline
in one run, with paired bootstrap intervals against the naive pipeline and the
reference ranks.

``--save-reference`` records the product's ranks as the reference the next
runs compare with (do that before a round of ranking work, never after).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time

from tests.eval.harness import format_report, load_reference, run, save_reference


@contextlib.contextmanager
def opensearch_for_eval(choice: str):
    """Whether to rank on OpenSearch too; with "on" and no cluster named, a
    local single node runs for the evaluation (started and stopped here)."""
    named = bool(os.environ.get("EXPERTISEBANK_OPENSEARCH_URL"))
    if choice == "off" or (choice == "auto" and not named):
        yield False
        return
    if named:
        yield True
        return
    from indexer.engine import opensearch_nodes

    problem = opensearch_nodes.launcher_problem()
    if problem:
        raise SystemExit(f"OpenSearch kan niet starten: {problem}")
    with tempfile.TemporaryDirectory(prefix="eval-opensearch-") as tmp:
        with opensearch_nodes.LocalCluster(tmp, size=1, heap_mb=1024) as cluster:
            cluster.wait_status("green", 120)
            os.environ["EXPERTISEBANK_OPENSEARCH_URL"] = cluster.urls[0]
            try:
                yield True
            finally:
                os.environ.pop("EXPERTISEBANK_OPENSEARCH_URL", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make eval")
    parser.add_argument("--save-reference", action="store_true", help="record the product's ranks as the reference")
    parser.add_argument("--dev-only", action="store_true", help="only the dev part (for tuning)")
    parser.add_argument(
        "--semantic",
        choices=("auto", "on", "off"),
        default="auto",
        help="dense and hybrid rankings too (auto: where the semantic extra is installed)",
    )
    parser.add_argument(
        "--opensearch",
        choices=("auto", "on", "off"),
        default="auto",
        help="the product on OpenSearch too (auto: where EXPERTISEBANK_OPENSEARCH_URL names a cluster; "
        "on: that cluster, or a local node started for the run)",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    from tests.eval import dense_eval

    semantic = args.semantic == "on" or (args.semantic == "auto" and dense_eval.enabled())
    with opensearch_for_eval(args.opensearch) as opensearch:
        results = run(splits=("dev",) if args.dev_only else ("dev", "test"), semantic=semantic, opensearch=opensearch)
    if args.save_reference:
        save_reference(results)
    print(format_report(results, None if args.save_reference else load_reference()))
    print(
        f"\n({len(results['queries'])} queries; every index built and searched in {time.monotonic() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
