"""A corpus of broken and hostile source files, written into a folder for tests.

Every case is made here, from hand-written PDF bytes or reportlab, so the
corpus needs nothing outside the repository. :func:`write_bad_corpus` writes
them all beside a few good files copied from the demo corpus and returns what
a run should make of each: which files must be indexed (and a word that finds
them) and which must be reported (and the gist of the Dutch reason).

    python -m tests.bad_files /tmp/slechte-bestanden   # look at them by hand
"""

from __future__ import annotations

import os
import shutil
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from tests import pdf_fixtures
from tests.conftest import CORPUS

# Good files copied from the demo corpus, with a word each that finds them.
GOOD_FILES = {
    "goed/po-raad-passend-onderwijs.html": ("webpaginas/po-raad-passend-onderwijs.html", "ontvlechting"),
    "goed/leernetwerk-samenwerkingsverbanden.html": (
        "webpaginas/leernetwerk-samenwerkingsverbanden.html",
        "leernetwerk",
    ),
    "goed/webinar-experimenteerregeling.pdf": (
        "verslagen/webinar-experimenteerregeling-vragen-en-antwoorden.pdf",
        "webinar",
    ),
}

DUTCH_TEXT = (
    "Eén school, één plan: de financiën van het samenwerkingsverband voor {marker}. "
    "De coördinator bespreekt ideeën over “thuisnabij onderwijs” en een budget van € 250 per leerling. "
    "Ook de reünie van oud-leerlingen komt aan bod, met een café in het gebouw."
)


@dataclass
class BadCorpus:
    root: Path
    # path -> word that must find it (files that must be indexed)
    indexed: dict[str, str] = field(default_factory=dict)
    # path -> phrases the Dutch reason must contain (files that must be reported)
    reported: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # path -> text that must come out of the file unchanged (decoding checks)
    texts: dict[str, str] = field(default_factory=dict)


# -- hand-written PDFs --------------------------------------------------------


def raw_pdf(objects: list[bytes], *, root: int = 1, info: int | None = None) -> bytes:
    """A PDF from object bodies (object n is ``objects[n - 1]``) with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    info_ref = b" /Info %d 0 R" % info if info else b""
    out += b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        info_ref,
        xref,
    )
    return bytes(out)


def stream(data: bytes, extra: bytes = b"", *, compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def text_content(line: str) -> bytes:
    return b"BT /F1 12 Tf 72 720 Td (" + line.encode("latin-1") + b") Tj ET"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def many_pages_pdf(path: Path, pages: int) -> Path:
    """``pages`` small pages, each with a line of text, written as raw objects (fast)."""
    # 1 catalog, 2 page tree, 3 font, then (page, content) pairs
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /Kids [%s] >>" % (pages, kids),
        FONT,
    ]
    for i in range(pages):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(
            stream(
                text_content(f"Pagina {i + 1}: een lange bundel over passend onderwijs en samenwerking in de regio.")
            )
        )
    path.write_bytes(raw_pdf(objects))
    return path


def _one_page(content_ref: bytes, resources: bytes = b"<< /Font << /F1 3 0 R >> >>") -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [4 0 R] >>",
        FONT,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
        + resources
        + b" /Contents "
        + content_ref
        + b" >>",
    ]


def repeated_zlib(block: bytes, times: int) -> bytes:
    """zlib data of ``block * times``, fast: after a full flush deflate starts
    afresh, so one compressed block can be repeated; the checksum is computed."""
    comp = zlib.compressobj(9)
    first = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)  # with the 2-byte zlib header
    unit = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(times):
        checksum = zlib.adler32(block, checksum)
    # an empty final block, then the Adler-32 of everything
    return first + unit * (times - 1) + b"\x03\x00" + checksum.to_bytes(4, "big")


def huge_image_pdf(path: Path, side: int = 20000) -> Path:
    """A page whose image declares ``side`` x ``side`` grey pixels (400 MB for
    20000), Flate-compressed to a few hundred kB: a decompression bomb, with
    a line of text beside it."""
    data = repeated_zlib(bytes(side * 100), side // 100)
    objects = _one_page(b"5 0 R", b"<< /Font << /F1 3 0 R >> /XObject << /Im1 6 0 R >> >>")
    objects.append(
        stream(
            b"q 500 0 0 500 50 200 cm /Im1 Do Q "
            + text_content(
                "Een pagina met een enorme afbeelding over passend onderwijs en de ondersteuning van leerlingen."
            )
        )
    )
    objects.append(
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
        % (side, side, len(data))
        + data
        + b"\nendstream"
    )
    path.write_bytes(raw_pdf(objects))
    return path


def flate_bomb_pdf(path: Path, megabytes: int = 1024) -> Path:
    """A content stream of ``megabytes`` MB of spaces, compressed to about a
    thousandth: the parser has to inflate it to read the page."""
    data = repeated_zlib(b" " * (1 << 20), megabytes)
    objects = _one_page(b"5 0 R")
    objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
    path.write_bytes(raw_pdf(objects))
    return path


def nested_bomb_pdf(path: Path, depth: int = 100_000) -> Path:
    """A document information dictionary that holds an array nested
    ``depth`` levels deep (every reader resolves it on opening)."""
    nested = b"[" * depth + b"1" + b"]" * depth
    objects = _one_page(b"5 0 R")
    objects.append(stream(text_content("Een pagina over passend onderwijs met een diep genest object erbij.")))
    objects.append(b"<< /Title (Bom) /Keywords " + nested + b" >>")
    path.write_bytes(raw_pdf(objects, info=6))
    return path


def self_reference_pdf(path: Path) -> Path:
    """Objects that are references to themselves (5 -> 5) and to each other
    (6 -> 7 -> 6), used as the page's contents and resources."""
    objects = _one_page(b"5 0 R", b"6 0 R")
    objects.append(b"5 0 R")
    objects.append(b"7 0 R")
    objects.append(b"6 0 R")
    path.write_bytes(raw_pdf(objects))
    return path


