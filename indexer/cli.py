"""The ``expertisebank`` command: index, search, ask, stats, serve.

Output for people is Dutch; ``--json`` prints exactly one JSON object on
stdout (progress and messages go to stderr). Exit status: 0 all well,
1 some files failed or the index is missing, 2 misuse, 3 another indexing
run is busy.
"""

from __future__ import annotations

import errno
import html
import json
import os
import re
import sys

import click

from indexer.indexing.store import IndexBusyError, IndexStore
from indexer.sources import CatalogueError

DEFAULT_SOURCE = os.environ.get("EXPERTISEBANK_SOURCE", "corpus")
DEFAULT_INDEX = os.environ.get("EXPERTISEBANK_INDEX", "var/index")
EXIT_BUSY = 3
NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)

index_option = click.option(
    "--index",
    "index_dir",
    default=DEFAULT_INDEX,
    show_default=True,
    help="Indexmap (of zet EXPERTISEBANK_INDEX).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Eén JSON-object op stdout.")


def _emit_json(data: dict) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"Fout: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Zoeken in de expertisebank passend onderwijs."""


@main.command("index")
@click.option(
    "--source",
    "source_dir",
    default=DEFAULT_SOURCE,
    show_default=True,
    type=click.Path(file_okay=False),
    help="Bronmap met PDF- en HTML-bestanden.",
)
@index_option
@click.option(
    "--full",
    is_flag=True,
    help="Een nieuwe indexmap opbouwen en die atomair inwisselen; alle bestanden worden opnieuw "
    "gelezen, ongewijzigde documenten worden uit de huidige index overgenomen.",
)
@click.option(
    "--from-scratch", is_flag=True, help="Zoals --full, maar alle documenten opnieuw analyseren (niets overnemen)."
)
@click.option(
    "--status-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Schrijf voortgang en verslag als JSON naar dit bestand (voor de beheerpagina).",
)
@json_option
def index_command(
    source_dir: str, index_dir: str, full: bool, from_scratch: bool, status_file: str | None, as_json: bool
) -> None:
    """Indexeer de bronmap (incrementeel: alleen nieuwe en gewijzigde bestanden)."""
    from tqdm import tqdm

    from indexer.indexing.run import run_index
    from indexer.indexing.status import RunStatus

    if not os.path.isdir(source_dir):
        _fail(f"bronmap bestaat niet: {source_dir}", 2)
    if IndexStore(index_dir).busy():
        # before the status file: that belongs to the run that holds the lock
        _fail(_busy_message(index_dir), EXIT_BUSY)
    try:
        status = RunStatus(status_file, full=full or from_scratch) if status_file else None
    except OSError as exc:
        _fail(_write_failure(exc, index_dir)[0], 2)

    def progress(items, total):
        bar = tqdm(items, total=total, desc="Indexeren", unit="bestand", file=sys.stderr, disable=None, leave=False)
        return status.track(bar, total) if status else bar

    report = _run_reporting_failures(
        lambda: run_index(source_dir, index_dir, full=full, from_scratch=from_scratch, progress=progress),
        index_dir,
        status,
    )
    if status:
        status.finished(report.as_json())
    if as_json:
        _emit_json(report.as_json())
    else:
        click.echo(report.render())
    if semantic_enabled():
        _start_embedding(index_dir)
    sys.exit(report.exit_code)


def semantic_enabled() -> bool:
    """Whether ``EXPERTISEBANK_SEMANTIC`` turns retrieval by meaning on."""
    return os.environ.get("EXPERTISEBANK_SEMANTIC", "").strip().lower() in ("aan", "on", "ja", "yes", "1", "true")


def _start_embedding(index_dir: str) -> None:
    """After a lexical commit: embed the new passages in the background."""
    from indexer.analysis.embeddings import unavailable
    from indexer.indexing.embedding_run import start_in_background

    reason = unavailable()
    if reason:
        click.echo(f"Let op: {reason}; de passages worden niet ingebed.", err=True)
        return
    start_in_background(index_dir)
    click.echo(f"Inbedden gestart op de achtergrond (voortgang: expertisebank stats --index {index_dir}).", err=True)


