"""PDF -> :class:`ExtractedDocument`, page by page, with pdfplumber.

The geometry (columns, running headers, paragraphs) lives in
:mod:`indexer.extract.pdf_layout`; this module reads the file, maps
pdfplumber's words onto it, reads the metadata and turns every way a PDF can
be unreadable into an :class:`ExtractionError` with a reason an editor
understands.
"""

from __future__ import annotations

import os
import re
from functools import partial
from pathlib import Path

from indexer.extract.dates import parse_date
from indexer.extract.pdf_headings import locate, outline_entries, table_of_contents
from indexer.extract.pdf_layout import (
    Fragment,
    Word,
    assemble_blocks,
    page_fragments,
    reading_order,
    running_furniture,
)
from indexer.extract.text_cleanup import normalize_text, repair_broken_glyphs, unmapped_glyph_share
from indexer.model import HEADING, ExtractedDocument, ExtractionError

MIN_TEXT_CHARS = 40  # fewer letters than this in the whole file: no text layer
DEFAULT_MAX_PAGES = 2000
_BOLD_RE = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_JUNK_TITLE_RE = re.compile(
    r"(^untitled$|^document\d*$|^naamloos|\.(docx?|xlsx?|pptx?|pdf|indd|rtf|odt|cdr|ai|psd)$"
    r"|^[\w.-]+\.\w{2,4}$|^microsoft word\b|^[\W\d_]*$)",
    re.IGNORECASE,
)