def page_tree_loop_pdf(path: Path) -> Path:
    """A page tree whose nodes list themselves and each other as kids, around
    one real page (with a false ``/Count`` of a million)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1000000 /Kids [2 0 R 5 0 R] >>",
        FONT,
        b"<< /Type /Page /Parent 5 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
        b"/Contents 6 0 R >>",
        b"<< /Type /Pages /Parent 2 0 R /Count 999999 /Kids [5 0 R 2 0 R 4 0 R] >>",
        stream(text_content("Een paginaboom die in een kring loopt, rond een pagina over de zorgplicht.")),
    ]
    path.write_bytes(raw_pdf(objects))
    return path


def broken_xref_pdf(path: Path, source: Path) -> Path:
    """A real PDF with garbage written over its middle and its xref table."""
    data = bytearray(source.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 2000] = os.urandom(2000)
    xref = data.rfind(b"\nxref") + 1
    if xref > 0:  # the table's entries, not the trailer
        data[xref + 5 : xref + 65] = b"\x00garbage\xff" * 6
    path.write_bytes(bytes(data))
    return path


# -- HTML ---------------------------------------------------------------------


def html_page(title: str, body: str, head_extra: str = "") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="nl"><head>{head_extra}<title>{title}</title></head>\n'
        f"<body><main><h1>{title}</h1>\n<p>{body}</p>\n<p>{body}</p></main></body></html>\n"
    )


def deeply_nested_html(path: Path, depth: int = 50_000) -> Path:
    text = DUTCH_TEXT.format(marker="diepgenestepagina")
    path.write_text(
        "<!DOCTYPE html><html><head><title>Diep genest</title></head><body>"
        + "<div><span>" * (depth // 2)
        + text
        + "</span></div>" * (depth // 2)
        + "</body></html>",
        encoding="utf-8",
    )
    return path


# -- the corpus -----------------------------------------------------------------


def write_bad_corpus(root: Path, outside: Path) -> BadCorpus:
    """Write the hostile corpus into ``root`` (and one file into ``outside``,
    a folder beside it, for the symlink that leaves the source folder)."""
    root.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    corpus = BadCorpus(root)
    pdf = root / "pdf"
    html = root / "html"
    pdf.mkdir(exist_ok=True)
    html.mkdir(exist_ok=True)

    for rel, (source, word) in GOOD_FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / source, root / rel)
        corpus.indexed[rel] = word
    good_pdf = CORPUS / GOOD_FILES["goed/webinar-experimenteerregeling.pdf"][0]

    # PDFs that cannot be read
    (pdf / "leeg.pdf").write_bytes(b"")
    corpus.reported["pdf/leeg.pdf"] = ("leeg bestand",)
    pdf_fixtures.truncated_pdf(pdf / "afgebroken.pdf", good_pdf)
    corpus.reported["pdf/afgebroken.pdf"] = ("onvolledig",)
    pdf_fixtures.corrupt_pdf(pdf / "willekeurige-bytes.pdf")
    corpus.reported["pdf/willekeurige-bytes.pdf"] = ("beschadigd",)
    broken_xref_pdf(pdf / "kapotte-xref.pdf", good_pdf)
    corpus.reported["pdf/kapotte-xref.pdf"] = ("beschadigd",)
    pdf_fixtures.encrypted_pdf(pdf / "versleuteld.pdf", user_password="geheim")
    corpus.reported["pdf/versleuteld.pdf"] = ("versleuteld", "wachtwoord")
    pdf_fixtures.scanned_pdf(pdf / "gescand.pdf")
    corpus.reported["pdf/gescand.pdf"] = ("geen tekstlaag",)
    many_pages_pdf(pdf / "duizenden-paginas.pdf", 2500)
    corpus.reported["pdf/duizenden-paginas.pdf"] = ("te veel pagina's (2500, maximum 2000)", "overgeslagen")
    flate_bomb_pdf(pdf / "inpakbom.pdf")
    corpus.reported["pdf/inpakbom.pdf"] = ("te groot om te verwerken",)
    self_reference_pdf(pdf / "zelfverwijzing.pdf")
    corpus.reported["pdf/zelfverwijzing.pdf"] = ("verwijzen naar zichzelf",)
    pdf_fixtures.html_named_pdf(pdf / "eigenlijk-html.pdf")
    corpus.reported["pdf/eigenlijk-html.pdf"] = ("geen PDF-bestand", "HTML")

    # PDFs that must be read
    pdf_fixtures.encrypted_pdf(pdf / "versleuteld-zonder-wachtwoord.pdf", user_password="")
    corpus.indexed["pdf/versleuteld-zonder-wachtwoord.pdf"] = "gewone PDF"
    nested_bomb_pdf(pdf / "geneste-bom.pdf")  # pdfplumber drops the metadata field it cannot resolve
    corpus.indexed["pdf/geneste-bom.pdf"] = "diep genest object"
    page_tree_loop_pdf(pdf / "paginaboom-lus.pdf")
    corpus.indexed["pdf/paginaboom-lus.pdf"] = "zorgplicht"
    huge_image_pdf(pdf / "enorme-afbeelding.pdf")
    corpus.indexed["pdf/enorme-afbeelding.pdf"] = "enorme afbeelding"

    # HTML in other encodings, with and without a truthful declaration
    cases = {
        "html/windows-1252.html": ("cp1252", "", "walrus"),
        "html/utf-16.html": ("utf-16", "", "pelikaan"),  # Python's utf-16 writes a BOM
        "html/meta-utf8-maar-1252.html": ("cp1252", '<meta charset="utf-8">', "kameleon"),
        "html/meta-1252-maar-utf8.html": ("utf-8", '<meta charset="windows-1252">', "flamingo"),
    }
    for rel, (encoding, meta, marker) in cases.items():
        text = DUTCH_TEXT.format(marker=marker)
        (root / rel).write_bytes(html_page(f"Financiën {marker}", text, meta).encode(encoding))
        corpus.indexed[rel] = marker
        corpus.texts[rel] = text
    deeply_nested_html(html / "diep-genest.html")  # a browser shows it, so it is indexed
    corpus.indexed["html/diep-genest.html"] = "diepgenestepagina"

    # a named pipe with a page's name: reading it would wait for a writer for ever
    os.mkfifo(html / "pijp.html")
    corpus.reported["html/pijp.html"] = ("geen gewoon bestand",)

    # symlinks: a loop of folders, a file that points at itself, one that leaves the folder
    (root / "map").mkdir(exist_ok=True)
    os.symlink("..", root / "map" / "terug")
    corpus.reported["map/terug"] = ("kringloop",)
    os.symlink("zichzelf.html", html / "zichzelf.html")
    corpus.reported["html/zichzelf.html"] = ("kringloop",)
    secret = outside / "buiten.html"
    secret.write_text(html_page("Buiten de bronmap", DUTCH_TEXT.format(marker="geheimpje")), encoding="utf-8")
    os.symlink(secret, html / "buiten.html")
    corpus.reported["html/buiten.html"] = ("buiten de bronmap",)
    return corpus


if __name__ == "__main__":  # pragma: no cover
    target = Path(sys.argv[1])
    made = write_bad_corpus(target / "bron", target / "buiten")
    print(f"{len(made.indexed)} te indexeren, {len(made.reported)} te melden in {made.root}")
