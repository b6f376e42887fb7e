"""Lighthouse on the served site: `make audit`.

Indexes the demo corpus into a temporary folder, serves it with gunicorn on
127.0.0.1, and runs Lighthouse (npm package, pinned in the Makefile; Debian's
Chromium) on the start page, a results page, a document page and the
vraagbaak, as a phone and as a desktop. Writes every report to
tests/output/lighthouse/ and a table of the category scores to
tests/output/lighthouse/summary.md; exits 1 when a category is under 100.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "output" / "lighthouse"
PAGES = {
    "start": "/",
    "resultaten": "/zoeken?q=samenwerkingsverband",
    "document": "/documenten/webpaginas-po-raad-passend-onderwijs-html",
    "vraagbaak": "/vraagbaak?vraag=Mogen+leerlingen+van+het+so+en+het+sbo+samen+in+%C3%A9%C3%A9n+groep+zitten%3F",
}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def main() -> int:
    lighthouse = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "var" / "audit" / "node_modules" / ".bin" / "lighthouse"
    )
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    OUT.mkdir(parents=True, exist_ok=True)
    from indexer.indexing.run import run_index
    from tests.served_site import served_site

    with tempfile.TemporaryDirectory(prefix="audit-") as tmp:
        run_index(REPO / "corpus", Path(tmp) / "index")
        rows, failed = [], []
        env = {"EXPERTISEBANK_QUERY_LOG": "off", "EXPERTISEBANK_SOURCE": str(REPO / "corpus")}
        with served_site(Path(tmp) / "index", env) as base:
            for form in ("mobile", "desktop"):
                for name, path in PAGES.items():
                    report = OUT / f"{name}-{form}.json"
                    cmd = [
                        str(lighthouse),
                        f"{base}{path}",
                        "--quiet",
                        "--output=json",
                        f"--output-path={report}",
                        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
                    ]
                    cmd += ["--preset=desktop"] if form == "desktop" else ["--form-factor=mobile"]
                    subprocess.run(cmd, check=True, env=dict(os.environ, CHROME_PATH=chromium), timeout=300)
                    categories = json.loads(report.read_text(encoding="utf-8"))["categories"]
                    scores = [round(100 * (categories[c]["score"] or 0)) for c in CATEGORIES]
                    rows.append(f"| {name} | {form} | " + " | ".join(map(str, scores)) + " |")
                    failed += [f"{name} ({form}): {c} {s}" for c, s in zip(CATEGORIES, scores) if s < 100]
    table = ["| page | form factor | " + " | ".join(CATEGORIES) + " |", "|---|---|---|---|---|---|", *rows]
    (OUT / "summary.md").write_text("\n".join(table) + "\n", encoding="utf-8")
    print("\n".join(table))
    if failed:
        print("under 100:", "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
