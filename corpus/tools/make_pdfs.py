"""Typeset the demo corpus's PDF publications from the committed HTML pages.

Three PDFs, made the way real publications are, so that ingestion meets the
usual problems:

- ``publicaties/beleidsregel-experimenten-regulier-speciaal-onderwijs.pdf``:
  one column, several pages, running header from page 2, "Pagina N van M"
  footer, words hyphenated (Dutch patterns from pyphen) at line ends;
- ``publicaties/praktijkvoorbeelden-samenwerking-regulier-speciaal.pdf``:
  two columns under a title that spans both, same header and footer;
- ``verslagen/webinar-experimenteerregeling-vragen-en-antwoorden.pdf``:
  questions in bold, each followed by its answer.

A word that does not fit is split at a real hyphen when it has one
(``vo-`` / ``school``) and else at a Dutch hyphenation point (``ondersteu-`` /
``ning``). Every split is written to ``corpus/tools/layout/<name>.json``, with
the order of the headings, so that tests can check de-hyphenation and
reading order against what was actually typeset.

Needs the dev extras (reportlab, pyphen). The output is committed; re-run with:

    .venv/bin/python corpus/tools/make_pdfs.py
"""

from __future__ import annotations

import calendar
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyphen
from bs4 import BeautifulSoup
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent
PAGES = CORPUS / "webpaginas"
LAYOUT = HERE / "layout"

REGULAR, BOLD = "Helvetica", "Helvetica-Bold"
HYPHENATOR = pyphen.Pyphen(lang="nl_NL", left=2, right=3)


# -- content from the HTML pages ----------------------------------------------------


@dataclass
class Item:
    kind: str  # "h2" | "h3" | "h4" | "p" | "li" | "q"
    text: str


def article_items(page: str) -> list[Item]:
    soup = BeautifulSoup((PAGES / page).read_text(encoding="utf-8"), "lxml")
    root = soup.find("article")
    items: list[Item] = []
    for el in root.find_all(["h2", "h3", "h4", "p", "li"]):
        if el.find_parent(["header", "form"]) is not None:
            continue
        text = " ".join(el.get_text(" ", strip=True).split())
        text = re.sub(r"\s+([,.;:?!)])", r"\1", text)
        if not text:
            continue
        if el.name in ("h2", "h3", "h4"):
            items.append(Item(el.name, text))
        elif el.name == "li":
            if el.get("class") == ["card"]:
                continue  # its heading and paragraphs come through on their own
            items.append(Item("li", text))
        elif el.find("strong") is not None and el.get_text(strip=True) == el.find("strong").get_text(strip=True):
            items.append(Item("q", text))
        else:
            items.append(Item("p", text))
    return items


def section(items: list[Item], title: str) -> list[Item]:
    """The items under heading ``title`` up to the next heading of its rank or higher."""
    start = next(i for i, it in enumerate(items) if it.kind.startswith("h") and it.text == title)
    rank = int(items[start].kind[1])
    out = [Item("h2", items[start].text)]
    for it in items[start + 1 :]:
        if it.kind.startswith("h"):
            level = int(it.kind[1])
            if level <= rank:
                break
            it = Item("h2" if level == rank else "h3", it.text)  # sub-headings one rank down
        out.append(it)
    return out


# -- line breaking -------------------------------------------------------------------


@dataclass
class Break:
    kind: str  # "soft" (hyphenation) | "hard" (the word's own hyphen)
    word: str
    line_end: str
    next_start: str
    page: int = 0


def _split_word(word: str, room: float, font: str, size: float) -> tuple[str, str, str] | None:
    """Split ``word`` so that its head (with hyphen) fits in ``room``.
    Returns (head, tail, kind) or None."""
    core = word.rstrip(".,;:!?)\u201d\u2019'\"")
    trail = word[len(core):]
    best: tuple[str, str, str] | None = None
    # a real hyphen in the word is the first choice
    for m in re.finditer(r"-", core):
        head, tail = core[: m.end()], core[m.end():]
        if len(head) >= 3 and len(tail) >= 2 and stringWidth(head, font, size) <= room:
            best = (head, tail + trail, "hard")
    if best:
        return best
    if not core.isalpha() or core.isupper() or len(core) < 6:
        return None
    for head, tail in HYPHENATOR.iterate(core):  # longest head first
        if stringWidth(head + "-", font, size) <= room:
            return head + "-", tail + trail, "soft"
    return None


