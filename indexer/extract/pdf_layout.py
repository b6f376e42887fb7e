"""Page geometry: positioned words -> lines in reading order, without running
headers, footers and page numbers, joined into headings and paragraphs.

Pure Python on plain numbers, so every step can be tested without a PDF:

1. :func:`page_fragments` groups a page's words into *fragments*: the words
   of one printed line that sit close together (a line of a two-column page
   gives two fragments).
2. :func:`reading_order` finds column gutters (recursively, so three columns
   work too) and orders fragments column by column; fragments that cross a
   gutter (a title over both columns) split the page into sections.
3. :func:`running_furniture` finds fragments that repeat at the top or bottom
   of many pages (digits ignored, so "Pagina 3 van 9" repeats) and bare page
   numbers.
4. :func:`assemble_blocks` turns the ordered fragments of all pages into
   heading and paragraph blocks, joining lines and undoing hyphenation.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import median

from indexer.extract.text_cleanup import join_hyphenated, normalize_text
from indexer.model import HEADING, PARAGRAPH, Block


@dataclass
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool = False


@dataclass
class Fragment:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    page: int = 1

    @property
    def width(self) -> float:
        return self.x1 - self.x0


# 1. words -> fragments ----------------------------------------------------


def _lines(words: Sequence[Word]) -> list[list[Word]]:
    """Group words that share a baseline (tolerant to mixed sizes)."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (round(w.bottom, 1), w.x0)):
        if lines:
            last = lines[-1]
            ref = last[0]
            tol = 0.35 * min(w.size, ref.size)
            if abs(w.bottom - ref.bottom) <= tol or abs(w.top - ref.top) <= tol:
                last.append(w)
                continue
        lines.append([w])
    return lines


def page_fragments(
    words: Sequence[Word], page: int = 1, gap_factor: float = 1.0, normalize: bool = True
) -> list[Fragment]:
    """Split each line into fragments at horizontal gaps wider than
    ``gap_factor`` times the font size (word spaces are far narrower).

    ``normalize=False`` keeps the raw characters, for a caller that repairs
    unmapped glyphs first (see :func:`text_cleanup.repair_broken_glyphs`)."""
    fragments: list[Fragment] = []
    for line in _lines(words):
        line.sort(key=lambda w: w.x0)
        run: list[Word] = [line[0]]
        for w in line[1:]:
            prev = run[-1]
            if w.x0 - prev.x1 > gap_factor * max(prev.size, w.size, 4.0):
                fragments.append(_fragment(run, page, normalize))
                run = [w]
            else:
                run.append(w)
        fragments.append(_fragment(run, page, normalize))
    return [f for f in fragments if f.text]


def _fragment(words: list[Word], page: int, normalize: bool = True) -> Fragment:
    parts: list[str] = []
    for i, w in enumerate(words):
        if i and w.x0 - words[i - 1].x1 > 0.15 * w.size:
            parts.append(" ")
        parts.append(w.text)
    chars = sum(len(w.text) for w in words) or 1
    bold_chars = sum(len(w.text) for w in words if w.bold)
    sizes = Counter()
    for w in words:
        sizes[round(w.size, 1)] += len(w.text)
    return Fragment(
        text=normalize_text("".join(parts)) if normalize else "".join(parts),
        x0=min(w.x0 for w in words),
        x1=max(w.x1 for w in words),
        top=min(w.top for w in words),
        bottom=max(w.bottom for w in words),
        size=sizes.most_common(1)[0][0],
        bold=bold_chars / chars >= 0.9,
        page=page,
    )


# 2. reading order ---------------------------------------------------------

MIN_GUTTER = 6.0  # points of empty space between two columns


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _prose_like(frags: list[Fragment]) -> bool:
    """Lines of running text carry several words; the cells of a table column
    (labels, numbers, bullets) carry one or two."""
    return median(len(f.text.split()) for f in frags) >= 4


