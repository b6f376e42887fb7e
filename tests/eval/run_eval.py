"""`make eval`: print Success@5 and MRR@10 per kind, baseline beside foundation."""

from __future__ import annotations

import sys
import time

from tests.eval.harness import format_report, run


def main() -> int:
    started = time.monotonic()
    results = run()
    print(format_report(results))
    print(f"\n({len(results['queries'])} queries, both indexes built and searched in {time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
