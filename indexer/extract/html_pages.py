"""HTML page -> :class:`ExtractedDocument`: the article text, its headings, metadata.

Navigation, site header and footer, asides, scripts, forms and cookie banners
are dropped; the main content is ``<main>``/``<article>`` where the page has
one, else the element that holds most paragraph text. The heading structure
is kept as :class:`Block` s so that passages know their section.

The bytes are decoded here, not by the parser: a byte-order mark first, then
UTF-8 if the bytes are valid UTF-8 (other encodings almost never are), then
the page's own declaration, then Windows-1252. A ``<meta charset>`` that lies
therefore cannot garble a page. Pages over a size limit and trees nested
deeper than any real page are refused with a reason.
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
from bs4.element import CData, Declaration, Doctype, ProcessingInstruction

from indexer.extract.dates import parse_date
from indexer.extract.text_cleanup import normalize_text
from indexer.model import HEADING, PARAGRAPH, Block, ExtractedDocument, ExtractionError

DROP_TAGS = {
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "aside",
    "form",
    "iframe",
    "svg",
    "canvas",
    "button",
    "select",
    "input",
    "textarea",
    "dialog",
    "object",
    "embed",
    "video",
    "audio",
    "map",
    "link",
    "meta",
    "head",
}
DROP_ROLES = {
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "dialog",
    "alertdialog",
    "menu",
    "menubar",
    "toolbar",
}
# id/class words that mark boilerplate: whole words of the attribute
_BOILERPLATE_RE = re.compile(
    r"(?:^|[\s_-])(cookies?|cookiebar|cookie-?banner|consent|gdpr|breadcrumbs?|"
    r"skip-?links?|skiplinks?|nav|navbar|navigation|menu|menubar|mainmenu|footer|"
    r"sidebar|share|sharing|social|newsletter|modal|popup|pagination|paging|"
    r"nonvisual|visually-hidden|sr-only)(?=$|[\s_-])",
    re.IGNORECASE,
)
INLINE_TAGS = {
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "cite",
    "code",
    "data",
    "dfn",
    "em",
    "font",
    "i",
    "kbd",
    "mark",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "time",
    "u",
    "var",
    "wbr",
    "del",
    "ins",
    "label",
    "acronym",
    "big",
    "tt",
    "nobr",
}
BOLD_TAGS = {"b", "strong"}
HEADING_TAGS = {f"h{i}": i for i in range(1, 7)}
PSEUDO_HEADING_MAX_WORDS = 25  # a bold paragraph this short reads as a heading
DATE_META = (
    "article:published_time",
    "og:published_time",
    "article:modified_time",
    "dcterms.date",
    "dcterms.issued",
    "dcterms.created",
    "dc.date",
    "dc.date.issued",
    "date",
    "publication_date",
    "pubdate",
    "datepublished",
)
_NON_TEXT = (Comment, CData, Declaration, Doctype, ProcessingInstruction)
_TITLE_SUFFIX_RE = re.compile(r"\s+[|\u2013\u2014-]\s+[^|\u2013\u2014]{2,60}$")

DEFAULT_MAX_HTML_MB = 20
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.-]+)""", re.IGNORECASE)
# labels that browsers read as Windows-1252 (the WHATWG encoding standard)
_WINDOWS_1252_LABELS = {
    "iso-8859-1",
    "iso8859-1",
    "latin1",
    "latin-1",
    "l1",
    "us-ascii",
    "ascii",
    "cp1252",
    "windows-1252",
    "x-cp1252",
    "iso_8859-1",
    "cp819",
    "ibm819",
}


def max_html_bytes() -> int:
    """``EXPERTISEBANK_MAX_HTML_MB`` (default 20) in bytes."""
    try:
        mb = float(os.environ.get("EXPERTISEBANK_MAX_HTML_MB") or DEFAULT_MAX_HTML_MB)
    except ValueError:
        mb = DEFAULT_MAX_HTML_MB
    return int(mb * 1024 * 1024)