def find_gutter(frags: list[Fragment]) -> tuple[float, float] | None:
    """The best vertical band of empty space that splits ``frags`` into two
    side-by-side columns of running text, as (left edge, right edge)."""
    if len(frags) < 6:
        return None
    x_min = min(f.x0 for f in frags)
    x_max = max(f.x1 for f in frags)
    width = x_max - x_min
    if width < 100:
        return None
    counts = [0] * (int(width) + 2)
    for f in frags:
        for x in range(int(f.x0 - x_min), int(math.ceil(f.x1 - x_min)) + 1):
            counts[x] += 1
    allowed = max(1, int(len(frags) * 0.1))  # a title or footer may cross a gutter
    lo, hi = int(width * 0.15), int(width * 0.85)
    best: tuple[int, tuple[float, float]] | None = None
    x = lo
    while x <= hi:
        if counts[x] > allowed:
            x += 1
            continue
        start = x
        while x <= hi and counts[x] <= allowed:
            x += 1
        if x - start < MIN_GUTTER:
            continue
        g0, g1 = x_min + start, x_min + x
        left, right, _ = _split_at(frags, (g0, g1))
        if len(left) < 3 or len(right) < 3:
            continue
        l_top, l_bot = min(f.top for f in left), max(f.bottom for f in left)
        r_top, r_bot = min(f.top for f in right), max(f.bottom for f in right)
        side_by_side = _overlap(l_top, l_bot, r_top, r_bot) >= 0.3 * min(l_bot - l_top, r_bot - r_top)
        if not side_by_side or not (_prose_like(left) and _prose_like(right)):
            continue
        score = min(len(left), len(right))
        if best is None or score > best[0]:
            best = (score, (g0, g1))
    return best[1] if best else None


def _split_at(frags: list[Fragment], gutter: tuple[float, float]):
    """(left, right, spanning): a fragment spans when it crosses the whole
    gutter band; others go to the side their middle is on (a line may reach
    a little into the band, which is measured with some tolerance)."""
    g0, g1 = gutter
    middle = (g0 + g1) / 2
    left, right, spanning = [], [], []
    for f in frags:
        if f.x0 < g0 - 1 and f.x1 > g1 + 1:
            spanning.append(f)
        elif (f.x0 + f.x1) / 2 < middle:
            left.append(f)
        else:
            right.append(f)
    return left, right, spanning


def _line_order(frags: list[Fragment]) -> list[Fragment]:
    """Top to bottom, left to right within a line."""
    rows: list[list[Fragment]] = []
    for f in sorted(frags, key=lambda f: f.top):
        if rows and abs(f.top - rows[-1][0].top) <= 0.35 * f.size:
            rows[-1].append(f)
        else:
            rows.append([f])
    return [f for row in rows for f in sorted(row, key=lambda f: f.x0)]


def reading_order(frags: list[Fragment], depth: int = 0) -> list[Fragment]:
    gutter = find_gutter(frags) if depth < 4 else None
    if gutter is None:
        return _line_order(frags)
    out: list[Fragment] = []
    section: list[Fragment] = []
    _, _, spanning = _split_at(frags, gutter)
    spanning_ids = {id(f) for f in spanning}

    def flush() -> None:
        left, right, _ = _split_at(section, gutter)
        out.extend(reading_order(left, depth + 1) if left else [])
        out.extend(reading_order(right, depth + 1) if right else [])
        section.clear()

    for f in sorted(frags, key=lambda f: (f.top, f.x0)):
        if id(f) in spanning_ids:
            flush()
            out.append(f)
        else:
            section.append(f)
    flush()
    return out


# 3. running headers, footers, page numbers --------------------------------

ZONE = 0.12  # top and bottom share of the page where running lines live
_PAGE_NUMBER_RE = re.compile(
    r"^(?:(?:pagina|page|blz\.?|p\.)\s*)?[-\u2013\u2014(\[]?\s*#+\s*[-\u2013\u2014)\]]?"
    r"(?:\s*(?:van|of|/|\|)\s*#+)?$",
    re.IGNORECASE,
)
_ROMAN_RE = re.compile(r"^[ivxlc]{1,6}$", re.IGNORECASE)


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _slot(f: Fragment, zone: str) -> tuple:
    return (zone, round(f.top), round(f.x0 / 5), f.size, f.bold)


