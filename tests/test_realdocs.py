"""Ingestion of real third-party PDFs (../shared/realdocs): messy files must
either give clean text or be reported with a reason, never crash the run."""

from __future__ import annotations

import re

import pytest

from indexer.extract.pdf_pages import extract_pdf
from indexer.indexing.run import run_index
from indexer.model import ExtractionError


def text_of(path):
    return "\n".join(b.text for b in extract_pdf(path, path.name).blocks)


def test_ligatures_are_normalised_and_hyphenation_undone(realdocs):
    text = text_of(realdocs / "pdf" / "rijn_ijssel_begeleidingsbeleid.pdf")
    assert "\ufb01" not in text and "\ufb02" not in text
    assert "onlosmakelijk" in text
    # the running header of every page is gone
    assert "25-0212 vb cvb" not in text


def test_latex_hyphenation_is_undone(realdocs):
    text = text_of(realdocs / "pdf" / "De_FAIRificatie_van_Woo-dossiers_MaikLarooij.pdf")
    assert "belangrijkste" in text and "be- langrijkste" not in text
    breaks = re.findall(r"\b[a-z]{2,}- [a-z]{2,}", text)
    ellipsis = [b for b in breaks if b.split()[1] in ("en", "of", "tot")]
    assert len(breaks) - len(ellipsis) <= 5, breaks[:10]


def test_words_keep_their_spaces_in_a_pdf_without_space_characters(realdocs):
    text = text_of(realdocs / "pdf" / "2025-06-04-toegankelijkheidsonderzoek-open.minvws.nl.pdf")
    assert "WCAG 2.2 AA onderzoek" in text or "WCAG2.2 AA onderzoek" in text
    assert "Ministerie van Volksgezondheid" in text


@pytest.mark.parametrize("name", ["besluitbrief.pdf", "zonneweidevoorbeeld.pdf"])
def test_scans_without_usable_text_are_reported(realdocs, name):
    with pytest.raises(ExtractionError) as info:
        extract_pdf(realdocs / "pdf" / name)
    assert "geen tekstlaag" in info.value.reason


def test_the_whole_folder_indexes_with_only_the_scans_failing(realdocs, tmp_path):
    report = run_index(realdocs, tmp_path / "ix")
    assert sorted(p for p, _ in report.failed) == ["pdf/besluitbrief.pdf", "pdf/zonneweidevoorbeeld.pdf"]
    assert report.documents == 20 + 8 - 2
    assert report.passages > 500


def test_ligature_glyphs_without_unicode_are_put_back(realdocs):
    text = text_of(realdocs / "pdf" / "2025-06-04-toegankelijkheidsonderzoek-open.minvws.nl.pdf")
    assert text.count("steekproef") >= 30 and "steekproe " not in text
    manual = text_of(realdocs / "pdf" / "10999_gebruikershandleiding_koolmonoxidemelder.pdf")
    assert "functie" in manual and "funce" not in manual


def test_a_stale_metadata_title_gives_way_to_the_title_on_page_one(realdocs):
    doc = extract_pdf(realdocs / "pdf" / "Besluitenlijst-raadsvergadering-29-juni-2015.pdf")
    assert doc.title.startswith("Besluitenlijst raadsvergadering 29 juni 2015")
    doc = extract_pdf(realdocs / "pdf" / "rijn_ijssel_begeleidingsbeleid.pdf")
    assert doc.title == "Studentbegeleiding en studentenwelzijn"