def decode_html(data: bytes) -> str:
    """The page's text: BOM, else valid UTF-8, else its declaration, else Windows-1252."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    head = data[:400]
    if head.count(b"\x00") > len(head) // 4:  # UTF-16 without a BOM: every other byte is zero
        return data.decode("utf-16-le" if head[1:2] == b"\x00" else "utf-16-be", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _DECLARED_RE.search(data[:4096])
    declared = match.group(1).decode("ascii").lower() if match else ""
    if declared and declared not in _WINDOWS_1252_LABELS and not declared.startswith("utf"):
        try:
            return data.decode(codecs.lookup(declared).name)
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("cp1252", errors="replace")


def _meta(soup: BeautifulSoup, *names: str) -> str | None:
    wanted = {n.lower() for n in names}
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        content = tag.get("content")
        if key in wanted and content and key not in found:
            found[key] = content.strip()
    for name in names:  # in order of preference
        if found.get(name.lower()):
            return found[name.lower()]
    return None


def _is_boilerplate(tag: Tag) -> bool:
    if tag.name in DROP_TAGS:
        return True
    if (tag.get("role") or "").lower() in DROP_ROLES:
        return True
    if tag.get("aria-hidden") == "true" or tag.has_attr("hidden"):
        return True
    if tag.name in ("header", "footer"):
        # a page's header/footer goes; an article's own header holds its title
        return tag.name == "footer" or tag.find_parent(["article", "main"]) is None
    attrs = " ".join([tag.get("id") or ""] + list(tag.get("class") or []))
    return bool(attrs.strip()) and bool(_BOILERPLATE_RE.search(attrs))


def _remove_boilerplate(root: Tag) -> None:
    for node in root.find_all(string=lambda s: isinstance(s, _NON_TEXT)):
        node.extract()
    # collect first: removing while iterating skips nodes
    doomed = [t for t in root.find_all(True) if _is_boilerplate(t)]
    for tag in doomed:
        if tag.parent is not None:  # not already gone with an ancestor
            tag.decompose()


def _paragraph_score(root: Tag) -> Tag | None:
    """The element holding most paragraph text (a small readability heuristic)."""
    scores: dict[int, float] = {}
    nodes: dict[int, Tag] = {}
    for p in root.find_all(["p", "li", "dd", "td", "pre", "blockquote"]):
        length = len(p.get_text(" ", strip=True))
        if length < 25:
            continue
        parent = p.parent
        for weight in (1.0, 0.5):
            if parent is None or not isinstance(parent, Tag):
                break
            scores[id(parent)] = scores.get(id(parent), 0.0) + length * weight
            nodes[id(parent)] = parent
            parent = parent.parent
    if not scores:
        return None
    return nodes[max(scores, key=scores.__getitem__)]


def _landmark_root(body: Tag) -> Tag | None:
    """The page's own marking of its main content, if it has one."""
    articles = body.find_all("article")
    for node in (
        body.find("main"),
        body.find(attrs={"role": "main"}),
        max(articles, key=lambda a: len(a.get_text()), default=None),
        body.find(id=re.compile(r"^(content|main|main-content|maincontent)$", re.I)),
    ):
        if node is not None and len(node.get_text(strip=True)) > 40:
            return node
    return None


def _content_root(body: Tag) -> Tag:
    """Find the main content and strip boilerplate inside it.

    Landmarks are looked up before boilerplate is removed, so that a class
    such as ``columns--sidebar`` on a wrapper cannot take the content with it.
    """
    root = _landmark_root(body)
    if root is not None:
        _remove_boilerplate(root)
        return root
    _remove_boilerplate(body)
    return _paragraph_score(body) or body


