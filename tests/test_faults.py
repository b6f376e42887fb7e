"""Faults during indexing, tried for real: searches while a run works, ``kill -9``
of a run (and of one of its writer processes) at random moments, two runs at
once, a full disk and a read-only index folder.

Runs are the installed ``expertisebank`` command in subprocesses; the index is
read through :class:`SearchService` and the site's JSON API, as in production.
The source folder is the demo corpus plus a few hundred small generated pages:
enough for the multi-process writer (200 documents or more) and for runs that
last a few seconds, so that kills land in every phase.
"""

from __future__ import annotations

import errno
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.synthetic_corpus import html_page
from indexer.indexing.run import run_index
from indexer.indexing.store import IndexStore
from indexer.search.service import SearchService
from search_app import create_app, reindex_job
from tests.conftest import CORPUS

MARKER = "kwartelkoning"  # in every generated page, nowhere in the demo corpus
REVISED = "herzienversie"  # only in pages rewritten during a test
GENERATED = 205  # with the demo files: over the multi-process writer's threshold of 200

_script = Path(sys.executable).with_name("expertisebank")
CLI = [str(_script)] if _script.exists() else [sys.executable, "-m", "indexer.cli"]
REPO = Path(__file__).resolve().parent.parent


# -- a source folder ---------------------------------------------------------------


def _vocabulary() -> list[str]:
    words: set[str] = set()
    for page in sorted((CORPUS / "webpaginas").glob("*.html")):
        text = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")).lower()
        words.update(re.findall(r"[a-zé]{4,}", text))
    return sorted(words)


VOCABULARY = _vocabulary()


