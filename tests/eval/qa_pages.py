"""The real Q&A check: rijksoverheid.nl answers as pages, their questions as queries.

``../shared/realdocs/qa`` holds 180 "vraag en antwoord" items of the Dutch
government (CC0; 179 distinct questions). Each answer becomes an HTML page
*without its question* (the question is the page's title on the real site,
so keeping it would hand the search the answer); the answer's section titles,
bare text lines in the data, become ``<h2>`` headings as on the site. The
question is then asked, and a good hit is a passage of that page.

The items are split in two by a hash of their id: ``dev`` to tune on,
``test`` to report only.
"""

from __future__ import annotations

import csv
import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path

QA_FILES = ("rijksoverheid_vacs_bzk.csv", "rijksoverheid_vacs_omgevingswet.csv")
FOLDER = "vraag-en-antwoord"


@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    answer_html: str
    date: str  # YYYY-MM-DD
    split: str  # "dev" | "test"

    @property
    def path(self) -> str:
        return f"{FOLDER}/antwoord-{self.id[:12]}.html"


def split_of(item_id: str) -> str:
    """A stable half: the same item is in the same part on every machine."""
    return "dev" if int(hashlib.sha256(item_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def load_items(qa_dir: Path) -> list[QAItem]:
    """Every distinct question once (the first item that asks it)."""
    seen: set[str] = set()
    items = []
    for name in QA_FILES:
        with open(qa_dir / name, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                question = " ".join(row["question"].split())
                if not question or question in seen or not row["reference_answer_html"].strip():
                    continue
                seen.add(question)
                items.append(
                    QAItem(
                        row["id"], question, row["reference_answer_html"], row["lastmodified"][:10], split_of(row["id"])
                    )
                )
    return items


_BARE_LINE = re.compile(r"^(?!\s*<)(?P<text>\S.*?)\s*$", re.MULTILINE)


def page_html(item: QAItem) -> str:
    """The answer as a page: section titles as headings, no question anywhere.

    >>> item = QAItem("x", "Waarom?", "<p>Omdat.</p>\\nMeer weten\\n<p>Zie ook.</p>", "2024-01-01", "dev")
    >>> print(page_html(item).split("<main>")[1].split("</main>")[0].strip())
    <p>Omdat.</p>
    <h2>Meer weten</h2>
    <p>Zie ook.</p>
    """
    body = _BARE_LINE.sub(lambda m: f"<h2>{html.escape(m['text'], quote=False)}</h2>", item.answer_html)
    head = '<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8"></head>\n'
    return f"{head}<body><main>\n{body}\n</main></body></html>\n"


def write_pages(items: list[QAItem], target: Path) -> None:
    """The pages under ``target/vraag-en-antwoord/``, with a catalogue entry each
    (type faq, the item's date)."""
    (target / FOLDER).mkdir(parents=True, exist_ok=True)
    entries = []
    for item in items:
        (target / item.path).write_text(page_html(item), encoding="utf-8")
        entries.append(f'["{item.path}"]\ntype = "faq"\ndate = "{item.date}"\n')
    catalogue = target / "catalogue.toml"
    existing = catalogue.read_text(encoding="utf-8") if catalogue.exists() else ""
    catalogue.write_text(existing + "\n" + "\n".join(entries), encoding="utf-8")
