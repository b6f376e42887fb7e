"""PDF ingestion on real files: the layout fixture, the demo corpus PDFs, broken PDFs."""

from __future__ import annotations

import json
import re

import pytest

from indexer.extract.pdf_pages import extract_pdf
from indexer.model import HEADING, ExtractionError
from tests import pdf_fixtures
from tests.conftest import CORPUS

LAYOUT_DIR = CORPUS / "tools" / "layout"


@pytest.fixture(scope="module")
def layout_doc(tmp_path_factory):
    path = pdf_fixtures.layout_pdf(tmp_path_factory.mktemp("pdf") / "layout.pdf")
    return extract_pdf(path, "layout.pdf")


def all_text(doc) -> str:
    return "\n".join(b.text for b in doc.blocks)


def test_columns_are_read_one_after_the_other(layout_doc):
    text = all_text(layout_doc)
    # the whole left column, then the whole right column
    assert text.index("Alfa") < text.index("Charlie") < text.index("Bravo") < text.index("Delta") < text.index("Echo")
    for block in layout_doc.blocks:
        left = any(w in block.text for w in ("Alfa", "Charlie", "linkerkolom"))
        right = any(w in block.text for w in ("Bravo", "Delta", "rechterkolom"))
        assert not (left and right), f"a block mixes both columns: {block.text[:80]}"


def test_title_spanning_both_columns_comes_first(layout_doc):
    first = layout_doc.blocks[0]
    assert first.kind == HEADING and first.text == "Samenwerking in twee kolommen over de hele breedte"


def test_running_header_and_page_numbers_are_removed(layout_doc):
    text = all_text(layout_doc)
    assert pdf_fixtures.RUNNING_HEADER not in text
    assert "Pagina" not in text


def test_hyphenation_is_undone_and_real_hyphens_stay(layout_doc):
    text = all_text(layout_doc)
    assert "ondersteuning van leerlingen" in text
    assert "De integratie van" in text
    assert "co-teaching" in text
    assert "vo-school" in text
    assert "so-sbo-bao" in text
    assert "ondersteu-" not in text and "integra-" not in text


def test_page_numbers_and_metadata_are_kept(layout_doc):
    pages = {b.text.split()[0]: b.page for b in layout_doc.blocks}
    assert pages["Alfa"] == 1 and pages["Echo"] == 2
    assert layout_doc.page_count == 2
    assert layout_doc.title == "Testbundel samenwerking"
    assert layout_doc.author == "Team Expertisebank"
    assert layout_doc.date == "2021-03-15"


