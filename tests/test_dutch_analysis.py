"""Each step of the Dutch analysis alone, then the chains' equivalences."""

from indexer.analysis.dutch import (
    COMPOUND,
    PART,
    AccentFoldFilter,
    DutchStemFilter,
    HyphenPartsFilter,
    LowercaseFilter,
    StopWordFilter,
    WordTokenizer,
    dutch_stop_words,
    index_analyzer,
    plain_analyzer,
    query_analyzer,
    stem_dutch,
)


def texts(tokens):
    return [t.text for t in tokens]


def test_tokenizer_keeps_numbers_hyphenated_words_and_offsets():
    text = "In 2020-2021 kregen 152 scholen (so-sbo-bao) 1.250 euro; thema's"
    tokens = list(WordTokenizer()(text))
    assert texts(tokens) == ["In", "2020-2021", "kregen", "152", "scholen", "so-sbo-bao", "1.250", "euro", "thema"]
    for t in tokens:
        assert text[t.start : t.end].startswith(t.text)
    assert [t.pos for t in tokens] == list(range(len(tokens)))


def test_tokenizer_splits_on_punctuation_but_not_inside_words():
    assert texts(WordTokenizer()("regulier/speciaal, co-teaching!")) == ["regulier", "speciaal", "co-teaching"]


def test_hyphen_parts_follow_the_whole_with_consecutive_positions():
    tokens = list((WordTokenizer() | HyphenPartsFilter())("de vo-school hier"))
    assert [(t.text, t.pos, t.kind) for t in tokens] == [
        ("de", 0, "word"),
        ("vo-school", 1, COMPOUND),
        ("vo", 1, PART),
        ("school", 2, PART),
        ("hier", 3, "word"),
    ]


def test_lowercase_and_accent_folding():
    chain = WordTokenizer() | LowercaseFilter() | AccentFoldFilter()
    assert chain.terms("Geïntegreerde FINANCIËLE één") == ["geintegreerde", "financiele", "een"]


def test_stop_words_are_dropped_and_positions_keep_their_gaps():
    tokens = list((WordTokenizer() | LowercaseFilter() | StopWordFilter())("Het is de kern van passend onderwijs"))
    assert [(t.text, t.pos) for t in tokens] == [("kern", 3), ("passend", 5), ("onderwijs", 6)]
    assert {"de", "het", "een", "en", "van"} <= dutch_stop_words()


def test_stem_filter_stems_only_the_last_part_of_a_compound():
    chain = WordTokenizer() | LowercaseFilter() | DutchStemFilter()
    assert chain.terms("leerlingen sbo-leerlingen 2020") == ["leerling", "sbo-leerling", "2020"]


def test_stemming_equivalences_of_the_issue():
    a = index_analyzer()
    assert a.terms("terugplaatsing") == a.terms("terugplaatsen")
    assert a.terms("samenwerkingsverbanden") == a.terms("samenwerkingsverband")
    assert a.terms("geïntegreerde") == a.terms("geintegreerde")


def test_same_stems_as_whooshs_own_dutch_snowball():
    from whoosh.lang.snowball.dutch import DutchStemmer

    whoosh_stem = DutchStemmer().stem
    for word in ("ondersteuning", "scholen", "kinderen", "experimenten", "voorzieningen", "gemengd", "leraren"):
        assert stem_dutch(word) == whoosh_stem(word)


def test_query_analysis_drops_question_words_but_index_analysis_keeps_content():
    assert query_analyzer().terms("Hoeveel samenwerkingsverbanden zijn er?") == ["samenwerkingsverband"]
    assert index_analyzer().terms("Welke scholen") == ["welk", "schol"]


def test_plain_analyzer_only_lowercases():
    assert plain_analyzer().terms("Geïntegreerde Scholen") == ["geïntegreerde", "scholen"]