def running_furniture(pages: Sequence[Sequence[Fragment]], heights: Sequence[float]) -> set[int]:
    """``id()`` s of fragments that are running headers/footers or page numbers."""
    body = body_size(f for frags in pages for f in frags)
    zone_keys: list[list[tuple[Fragment, tuple[str, str]]]] = []
    counts: Counter[tuple[str, str]] = Counter()
    # where and how a line is printed: a running header that names the current
    # chapter changes its words from page to page, not its place or its type
    slots: Counter[tuple] = Counter()
    for frags, height in zip(pages, heights):
        seen: set[tuple[str, str]] = set()
        seen_slots: set[tuple] = set()
        keyed = []
        for f in frags:
            if f.bottom <= height * ZONE:
                zone = "top"
            elif f.top >= height * (1 - ZONE):
                zone = "bottom"
            else:
                continue
            # small print may differ in its numbers ("Pagina 3 van 9"); large
            # text must repeat exactly ("Hoofdstuk 1", "Hoofdstuk 2" are headings)
            text = _furniture_key(f.text) if f.size <= body * 1.05 else " ".join(f.text.lower().split())
            key = (zone, text)
            keyed.append((f, key))
            seen.add(key)
            seen_slots.add(_slot(f, zone))
        counts.update(seen)
        slots.update(seen_slots)
        zone_keys.append(keyed)
    n = len(pages)
    threshold = max(2, math.ceil(0.4 * n))
    doomed: set[int] = set()
    for frags, keyed in zip(pages, zone_keys):
        text_top = min((f.top for f in frags if f.size >= body * 0.95), default=None)
        for f, key in keyed:
            text_key = _furniture_key(f.text)
            if _PAGE_NUMBER_RE.match(text_key) or _ROMAN_RE.match(text_key):
                doomed.add(id(f))
            elif n >= 2 and counts[key] >= threshold:
                doomed.add(id(f))
            elif (
                n >= 3
                and (f.bold or f.size < body * 0.95)
                and f.size <= body * 1.05
                and slots[_slot(f, key[0])] >= threshold
            ):
                # (bold or small print only: the first line of running text also
                # sits in the same place on every page)
                doomed.add(id(f))
            elif key[0] == "top" and f.size <= body * 0.85 and text_top is not None and f.bottom <= text_top:
                # small print above all the text: a running header even where it
                # does not repeat (a two-page document with a header on page 2)
                doomed.add(id(f))
    return doomed


# 4. blocks ----------------------------------------------------------------

_BULLET_RE = re.compile(
    r"^(?:[\u2022\u25aa\u25cf\u2013\u2014\u00b7\u25e6\u25a1\u2023*-]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s)"
)
_SENTENCE_END = (".", "!", "?", ":", ";")
_BULLETS = "\u2022\u25aa\u25cf\u00b7\u25e6\u25a1\u2023\u2043\u25a0\u25ba\u27a2\uf0b7\uf0a7\uf0d8"


