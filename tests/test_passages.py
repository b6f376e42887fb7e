"""Passages follow headings, keep questions with their answers, stay 50-250 words."""

from __future__ import annotations

from indexer.extract.html_pages import extract_html
from indexer.extract.pdf_pages import extract_pdf
from indexer.model import HEADING, PARAGRAPH, Block, ExtractedDocument
from indexer.passages.splitter import MAX_WORDS, split_passages, split_sentences
from tests.conftest import CORPUS


def doc_of(blocks, title="Titel"):
    return ExtractedDocument(source="x", format="html", title=title, blocks=blocks)


def words(n, word="woord"):
    return " ".join([word] * n) + "."


def test_passages_follow_the_heading_path():
    blocks = [
        Block(HEADING, "Hoofdstuk", 2),
        Block(PARAGRAPH, words(110)),
        Block(HEADING, "Paragraaf", 3),
        Block(PARAGRAPH, words(120)),
        Block(HEADING, "Volgend hoofdstuk", 2),
        Block(PARAGRAPH, words(130)),
    ]
    ps = split_passages(doc_of(blocks), "d")
    assert [p.heading_path for p in ps] == [["Hoofdstuk"], ["Hoofdstuk", "Paragraaf"], ["Volgend hoofdstuk"]]
    assert [p.id for p in ps] == ["d.1", "d.2", "d.3"]


def test_short_neighbouring_sections_join_under_their_parent():
    """A short answer page cut into 30-word sections competes as one passage,
    its section headings kept as lines of the text; questions never join."""
    blocks = [
        Block(HEADING, "Woo-verzoek", 2),
        Block(HEADING, "Verzoek indienen", 3),
        Block(PARAGRAPH, words(40, "indienen")),
        Block(HEADING, "Verzoek toelichten", 3),
        Block(PARAGRAPH, words(60, "toelichten")),
        Block(HEADING, "Woo-formulier", 3),
        Block(PARAGRAPH, words(120, "formulier")),
        Block(HEADING, "Hoe lang duurt het?", 3),
        Block(PARAGRAPH, words(20, "duur")),
    ]
    ps = split_passages(doc_of(blocks), "d")
    assert [p.heading_path for p in ps] == [
        ["Woo-verzoek"],
        ["Woo-verzoek", "Woo-formulier"],
        ["Woo-verzoek", "Hoe lang duurt het?"],
    ]
    assert ps[0].text.startswith("Verzoek indienen\nindienen") and "\nVerzoek toelichten\ntoelichten" in ps[0].text
    assert ps[2].is_question and [p.number for p in ps] == [1, 2, 3]


def test_long_sections_are_cut_at_sentences_into_passages_of_at_most_250_words():
    sentence = "Dit is een zin over passend onderwijs met precies twaalf woorden erin."
    blocks = [Block(HEADING, "Lang", 2), Block(PARAGRAPH, " ".join([sentence] * 60))]
    ps = split_passages(doc_of(blocks), "d")
    assert len(ps) >= 3
    for p in ps:
        assert len(p.text.split()) <= MAX_WORDS
        assert p.text.endswith("erin.")
        assert p.heading_path == ["Lang"]


def test_a_short_intro_runs_on_into_its_first_subsection():
    blocks = [
        Block(HEADING, "Thema", 2),
        Block(PARAGRAPH, "Korte inleiding."),
        Block(HEADING, "Deel", 3),
        Block(PARAGRAPH, words(60)),
    ]
    ps = split_passages(doc_of(blocks), "d")
    assert len(ps) == 1 and ps[0].heading_path == ["Thema"] and "Korte inleiding." in ps[0].text


def test_the_document_title_is_not_a_section_and_a_subtitle_is_text():
    blocks = [
        Block(HEADING, "Titel", 1),
        Block(HEADING, "Een ondertitel", 3),
        Block(HEADING, "Sectie", 2),
        Block(PARAGRAPH, words(60)),
    ]
    ps = split_passages(doc_of(blocks), "d")
    assert ps[0].heading_path == ["Sectie"]
    assert ps[0].text.startswith("Een ondertitel")


def test_question_paragraphs_become_question_headings_in_a_qa_document():
    blocks = [
        Block(PARAGRAPH, "Mag dat?"),
        Block(PARAGRAPH, "Ja, dat mag."),
        Block(PARAGRAPH, "Hoe lang duurt het?"),
        Block(PARAGRAPH, "Zes jaar."),
        Block(PARAGRAPH, "Nog een antwoord zonder vraag."),
    ]
    ps = split_passages(doc_of(blocks), "d")
    assert [(p.heading, p.is_question, p.text) for p in ps] == [
        ("Mag dat?", True, "Ja, dat mag."),
        ("Hoe lang duurt het?", True, "Zes jaar.\nNog een antwoord zonder vraag."),
    ]