def _check_file_shape(path: Path) -> None:
    """Cheap checks before pdfminer: is it a PDF at all, and is it complete?"""
    size = path.stat().st_size
    if size == 0:
        raise ExtractionError("leeg bestand (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(1024)
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%PDF-" not in head:
        if head.lstrip()[:1] == b"<":
            raise ExtractionError("geen PDF-bestand: de inhoud is HTML of XML")
        raise ExtractionError("geen PDF-bestand (de PDF-kop ontbreekt)")
    if b"%%EOF" not in tail:
        raise ExtractionError("onvolledig PDF-bestand: het einde ontbreekt (afgebroken download of kopie?)")


def max_pages() -> int:
    """``EXPERTISEBANK_MAX_PDF_PAGES`` (default 2000)."""
    value = os.environ.get("EXPERTISEBANK_MAX_PDF_PAGES", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_PAGES


def _check_page_count(doc, limit: int) -> None:
    """Refuse a PDF of more than ``limit`` pages before any page is read.

    The pages are counted by walking the page tree (pdfminer skips loops in
    it), not taken from its ``/Count``, which a broken or hostile file may
    get wrong; ``/Count`` only names the number in the reason."""
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdftypes import resolve1

    pages = 0
    for _ in PDFPage.create_pages(doc):
        pages += 1
        if pages > limit:
            break
    else:
        return
    try:
        declared = resolve1(resolve1(doc.catalog.get("Pages")).get("Count"))
    except Exception:
        declared = None
    count = f"{declared}" if isinstance(declared, int) and declared > limit else f"meer dan {limit}"
    raise ExtractionError(f"te veel pagina's ({count}, maximum {limit}): overgeslagen", cacheable=False)


def _check_reference_loops(doc) -> None:
    """Refuse objects that are only a reference to themselves (``5 0 obj 5 0 R``)
    or to each other in a ring: pdfminer would follow them for ever."""
    from pdfminer.pdftypes import PDFObjRef

    for xref in doc.xrefs:
        for objid in xref.get_objids():
            try:
                obj = doc.getobj(objid)
            except Exception:
                continue  # a missing or broken object: the reading decides
            seen = {objid}
            while isinstance(obj, PDFObjRef):
                if obj.objid in seen:
                    raise ExtractionError(
                        "beschadigd PDF-bestand: objecten verwijzen naar zichzelf (een kringverwijzing)"
                    )
                seen.add(obj.objid)
                try:
                    obj = doc.getobj(obj.objid)
                except Exception:
                    break


def _exception_names(exc: BaseException) -> list[str]:
    """The kinds of ``exc`` and of what it wraps (pdfplumber wraps pdfminer's)."""
    seen: list[str] = []
    node: BaseException | None = exc
    while node is not None and len(seen) < 50:
        seen.append(type(node).__name__)
        for arg in getattr(node, "args", ()):
            if isinstance(arg, BaseException):
                seen.append(type(arg).__name__)
        node = node.__cause__ or node.__context__
    return seen


def _raise_if_out_of_memory(exc: BaseException) -> None:
    """A ``MemoryError`` that a library wrapped is still a ``MemoryError``:
    the file is too big for the memory limit, not broken."""
    if "MemoryError" in _exception_names(exc):
        raise MemoryError(str(exc)) from exc


def _explain_open_error(exc: BaseException) -> str:
    """Name the reason pdfminer gave, walking wrapped exceptions."""
    _raise_if_out_of_memory(exc)
    seen = _exception_names(exc)
    names = " ".join(seen)
    if "PDFPasswordIncorrect" in names or "PDFEncryption" in names:
        return "versleuteld PDF-bestand: er is een wachtwoord nodig om het te openen"
    if "RecursionError" in names:
        return "beschadigd PDF-bestand: objecten zijn te diep genest (duizenden lagen; een PDF-bom?)"
    return f"beschadigd PDF-bestand: het kan niet worden gelezen ({seen[0]})"


def _metadata_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        for enc in ("utf-16", "utf-8", "latin-1"):
            try:
                value = value.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    text = normalize_text(str(value))
    return text or None


def _plausible_title(title: str | None) -> str | None:
    if not title or len(title) < 4 or _JUNK_TITLE_RE.search(title):
        return None
    return title


def _repaired_fragments(page_words: list[list[Word]]) -> list[list[Fragment]]:
    """Fragments of every page, with unmapped ligature glyphs put back.

    The repair runs on fragment text, not on pdfplumber's words: a ligature
    glyph often sits in a font of its own, so it arrives as a word of its own
    ("steekproe" + U+E01E) and only joins its word in the fragment."""
    pages = [page_fragments(words, page=n, normalize=False) for n, words in enumerate(page_words, start=1)]
    frags = [f for frags in pages for f in frags]
    tokens = [f.text.split(" ") for f in frags]
    repaired = iter(repair_broken_glyphs([t for toks in tokens for t in toks]))
    for f, toks in zip(frags, tokens):
        f.text = normalize_text(" ".join(next(repaired) for _ in toks))
    return [[f for f in frags if f.text] for frags in pages]


def _choose_title(metadata_title: str | None, blocks, first_page: str) -> str | None:
    """The metadata title when page 1 bears it out; else the largest heading
    on page 1 (metadata titles are often stale: a template's, a file name)."""
    if metadata_title:
        words = [w for w in re.findall(r"\w{3,}", metadata_title.lower())]
        if words and sum(w in first_page for w in words) >= 0.6 * len(words):
            return metadata_title
    headings = [b for b in blocks if b.kind == HEADING and b.page == 1 and len(b.text) >= 4]
    if headings:
        return min(headings, key=lambda b: b.level).text
    return metadata_title


_PLAIN_TYPES = frozenset({float, int, str, bool, type(None)})
_DECODED_NAMES: dict[str, str] = {}


def _char_object(page, obj):
    """pdfplumber's ``Page.process_object`` for a character, without its
    generic walk over every attribute (resolving numbers that need no
    resolving, decoding the same colour-space name for every character): the
    same dict, in a third of the time. pdfplumber turned each character into
    its dict in twice the time pdfminer took to read the page. Anything but
    a plain character goes to pdfplumber's own."""
    from unicodedata import normalize

    from pdfminer.layout import LTChar
    from pdfplumber.page import ALL_ATTRS, Page, fix_fontname_bytes
    from pdfplumber.utils import resolve_all, resolve_and_decode

    if type(obj) is not LTChar:
        return Page.process_object(page, obj)
    attr = {}
    for k, v in obj.__dict__.items():
        if k in ALL_ATTRS:
            t = type(v)
            if t in _PLAIN_TYPES or (t is tuple and set(map(type, v)) <= _PLAIN_TYPES):
                attr[k] = v
            else:
                attr[k] = resolve_all(v)
    attr["object_type"] = "char"
    attr["page_number"] = page.page_number
    for cs in ("ncs", "scs"):
        if hasattr(obj, cs):
            name = getattr(obj, cs).name
            if type(name) is str:
                decoded = _DECODED_NAMES.get(name)
                if decoded is None:
                    decoded = _DECODED_NAMES[name] = resolve_and_decode(name)
                attr[cs] = decoded
            else:
                attr[cs] = resolve_and_decode(name)
    text = obj.get_text()
    norm = page.pdf.unicode_norm
    attr["text"] = normalize(norm, text) if norm is not None else text
    gs = obj.graphicstate
    attr["stroking_color"] = gs.scolor if isinstance(gs.scolor, tuple) else (gs.scolor,)
    attr["non_stroking_color"] = gs.ncolor if isinstance(gs.ncolor, tuple) else (gs.ncolor,)
    if isinstance(attr["fontname"], bytes):  # pragma: no cover - rare byte-encoded font names
        attr["fontname"] = fix_fontname_bytes(attr["fontname"])
    mb_x0, mb_top = page.mediabox[:2]
    if "y0" in attr:
        attr["top"] = (page.height - attr["y1"]) + mb_top
        attr["bottom"] = (page.height - attr["y0"]) + mb_top
        attr["doctop"] = page.initial_doctop + attr["top"]
    if "x0" in attr and mb_x0 != 0:
        attr["x0"] = attr["x0"] + mb_x0
        attr["x1"] = attr["x1"] + mb_x0
    return attr


def _words(page) -> list[Word]:
    out = []
    page.process_object = partial(_char_object, page)  # before anything reads the page's objects
    # x_tolerance_ratio: a gap wider than 0.2 em separates words. The fixed
    # default (3 pt) glues words in PDFs that set no space characters.
    words = page.extract_words(
        keep_blank_chars=False,
        use_text_flow=False,
        x_tolerance_ratio=0.2,
        extra_attrs=["size", "fontname"],
    )
    for w in words:
        if not w.get("upright", True):
            continue  # rotated margin text
        out.append(
            Word(
                text=w["text"],
                x0=float(w["x0"]),
                x1=float(w["x1"]),
                top=float(w["top"]),
                bottom=float(w["bottom"]),
                size=round(float(w.get("size") or 10.0), 1),
                bold=bool(_BOLD_RE.search(w.get("fontname") or "")),
            )
        )
    return out


def extract_pdf(path: str | os.PathLike, source: str = "") -> ExtractedDocument:
    """Read a PDF into blocks; raise :class:`ExtractionError` when it cannot be read."""
    path = Path(path)
    pdf = _open_checked(path)
    meta, outline, page_words, heights, warnings = _read_pages(pdf)
    _check_text_layer(page_words, warnings)
    pages = _repaired_fragments(page_words)
    doomed = running_furniture(pages, heights)
    contents, contents_lines = table_of_contents([[f for f in frags if id(f) not in doomed] for frags in pages])
    doomed |= contents_lines
    ordered: list[Fragment] = []
    for frags in pages:
        ordered.extend(reading_order([f for f in frags if id(f) not in doomed]))
    # headings: the document's outline, else its table of contents, else its fonts
    headings = (locate(outline, ordered) if outline else None) or (locate(contents, ordered) if contents else None)
    by_fonts = assemble_blocks(ordered)
    blocks = assemble_blocks(ordered, headings) if headings else by_fonts

    first_page = " ".join(f.text for f in pages[0]).lower()
    title = _choose_title(
        _plausible_title(_metadata_text(meta.get("Title"))), by_fonts, first_page
    ) or path.stem.replace("_", " ").replace("+", " ")
    return ExtractedDocument(
        source=source or path.name,
        format="pdf",
        title=title,
        blocks=blocks,
        date=parse_date(_metadata_text(meta.get("CreationDate")) or _metadata_text(meta.get("ModDate"))),
        author=_metadata_text(meta.get("Author")),
        description=_metadata_text(meta.get("Subject")),
        page_count=len(pages),
        warnings=warnings,
    )


def _open_checked(path: Path):
    """The PDF opened with pdfplumber, once its shape, reference graph and
    page count passed the checks that keep a hostile file from eating the
    worker."""
    import pdfplumber  # imported here: HTML-only runs and the CLI start faster

    _check_file_shape(path)
    try:
        pdf = pdfplumber.open(path)
    except MemoryError:
        raise
    except Exception as exc:  # pdfminer raises many kinds; all mean "unreadable"
        raise ExtractionError(_explain_open_error(exc)) from exc
    try:
        _check_reference_loops(pdf.doc)
        _check_page_count(pdf.doc, max_pages())
    except BaseException as exc:
        pdf.stream.close()  # not pdf.close(): that reads every page, which these files forbid
        if isinstance(exc, Exception) and not isinstance(exc, (ExtractionError, MemoryError)):
            raise ExtractionError(_explain_open_error(exc)) from exc
        raise
    return pdf


def _read_pages(pdf) -> tuple[dict, list, list[list[Word]], list[float], list[str]]:
    """The metadata, the outline, each page's words and height, and a
    warning for each page that could not be read (the rest still counts)."""
    warnings: list[str] = []
    page_words: list[list[Word]] = []
    heights: list[float] = []
    try:
        with pdf:
            meta = dict(pdf.metadata or {})
            outline = outline_entries(pdf)
            try:
                page_list = pdf.pages
            except Exception as exc:
                raise ExtractionError(_explain_open_error(exc)) from exc
            for number, page in enumerate(page_list, start=1):
                try:
                    words = _words(page)
                except MemoryError:
                    raise  # the file as a whole is too big, not this page broken
                except Exception as exc:
                    _raise_if_out_of_memory(exc)
                    warnings.append(f"pagina {number} overgeslagen: {type(exc).__name__}")
                    words = []
                finally:
                    page.close()  # frees pdfplumber's per-page object cache
                page_words.append(words)
                heights.append(float(page.height))
    except (ExtractionError, MemoryError):
        raise
    except Exception as exc:
        raise ExtractionError(_explain_open_error(exc)) from exc
    return meta, outline, page_words, heights, warnings


def _check_text_layer(page_words: list[list[Word]], warnings: list[str]) -> None:
    """Refuse a PDF without pages, without a text layer (scanned) or whose
    glyphs map to no letters, each with its reason."""
    if not page_words:
        raise ExtractionError("PDF-bestand zonder pagina's")
    all_text = " ".join(w.text for words in page_words for w in words)
    letters = sum(ch.isalnum() for ch in all_text)
    if letters < MIN_TEXT_CHARS and warnings:
        raise ExtractionError(
            f"beschadigd PDF-bestand: geen leesbare tekst; {len(warnings)} van de {len(page_words)} "
            "pagina's konden niet worden gelezen"
        )
    if letters < MIN_TEXT_CHARS:
        raise ExtractionError(
            "geen tekstlaag: het PDF-bestand bevat alleen afbeeldingen (gescand?); tekstherkenning (OCR) is nodig"
        )
    if unmapped_glyph_share(all_text) > 0.3:
        raise ExtractionError("tekstlaag onleesbaar: de lettertekens zijn niet aan Unicode gekoppeld")