def _run_reporting_failures(run, index_dir: str, status):
    """``run()``'s report; a run that fails ends the command with a Dutch
    message and exit status, told to the status file too (the busy case
    excepted: the run that holds the lock owns that file)."""
    try:
        return run()
    except IndexBusyError as exc:
        _fail(str(exc), EXIT_BUSY)
    except CatalogueError as exc:
        if status:
            status.failed(f"{exc}. De index is niet gewijzigd.")
        _fail(f"{exc}. De index is niet gewijzigd.", 1)
    except OSError as exc:
        message, code = _write_failure(exc, index_dir)
        _end_helper_processes()
        if status:
            try:
                status.failed(message)
            except OSError:
                pass  # the status file may sit on the same full disk
        _fail(message, code)


def _busy_message(index_dir: str) -> str:
    try:
        with open(os.path.join(index_dir, "indexing.lock"), encoding="utf-8", errors="replace") as fh:
            holder = fh.read(200).strip()
    except OSError:
        holder = ""
    detail = f" ({holder})" if holder else ""
    return f"Er loopt al een indexering voor {index_dir}{detail}. Wacht tot die klaar is en probeer het dan opnieuw."


def _write_failure(exc: OSError, index_dir: str) -> tuple[str, int]:
    """A Dutch message and exit status for a run that could not write its index."""
    reason = exc.strerror or str(exc)
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno in NO_SPACE:
        return (
            f"Schijf vol: er is geen ruimte meer om de index in {index_dir} te schrijven{where}. "
            "De vorige index is ongewijzigd. Maak ruimte vrij en indexeer opnieuw.",
            2,
        )
    if exc.errno in NOT_WRITABLE:
        return (f"De indexmap {index_dir} is niet beschrijfbaar ({reason}){where}. De vorige index is ongewijzigd.", 2)
    return f"Indexeren mislukt ({reason}){where}. De vorige index is ongewijzigd.", 1


def _end_helper_processes() -> None:
    """Stop helper processes a failed run leaves (Whoosh's writer processes
    wait for work that will not come); the interpreter would wait for them
    at exit for ever."""
    import multiprocessing

    for child in multiprocessing.active_children():
        child.terminate()
    for child in multiprocessing.active_children():
        child.join(timeout=5)


def _service(index_dir: str):
    from indexer.search.service import IndexMissingError, SearchService

    service = SearchService(index_dir)
    try:
        service.stats()
    except IndexMissingError as exc:
        _fail(str(exc), 1)
    return service


_MARK_RE = re.compile(r"</?mark>")


def _terminal_snippet(snippet: str) -> str:
    """``<mark>`` -> bold in a terminal, brackets elsewhere; then unescape."""
    tty = sys.stdout.isatty()
    out = _MARK_RE.sub(
        lambda m: ("\033[1m" if tty else "[") if m.group() == "<mark>" else ("\033[0m" if tty else "]"), snippet
    )
    return html.unescape(out)


def _print_response(response, *, heading: str) -> None:
    if response.message:
        click.echo(response.message)
    if response.suggestion:
        click.echo(f"Bedoelde u: {response.suggestion}")
    click.echo(f"{heading}: {response.total} voor \u201c{response.query}\u201d ({response.took_ms:.1f} ms)")
    for n, hit in enumerate(response.hits, 1):
        sure = f"zekerheid {hit.confidence:.0%}" if hit.confidence is not None else ""
        where = " · ".join(x for x in (hit.type, hit.date or "", f"p. {hit.page}" if hit.page else "", sure) if x)
        click.echo(f"\n{n:>2}. {hit.title}  [{where}]")
        if hit.heading:
            click.echo(f"    {hit.heading}")
        click.echo(f"    {_terminal_snippet(hit.snippet)}")
        click.echo(f"    {hit.source}")
        for place in hit.also:
            also = (
                f"ook als PDF (p. {place.page})"
                if place.format == "pdf" and place.page
                else f"ook als {place.format.upper()}"
            )
            click.echo(f"    {also}: {place.source}")