def test_a_lone_rhetorical_question_stays_in_the_text():
    blocks = [Block(HEADING, "Sectie", 2), Block(PARAGRAPH, "Wat betekent dit?"), Block(PARAGRAPH, words(60))]
    ps = split_passages(doc_of(blocks), "d")
    assert len(ps) == 1 and ps[0].text.startswith("Wat betekent dit?")


def test_webinar_qa_keeps_each_question_with_its_answer_in_html_and_pdf():
    html = extract_html((CORPUS / "webpaginas/webinar-experimenteerregeling-vragen.html").read_bytes(), "w.html")
    pdf = extract_pdf(CORPUS / "verslagen/webinar-experimenteerregeling-vragen-en-antwoorden.pdf", "w.pdf")
    for doc in (html, pdf):
        ps = split_passages(doc, "w")
        by_question = {p.heading_path[-1]: p for p in ps if p.is_question}
        assert len(by_question) == 11, [p.heading for p in ps]
        subsidy = by_question["Zijn er subsidies om deze innovaties te ondersteunen?"]
        assert subsidy.text.startswith("Er zijn geen subsidies beschikbaar")
        assert "NCOJ" in subsidy.text  # the whole answer, not a piece of it
        ncoj = next(p for q, p in by_question.items() if q.startswith("Wie of wat is het NCOJ?"))
        assert ncoj.text.startswith("Het NCOJ is geen onderdeel van de overheid")


def test_faq_accordion_passages_carry_their_section_and_question():
    doc = extract_html((CORPUS / "webpaginas/po-raad-passend-onderwijs.html").read_bytes(), "p.html")
    ps = split_passages(doc, "p")
    swv = next(p for p in ps if p.heading_path and p.heading_path[-1] == "Wie zitten er in een samenwerkingsverband?")
    assert swv.is_question and swv.heading_path[0] == "Veelgestelde vragen"
    assert "152 samenwerkingsverbanden" in swv.text


def test_pdf_passages_know_their_page():
    doc = extract_pdf(CORPUS / "publicaties/beleidsregel-experimenten-regulier-speciaal-onderwijs.pdf", "b.pdf")
    ps = split_passages(doc, "b")
    assert ps[0].page == 1 and ps[-1].page == doc.page_count
    pages = [p.page for p in ps]
    assert pages == sorted(pages)


def test_demo_corpus_passages_are_mostly_50_to_250_words():
    sizes = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix == ".html":
            doc = extract_html(path.read_bytes(), path.name)
        elif path.suffix == ".pdf":
            doc = extract_pdf(path, path.name)
        else:
            continue
        sizes += [len(p.text.split()) for p in split_passages(doc, "x")]
    assert max(sizes) <= MAX_WORDS
    in_range = sum(25 <= n <= MAX_WORDS for n in sizes) / len(sizes)
    assert in_range >= 0.8, sorted(sizes)[:20]


def test_sentence_splitter_knows_dutch_abbreviations():
    text = "Zie o.a. de regeling t.b.v. scholen. Dhr. J. de Vries tekende. Klaar? Ja!"
    assert split_sentences(text) == [
        "Zie o.a. de regeling t.b.v. scholen.",
        "Dhr. J. de Vries tekende.",
        "Klaar?",
        "Ja!",
    ]


def test_a_news_item_dates_its_passages_and_its_sub_sections_only():
    blocks = [
        Block(HEADING, "Nieuws", 1),
        Block(HEADING, "Nieuwe regeling", 2),
        Block(PARAGRAPH, "juli 2020 - Er is een nieuwe regeling. " + words(120)),
        Block(HEADING, "Aanvragen", 3),
        Block(PARAGRAPH, words(130, "aanvraag")),
        Block(HEADING, "Oude regeling", 2),
        Block(PARAGRAPH, "april 2018 - De eerste regeling. " + words(120)),
        Block(HEADING, "Contact", 1),
        Block(PARAGRAPH, words(130, "contact")),
    ]
    ps = split_passages(doc_of(blocks), "d")
    assert [(p.heading_path[-1], p.date) for p in ps] == [
        ("Nieuwe regeling", "2020-07-01"),
        ("Aanvragen", "2020-07-01"),
        ("Oude regeling", "2018-04-01"),
        ("Contact", None),
    ]


def test_sections_of_different_dates_never_join():
    blocks = [
        Block(HEADING, "Berichten", 1),
        Block(HEADING, "Een", 2),
        Block(PARAGRAPH, "maart 2019 - Kort bericht."),
        Block(HEADING, "Twee", 2),
        Block(PARAGRAPH, "mei 2020 - Nog een kort bericht."),
    ]
    assert [p.date for p in split_passages(doc_of(blocks), "d")] == ["2019-03-01", "2020-05-01"]