def body_size(frags: Iterable[Fragment]) -> float:
    """The font size most text is set in."""
    sizes: Counter[float] = Counter()
    for f in frags:
        sizes[f.size] += len(f.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _heading_levels(frags: list[Fragment], body: float) -> dict[float, int]:
    """Heading sizes, largest first, mapped to levels 1, 2, ..."""
    sizes = sorted({f.size for f in frags if f.size >= body * 1.12}, reverse=True)
    return {s: i + 1 for i, s in enumerate(sizes[:5])}


def _is_heading(f: Fragment, body: float, levels: dict[float, int]) -> int:
    """The heading level font statistics give a fragment (0: running text).

    A bullet item is never a heading, however it is set (a list item in bold);
    see also :func:`_reads_as_sentence`."""
    words = len(f.text.split())
    if words == 0 or words > 20 or not any(ch.isalpha() for ch in f.text):
        return 0
    if _BULLET_RE.match(f.text) or f.text[0] in _BULLETS:
        return 0
    if f.size in levels:
        return levels[f.size]
    if f.bold and f.size >= body * 0.95 and not f.text.endswith((",", ";")):
        return min(len(levels) + 1, 6)
    return 0


def vocabulary(frags: Iterable[Fragment]) -> Counter[str]:
    """How often each lower-case word is printed in the document, hyphenated
    words included: the evidence :func:`join_hyphenated` weighs."""
    counts: Counter[str] = Counter()
    for f in frags:
        counts.update(re.findall(r"[^\W\d_][\w-]*[^\W_]", f.text.lower()))
    return counts


def assemble_blocks(ordered: list[Fragment], headings: dict[int, tuple[int, int]] | None = None) -> list[Block]:
    """Headings and paragraphs from fragments in reading order (all pages).

    ``headings`` (``id(fragment) -> (level, entry number)``, from the
    document's outline or table of contents, :mod:`indexer.extract.pdf_headings`)
    decides which fragments are headings; without it font statistics do."""
    if not ordered:
        return []
    body = body_size(ordered)
    levels = _heading_levels(ordered, body)
    words = vocabulary(ordered)
    gaps = [
        b.top - a.bottom
        for a, b in zip(ordered, ordered[1:])
        if a.page == b.page and 0 <= b.top - a.bottom < 2 * body and a.size == b.size == body
    ]
    line_gap = median(gaps) if gaps else 0.3 * body

    blocks: list[Block] = []
    current: list[str] = []
    current_level = 0  # 0: paragraph, n: heading level n
    current_page: int | None = None
    prev: Fragment | None = None
    entry = prev_entry = None
    deepest = max((level for level, _ in headings.values()), default=0) if headings else 0
    listed = False  # past the first heading the document lists
    for f in ordered:
        if headings is not None:
            level, entry = headings.get(id(f), (0, None))
            listed = listed or bool(level)
            if not level and listed and _is_heading(f, body, levels):
                # a sub-heading the outline leaves out: beneath the listed ones
                level, entry = min(deepest + 1, 6), -1
        else:
            level = _is_heading(f, body, levels)
        if level and entry is None and prev is not None and _continues(prev, f, line_gap) and not current_level:
            level = 0  # the next line of a bold list item or paragraph, not a heading
        if (
            prev is None
            or level != current_level
            or entry != prev_entry
            or _breaks_block(prev, f, level, line_gap, body)
        ):
            blocks.extend(_block_of(current, current_level, current_page, words))
            current, current_level, current_page = [], level, f.page
        current.append(f.text)
        prev, prev_entry = f, entry
    blocks.extend(_block_of(current, current_level, current_page, words))
    return blocks


def _breaks_block(prev: Fragment, f: Fragment, level: int, line_gap: float, body: float) -> bool:
    """Whether ``f`` starts a new block after ``prev`` of the same kind: a
    heading goes on when it wraps onto a second line (or its number is
    printed apart); a paragraph at a paragraph break."""
    if level:
        same_line = f.page == prev.page and abs(f.top - prev.top) <= 0.5 * min(f.size, prev.size)
        return not (same_line or (f.page == prev.page and 0 <= f.top - prev.bottom <= f.size * 1.5))
    return _paragraph_break(prev, f, line_gap, body)


def _block_of(lines: list[str], level: int, page: int | None, words) -> list[Block]:
    """The block the lines make (none when they hold no text): a heading of
    ``level``, or a paragraph, also for a "heading" that reads as a sentence."""
    if not lines:
        return []
    text = lines[0]
    for line in lines[1:]:
        text = join_hyphenated(text, line, words)
    text = normalize_text(text)
    if not text:
        return []
    if level and not _reads_as_sentence(text):
        return [Block(HEADING, text, level=level, page=page)]
    return [Block(PARAGRAPH, text, page=page)]


def _reads_as_sentence(text: str) -> bool:
    """A would-be heading that is a statement ending in a full stop is a bold
    lead-in ("Omarm flexibiliteit in de projectorganisatie."), not a heading;
    one that asks a question stays a heading.

    >>> _reads_as_sentence("Omarm flexibiliteit."), _reads_as_sentence("Wat is het NCOJ? Graag uitleg.")
    (True, False)
    """
    return len(text.split()) > 1 and text.endswith(".") and not text.endswith("..") and "?" not in text


def _continues(a: Fragment, b: Fragment, line_gap: float) -> bool:
    """Whether ``b`` is the next line of the same paragraph as ``a``: the same
    font, the line below at the usual spacing, ``a`` not ending a sentence."""
    return (
        a.page == b.page
        and a.size == b.size
        and a.bold == b.bold
        and 0 <= b.top - a.bottom <= line_gap + 0.3 * a.size
        and not a.text.endswith(_SENTENCE_END)
    )


def _paragraph_break(a: Fragment, b: Fragment, line_gap: float, body: float) -> bool:
    if _BULLET_RE.match(b.text):
        return True
    ends_sentence = a.text.endswith(_SENTENCE_END)
    if b.page != a.page or b.top < a.top - 1:
        # page or column break: a sentence that runs on continues the paragraph
        return ends_sentence and not a.text.endswith("-")
    gap = b.top - a.bottom
    if gap > line_gap + 0.5 * body:
        return True
    if a.size != b.size:
        return True
    return False
