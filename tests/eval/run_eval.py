"""`make eval`: dev and test figures, the real Q&A check and the naive baseline
in one run, with paired bootstrap intervals against the naive pipeline and the
reference ranks.

``--save-reference`` records the product's ranks as the reference the next
runs compare with (do that before a round of ranking work, never after).
"""

from __future__ import annotations

import argparse
import sys
import time

from tests.eval.harness import format_report, load_reference, run, save_reference


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
    args = parser.parse_args(argv)
    started = time.monotonic()
    from tests.eval import dense_eval

    semantic = args.semantic == "on" or (args.semantic == "auto" and dense_eval.enabled())
    results = run(splits=("dev",) if args.dev_only else ("dev", "test"), semantic=semantic)
    if args.save_reference:
        save_reference(results)
    print(format_report(results, None if args.save_reference else load_reference()))
    print(
        f"\n({len(results['queries'])} queries; every index built and searched in {time.monotonic() - started:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
