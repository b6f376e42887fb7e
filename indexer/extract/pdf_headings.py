"""Which printed lines of a PDF are its headings, from what the document says
about itself rather than from how our own generator lays pages out.

1. Its **outline** (bookmarks), when it has one that the text bears out.
2. Otherwise its own **table of contents**: lines with dotted leaders and page
   numbers ("2.1 Toegang examens ........ 5"). Those lines are page furniture
   themselves and leave the text, with the "Inhoud" heading above them.
3. Otherwise nothing here: :mod:`indexer.extract.pdf_layout` falls back to
   font statistics of the document (larger or bold lines).

An entry becomes a heading where its title is printed: a fragment (a line, or
a run of lines when the title wraps, or a section number followed by the
title on one line) whose text matches the title, searched in reading order
from the previous entry onwards. When fewer than half of the entries can be
found, the list is not trusted and the fonts decide.

Pure Python on :class:`~indexer.extract.pdf_layout.Fragment` s, apart from
:func:`outline_entries`, which reads pdfminer's outline of an open document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from indexer.extract.pdf_layout import Fragment

MIN_ENTRIES = 3  # fewer entries than this say too little about the document
TRUSTED_SHARE = 0.5  # share of the entries that must be found in the text
MAX_TITLE_FRAGMENTS = 3  # a title wraps over at most this many lines


@dataclass(frozen=True)
class Entry:
    """One heading the document lists: its title, depth (1 = top) and page."""

    title: str
    level: int
    page: int | None = None


_NUMBERING_RE = re.compile(
    r"^\s*(?:(?:hoofdstuk|bijlage|chapter|appendix)\s+)?(?:\d+(?:\.\d+)*\.?|[ivx]+\.|[a-z]\.)\s+", re.IGNORECASE
)
_SECTION_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)*\.?$")


def title_key(text: str) -> str:
    """What two spellings of one title share: no numbering, case, accents-as-printed
    punctuation or spacing.

    >>> title_key("2.1 Toegang  examens"), title_key("Hoofdstuk 3: Rollen"), title_key("Wat is een OPP?")
    ('toegang examens', 'rollen', 'wat is een opp')
    """
    text = _NUMBERING_RE.sub("", text.strip())
    text = re.sub(r"^(?:hoofdstuk|chapter)\s+\d+\s*[:.\-–]?\s*", "", text, flags=re.IGNORECASE)
    return " ".join(re.findall(r"\w+", text.lower()))


def _number_depth(text: str) -> int | None:
    m = re.match(r"^\s*(\d+(?:\.\d+)*)\.?\s", text + " ")
    return m.group(1).count(".") + 1 if m else None


# 1. the outline ---------------------------------------------------------------


def outline_entries(pdf) -> list[Entry]:
    """The outline of an open pdfplumber document, with the page each entry
    points at where that can be resolved (None otherwise). An unreadable or
    absent outline gives an empty list."""
    try:
        from pdfminer.pdftypes import resolve1
    except ImportError:  # pragma: no cover - pdfminer comes with pdfplumber
        return []
    try:
        raw = list(pdf.doc.get_outlines())
    except Exception:  # noqa: BLE001 - pdfminer raises PDFNoOutlines and many more
        return []
    page_of = {}
    for number, page in enumerate(pdf.pages, start=1):
        page_of[page.page_obj.pageid] = number

    def page_number(dest, action) -> int | None:
        try:
            if dest is None and action is not None:
                action = resolve1(action)
                dest = action.get("D") if isinstance(action, dict) else None
            dest = resolve1(dest)
            if isinstance(dest, (bytes, str)):
                dest = resolve1(pdf.doc.get_dest(dest))
            if isinstance(dest, dict):
                dest = resolve1(dest.get("D"))
            if isinstance(dest, list) and dest:
                ref = dest[0]
                return page_of.get(getattr(ref, "objid", None))
        except Exception:  # noqa: BLE001 - a broken destination only loses its page
            return None
        return None

    entries = []
    for item in raw:
        level, title, dest, action = item[0], item[1], item[2], item[3]
        if isinstance(title, bytes):
            title = title.decode("utf-16" if title[:2] in (b"\xfe\xff", b"\xff\xfe") else "latin-1", "replace")
        title = " ".join(str(title or "").split())
        if title_key(title):
            entries.append(Entry(title, max(1, int(level)), page_number(dest, action)))
    if sum(1 for e in entries if re.fullmatch(r"(?:page|pagina)\s*\d+", e.title, re.IGNORECASE)) > len(entries) / 2:
        return []  # "Page 1", "Page 2": bookmarks of pages, not of sections
    return entries


# 2. the table of contents ------------------------------------------------------

_LEADER_RE = re.compile(r"(?:\.\s?){4,}|…{2,}|(?:_\s?){4,}")
_TRAILING_PAGE_RE = re.compile(r"\s*\d{1,4}\s*$")
_TOC_TITLES = {"inhoud", "inhoudsopgave", "inhoudstafel", "inhoudsoverzicht", "contents", "table of contents"}


def _same_line(a: Fragment, b: Fragment) -> bool:
    return a.page == b.page and abs(a.top - b.top) <= 0.5 * min(a.size, b.size)


def _visual_lines(frags: Sequence[Fragment]) -> list[list[Fragment]]:
    lines: list[list[Fragment]] = []
    for f in sorted(frags, key=lambda f: (f.top, f.x0)):
        if lines and _same_line(lines[-1][0], f):
            lines[-1].append(f)
        else:
            lines.append([f])
    return [sorted(line, key=lambda f: f.x0) for line in lines]


def table_of_contents(pages: Sequence[Sequence[Fragment]]) -> tuple[list[Entry], set[int]]:
    """Entries of the document's own table of contents, and the ``id()`` s of
    the fragments that print it (its lines and its "Inhoud" heading).

    A page holds a table of contents when at least four of its lines end in
    a dotted leader (with or without a page number); every line between the
    first and the last of those belongs to it (entries whose leader the
    layout lost, the section numbers printed apart)."""
    entries: list[Entry] = []
    furniture: set[int] = set()
    for frags in pages:
        lines = _visual_lines(frags)
        leader = [i for i, line in enumerate(lines) if any(_LEADER_RE.search(f.text) for f in line)]
        if len(leader) < 4:
            continue
        first, last = leader[0], leader[-1]
        # the heading above it ("Inhoudsopgave"), and a few lines above that belong too
        for i in range(first - 1, max(-1, first - 4), -1):
            if title_key(" ".join(f.text for f in lines[i])) in _TOC_TITLES:
                furniture.update(id(f) for line in lines[i:first] for f in line)
                break
        indents: list[float] = []
        raw: list[tuple[str, float, int | None]] = []
        for line in lines[first : last + 1]:
            furniture.update(id(f) for f in line)
            text = " ".join(f.text for f in line)
            text = _LEADER_RE.sub(" ", text)
            text = _TRAILING_PAGE_RE.sub("", text).strip()
            if not title_key(text):
                continue
            x0 = line[1].x0 if len(line) > 1 and _SECTION_NUMBER_RE.match(line[0].text) else line[0].x0
            raw.append((text, line[0].x0, _number_depth(text)))
            indents.append(x0)
        # unnumbered entries take their depth from their indentation
        steps = sorted({round(x) for x in indents})
        for text, x0, depth in raw:
            if depth is None:
                depth = 1 + next((i for i, s in enumerate(steps) if abs(s - round(x0)) <= 3), 0)
            entries.append(Entry(text, min(depth, 6), None))
    return entries, furniture


# 3. finding the entries in the text ------------------------------------------------


def locate(
    entries: Sequence[Entry], ordered: Sequence[Fragment], skip: set[int] | None = None
) -> dict[int, tuple[int, int]] | None:
    """``id(fragment) -> (heading level, entry number)`` for the printed titles of ``entries``,
    searched in reading order; None when the entries are too few or too few
    of them are found to be trusted.

    >>> f = lambda text, page, top: Fragment(text, 50, 300, top, top + 12, 11, False, page)
    >>> text = [f("Inleiding", 1, 80), f("Dit gaat over school.", 1, 100), f("2.1", 2, 80),
    ...         f("Toegang tot", 2, 80), f("examens", 2, 94), f("Wie mag meedoen?", 2, 120)]
    >>> text[3].x0 = 80  # the number printed apart, on the same line
    >>> found = locate([Entry("1 Inleiding", 1), Entry("2.1 Toegang tot examens", 2),
    ...                 Entry("Wie mag meedoen?", 3)], text)
    >>> [(x.text, found[id(x)][0]) for x in text if id(x) in found]
    [('Inleiding', 1), ('2.1', 2), ('Toegang tot', 2), ('examens', 2), ('Wie mag meedoen?', 3)]
    """
    usable = [e for e in entries if title_key(e.title)]
    if len(usable) < MIN_ENTRIES:
        return None
    skip = skip or set()
    frags = [f for f in ordered if id(f) not in skip]
    keys = [title_key(f.text) for f in frags]
    levels: dict[int, tuple[int, int]] = {}
    cursor = 0
    found = 0
    for number, entry in enumerate(usable):
        want = title_key(entry.title)
        hit = _find(want, entry.page, frags, keys, cursor)
        if hit is None:
            continue
        start, end = hit
        for f in frags[start:end]:
            levels[id(f)] = (entry.level, number)
        # a section number printed apart, just before the title on its line
        if start > 0 and _SECTION_NUMBER_RE.match(frags[start - 1].text) and _same_line(frags[start - 1], frags[start]):
            levels[id(frags[start - 1])] = (entry.level, number)
        cursor = end
        found += 1
    if found < TRUSTED_SHARE * len(usable):
        return None
    return levels


def _find(
    want: str, page: int | None, frags: Sequence[Fragment], keys: Sequence[str], cursor: int
) -> tuple[int, int] | None:
    """The first run of fragments from ``cursor`` whose text is the title
    ``want`` (on or after the page the entry names, a page early allowed)."""
    for i in range(cursor, len(frags)):
        if page is not None and frags[i].page < page - 1:
            continue
        if not keys[i] or not want.startswith(keys[i]):
            continue
        text = keys[i]
        j = i + 1
        while text != want and j < len(frags) and j - i < MAX_TITLE_FRAGMENTS and keys[j]:
            candidate = f"{text} {keys[j]}"
            if not want.startswith(candidate):
                break
            text = candidate
            j += 1
        if text == want:
            return i, j
    return None