def write_page(path: Path, rng: random.Random, *extra: str) -> None:
    """A small generated page (60-140 words in two or three sections) with the marker word."""

    def sentence(n: int) -> str:
        return " ".join(rng.choice(VOCABULARY) for _ in range(n)).capitalize() + "."

    sections = []
    for s in range(rng.randint(2, 3)):
        words = rng.randint(30, 50)
        body = " ".join(sentence(rng.randint(6, 12)) for _ in range(max(1, words // 9)))
        if s == 0:
            body += f" {MARKER} " + " ".join(extra)
        sections.append((sentence(3)[:-1], [body]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_page(sentence(4)[:-1], "2021-03-04", sections), encoding="utf-8")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The demo corpus plus generated pages, indexed once; tests work on copies."""
    root = tmp_path_factory.mktemp("faults")
    source = root / "bron"
    shutil.copytree(CORPUS, source, ignore=shutil.ignore_patterns("tools"))
    rng = random.Random(20261125)
    for i in range(GENERATED):
        write_page(source / "gegenereerd" / f"pagina{i:04d}.html", rng)
    report = run_index(source, root / "index")
    assert report.failed == [] and report.documents == len(source_paths(source)), report.render()
    return root


def workspace(base: Path, tmp_path: Path) -> tuple[Path, Path]:
    source, root = tmp_path / "bron", tmp_path / "index"
    shutil.copytree(base / "bron", source)
    shutil.copytree(base / "index", root, symlinks=True)
    return source, root


def change_source(source: Path, rng: random.Random, *, add: int, modify: int, remove: int, tag: str) -> None:
    """Add, rewrite and delete generated pages: one incremental run's worth of change."""
    pages = sorted((source / "gegenereerd").glob("*.html"))
    chosen = rng.sample(pages, modify + remove)
    for path in chosen[:modify]:
        write_page(path, rng, REVISED)
    for path in chosen[modify:]:
        path.unlink()
    for i in range(add):
        write_page(source / "gegenereerd" / f"nieuw-{tag}-{i}.html", rng)


def source_paths(source: Path) -> set[str]:
    return {p.relative_to(source).as_posix() for p in source.rglob("*") if p.suffix in (".html", ".pdf")}


# -- what an index holds ------------------------------------------------------------


def snapshot(root: Path) -> dict:
    """Everything a reader sees, checked for doubles: per source file its passages."""
    service = SearchService(root)
    try:
        stats = service.stats()
        records = service.documents()
        ids = [r.doc_id for r in records]
        assert len(ids) == len(set(ids)), "a document record appears twice"
        docs = {}
        for r in records:
            passages = service.passages(r.doc_id)
            numbers = [p.number for p in passages]
            assert len(numbers) == len(set(numbers)), f"a passage of {r.source} appears twice: {numbers}"
            assert len(passages) == r.passage_count, (r.source, len(passages), r.passage_count)
            docs[r.source] = tuple(p.text for p in passages)
        assert stats["documents"] == len(docs)
        assert stats["passages"] == sum(len(p) for p in docs.values()), "passages outside their documents"
        marker = service.search(MARKER, k=5).total
        return {"docs": docs, "documents": stats["documents"], "passages": stats["passages"], "marker": marker}
    finally:
        service.close()


def results_of(root: Path, queries=("passend onderwijs", "samenwerkingsverband", MARKER)) -> list:
    service = SearchService(root)
    try:
        return [
            (r.total, [(h.id, h.snippet) for h in r.hits])
            for r in (service.search(q, k=10, mode="passages") for q in queries)
        ]
    finally:
        service.close()


# -- processes ------------------------------------------------------------------------


def cli(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=REPO, **kwargs)


def start(*args: str, **kwargs) -> subprocess.Popen:
    """A run in a session of its own, so that its helper processes can be found by group."""
    return subprocess.Popen(
        [*CLI, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        start_new_session=True,
        **kwargs,
    )


def living_members(group: int) -> list[int]:
    """Processes of a process group that are not zombies."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def children_of(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def wait_until_gone(group: int, seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := living_members(group)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def end_group(group: int) -> None:
    """Leave no process behind, whatever the test found (its own processes only)."""
    for pid in living_members(group):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def index_args(source: Path, root: Path, *extra: str) -> list[str]:
    return ["index", "--source", str(source), "--index", str(root), *extra]


# -- 1. searching while a run works ------------------------------------------------------


def _search_during(proc: subprocess.Popen, root: Path, source: Path) -> list[dict]:
    """Search in a loop, in this process and through the site's API, until the run ends."""
    client = create_app(
        {"INDEX_DIR": str(root), "SOURCE_DIR": str(source), "TESTING": True, "RATELIMIT_ENABLED": False}
    ).test_client()
    service = SearchService(root)
    seen: list[dict] = []
    rounds_after = 2
    n = 0
    try:
        while rounds_after:
            if proc.poll() is not None:
                rounds_after -= 1
            n += 1
            obs: dict = {}
            try:
                obs["marker"] = service.search(MARKER, k=5).total
                obs["revised"] = service.search(REVISED, k=5).total
                stats = service.stats()
                obs["counts"] = (stats["documents"], stats["passages"])
                obs["sources"] = frozenset(r.source for r in service.documents())
                api = client.get(f"/api/search?q={MARKER}&k=5")
                obs["api_status"] = api.status_code
                obs["api_marker"] = api.get_json().get("total") if api.status_code == 200 else None
                page = client.get(f"/zoeken?q={MARKER}")
                obs["page_status"] = page.status_code
                if n % 4 == 0:  # a worker that opens the index just now
                    fresh = SearchService(root)
                    obs["fresh_marker"] = fresh.search(MARKER, k=5).total
                    fresh.close()
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                obs["error"] = f"{type(exc).__name__}: {exc}"
            seen.append(obs)
    finally:
        service.close()
    return seen


def _assert_old_or_new(seen: list[dict], old: dict, new: dict, old_sources, new_sources, label: str) -> None:
    errors = [o["error"] for o in seen if "error" in o]
    assert not errors, f"{label}: {len(errors)} searches failed, first: {errors[0]}"
    assert len(seen) >= 5, f"{label}: too few searches during the run ({len(seen)})"
    for o in seen:
        assert o["api_status"] == 200 and o["page_status"] == 200, (label, o["api_status"], o["page_status"])
        for key in ("marker", "api_marker", "fresh_marker"):
            if key in o:
                assert o[key] in (old["marker"], new["marker"]), (label, key, o[key], old["marker"], new["marker"])
        assert o["counts"] in ((old["documents"], old["passages"]), (new["documents"], new["passages"])), (
            label,
            o["counts"],
        )
        assert o["sources"] in (old_sources, new_sources), f"{label}: a mix of the old and the new document set"
        old_revised = sum(REVISED in " ".join(t) for t in old["docs"].values())
        new_revised = sum(REVISED in " ".join(t) for t in new["docs"].values())
        assert o["revised"] in (old_revised, new_revised), (label, o["revised"])
    # the loop outlived the run, so the last answers come from the new index
    assert seen[-1]["counts"] == (new["documents"], new["passages"])


@pytest.mark.slow
def test_searches_during_an_incremental_and_a_full_run_see_the_old_or_the_new_index(base, tmp_path):
    """ "Complete" for an incremental run: its adds, rewrites and deletions are
    one Whoosh commit, so every answer (a search's total, the statistics, the
    document list) shows all of them or none: document and passage counts are
    the old pair or the new pair, the document set the old set or the new.
    For ``--full`` the same holds through the swap of ``current``."""
    source, root = workspace(base, tmp_path)
    rng = random.Random(1)
    old = snapshot(root)
    for label, change, extra in (
        ("incrementeel", dict(add=6, modify=4, remove=5), ()),
        ("volledig", dict(add=3, modify=2, remove=2), ("--full",)),
    ):
        old_sources = frozenset(old["docs"])
        change_source(source, rng, tag=label, **change)
        proc = start(*index_args(source, root, *extra))
        try:
            seen = _search_during(proc, root, source)
            _, err = proc.communicate(timeout=120)
        finally:
            end_group(proc.pid)
        assert proc.returncode == 0, err
        new = snapshot(root)
        assert set(new["docs"]) == source_paths(source) and new["docs"] != old["docs"]
        _assert_old_or_new(seen, old, new, old_sources, frozenset(new["docs"]), label)
        print(
            f"{label}: {len(seen)} zoekrondes, oud {sum(o['counts'][0] == old['documents'] for o in seen)}"
            f" / nieuw {sum(o['counts'][0] == new['documents'] for o in seen)}, geen fouten"
        )
        old = new


# -- 2. kill -9 -----------------------------------------------------------------------------


def _phase(status_file: Path) -> str:
    status = reindex_job.read_status(status_file) if status_file.exists() else None
    if not status or status.get("state") != "bezig" or not status.get("total"):
        return "opstarten/scannen"
    if status.get("done", 0) < status["total"]:
        return "extraheren/schrijven"
    return "commit/wissel"


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_and_doubles_nothing(base, tmp_path):
    source, root = workspace(base, tmp_path)
    rng = random.Random(20261125)
    status_file = tmp_path / "status.json"
    # how long each kind of run takes here, to spread the kills over it
    started = time.monotonic()
    assert cli(*index_args(source, root, "--full")).returncode == 0
    took = {"full": time.monotonic() - started}
    change_source(source, rng, add=3, modify=2, remove=1, tag="meting")
    started = time.monotonic()
    assert cli(*index_args(source, root)).returncode == 0
    took["incremental"] = time.monotonic() - started
    plan = ["full", "incremental", "full", "incremental", "full"]
    fractions = [(i + rng.random()) / len(plan) for i in range(len(plan))]  # one per slice of the run
    rng.shuffle(fractions)
    outcomes = []
    for i, (mode, fraction) in enumerate(zip(plan, fractions)):
        before = snapshot(root)
        if mode == "incremental":
            change_source(source, rng, add=2, modify=1, remove=1, tag=f"k{i}")
        extra = ("--full",) if mode == "full" else ()
        status_file.unlink(missing_ok=True)
        proc = start(*index_args(source, root, *extra, "--status-file", str(status_file)))
        try:
            time.sleep(fraction * took[mode])
            phase = _phase(status_file)
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=60)
            killed = proc.returncode == -signal.SIGKILL
            orphans = wait_until_gone(proc.pid)
        finally:
            end_group(proc.pid)
        assert not orphans, f"kill {i} ({mode}, {phase}): processes left running: {orphans}"
        # a search works at once, on the old index or the new one
        after_kill = snapshot(root)
        expected = source_paths(source)
        assert set(after_kill["docs"]) in (set(before["docs"]), expected), f"kill {i}: a mixed index"
        assert not IndexStore(root).busy()
        # the next run completes and brings the index in line with the folder
        done = cli(*index_args(source, root))
        assert done.returncode == 0, f"kill {i} ({mode}, {phase}): next run: {done.stderr}"
        assert set(snapshot(root)["docs"]) == expected
        outcomes.append(f"{mode} na {fraction * took[mode]:.2f} s ({phase}){'' if killed else ' - was al klaar'}")
    print("\n".join(outcomes))
    assert sum("al klaar" not in o for o in outcomes) >= len(plan) // 2, outcomes
    # and the result equals a clean build of the same folder
    final = snapshot(root)
    reference = tmp_path / "referentie"
    report = run_index(source, reference, cache_dir=root / "extract-cache")
    assert report.failed == []
    assert final == snapshot(reference)
    leftovers = [p.name for p in root.iterdir() if p.name.startswith("gen-")]
    assert len(leftovers) <= 2, f"generations pile up: {leftovers}"


@pytest.mark.slow
def test_kill_9_of_a_writer_process_never_publishes_a_partial_index(base, tmp_path):
    """The OOM killer picks one of Whoosh's writer processes of a rebuild
    (``--from-scratch``: every document is written again, by two processes;
    a ``--full`` of an unchanged folder carries them over and starts none):
    the run must fail with the old index live, or publish a complete index."""
    source, root = workspace(base, tmp_path)
    before = snapshot(root)
    generation = IndexStore(root).current_generation()
    proc = start(*index_args(source, root, "--from-scratch"))
    try:
        deadline = time.monotonic() + 60
        while not (kids := children_of(proc.pid)) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert kids, "the run never started a writer process"
        time.sleep(0.1)
        os.kill(kids[0], signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
        orphans = wait_until_gone(proc.pid)
    finally:
        end_group(proc.pid)
    assert not orphans
    after = snapshot(root)
    if proc.returncode == 0:
        assert after == before, "the run published an index without the killed process's documents"
    else:
        assert "Traceback" not in err.split("Fout:")[-1] and "Fout:" in err, err
        assert IndexStore(root).current_generation() == generation and after == before
    assert cli(*index_args(source, root)).returncode == 0


# -- 3. two runs at once ---------------------------------------------------------------------


@pytest.mark.slow
def test_a_second_run_gets_a_clear_message_through_the_cli_and_the_editor(base, tmp_path):
    source, root = workspace(base, tmp_path)
    status_file = reindex_job.status_path(str(root))
    # a rebuild: long enough for the second run to find it busy (a --full of
    # an unchanged folder carries everything over and is done in a moment)
    first = start(*index_args(source, root, "--from-scratch", "--status-file", str(status_file)))
    try:
        deadline = time.monotonic() + 30
        while not IndexStore(root).busy() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert IndexStore(root).busy(), "the first run never took the lock"
        second = cli(*index_args(source, root, "--status-file", str(status_file)))
        assert reindex_job.is_busy(str(root)) and not reindex_job.start(str(root), str(source))
        status = reindex_job.current_status(str(root))
        _, err = first.communicate(timeout=120)
    finally:
        end_group(first.pid)
    assert second.returncode == 3, second.stderr
    assert f"Fout: Er loopt al een indexering voor {root} (proces {first.pid}" in second.stderr
    assert "Wacht tot die klaar is en probeer het dan opnieuw." in second.stderr and "Traceback" not in second.stderr
    assert status["state"] == "bezig" and status["pid"] == first.pid, "the second run took over the status file"
    assert first.returncode == 0, err
    assert reindex_job.current_status(str(root))["state"] == "klaar"


@pytest.mark.slow
def test_two_runs_started_together_one_works_the_other_is_turned_away(base, tmp_path):
    source, root = workspace(base, tmp_path)
    change_source(source, random.Random(3), add=2, modify=1, remove=1, tag="samen")
    runs = [start(*index_args(source, root)) for _ in range(2)]
    try:
        outputs = [r.communicate(timeout=120)[1] for r in runs]
    finally:
        for r in runs:
            end_group(r.pid)
    codes = sorted(r.returncode for r in runs)
    assert codes in ([0, 3], [0, 0]), outputs  # [0, 0]: the second started after the first had ended
    for r, err in zip(runs, outputs):
        if r.returncode == 3:
            assert "Er loopt al een indexering" in err and "Traceback" not in err
    assert set(snapshot(root)["docs"]) == source_paths(source)


# -- 4. a full disk, a read-only folder --------------------------------------------------------


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(
            f"mount is not permitted here ({done.stderr.strip() or done.returncode}); it needs root with CAP_SYS_ADMIN"
        )


@pytest.fixture
def mounts():
    mounted: list[Path] = []
    yield mounted
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _small_workspace(demo_index: Path, tmp_path: Path, root: Path) -> Path:
    """The demo corpus and a copy of its index (with its extraction cache, so no PDF is parsed again)."""
    source = tmp_path / "bron"
    shutil.copytree(CORPUS, source, ignore=shutil.ignore_patterns("tools"))
    shutil.copytree(demo_index, root, symlinks=True)
    return source


def _add_big_page(source: Path) -> None:
    rng = random.Random(5)
    sections = [
        (f"Deel {i}", [" ".join(rng.choice(VOCABULARY) for _ in range(400)) + f" {MARKER}."]) for i in range(40)
    ]
    (source / "groot.html").write_text(html_page("Een groot nieuw document", "2022-01-01", sections), encoding="utf-8")


def _fill(disk: Path, leave: int) -> Path:
    """Fill a file system up to ``leave`` bytes."""
    filler = disk / "vulsel"
    # unbuffered: a buffered file keeps what a partial write left over and
    # raises ENOSPC again when it is closed
    with open(filler, "wb", buffering=0) as fh:
        try:
            while fh.write(b"\0" * 65536):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    os.truncate(filler, max(0, filler.stat().st_size - leave + free))
    return filler


def _assert_refused_and_intact(done, before_results, before_snapshot, root: Path, source: Path, words: str) -> None:
    print(done.stderr.strip().splitlines()[-1])
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert words in done.stderr and "De vorige index is ongewijzigd." in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert results_of(root) == before_results
    assert snapshot(root) == before_snapshot
    assert "groot.html" not in snapshot(root)["docs"]


@pytest.mark.slow
def test_a_full_disk_stops_the_run_with_a_clear_message_and_the_old_index_intact(demo_index, tmp_path, mounts):
    """A real ENOSPC: the index lives on a small tmpfs that is filled up."""
    disk = tmp_path / "schijf"
    disk.mkdir()
    _mount("-t", "tmpfs", "-o", "size=6m", "tmpfs", str(disk))
    mounts.append(disk)
    root = disk / "index"
    source = _small_workspace(demo_index, tmp_path, root)
    before_results, before_snapshot = results_of(root), snapshot(root)
    _add_big_page(source)
    cached = len(list((root / "extract-cache").glob("*.json")))
    # nothing left (the status file fails first); room for the status and the
    # extracted text, not for the index (Whoosh's writer fails)
    for leave, extra in ((0, ()), (600 * 1024, ()), (600 * 1024, ("--full",))):
        filler = _fill(disk, leave)
        done = cli(*index_args(source, root, *extra, "--status-file", str(root / "status.json")))
        _assert_refused_and_intact(done, before_results, before_snapshot, root, source, "Schijf vol")
        assert not list(root.glob(".*.tmp")), "half-written temporary files left behind"
    assert len(list((root / "extract-cache").glob("*.json"))) == cached + 1, "the index, not the cache, was full"
    filler.unlink()
    done = cli(*index_args(source, root))
    assert done.returncode == 0, done.stderr
    assert "groot.html" in snapshot(root)["docs"]


@pytest.mark.slow
def test_a_full_disk_during_the_multi_process_writer_stops_the_run_cleanly(base, tmp_path, mounts):
    """The same with Whoosh's writer processes (a rebuild of over 200 documents)."""
    disk = tmp_path / "schijf"
    disk.mkdir()
    _mount("-t", "tmpfs", "-o", "size=40m", "tmpfs", str(disk))
    mounts.append(disk)
    source, root = workspace(base, disk)
    before_results, before_snapshot = results_of(root), snapshot(root)
    filler = _fill(disk, 256 * 1024)  # the writer processes run out of room for their segments
    proc = start(*index_args(source, root, "--from-scratch"))
    try:
        _, err = proc.communicate(timeout=120)
        orphans = wait_until_gone(proc.pid)
    finally:
        end_group(proc.pid)
    assert not orphans
    assert proc.returncode == 2, err
    assert "Schijf vol" in err and "De vorige index is ongewijzigd." in err and "Traceback" not in err, err
    assert results_of(root) == before_results and snapshot(root) == before_snapshot
    filler.unlink()
    change_source(source, random.Random(8), add=1, modify=1, remove=1, tag="ruimte")
    done = cli(*index_args(source, root))
    assert done.returncode == 0, done.stderr
    assert set(snapshot(root)["docs"]) == source_paths(source)


def _no_bigger_files(limit: int):
    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_file_size


def test_a_file_size_limit_stops_the_run_with_a_clear_message_and_the_old_index_intact(demo_index, tmp_path):
    """Always available (no mount): RLIMIT_FSIZE makes writes fail as on a full disk."""
    root = tmp_path / "index"
    source = _small_workspace(demo_index, tmp_path, root)
    before_results, before_snapshot = results_of(root), snapshot(root)
    _add_big_page(source)
    for extra in ((), ("--full",)):
        done = cli(*index_args(source, root, *extra), preexec_fn=_no_bigger_files(32 * 1024))
        _assert_refused_and_intact(done, before_results, before_snapshot, root, source, "Schijf vol")
    done = cli(*index_args(source, root))
    assert done.returncode == 0, done.stderr
    assert "groot.html" in snapshot(root)["docs"]


def test_a_read_only_index_folder_stops_the_run_with_a_clear_message(demo_index, tmp_path, mounts):
    """A read-only bind mount of the whole index folder, then of the live generation only."""
    root = tmp_path / "index"
    source = _small_workspace(demo_index, tmp_path, root)
    before_results, before_snapshot = results_of(root), snapshot(root)
    _add_big_page(source)
    generation = IndexStore(root).current_generation()
    for point, runs in ((root, ((), ("--full",))), (generation, ((),))):
        _mount("--bind", str(point), str(point))
        mounts.append(point)
        _mount("-o", "remount,bind,ro", str(point))
        for extra in runs:
            done = cli(*index_args(source, root, *extra))
            _assert_refused_and_intact(done, before_results, before_snapshot, root, source, "niet beschrijfbaar")
        subprocess.run(["umount", str(point)], check=True)
        mounts.remove(point)
    done = cli(*index_args(source, root))
    assert done.returncode == 0, done.stderr
    assert "groot.html" in snapshot(root)["docs"]