class _BlockWriter:
    """Walks the content tree in document order and writes blocks."""

    def __init__(self):
        self.blocks: list[Block] = []
        self.section_level = 1  # level of the last real heading (h1 is the title)
        self._block_holders: set[int] = set()

    def heading(self, text: str, level: int) -> None:
        text = normalize_text(text)
        if not text:
            return
        self.section_level = level
        self.blocks.append(Block(HEADING, text, level=level))

    def pseudo_heading(self, text: str) -> None:
        """A bold line, ``<summary>`` or ``<dt>``: one level below the current section."""
        text = normalize_text(text)
        if text:
            self.blocks.append(Block(HEADING, text, level=min(self.section_level + 1, 6)))

    def paragraph(self, text: str) -> None:
        text = normalize_text(text)
        if text and any(ch.isalnum() for ch in text):
            self.blocks.append(Block(PARAGRAPH, text))

    # -- walking ---------------------------------------------------------
    #
    # Without recursion: a page of 50,000 nested <div>s (which a browser
    # shows) is walked with a stack of frames, one per open element.

    def walk(self, root: Tag) -> None:
        """Write the blocks of ``root``: runs of inline content become one
        paragraph (or a pseudo-heading when all of it is bold and short);
        block-level children open a frame of their own (see :meth:`_open`)."""
        self._block_holders = _block_holders(root)
        stack = [_Frame(root)]
        while stack:
            frame = stack[-1]
            child = next(frame.children, None)
            if child is None:
                self._flush(frame)
                stack.pop()
                if frame.restore_level is not None:
                    self.section_level = frame.restore_level
                continue
            if frame.blocks_only:  # a table's rows: text between them is layout
                if isinstance(child, Tag):
                    nested = self._open(child)
                    if nested is not None:
                        stack.append(nested)
                continue
            if isinstance(child, NavigableString):
                if not isinstance(child, _NON_TEXT):
                    frame.text_parts.append(str(child))
                    if child.strip():
                        frame.bold_flags.append(False)
            elif not isinstance(child, Tag):
                continue
            elif child.name == "br":
                frame.text_parts.append("\n")
            elif child.name in INLINE_TAGS and id(child) not in self._block_holders:
                piece = _inline_text(child)
                frame.text_parts.append(piece)
                if piece.strip():
                    frame.bold_flags.append(child.name in BOLD_TAGS or _all_bold(child))
            else:
                self._flush(frame)
                nested = self._open(child)
                if nested is not None:
                    stack.append(nested)

    def _flush(self, frame: _Frame) -> None:
        text = "".join(frame.text_parts)
        words = len(text.split())
        short = words <= PSEUDO_HEADING_MAX_WORDS or (words <= 45 and text.rstrip().endswith("?"))
        if frame.bold_flags and all(frame.bold_flags) and short:
            self.pseudo_heading(text)
        else:
            self.paragraph(text)
        frame.text_parts.clear()
        frame.bold_flags.clear()

    def _open(self, tag: Tag) -> _Frame | None:
        """Write a block-level element that is one block; return the frame
        to walk for one that holds more."""
        name = tag.name
        if name in HEADING_TAGS:
            self.heading(_inline_text(tag), HEADING_TAGS[name])
        elif name == "details":
            # an accordion item: its summary heads the content, which may have
            # headings of its own; afterwards the section is what it was
            outer = self.section_level
            summary = tag.find("summary")
            if summary is not None:
                self.pseudo_heading(_inline_text(summary))
                self.section_level = min(outer + 1, 6)
                summary.extract()
            return _Frame(tag, restore_level=outer)
        elif name == "dt":
            self.pseudo_heading(_inline_text(tag))
        elif name == "tr":
            cells = [normalize_text(_inline_text(c)) for c in tag.find_all(["td", "th"], recursive=False)]
            self.paragraph(" | ".join(c for c in cells if c))
        elif name in ("table", "thead", "tbody", "tfoot"):
            return _Frame(tag, blocks_only=True)
        else:
            return _Frame(tag)
        return None


class _Frame:
    """One open element of :meth:`_BlockWriter.walk`: its remaining children
    and the inline text gathered since the last block."""

    __slots__ = ("children", "text_parts", "bold_flags", "blocks_only", "restore_level")

    def __init__(self, tag: Tag, *, blocks_only: bool = False, restore_level: int | None = None):
        self.children = iter(list(tag.children))
        self.text_parts: list[str] = []
        self.bold_flags: list[bool] = []  # one per non-blank inline piece
        self.blocks_only = blocks_only
        self.restore_level = restore_level