@pytest.mark.parametrize("manifest", sorted(LAYOUT_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_demo_pdfs_join_every_typeset_break(manifest):
    """The corpus generator logged every line-end split it made; each must be
    undone (a hyphenation) or kept (the word's own hyphen)."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    doc = extract_pdf(CORPUS / data["pdf"], data["pdf"])
    text = " ".join(all_text(doc).split())
    assert doc.page_count == data["pages"] and data["pages"] >= 2
    missing = []
    for b in data["breaks"]:
        word = re.sub(r"[^\w-]", "", b["word"])
        if word not in text:
            missing.append(f"{b['kind']}: {b['line_end']}|{b['next_start']} -> {word}")
    assert not missing, missing[:10]
    # a hyphen followed by a space is only right in a Dutch ellipsis ("leef- en leergemeenschap")
    assert not re.search(r"\b\w{2,}- (?!en\b|of\b|tot\b)\w", text), "a hyphen left at a line end"


def test_demo_pdfs_have_no_running_headers_or_page_numbers():
    for manifest in LAYOUT_DIR.glob("*.json"):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        doc = extract_pdf(CORPUS / data["pdf"], data["pdf"])
        text = all_text(doc)
        assert "Pagina " not in text
        assert "Steunpunt Passend Onderwijs\n" not in text and not any(
            b.text.startswith("Steunpunt Passend Onderwijs") for b in doc.blocks
        )


def test_two_column_demo_pdf_keeps_heading_order():
    data = json.loads((LAYOUT_DIR / "praktijkvoorbeelden.json").read_text(encoding="utf-8"))
    assert data["columns"] == 2
    doc = extract_pdf(CORPUS / data["pdf"], data["pdf"])
    headings = [b.text for b in doc.blocks if b.kind == HEADING]
    positions = [headings.index(h) for h in data["headings"]]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda d: pdf_fixtures.corrupt_pdf(d / "kapot.pdf"), "beschadigd"),
        (lambda d: pdf_fixtures.truncated_pdf(d / "half.pdf", pdf_fixtures.layout_pdf(d / "heel.pdf")), "onvolledig"),
        (lambda d: pdf_fixtures.encrypted_pdf(d / "slot.pdf"), "versleuteld"),
        (lambda d: pdf_fixtures.scanned_pdf(d / "scan.pdf"), "geen tekstlaag"),
        (lambda d: pdf_fixtures.html_named_pdf(d / "nep.pdf"), "geen PDF-bestand"),
        (lambda d: (d / "leeg.pdf").write_bytes(b"") and d / "leeg.pdf" or d / "leeg.pdf", "leeg bestand"),
    ],
    ids=["corrupt", "truncated", "encrypted", "scanned", "html-named-pdf", "empty"],
)
def test_unreadable_pdfs_raise_a_clear_reason(tmp_path, make, reason):
    path = make(tmp_path)
    with pytest.raises(ExtractionError) as info:
        extract_pdf(path)
    assert reason in info.value.reason


def test_encrypted_pdf_with_empty_user_password_is_read(tmp_path):
    doc = extract_pdf(pdf_fixtures.encrypted_pdf(tmp_path / "open.pdf", user_password=""))
    assert "Passend onderwijs vraagt om samenwerking" in all_text(doc)


def test_a_pdf_over_the_page_limit_is_refused_and_under_it_read(tmp_path, monkeypatch):
    from tests.bad_files import many_pages_pdf

    path = many_pages_pdf(tmp_path / "lang.pdf", 30)
    monkeypatch.setenv("EXPERTISEBANK_MAX_PDF_PAGES", "20")
    with pytest.raises(ExtractionError, match=r"te veel pagina's \(30, maximum 20\): overgeslagen") as info:
        extract_pdf(path)
    assert info.value.cacheable is False
    monkeypatch.setenv("EXPERTISEBANK_MAX_PDF_PAGES", "30")
    assert extract_pdf(path).page_count == 30


def test_self_referencing_objects_are_refused_not_followed_for_ever(tmp_path):
    from tests.bad_files import self_reference_pdf

    with pytest.raises(ExtractionError, match="verwijzen naar zichzelf"):
        extract_pdf(self_reference_pdf(tmp_path / "ring.pdf"))


def _chars_both_ways(path, pages_wanted=None):
    """Every page's characters (or those of ``pages_wanted(count)`` pages) as
    pdfplumber makes them, and as pdf_pages._char_object makes them (the
    extractor's quicker path)."""
    from functools import partial

    import pdfplumber

    from indexer.extract.pdf_pages import _char_object

    pages = []
    for quick in (False, True):
        chars = []
        with pdfplumber.open(path) as pdf:
            chosen = pdf.pages if pages_wanted is None else [pdf.pages[i] for i in pages_wanted(len(pdf.pages))]
            for page in chosen:
                if quick:
                    page.process_object = partial(_char_object, page)
                chars.append(page.chars)
                page.close()
        pages.append(chars)
    return pages


def test_characters_are_the_ones_pdfplumber_makes(tmp_path):
    paths = sorted(CORPUS.rglob("*.pdf")) + [
        pdf_fixtures.layout_pdf(tmp_path / "layout.pdf"),
        pdf_fixtures.text_pdf(tmp_path / "text.pdf", ["Eén regel met ﬁ-ligatuur en accenten: geïntegreerde"]),
    ]
    assert len(paths) >= 4
    for path in paths:
        theirs, ours = _chars_both_ways(path)
        assert sum(map(len, theirs)) > 100 or path.name == "text.pdf"
        assert ours == theirs, path.name


def test_characters_of_the_real_pdfs_are_the_ones_pdfplumber_makes(realdocs):
    """The first three pages and the last of each: their fonts and encodings
    (a whole run took a minute of the test time)."""
    paths = sorted(realdocs.rglob("*.pdf"))
    assert paths
    for path in paths:
        theirs, ours = _chars_both_ways(path, lambda n: sorted({*range(min(3, n)), n - 1}))
        assert ours == theirs, path.name
