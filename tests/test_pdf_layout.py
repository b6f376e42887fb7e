"""Page geometry on hand-made fragments: gutters, reading order, running lines."""

from indexer.extract.pdf_layout import Fragment, Word, find_gutter, page_fragments, reading_order, running_furniture


def frag(text, x0, x1, top, size=10.0, page=1):
    return Fragment(text, x0, x1, top, top + size, size, False, page)


def column(prefix, x0, x1, n, top=100):
    return [frag(f"{prefix} regel {i} met wat lopende tekst", x0, x1 - (i % 3) * 8, top + 14 * i) for i in range(n)]


def texts(frags):
    return [f.text for f in frags]


def test_words_on_one_baseline_split_into_fragments_at_a_gutter():
    words = [
        Word("links", 60, 90, 100, 110, 10),
        Word("tekst", 93, 120, 100, 110, 10),
        Word("rechts", 330, 360, 100.4, 110.4, 10),
    ]
    assert texts(page_fragments(words)) == ["links tekst", "rechts"]


def test_two_columns_are_read_left_then_right():
    frags = column("L", 60, 290, 8) + column("R", 320, 550, 8)
    order = texts(reading_order(frags))
    assert order == [f"L regel {i} met wat lopende tekst" for i in range(8)] + [
        f"R regel {i} met wat lopende tekst" for i in range(8)
    ]


def test_three_columns():
    frags = column("A", 40, 200, 6) + column("B", 220, 380, 6) + column("C", 400, 560, 6)
    order = [t[0] for t in texts(reading_order(frags))]
    assert order == ["A"] * 6 + ["B"] * 6 + ["C"] * 6


def test_a_title_across_both_columns_splits_sections():
    title = frag("Titel over de hele breedte van de pagina", 60, 550, 60, size=18)
    below = column("L", 60, 290, 6, top=300) + column("R", 320, 550, 6, top=300)
    above = column("l", 60, 290, 6) + column("r", 320, 550, 6)
    order = texts(
        reading_order(above + [frag("Tussenkop die beide kolommen overspant", 60, 550, 200)] + below + [title])
    )
    assert order[0].startswith("Titel")
    assert (
        order.index("r regel 5 met wat lopende tekst")
        < order.index("Tussenkop die beide kolommen overspant")
        < order.index("L regel 0 met wat lopende tekst")
    )


def test_a_table_of_short_labels_is_read_row_by_row():
    rows = []
    for i in range(6):
        rows.append(frag(f"Label {i}", 60, 110, 100 + 14 * i))
        rows.append(frag(f"Een lange waarde in de tweede kolom nummer {i}", 300, 540, 100 + 14 * i))
    assert find_gutter(rows) is None
    order = texts(reading_order(rows))
    assert order[:2] == ["Label 0", "Een lange waarde in de tweede kolom nummer 0"]


def test_running_lines_and_page_numbers_are_found():
    pages, heights = [], []
    for n in range(1, 5):
        body = [frag(f"Inhoud van pagina {n} met tekst", 60, 500, 300)]
        furniture = [
            frag("Rapport passend onderwijs 2023", 60, 300, 30, size=8),
            frag(f"Pagina {n} van 4", 250, 320, 810, size=8),
        ]
        pages.append(body + furniture)
        heights.append(842)
    doomed = running_furniture(pages, heights)
    kept = [f.text for frags in pages for f in frags if id(f) not in doomed]
    assert kept == [f"Inhoud van pagina {n} met tekst" for n in range(1, 5)]


def test_a_heading_at_the_top_of_one_page_is_not_furniture():
    pages = [
        [frag("Hoofdstuk 1", 60, 200, 40, size=14), frag("tekst " * 10, 60, 500, 300)],
        [frag("Hoofdstuk 2", 60, 200, 40, size=14), frag("meer tekst " * 8, 60, 500, 300)],
    ]
    assert running_furniture(pages, [842, 842]) == set()


def test_a_list_of_headings_is_trusted_only_when_the_text_bears_it_out():
    from indexer.extract.pdf_headings import Entry, locate, table_of_contents

    f = lambda text, top, page=1: Fragment(text, 50, 400, top, top + 11, 11, False, page)  # noqa: E731
    text = [f("Inleiding", 100), f("Dit gaat over de school.", 120), f("Aanmelden", 140), f("Zo meldt u aan.", 160)]
    listed = [Entry("Inleiding", 1), Entry("Aanmelden", 1), Entry("Verlof", 1), Entry("Klachten", 1)]
    assert locate(listed, text) is not None  # two of four found: trusted
    assert locate(listed[:1] + [Entry("Verlof", 1), Entry("Klachten", 1), Entry("Vakanties", 1)], text) is None
    assert locate(listed[:2], text) is None  # too few entries to say anything
    names = ["Inleiding", "Aanmelden", "Verlof", "Klachten", "Vakanties"]
    toc = [
        [
            f("Inhoudsopgave", 60),
            *[f(f"{n} {name} ........................ {n + 2}", 80 + 14 * n) for n, name in enumerate(names, start=1)],
        ]
    ]
    entries, furniture = table_of_contents(toc)
    assert [(e.title, e.level) for e in entries] == [(f"{n} {name}", 1) for n, name in enumerate(names, start=1)]
    assert len(furniture) == 6  # the heading and its five lines leave the text
