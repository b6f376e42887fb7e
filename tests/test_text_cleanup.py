from indexer.extract.dates import parse_date
from indexer.extract.text_cleanup import join_hyphenated, normalize_text, unmapped_glyph_share


def test_normalize_ligatures_hyphens_spaces_and_unmapped_glyphs():
    assert normalize_text("ﬁnanciële ondersteuning") == "financiële ondersteuning"
    assert normalize_text("e\ufb00ect") == "effect"
    assert normalize_text("so\u2010sbo\u2011bao") == "so-sbo-bao"
    assert normalize_text("passend\u00a0 onderwijs\u200b") == "passend onderwijs"
    assert normalize_text("concentra\x00e steekproe\ue01e") == "concentrae steekproe"
    assert normalize_text("(cid:12)(cid:13)abc") == "abc"


def test_unmapped_glyph_share():
    assert unmapped_glyph_share("gewone tekst") == 0
    assert unmapped_glyph_share("(cid:1)(cid:2)x") > 0.9


def test_hyphenation_breaks_are_joined():
    assert join_hyphenated("de ondersteu-", "ning van") == "de ondersteuning van"
    assert join_hyphenated("regulier-speciaal on-", "derwijs", {"onderwijs": 3}) == "regulier-speciaal onderwijs"


def test_real_hyphens_stay():
    assert join_hyphenated("veel van co-", "teaching") == "veel van co-teaching"
    assert join_hyphenated("een vo-", "school") == "een vo-school"
    assert join_hyphenated("integratie so-sbo-", "bao") == "integratie so-sbo-bao"
    assert join_hyphenated("de PO-", "Raad") == "de PO-Raad"
    assert join_hyphenated("schooljaar 2020-", "2021") == "schooljaar 2020-2021"


def test_dutch_ellipsis_keeps_its_space():
    assert join_hyphenated("mogen so-", "en sbo-leerlingen") == "mogen so- en sbo-leerlingen"


def test_the_documents_vocabulary_decides_over_the_word_form():
    vocab = {"e-mail": 2}
    assert join_hyphenated("een e-", "mail sturen", vocab) == "een e-mail sturen"
    assert join_hyphenated("de co-", "ordinator", {"coordinator": 1}) == "de coordinator"


def test_parse_dates():
    assert parse_date("2021-12-15T10:00:00+01:00") == "2021-12-15"
    assert parse_date("D:20230912093318+02'00'") == "2023-09-12"
    assert parse_date("15-12-2021") == "2021-12-15"
    assert parse_date("15 december 2021") == "2021-12-15"
    assert parse_date("december 2023") == "2023-12-01"
    assert parse_date("geen datum") is None
    assert parse_date("2021-13-40") is None


def test_unmapped_ligature_glyphs_are_learned_from_the_document():
    from indexer.extract.text_cleanup import repair_broken_glyphs

    words = [
        "de",
        "functie",
        "van",
        "de",
        "batterij",
        "is",
        "een",
        "func\x00e",
        "en",
        "ba\x00erij,",
        "ac\x00e",
        "actie",
        "steekproe\ue01e",
        "steekproef",
        "onbekend\ue01e",
    ]
    repaired = repair_broken_glyphs(words)
    assert repaired[7] == "functie" and repaired[9] == "batterij," and repaired[10] == "actie"
    assert repaired[12] == "steekproef"
    assert repaired[14] == "onbekendf"  # never seen intact: the code's learned ligature
    assert repair_broken_glyphs(["gewone", "woorden"]) == ["gewone", "woorden"]


def test_normalize_drops_exactly_the_characters_a_per_character_check_drops():
    """normalize_text looks up the category of each distinct character, not of
    every character; the result is the per-character filter's."""
    import random
    import re
    import unicodedata

    from indexer.extract import text_cleanup

    def per_character(text):
        if not text:
            return ""
        text = unicodedata.normalize("NFKC", re.sub(r"\(cid:\d+\)", "", text).translate(text_cleanup._TRANSLATE))
        if not text.isascii():
            text = "".join(ch for ch in text if not text_cleanup._is_dropped(ch))
        else:
            text = "".join(ch for ch in text if ch >= " " or ch in "\n\t")
        return re.sub(r"\s+", " ", text).strip()

    rnd = random.Random(7)
    ranges = [(0, 0x80), (0x80, 0x3000), (0xD800, 0xE000), (0xE000, 0xF900), (0xF900, 0x110000)]
    texts = ["".join(chr(rnd.randrange(*rnd.choice(ranges))) for _ in range(rnd.randrange(60))) for _ in range(3000)]
    texts += [
        "a\x00b\tc\nd\x7f e",
        "ba\x00erij",
        "\ue01e",
        "(cid:12)x",
        "ﬁ ﬂ",
        "x\u00ady",
        "\u2010\u2011\u00a0",
        "geïntegreerde  voorziening\x0b",
        "",
    ]
    for text in texts:
        assert normalize_text(text) == per_character(text), repr(text)