def break_lines(text: str, width: float, font: str, size: float, breaks: list[Break]) -> list[str]:
    lines: list[str] = []
    current = ""
    words = text.split()
    i = 0
    while i < len(words):
        word = words[i]
        trial = f"{current} {word}" if current else word
        if stringWidth(trial, font, size) <= width:
            current = trial
            i += 1
            continue
        room = width - stringWidth(current + " ", font, size) if current else width
        split = _split_word(word, room, font, size)
        if split:
            head, tail, kind = split
            lines.append(f"{current} {head}" if current else head)
            breaks.append(Break(kind, word.rstrip(".,;:!?)\u201d\u2019'\""), head, tail.split("-")[0] if kind == "hard" else tail))
            current = ""
            words[i] = tail
            continue
        if not current:  # a single word wider than the line: let it overflow
            lines.append(word)
            i += 1
            continue
        lines.append(current)
        current = ""
    if current:
        lines.append(current)
    return lines


# -- pages ---------------------------------------------------------------------------


@dataclass
class Op:
    font: str
    size: float
    x: float
    y: float
    text: str


@dataclass
class Layout:
    columns: int
    margin: float = 62.0
    top: float = 78.0
    bottom: float = 70.0
    gutter: float = 22.0
    body: float = 10.5
    leading: float = 14.0
    pages: list[list[Op]] = field(default_factory=lambda: [[]])
    breaks: list[Break] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    column: int = 0
    y: float = 0.0
    content_top: float = 0.0

    def __post_init__(self) -> None:
        self.width, self.height = A4
        self.y = self.height - self.top
        self.content_top = self.y

    @property
    def column_width(self) -> float:
        usable = self.width - 2 * self.margin
        return (usable - (self.columns - 1) * self.gutter) / self.columns

    def x(self) -> float:
        return self.margin + self.column * (self.column_width + self.gutter)

    def _next_column(self) -> None:
        if self.column + 1 < self.columns:
            self.column += 1
        else:
            self.pages.append([])
            self.column = 0
            self.content_top = self.height - self.top
        self.y = self.content_top

    def _room(self, needed: float) -> None:
        if self.y - needed < self.bottom:
            self._next_column()

    def title(self, text: str, subtitle: str) -> None:
        """Full-width title block at the top of page 1 (spans the columns)."""
        usable = self.width - 2 * self.margin
        for line in break_lines(text, usable, BOLD, 20, []):
            self.pages[-1].append(Op(BOLD, 20, self.margin, self.y, line))
            self.y -= 25
        self.y -= 4
        for line in break_lines(subtitle, usable, REGULAR, 12, []):
            self.pages[-1].append(Op(REGULAR, 12, self.margin, self.y, line))
            self.y -= 16
        self.y -= 18
        self.content_top = self.y

    def heading(self, text: str, level: int) -> None:
        size = 14.0 if level == 2 else 11.5
        lines = break_lines(text, self.column_width, BOLD, size, [])
        self._room(10 + len(lines) * (size + 3) + 2 * self.leading)  # keep with the next lines
        if self.y < self.content_top:
            self.y -= 10
        for line in lines:
            self.pages[-1].append(Op(BOLD, size, self.x(), self.y, line))
            self.y -= size + 3
        self.y -= 3
        self.headings.append(text)

    def paragraph(self, text: str, *, bold: bool = False, bullet: bool = False) -> None:
        font = BOLD if bold else REGULAR
        indent = 12.0 if bullet else 0.0
        first_break = len(self.breaks)
        lines = break_lines(text, self.column_width - indent, font, self.body, self.breaks)
        for n, line in enumerate(lines):
            self._room(self.leading)
            if bullet and n == 0:
                self.pages[-1].append(Op(REGULAR, self.body, self.x(), self.y, "\u2022"))
            self.pages[-1].append(Op(font, self.body, self.x() + indent, self.y, line))
            for b in self.breaks[first_break:]:
                if b.page == 0 and b.line_end == line.rsplit(" ", 1)[-1]:
                    b.page = len(self.pages)
            self.y -= self.leading
        self.y -= 6