def _filters(types, sectors, years) -> dict[str, list]:
    return {k: list(v) for k, v in (("type", types), ("sectors", sectors), ("year", years)) if v}


@main.command("search")
@index_option
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1, 100), help="Aantal resultaten.")
@click.option("--page", default=1, type=click.IntRange(1, 1000), help="Resultatenpagina.")
@click.option("--passages", is_flag=True, help="Passages in plaats van documenten.")
@click.option("--type", "types", multiple=True, help="Alleen dit type (herhaalbaar).")
@click.option("--sector", "sectors", multiple=True, type=click.Choice(["po", "vo", "so"]), help="Alleen deze sector.")
@click.option("--year", "years", multiple=True, type=int, help="Alleen dit jaar.")
@json_option
@click.argument("query", nargs=-1, required=True)
def search_command(index_dir, k, page, passages, types, sectors, years, as_json, query) -> None:
    """Zoek documenten (of passages) die bij QUERY passen."""
    service = _service(index_dir)
    response = service.search(
        " ".join(query),
        k=k,
        page=page,
        mode="passages" if passages else "documents",
        filters=_filters(types, sectors, years),
    )
    if as_json:
        _emit_json(response.as_json())
    else:
        _print_response(response, heading="Resultaten")


@main.command("ask")
@index_option
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 50), help="Aantal passages.")
@json_option
@click.argument("question", nargs=-1, required=True)
def ask_command(index_dir, k, as_json, question) -> None:
    """Vind de passages die een vraag het best beantwoorden."""
    service = _service(index_dir)
    response = service.ask(" ".join(question), k=k)
    if as_json:
        _emit_json(response.as_json())
    else:
        _print_response(response, heading="Antwoorden")


@main.command("stats")
@index_option
@json_option
def stats_command(index_dir, as_json) -> None:
    """Toon wat er in de index staat."""
    stats = _service(index_dir).stats()
    if as_json:
        _emit_json(stats)
        return
    click.echo(f"Index:      {stats['index']} ({stats['generation']})")
    click.echo(f"Documenten: {stats['documents']}")
    click.echo(f"Passages:   {stats['passages']}")
    for kind, n in stats["by_type"].items():
        click.echo(f"  {kind:<18} {n}")
    click.echo(f"Grootte:    {stats['index_bytes'] / 1024:.0f} kB")
    if stats.get("vectors") is not None:
        vectors = stats["vectors"]
        click.echo(f"Vectoren:   {vectors['with_vector']} van {vectors['passages']} passages ({vectors['state']})")


@main.command("embed")
@index_option
@click.option("--limit", type=click.IntRange(1), default=None, help="Hoogstens zoveel passages inbedden.")
@click.option("--quiet", is_flag=True, help="Geen voortgangsbalk (voor een run op de achtergrond).")
@json_option
def embed_command(index_dir: str, limit: int | None, quiet: bool, as_json: bool) -> None:
    """Bed de passages in die nog geen vector hebben (zoeken op betekenis)."""
    from tqdm import tqdm

    from indexer.analysis.embeddings import unavailable
    from indexer.indexing.embedding_run import embed_missing
    from indexer.indexing.vector_store import EmbeddingBusy

    reason = unavailable()
    if reason:
        _fail(reason, 2)

    def progress(batches, total):
        return tqdm(batches, total=total, desc="Inbedden", unit="batch", file=sys.stderr, disable=quiet or None)

    try:
        report = embed_missing(index_dir, progress=progress, limit=limit)
    except EmbeddingBusy as exc:
        _fail(str(exc), EXIT_BUSY)
    except FileNotFoundError as exc:
        _fail(str(exc), 1)
    if as_json:
        _emit_json(report.as_json())
    else:
        click.echo(report.render())


@main.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16))
def serve_command(index_dir, host, port, workers) -> None:
    """Start de zoeksite met gunicorn."""
    from search_app.wsgi_server import serve

    os.environ["EXPERTISEBANK_INDEX"] = index_dir
    serve(host=host, port=port, workers=workers)


if __name__ == "__main__":  # pragma: no cover
    main()
