"""Broken and hostile files: each one reported in one clear line, the rest indexed,
the run bounded in time and memory (tests/bad_files.py writes the corpus)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from indexer.extract.cache import ExtractionCache
from indexer.extract.pool import ExtractionPool, Outcome
from indexer.indexing.run import run_index
from indexer.model import SourceFile
from indexer.search.service import SearchService
from indexer.sources import file_sha256, slugify
from tests import bad_files
from tests.conftest import CORPUS, REPO

# a decompression bomb needs 2 GB unbounded; with this cap it is a MemoryError
LIMITS = {"EXPERTISEBANK_FILE_MEMORY_MB": "512", "EXPERTISEBANK_FILE_TIMEOUT": "30"}
CLI = Path(sys.executable).parent / "expertisebank"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("slecht")
    return bad_files.write_bad_corpus(base / "bron", base / "buiten")


@pytest.fixture(scope="module")
def indexed(hostile, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    for name, value in LIMITS.items():
        mp.setenv(name, value)
    try:
        root = tmp_path_factory.mktemp("index") / "ix"
        started = time.monotonic()
        report = run_index(hostile.root, root)
        elapsed = time.monotonic() - started
    finally:
        mp.undo()
    svc = SearchService(root)
    yield report, svc, elapsed
    svc.close()


def _children() -> set[int]:
    pids: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            pids |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            pass
    return pids


@pytest.mark.slow
def test_every_bad_file_is_reported_once_with_its_reason(hostile, indexed):
    report, _, elapsed = indexed
    reasons = dict(report.failed)
    assert len(reasons) == len(report.failed)  # one line per file, no file twice
    assert set(reasons) == set(hostile.reported), report.render()
    for path, gists in hostile.reported.items():
        for gist in gists:
            assert gist in reasons[path], (path, reasons[path])
    lines = report.render().splitlines()
    for path in hostile.reported:
        assert sum(line.startswith(f"    ! {path}: ") for line in lines) == 1
    assert report.exit_code == 1
    assert elapsed < 60  # no file may hang the run


def test_every_good_file_beside_them_is_indexed_and_found(hostile, indexed):
    report, svc, _ = indexed
    assert sorted(report.added) == sorted(hostile.indexed)
    assert report.added == sorted(report.added)  # written in path order, whatever the workers' timing
    for path, words in hostile.indexed.items():
        found = [h.source for h in svc.search(words, k=50).hits]
        assert path in found, (path, words, found)
    # the outside file behind the symlink never reached the index
    assert svc.search("geheimpje").total == 0


def test_other_encodings_are_decoded_not_garbled(hostile, indexed):
    _, svc, _ = indexed
    for path, text in hostile.texts.items():
        body = " ".join(p.text for p in svc.passages(slugify(path)))
        assert text in body, (path, body[:200])
        assert "Ã" not in body and "\ufffd" not in body
        assert svc.document(slugify(path)).title.startswith("Financiën")

    def found(query):  # the same text in each encoding: one hit, the others its other places
        return {s for h in svc.search(query, k=50).hits for s in [h.source] + [p.source for p in h.also]}

    assert set(hostile.texts) <= found("financiën")
    assert set(hostile.texts) <= found("één coördinator ideeën")


def test_the_pdf_tricks_that_can_be_read_are_read_whole(indexed):
    _, svc, _ = indexed
    loop = svc.document("pdf-paginaboom-lus-pdf")
    assert loop.page_count == 1  # a page tree in a ring: its one page, once
    image = svc.document("pdf-enorme-afbeelding-pdf")
    assert image.page_count == 1 and "enorme afbeelding" in svc.passages(image.doc_id)[0].text


@pytest.mark.slow
def test_the_command_reports_each_bad_file_and_stays_within_time_and_memory(hostile, tmp_path):
    # run from a wrapper that reports the largest memory use of any process under it
    wrapper = textwrap.dedent(f"""
        import resource, subprocess, sys
        done = subprocess.run([{str(CLI)!r}, "index", "--source", sys.argv[1], "--index", sys.argv[2]],
                              capture_output=True, text=True)
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr)
        print("MAXRSS_MB", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
        sys.exit(done.returncode)
    """)
    env = {**os.environ, **LIMITS}
    done = subprocess.run(
        [sys.executable, "-c", wrapper, str(hostile.root), str(tmp_path / "ix")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=REPO,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    for path, gists in hostile.reported.items():
        [line] = [line for line in lines if line.startswith(f"    ! {path}: ")]
        assert all(gist in line for gist in gists), line
    for path in hostile.indexed:
        assert f"    + {path}" in lines
    max_rss = int(re.search(r"MAXRSS_MB (\d+)", done.stdout).group(1))
    assert max_rss < 1024  # the bomb alone inflates to 2 GB without the worker cap


def test_a_file_over_the_time_limit_is_reported_and_the_run_goes_on(tmp_path, monkeypatch):
    source = tmp_path / "bron"
    source.mkdir()
    slow = bad_files.many_pages_pdf(source / "a-traag.pdf", 6000)  # several seconds of parsing
    shutil.copy(CORPUS / "webpaginas" / "praktijkvoorbeelden.html", source / "b-goed.html")
    monkeypatch.setenv("EXPERTISEBANK_MAX_PDF_PAGES", "10000")
    monkeypatch.setenv("EXPERTISEBANK_FILE_TIMEOUT", "1")
    monkeypatch.setenv("EXPERTISEBANK_WORKERS", "1")  # the next file needs the replaced worker
    before = _children()
    started = time.monotonic()
    report = run_index(source, tmp_path / "ix")
    assert time.monotonic() - started < 15
    assert report.failed == [("a-traag.pdf", "verwerking duurde te lang (meer dan 1 s): overgeslagen")]
    assert report.added == ["b-goed.html"]
    # a timeout may depend on the load: not remembered, so the next run tries again
    assert not ExtractionCache(tmp_path / "ix" / "extract-cache").has(file_sha256(slow))
    assert _children() <= before


def _crashing_task(source: SourceFile):
    if "crash" in source.path:
        import ctypes

        ctypes.string_at(0)  # a real segmentation fault, as a parser bug would cause
    time.sleep(0.05 if source.path.endswith("0") else 0.0)
    return source.path


def _sources(names):
    return [SourceFile(n, n, "html", n) for n in names]


def test_a_worker_that_dies_costs_only_its_file_and_results_keep_their_order():
    names = [f"f{i}" for i in range(10)]
    names.insert(3, "crash")
    before = _children()
    with ExtractionPool(_crashing_task, workers=2, timeout=10) as pool:
        pool.submit(_sources(names))
        results = list(pool.results())
    assert [s.path for s, _ in results] == names
    outcomes = dict((s.path, o) for s, o in results)
    assert "stopte onverwacht (SIGSEGV)" in outcomes["crash"].error and not outcomes["crash"].cacheable
    assert all(outcomes[n] == Outcome(doc=n) for n in names if n != "crash")
    assert _children() <= before


def test_workers_die_with_a_parent_killed_by_sigkill(tmp_path):
    script = textwrap.dedent("""
        import sys, time
        from indexer.model import SourceFile
        from indexer.extract.pool import ExtractionPool

        def slow(source):
            time.sleep(60)

        pool = ExtractionPool(slow, workers=2, timeout=120)
        pool.submit([SourceFile(n, n, "html", n) for n in "ab"])
        print(" ".join(str(w.pid) for w in pool.workers), flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert len(workers) == 2
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in workers):
            assert time.monotonic() < deadline, "workers outlived their parent"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


def test_an_interrupted_run_leaves_no_worker_behind(tmp_path):
    from indexer.indexing.run import Pipeline

    source = tmp_path / "bron"
    shutil.copytree(CORPUS, source, ignore=shutil.ignore_patterns("tools"))

    def interrupted(source, doc, doc_id):
        raise KeyboardInterrupt

    before = _children()
    with pytest.raises(KeyboardInterrupt):
        run_index(source, tmp_path / "ix", pipeline=Pipeline(build_record=interrupted))
    assert _children() <= before
    assert run_index(source, tmp_path / "ix").exit_code == 0
