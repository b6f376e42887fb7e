"""The editors' area (/beheer): upload, remove and reindex, behind a login.

Off (404) unless ``EXPERTISEBANK_EDITOR_PASSWORD`` is set. Every form carries
a CSRF token (Flask-WTF); uploads are checked by content and size.
"""

from __future__ import annotations

import hmac
import re
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from indexer.extract.dates import parse_date
from indexer.model import DOCUMENT_TYPES, SECTORS
from indexer.search.service import IndexMissingError
from indexer.sources import CatalogueError, update_catalogue
from search_app import query_log, reindex_job
from search_app.pages import indexed_file
from search_app.request_params import service
from search_app.upload_check import UploadRejected, check_upload

editor = Blueprint("editor", __name__, url_prefix="/beheer")
UPLOAD_FOLDER = "uploads"


@editor.before_request
def require_login():
    if not current_app.config.get("EDITOR_PASSWORD"):
        abort(404)  # the area is off
    if request.endpoint != "editor.login" and not session.get("editor"):
        return redirect(url_for("editor.login", next=request.path))
    return None


@editor.route("/inloggen", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        given = request.form.get("wachtwoord", "").encode()
        expected = current_app.config["EDITOR_PASSWORD"].encode()
        if hmac.compare_digest(given, expected):
            session.clear()
            session["editor"] = True
            target = request.args.get("next", "")
            safe = re.fullmatch(r"/beheer(/[\w./-]*)?", target) and ".." not in target and "//" not in target
            return redirect(target if safe else url_for("editor.dashboard"))
        error = "Onjuist wachtwoord."
    return render_template("editor/login.html", error=error), 401 if error else 200


@editor.post("/uitloggen")
def logout():
    session.clear()
    return redirect(url_for("pages.search_page"))


def _config():
    return current_app.config["INDEX_DIR"], current_app.config["SOURCE_DIR"]


@editor.get("/")
def dashboard():
    index_dir, _ = _config()
    try:
        documents = service().documents()
    except IndexMissingError:
        documents = []
    return render_template(
        "editor/dashboard.html",
        documents=documents,
        status=reindex_job.current_status(index_dir),
        vectors=service().vector_status(),
        types=DOCUMENT_TYPES,
        sectors=SECTORS,
    )


@editor.get("/zoekvragen")
def queries():
    """What visitors look for and do not find (counts only; see query_log)."""
    log = current_app.extensions.get("query_log")
    counts = log.overview() if log else []
    return render_template(
        "editor/queries.html",
        enabled=log is not None,
        lists=query_log.report(counts),
        min_searches=query_log.MIN_SEARCHES,
        retention_days=log.retention_days if log else None,
    )


@editor.get("/zoekvragen.csv")
def queries_csv():
    log = current_app.extensions.get("query_log")
    body = query_log.as_csv(log.overview() if log else [])
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=zoekvragen.csv"})


@editor.get("/status.json")
def status_json():
    return jsonify(reindex_job.current_status(_config()[0]) or {"state": "geen"})


def _start_reindex(full: bool = False) -> None:
    index_dir, source_dir = _config()
    if reindex_job.start(index_dir, source_dir, full=full):
        flash("De index wordt bijgewerkt; de voortgang staat hieronder.")
    else:
        flash(
            "Er loopt al een indexering. Uw wijziging wordt meegenomen bij de volgende run; "
            "start die zodra deze klaar is."
        )


@editor.post("/uploaden")
def upload():
    _, source_dir = _config()
    file = request.files.get("bestand")
    if file is None or not file.filename:
        flash("Kies een bestand om toe te voegen.", "fout")
        return redirect(url_for("editor.dashboard"))
    data = file.read()
    try:
        fmt, name = check_upload(file.filename, data)
    except UploadRejected as exc:
        flash(f"{file.filename}: {exc}", "fout")
        return redirect(url_for("editor.dashboard")), 303
    entry = {
        "title": " ".join(request.form.get("titel", "").split())[:300] or None,  # no control characters
        "type": request.form.get("type") if request.form.get("type") in DOCUMENT_TYPES else None,
        "sectors": [s for s in request.form.getlist("sector") if s in SECTORS],
        "date": parse_date(request.form.get("datum", "")),
    }
    target_dir = Path(source_dir) / UPLOAD_FOLDER
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / name
    replaced = target.exists()
    tmp = target.with_name(f".{name}.upload")
    tmp.write_bytes(data)
    tmp.replace(target)
    try:
        update_catalogue(source_dir, f"{UPLOAD_FOLDER}/{name}", {k: v for k, v in entry.items() if v})
    except CatalogueError as exc:
        flash(f"Het bestand is opgeslagen, maar de catalogus kon niet worden bijgewerkt: {exc}", "fout")
    flash(f"{name} is {'vervangen' if replaced else 'toegevoegd'} ({fmt.upper()}, {len(data) // 1024} kB).")
    _start_reindex()
    return redirect(url_for("editor.dashboard"), 303)


@editor.post("/verwijderen")
def remove():
    _, source_dir = _config()
    doc_id = request.form.get("document", "")
    try:
        found = indexed_file(doc_id)
        record = service().document(doc_id)
    except IndexMissingError as exc:
        flash(str(exc), "fout")
        return redirect(url_for("editor.dashboard"), 303)
    if found is None or record is None:
        flash("Dat document staat niet (meer) in de index.", "fout")
        return redirect(url_for("editor.dashboard"), 303)
    found[0].unlink()
    try:
        update_catalogue(source_dir, record.source, None)
    except CatalogueError:
        pass  # a broken catalogue is reported by the indexing run itself
    flash(f"{record.source} is verwijderd.")
    _start_reindex()
    return redirect(url_for("editor.dashboard"), 303)


@editor.post("/herindexeren")
def reindex():
    _start_reindex(full=request.form.get("volledig") == "ja")
    return redirect(url_for("editor.dashboard"), 303)
