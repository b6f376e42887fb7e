"""The expertisebank command: JSON shapes, the report, exit statuses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from indexer.cli import main
from indexer.indexing.store import IndexStore
from tests import pdf_fixtures
from tests.conftest import CORPUS

HIT_KEYS = {"id", "title", "source", "type", "date", "page", "heading", "score", "snippet", "text", "also"}


@pytest.fixture
def runner():
    return CliRunner()


def test_search_json_is_exactly_one_object_of_the_promised_shape(runner, demo_index):
    result = runner.invoke(main, ["search", "--index", str(demo_index), "--json", "-k", "3", "samenwerkingsverband"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"query", "total", "took_ms", "hits", "suggestion"}
    assert data["query"] == "samenwerkingsverband" and len(data["hits"]) == 3
    assert all(set(h) == HIT_KEYS for h in data["hits"])


def test_passages_and_ask_json(runner, demo_index):
    result = runner.invoke(main, ["search", "--index", str(demo_index), "--json", "--passages", "symbiose"])
    ids = [h["id"] for h in json.loads(result.stdout)["hits"]]
    assert all("." in i for i in ids)
    result = runner.invoke(
        main, ["ask", "--index", str(demo_index), "--json", "Wie", "zitten", "er", "in", "een", "samenwerkingsverband?"]
    )
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and len(data["hits"]) == 5
    assert "maken deel uit van een regionaal samenwerkingsverband" in data["hits"][0]["text"]


def test_human_output_is_dutch(runner, demo_index):
    result = runner.invoke(main, ["search", "--index", str(demo_index), "samenwerkingsverbnd"])
    assert "Bedoelde u: samenwerkingsverband" in result.output
    assert "Resultaten:" in result.output


def test_stats(runner, demo_index):
    data = json.loads(runner.invoke(main, ["stats", "--index", str(demo_index), "--json"]).stdout)
    assert data["documents"] == 8 and data["passages"] > 100


def test_index_report_and_exit_status(runner, tmp_path):
    src = tmp_path / "bron"
    shutil.copytree(CORPUS, src, ignore=shutil.ignore_patterns("tools"))
    result = runner.invoke(main, ["index", "--source", str(src), "--index", str(tmp_path / "ix"), "--json"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert len(report["added"]) == 8 and report["failed"] == []
    pdf_fixtures.corrupt_pdf(src / "kapot.pdf")
    result = runner.invoke(main, ["index", "--source", str(src), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 1
    assert "! kapot.pdf: beschadigd PDF-bestand" in result.output
    assert "ongewijzigd:  8" in result.output


def test_full_and_from_scratch_say_what_they_carried_over(runner, tmp_path):
    src = tmp_path / "bron"
    shutil.copytree(CORPUS, src, ignore=shutil.ignore_patterns("tools"))
    args = ["index", "--source", str(src), "--index", str(tmp_path / "ix")]
    assert runner.invoke(main, args).exit_code == 0
    full = json.loads(runner.invoke(main, [*args, "--full", "--json"]).stdout)
    assert full["full"] and (full["carried_over"], full["analysed"], full["rebuild_reason"]) == (8, 0, None)
    result = runner.invoke(main, [*args, "--from-scratch"])
    assert result.exit_code == 0, result.output
    assert "Volledige herindexering" in result.output and "overgenomen:  0" in result.output
    assert "geanalyseerd: 8 (alles opnieuw: gevraagd met --from-scratch)" in result.output
    assert "--from-scratch" in runner.invoke(main, ["index", "--help"]).output


def test_misuse_exits_2(runner, tmp_path):
    assert runner.invoke(main, ["search"]).exit_code == 2
    assert runner.invoke(main, ["search", "-k", "0", "x"]).exit_code == 2
    result = runner.invoke(main, ["index", "--source", str(tmp_path / "bestaat-niet"), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 2 and "bronmap bestaat niet" in result.output


def test_busy_index_exits_3(runner, tmp_path):
    with IndexStore(tmp_path / "ix").lock():
        result = runner.invoke(main, ["index", "--source", str(CORPUS), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 3 and "Er loopt al een indexering" in result.output


def test_missing_index_is_explained(runner, tmp_path):
    result = runner.invoke(main, ["search", "--index", str(tmp_path / "leeg"), "x"])
    assert result.exit_code == 1 and "Er is nog geen index" in result.output


def test_console_script_is_installed(demo_index):
    exe = shutil.which("expertisebank", path=str(__import__("pathlib").Path(sys.executable).parent))
    assert exe, "the console script is missing from the virtual environment"
    out = subprocess.run(
        [exe, "search", "--index", str(demo_index), "--json", "EMB"], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout)["total"] >= 1