def render(layout: Layout, path: Path, *, title: str, author: str, subject: str, published: date,
           header_left: str, header_right: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # reportlab honours the reproducible-builds variable: the CreationDate
    # becomes the publication date and the file is byte-for-byte repeatable
    os.environ["SOURCE_DATE_EPOCH"] = str(calendar.timegm(published.timetuple()))
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor(author)
    c.setSubject(subject)
    c.setCreator("expertisebank corpus/tools/make_pdfs.py")
    total = len(layout.pages)
    for number, ops in enumerate(layout.pages, start=1):
        if number > 1:  # running header from page 2, as in most reports
            c.setFont(REGULAR, 8)
            c.setFillGray(0.35)
            c.drawString(layout.margin, layout.height - 40, header_left)
            c.drawRightString(layout.width - layout.margin, layout.height - 40, header_right)
            c.setLineWidth(0.4)
            c.line(layout.margin, layout.height - 45, layout.width - layout.margin, layout.height - 45)
        c.setFont(REGULAR, 8)
        c.setFillGray(0.35)
        c.drawCentredString(layout.width / 2, 36, f"Pagina {number} van {total}")
        c.setFillGray(0)
        for op in ops:
            c.setFont(op.font, op.size)
            c.drawString(op.x, op.y, op.text)
        c.showPage()
    c.save()


def write_manifest(name: str, layout: Layout, pdf: Path) -> None:
    LAYOUT.mkdir(exist_ok=True)
    data = {
        "pdf": pdf.relative_to(CORPUS).as_posix(),
        "pages": len(layout.pages),
        "columns": layout.columns,
        "headings": layout.headings,
        "breaks": [b.__dict__ for b in layout.breaks],
    }
    (LAYOUT / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def typeset(items: list[Item], layout: Layout) -> None:
    for it in items:
        if it.kind in ("h2", "h3", "h4"):
            layout.heading(it.text, 2 if it.kind == "h2" else 3)
        elif it.kind == "q":
            layout.paragraph(it.text, bold=True)
        else:
            layout.paragraph(it.text, bullet=it.kind == "li")


# -- the three publications ------------------------------------------------------------


def policy_rule() -> None:
    items = article_items("ondersteuningsprogramma-integratie-regulier-speciaal.html")
    chosen = (
        section(items, "Nieuwe Beleidsregel experimenten regulier-speciaal onderwijs")
        + section(items, "Regeling wordt verlengd en verbreed")
        + section(items, "Symbiose-overeenkomst opnemen in het ontwikkelingsperspectief")
        + section(items, "Beleidsregel van ministerie van OCW voor experimenten samenwerking regulier en speciaal onderwijs")
    )
    layout = Layout(columns=1)
    title = "Beleidsregel experimenten regulier-speciaal onderwijs"
    layout.title(title, "Uitleg, voorwaarden en aanvraag: de regeling van 2018 en de nieuwe regeling van 2020")
    typeset(chosen, layout)
    out = CORPUS / "publicaties" / "beleidsregel-experimenten-regulier-speciaal-onderwijs.pdf"
    render(layout, out, title=title, author="Steunpunt Passend Onderwijs / NCOJ",
           subject="Experimenten samenwerking regulier en speciaal onderwijs", published=date(2020, 7, 15),
           header_left="Steunpunt Passend Onderwijs", header_right="Beleidsregel experimenten regulier-speciaal onderwijs")
    write_manifest("beleidsregel", layout, out)


def practice_examples() -> None:
    soup = BeautifulSoup((PAGES / "praktijkvoorbeelden.html").read_text(encoding="utf-8"), "lxml")
    items: list[Item] = []
    for card in soup.select("li.card"):
        items.append(Item("h3", " ".join(card.find("h2").get_text(" ", strip=True).split())))
        for p in card.find_all("p"):
            items.append(Item("p", " ".join(p.get_text(" ", strip=True).split())))
    layout = Layout(columns=2, body=9.5, leading=12.5)
    title = "Praktijkvoorbeelden samenwerking regulier en speciaal onderwijs"
    layout.title(title, "Portretten van samenwerking en integratie in het po en vo, 2017-2020")
    typeset(items, layout)
    out = CORPUS / "publicaties" / "praktijkvoorbeelden-samenwerking-regulier-speciaal.pdf"
    render(layout, out, title=title, author="Steunpunt Passend Onderwijs / NCOJ",
           subject="Praktijkvoorbeelden po en vo", published=date(2020, 11, 27),
           header_left="Steunpunt Passend Onderwijs", header_right="Praktijkvoorbeelden regulier en speciaal")
    write_manifest("praktijkvoorbeelden", layout, out)


def webinar_answers() -> None:
    items = article_items("webinar-experimenteerregeling-vragen.html")
    items = [it for it in items if not it.text.startswith("Gepubliceerd")]
    layout = Layout(columns=1, margin=80.0)
    title = "Vragen en antwoorden webinar Experimenteerregeling samenwerking regulier en speciaal onderwijs"
    layout.title(title, "Verslag van de vragen uit de chat van het webinar van 25 september 2020")
    typeset(items, layout)
    out = CORPUS / "verslagen" / "webinar-experimenteerregeling-vragen-en-antwoorden.pdf"
    render(layout, out, title=title, author="NCOJ", subject="Webinar experimenteerregeling",
           published=date(2020, 10, 12), header_left="Steunpunt Passend Onderwijs",
           header_right="Webinar experimenteerregeling: vragen en antwoorden")
    write_manifest("webinar", layout, out)


def main() -> None:
    policy_rule()
    practice_examples()
    webinar_answers()
    for name in sorted(LAYOUT.glob("*.json")):
        data = json.loads(name.read_text(encoding="utf-8"))
        kinds = [b["kind"] for b in data["breaks"]]
        print(f"{data['pdf']}: {data['pages']} pages, {kinds.count('soft')} hyphenated, {kinds.count('hard')} at a real hyphen")


if __name__ == "__main__":
    main()