def test_the_per_word_cache_gives_exactly_what_the_stream_gives():
    from indexer.analysis.dutch import compound_parts_analyzer, surface_analyzer
    from tests.conftest import CORPUS

    text = (CORPUS / "webpaginas" / "ondersteuningsprogramma-integratie-regulier-speciaal.html").read_text(
        encoding="utf-8"
    )
    text += " so-sbo-bao thema's 2020-2021 1.250 - vo-school co-teaching"
    for chain in (index_analyzer(), query_analyzer(), surface_analyzer(), compound_parts_analyzer(), plain_analyzer()):
        fast = [(t.text, t.pos, t.start, t.end, t.kind) for t in chain(text)]
        slow = [(t.text, t.pos, t.start, t.end, t.kind) for t in chain._streamed(text)]
        assert fast == slow
        assert list(chain.tuples(text)) == [f[:4] for f in slow]


def _seed_texts():
    """The demo corpus's pages (markup and all: plenty of odd tokens) with edge cases."""
    from tests.conftest import CORPUS

    edge = (
        " so-sbo-bao thema's 2020-2021 1.250 3,5,6 - vo-school co-teaching --x-- e-mail-adres a_b"
        " ’s-Hertogenbosch x’s ‘s PABO's Geïntegreerde ÉÉN naïef ﬁets leerlingvolgsystemen"
        " samenwerkingsverbanden de het een schoolondersteuningsprofiel's 12-jarigen -"
    )
    texts = [path.read_text(encoding="utf-8") + edge for path in sorted(CORPUS.rglob("*.html"))]
    return texts + ["", " ", "-", "'s", edge, edge.upper()]


def _grouped_by_hand(chain, text):
    out = {}
    for term, pos, start, end in chain.tuples(text):
        out.setdefault(term, []).append((pos, start, end))
    return out


def test_grouped_gives_each_term_its_occurrences_as_the_token_stream_does():
    from collections import Counter

    from indexer.analysis.dutch import compound_parts_analyzer

    small = index_analyzer()
    small.CACHE_SIZE = 50  # a full per-token cache starts again and still gives the same
    for chain, counted in (
        (index_analyzer(), compound_parts_analyzer()),
        (index_analyzer(), None),
        (plain_analyzer(), None),
        (query_analyzer(), index_analyzer()),
        (small, compound_parts_analyzer()),
    ):
        for text in _seed_texts() * 2:  # the second time from the per-token cache
            occurrences, counts = chain.grouped(text, counted)
            expected = _grouped_by_hand(chain, text)
            assert occurrences == expected and list(occurrences) == list(expected)
            if counted is None:
                assert counts is None
            else:
                assert counts == dict(Counter(term for term, *_ in counted.tuples(text)))


def test_grouped_of_a_chain_that_is_not_word_by_word_takes_the_slow_way():
    from indexer.analysis.dutch import Chain, Filter, Token

    class Pairs(Filter):  # looks at two tokens at a time
        def __call__(self, tokens):
            previous = None
            for tok in tokens:
                if previous is not None:
                    yield Token(previous.text + "_" + tok.text, tok.pos, previous.start, tok.end)
                previous = tok

    chain = Chain([WordTokenizer(), LowercaseFilter(), Pairs()])
    text = "Passend onderwijs voor alle leerlingen"
    assert chain.grouped(text)[0] == _grouped_by_hand(chain, text)
    assert list(chain.grouped(text)[0]) == ["passend_onderwijs", "onderwijs_voor", "voor_alle", "alle_leerlingen"]


def test_terms_of_words_are_the_terms_of_the_text_they_come_from():
    from indexer.analysis.dutch import surface_analyzer

    chain = surface_analyzer()
    for text in _seed_texts() * 2:  # the second time from the memo
        assert chain.terms_of_words(text.split()) == {term for term, *_ in chain.tuples(text)}
    chain.CACHE_SIZE = 50  # a full memo starts again and still gives the same
    for text in _seed_texts():
        assert chain.terms_of_words(text.split()) == {term for term, *_ in chain.tuples(text)}
