"""Small PDFs made for tests, each with one known property (reportlab, a dev extra).

The layout fixture places every line at a fixed position, so the tests know
exactly where the columns, the running header and footer and the line-end
hyphens are.
"""

from __future__ import annotations

import calendar
import os
import random
from datetime import date
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

WIDTH, HEIGHT = A4

LEFT_COLUMN = [
    "Alfa opent de linkerkolom met een zin over de ondersteu-",
    "ning van leerlingen in het regulier onderwijs en de",
    "samenwerking met scholen voor speciaal onderwijs in",
    "de regio, waar besturen samen afspraken maken over",
    "de toewijzing van extra hulp aan kinderen die dat",
    "nodig hebben. Leraren leren daarbij veel van co-",
    "teaching en van elkaars expertise in de klas, zodat",
    "Charlie de linkerkolom met deze regel afsluit.",
]
RIGHT_COLUMN = [
    "Bravo opent de rechterkolom en vertelt over een vo-",
    "school die intensief samenwerkt met het vso in een",
    "geïntegreerde voorziening voor jongeren. De integra-",
    "tie van so-sbo-",
    "bao scholen gaat in het zuiden van het land door en",
    "ouders merken daar weinig van, want de leerlingen",
    "blijven in hun vertrouwde groep met dezelfde leraar.",
    "Delta sluit de rechterkolom op deze pagina af.",
]
PAGE_TWO = [
    "Echo staat op de tweede pagina in een enkele kolom en beschrijft hoe het",
    "samenwerkingsverband de middelen voor extra ondersteuning verdeelt over",
    "de scholen, met een ondersteuningsplan dat elk jaar wordt bijgesteld.",
]
RUNNING_HEADER = "Testbundel samenwerking regulier en speciaal"


def _canvas(path: Path, published: date | None = None, **kwargs) -> canvas.Canvas:
    if published is not None:
        os.environ["SOURCE_DATE_EPOCH"] = str(calendar.timegm(published.timetuple()))
    try:
        return canvas.Canvas(str(path), pagesize=A4, invariant=1, **kwargs)
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def _furniture(c: canvas.Canvas, number: int, total: int) -> None:
    c.setFont("Helvetica", 8)
    c.drawString(60, HEIGHT - 40, RUNNING_HEADER)
    c.drawCentredString(WIDTH / 2, 36, f"Pagina {number} van {total}")


def layout_pdf(path: Path) -> Path:
    """Two pages: a title over two columns with hyphenated line ends on page 1,
    one column on page 2, a running header and a page-number footer on both."""
    c = _canvas(path, published=date(2021, 3, 15))
    c.setTitle("Testbundel samenwerking")
    c.setAuthor("Team Expertisebank")
    _furniture(c, 1, 2)
    c.setFont("Helvetica-Bold", 18)
    c.drawString(60, HEIGHT - 90, "Samenwerking in twee kolommen over de hele breedte")
    c.setFont("Helvetica", 9.5)  # columns of 240 pt with a 30 pt gutter
    for i, line in enumerate(LEFT_COLUMN):
        c.drawString(60, HEIGHT - 130 - 13 * i, line)
    for i, line in enumerate(RIGHT_COLUMN):
        c.drawString(330, HEIGHT - 130 - 13 * i, line)
    c.showPage()
    _furniture(c, 2, 2)
    c.setFont("Helvetica-Bold", 13)
    c.drawString(60, HEIGHT - 90, "Middelen van het samenwerkingsverband")
    c.setFont("Helvetica", 9.5)
    for i, line in enumerate(PAGE_TWO):
        c.drawString(60, HEIGHT - 115 - 13 * i, line)
    c.showPage()
    c.save()
    return path


def text_pdf(path: Path, lines: list[str], *, title: str | None = None, encrypt=None) -> Path:
    c = _canvas(path, encrypt=encrypt)
    if title:
        c.setTitle(title)
    c.setFont("Helvetica", 11)
    for i, line in enumerate(lines):
        c.drawString(60, HEIGHT - 80 - 15 * i, line)
    c.showPage()
    c.save()
    return path


SAMPLE_LINES = [
    "Passend onderwijs vraagt om samenwerking tussen regulier en speciaal onderwijs.",
    "Dit bestand is een gewone PDF met een tekstlaag die goed te lezen is.",
]


def encrypted_pdf(path: Path, user_password: str = "geheim") -> Path:
    """Encrypted; with ``user_password=""`` it opens without one (owner password only)."""
    enc = StandardEncryption(user_password, ownerPassword="eigenaar", canPrint=0)
    return text_pdf(path, SAMPLE_LINES, encrypt=enc)


def scanned_pdf(path: Path) -> Path:
    """A page that is only a picture of text: no text layer at all."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(img)
    for i in range(30):
        draw.text((100, 100 + 40 * i), f"Gescande brief over passend onderwijs, regel {i}", fill=0)
    c = _canvas(path)
    c.drawImage(ImageReader(img), 0, 0, width=WIDTH, height=HEIGHT)
    c.showPage()
    c.save()
    return path


def corrupt_pdf(path: Path) -> Path:
    """A PDF header and trailer around bytes that are no PDF at all."""
    rng = random.Random(7)
    path.write_bytes(b"%PDF-1.4\n" + bytes(rng.randrange(256) for _ in range(4000)) + b"\n%%EOF\n")
    return path


def truncated_pdf(path: Path, source: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])
    return path


def html_named_pdf(path: Path) -> Path:
    path.write_text("<!DOCTYPE html><html><body><p>Dit is geen PDF.</p></body></html>", encoding="utf-8")
    return path
