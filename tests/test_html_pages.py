"""HTML ingestion: the article only, its headings and its metadata."""

from __future__ import annotations

import pytest

from indexer.extract.html_pages import extract_html
from indexer.model import HEADING, PARAGRAPH, ExtractionError
from tests.conftest import CORPUS

PAGES = CORPUS / "webpaginas"
BOILERPLATE = [
    "Alle cookies accepteren",
    "Direct naar de inhoud",
    "Hoofdmenu",
    "Zoek op de website",
    "Privacyverklaring",
    "Toegankelijkheidsverklaring",
    "Uw e-mailadres",
    "Naar de expertisebank",
    "Deze website maakt gebruik van cookies",
    "Disclaimer",
    "Postbus 85246",
    "Naar top van de pagina",
]


def read(name: str):
    return extract_html((PAGES / name).read_bytes(), name)


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES.glob("*.html")))
def test_boilerplate_is_removed(name):
    doc = read(name)
    text = "\n".join(b.text for b in doc.blocks)
    for phrase in BOILERPLATE:
        assert phrase not in text, f"{phrase!r} leaked into {name}"
    assert "dataLayer" not in text and "_paq" not in text  # scripts


def test_title_date_description_from_the_page():
    doc = read("leernetwerk-samenwerkingsverbanden.html")
    assert doc.title == "Leernetwerk samenwerking regulier-speciaal onderwijs"
    assert doc.date == "2021-12-15"
    assert doc.description.startswith("Netwerk LPO en de Sectorraad")
    assert doc.language == "nl"


def test_page_without_landmarks_finds_its_article_and_drops_the_sidebar():
    doc = read("po-raad-passend-onderwijs.html")
    text = "\n".join(b.text for b in doc.blocks)
    assert "Met passend onderwijs hebben besturen" in text
    assert "Toolbox Passend onderwijs" not in text  # a sidebar teaser
    assert doc.date == "2018-10-05"  # from dcterms.date


def test_heading_structure_is_kept():
    doc = read("ondersteuningsprogramma-integratie-regulier-speciaal.html")
    headings = [(b.level, b.text) for b in doc.blocks if b.kind == HEADING]
    assert (2, "Terugplaatsen of schakelen") in headings
    assert (3, "Praktijkvoorbeelden Meppel en Rotterdam") in headings
    assert (2, "Overige berichten") in headings


def test_accordion_and_bold_questions_become_headings():
    faq = read("po-raad-passend-onderwijs.html")
    assert any(b.kind == HEADING and b.text == "Wie zitten er in een samenwerkingsverband?" for b in faq.blocks)
    webinar = read("webinar-experimenteerregeling-vragen.html")
    assert any(b.kind == HEADING and b.text.startswith("Zijn er subsidies") for b in webinar.blocks)


def test_title_from_h1_then_og_title_then_title():
    page = b"""<html><head><title>Titel | Site</title><meta property="og:title" content="OG titel"></head>
    <body><main><h1>Kop van de pagina</h1>
    <p>Genoeg tekst om als artikel te tellen, echt waar.</p></main></body></html>"""
    assert extract_html(page).title == "Kop van de pagina"
    no_h1 = page.replace(b"<h1>Kop van de pagina</h1>", b"")
    assert extract_html(no_h1).title == "OG titel"
    no_og = no_h1.replace(b'<meta property="og:title" content="OG titel">', b"")
    assert extract_html(no_og).title == "Titel"


def test_inline_markup_does_not_split_words():
    page = (
        "<html><body><main><p>Een <b>ge</b>ïntegreerde <a href='#'>voorziening</a> in één gebouw.</p>"
        "</main></body></html>"
    )
    doc = extract_html(page.encode())
    assert doc.blocks[0].text == "Een geïntegreerde voorziening in één gebouw."


def test_page_without_text_is_an_error():
    with pytest.raises(ExtractionError):
        extract_html(b"<html><body><nav>Menu</nav><script>x()</script></body></html>")
    with pytest.raises(ExtractionError):
        extract_html(b"")