def _block_holders(root: Tag) -> set[int]:
    """The ``id()`` of every element under ``root`` that holds a block-level
    element somewhere inside it: computed once, children before parents, so
    that 25,000 nested ``<span><div>`` pairs take linear time."""
    holders: set[int] = set()
    for node in reversed(list(root.descendants)):
        if not isinstance(node, Tag):
            continue
        for child in node.children:
            if isinstance(child, Tag) and (
                (child.name not in INLINE_TAGS and child.name != "br") or id(child) in holders
            ):
                holders.add(id(node))
                break
    return holders


def _all_bold(tag: Tag) -> bool:
    text_parts = [s for s in tag.find_all(string=True) if s.strip()]
    return bool(text_parts) and all(s.find_parent(list(BOLD_TAGS)) is not None for s in text_parts)


def _inline_text(tag: Tag) -> str:
    out: list[str] = []
    for node in tag.descendants:
        if isinstance(node, NavigableString):
            if not isinstance(node, _NON_TEXT):
                out.append(str(node))
        elif isinstance(node, Tag) and node.name == "br":
            out.append(" ")
        elif isinstance(node, Tag) and node.name not in INLINE_TAGS:
            out.append(" ")  # a stray block inside inline content still separates words
    return "".join(out)


def _clean_title(text: str | None) -> str | None:
    if not text:
        return None
    text = normalize_text(text)
    return text or None


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.1f}".replace(".", ",").removesuffix(",0")


def extract_html_file(path: str | os.PathLike, source: str = "") -> ExtractedDocument:
    """Read an HTML file, refusing one over the size limit before reading it."""
    size = Path(path).stat().st_size
    limit = max_html_bytes()
    if size > limit:
        raise ExtractionError(
            f"te groot HTML-bestand ({_megabytes(size)} MB, maximum {_megabytes(limit)} MB): overgeslagen",
            cacheable=False,  # the limit is a setting
        )
    return extract_html(Path(path).read_bytes(), source)


def extract_html(data: bytes, source: str = "") -> ExtractedDocument:
    """Read an HTML page from its bytes (see :func:`decode_html` for the encoding)."""
    if not data.strip():
        raise ExtractionError("leeg bestand")
    text = decode_html(data)
    if not text.strip("\x00 \t\r\n\ufeff"):
        raise ExtractionError("leeg bestand")
    try:
        soup = BeautifulSoup(text, "lxml")
    except Exception as exc:  # lxml refuses some binary garbage
        raise ExtractionError(f"geen leesbare HTML ({exc.__class__.__name__})") from exc
    html = soup.find("html") or soup
    body = soup.find("body")
    if body is None:
        raise ExtractionError("geen HTML-pagina (geen <body> gevonden)")

    language = None
    if isinstance(html, Tag):
        language = (html.get("lang") or "").split("-")[0].lower() or None
    og_title = _clean_title(_meta(soup, "og:title", "dcterms.title", "dc.title"))
    head_title = _clean_title(soup.title.get_text() if soup.title else None)
    description = _clean_title(_meta(soup, "description", "og:description", "dcterms.description"))
    author = _clean_title(_meta(soup, "author", "article:author", "dcterms.creator", "dc.creator"))
    date = parse_date(_meta(soup, *DATE_META))

    first_h1 = body.find("h1")  # before boilerplate goes: some sites hide it
    first_h1_text = _clean_title(_inline_text(first_h1)) if first_h1 is not None else None
    root = _content_root(body)
    if date is None:
        time_tag = root.find("time", attrs={"datetime": True}) or body.find("time", attrs={"datetime": True})
        date = parse_date(time_tag["datetime"]) if time_tag is not None else None

    h1 = root.find("h1")
    h1_text = _clean_title(_inline_text(h1)) if h1 is not None else first_h1_text
    if head_title:
        head_title = _TITLE_SUFFIX_RE.sub("", head_title) or head_title
    title = h1_text or og_title or head_title or source.rsplit("/", 1)[-1]

    writer = _BlockWriter()
    writer.walk(root)
    blocks = writer.blocks
    if not any(b.kind == PARAGRAPH for b in blocks):
        raise ExtractionError("geen leesbare tekst in de pagina")
    return ExtractedDocument(
        source=source,
        format="html",
        title=title,
        blocks=blocks,
        date=date,
        author=author,
        description=description,
        language=language,
    )