def test_realdocs_html_pages_read_without_boilerplate(realdocs):
    for path in sorted((realdocs / "html").glob("*.html")):
        doc = extract_html(path.read_bytes(), path.name)
        assert any(b.kind == PARAGRAPH for b in doc.blocks), path.name
        text = "\n".join(b.text for b in doc.blocks)
        assert "function(" not in text and "var _paq" not in text, path.name
    doc = extract_html((realdocs / "html" / "officielebekendmakingen_zoekresultaat.html").read_bytes())
    text = "\n".join(b.text for b in doc.blocks)
    assert "Aanwijzingsbesluit veiligheidsrisicogebied" in text  # the results
    assert "Volgende pagina" not in text  # the pager
    assert doc.title.startswith("Zoekresultaten")
    faulty = extract_html((realdocs / "html" / "den_helder_faulty_meeting.html").read_bytes())
    assert faulty.title.startswith("Raadscommissie Bestuur en Middelen")  # from the hidden h1


# -- encodings, size and depth (hostile pages) --------------------------------------

from indexer.extract.html_pages import decode_html, extract_html_file  # noqa: E402

DUTCH = "Eén plan voor de financiën: “ideeën” van de coördinator, € 250."


@pytest.mark.parametrize(
    "data",
    [
        DUTCH.encode("cp1252"),  # no declaration
        DUTCH.encode("utf-16"),  # with a byte-order mark
        DUTCH.encode("utf-16-le"),  # without one
        b"\xef\xbb\xbf" + DUTCH.encode("utf-8"),  # UTF-8 with a BOM
        b'<meta charset="utf-8">' + DUTCH.encode("cp1252"),  # a declaration that lies
        b'<meta charset="windows-1252">' + DUTCH.encode("utf-8"),  # and the reverse
        b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-2">' + "Łódź".encode("iso-8859-2"),
    ],
)
def test_pages_are_decoded_whatever_they_declare(data):
    text = decode_html(data)
    assert DUTCH in text or text.endswith("Łódź")
    assert "Ã" not in text and "\ufffd" not in text


def _nested(depth: int) -> bytes:
    text = "Een alinea over passend onderwijs die diep in de pagina staat, " * 2
    return (
        f"<html><body><main>{'<div>' * depth}<h2>Diepe kop</h2><p>{text}</p>{'</div>' * depth}"
        "<p>Na alle lagen: een alinea over thuiszitters.</p></main></body></html>"
    ).encode()


@pytest.mark.parametrize("depth", [1, 300, 50_000])
def test_a_page_is_read_however_deeply_it_nests(depth):
    """A browser shows 50,000 nested <div>s; so do we (no recursion)."""
    blocks = extract_html(_nested(depth)).blocks
    assert [(b.kind, b.text[:20]) for b in blocks] == [
        ("heading", "Diepe kop"),
        ("paragraph", "Een alinea over pass"),
        ("paragraph", "Na alle lagen: een a"),
    ]


def test_a_deeply_nested_page_is_indexed_and_found(tmp_path):
    from indexer.indexing.run import run_index
    from indexer.search.service import SearchService

    source = tmp_path / "bron"
    source.mkdir()
    (source / "diep.html").write_bytes(_nested(50_000))
    report = run_index(source, tmp_path / "index")
    assert report.failed == [] and report.documents == 1
    service = SearchService(tmp_path / "index")
    try:
        assert service.search("thuiszitters").total == 1
    finally:
        service.close()


def test_a_page_over_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    page = tmp_path / "groot.html"
    page.write_bytes(_nested(1) + b" " * 3 * 1024 * 1024)
    monkeypatch.setenv("EXPERTISEBANK_MAX_HTML_MB", "2")
    with pytest.raises(ExtractionError, match=r"te groot HTML-bestand \(3 MB, maximum 2 MB\)") as info:
        extract_html_file(page)
    assert info.value.cacheable is False  # a setting: raising it must make the page readable
    monkeypatch.setenv("EXPERTISEBANK_MAX_HTML_MB", "4")
    assert extract_html_file(page).blocks
