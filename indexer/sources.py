"""The source folder: which files to index, their content hashes, the catalogue.

The catalogue (``catalogue.toml`` in the source folder) adds metadata that
files lack. Each table is keyed by a path relative to the source folder::

    ["pdf/beleidsregel-experimenten.pdf"]
    type = "publicatie"          # publicatie, praktijkvoorbeeld, verslag, faq, nieuws
    sectors = ["po", "vo", "so"]
    date = "2020-07-01"
    title = "..."                # overrides the file's own title
    url = "https://..."          # where the original lives on the web
"""

from __future__ import annotations

import datetime
import errno
import hashlib
import json
import os
import re
import stat
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

from indexer.documents import DOCUMENT_TYPES, SECTORS, SourceFile
from indexer.extract.dates import parse_date

CATALOGUE_NAME = "catalogue.toml"
FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html"}
CATALOGUE_KEYS = {"type", "sectors", "date", "title", "url", "author", "description"}


class CatalogueError(Exception):
    """The catalogue cannot be used; nothing is indexed until it is fixed."""


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_catalogue(source_dir: Path) -> dict[str, dict[str, Any]]:
    path = source_dir / CATALOGUE_NAME
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{CATALOGUE_NAME} is onleesbaar: {exc}") from exc
    problems = []
    for key, entry in data.items():
        if not isinstance(entry, dict):
            problems.append(f"{key}: verwacht een tabel met velden")
            continue
        unknown = set(entry) - CATALOGUE_KEYS
        if unknown:
            problems.append(f"{key}: onbekend veld {', '.join(sorted(unknown))}")
        if "type" in entry and entry["type"] not in DOCUMENT_TYPES:
            problems.append(f"{key}: type {entry['type']!r} is niet een van {', '.join(DOCUMENT_TYPES)}")
        sectors = entry.get("sectors", [])
        if not isinstance(sectors, list) or any(s not in SECTORS for s in sectors):
            problems.append(f"{key}: sectors moet een lijst zijn met po, vo en/of so")
        for name in ("title", "url", "author", "description"):
            if name in entry and not isinstance(entry[name], str):
                problems.append(f"{key}: {name} moet tekst zijn (tussen aanhalingstekens)")
        if "date" in entry and not (isinstance(entry["date"], (str, datetime.date)) and parse_date(str(entry["date"]))):
            problems.append(f"{key}: date moet een datum zijn, zoals 2020-07-01")
    if problems:
        raise CatalogueError(f"{CATALOGUE_NAME} bevat fouten: " + "; ".join(problems))
    return data


def _symlink_problem(link: Path, root: Path) -> str | None:
    """Why a symbolic link in the source folder is not followed, or None.

    A link to a file or folder inside the folder is fine (a folder's files
    are indexed where they really are); a loop, a dangling link and a link
    that leaves the folder are reported."""
    try:
        target = Path(os.path.realpath(link, strict=True))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolische link in een kringloop (de link verwijst naar zichzelf): overgeslagen"
        return "symbolische link naar iets dat niet bestaat: overgeslagen"
    if not target.is_relative_to(root):
        return "symbolische link naar buiten de bronmap: overgeslagen"
    if target.is_dir() and link.parent.resolve().is_relative_to(target):
        return "symbolische link in een kringloop (naar een map erboven): niet gevolgd"
    return None


_ERRNO_REASONS = {
    errno.ENOENT: "het bestand bestaat niet (meer)",
    errno.EACCES: "geen leesrechten",
    errno.EPERM: "geen leesrechten",
    errno.ELOOP: "symbolische link in een kringloop",
    errno.EISDIR: "het is een map",
    errno.EIO: "leesfout van de schijf",
}


def _unreadable(exc: OSError) -> str:
    return f"niet leesbaar: {_ERRNO_REASONS.get(exc.errno, exc.strerror or str(exc))}"


def scan_sources(source_dir: str | os.PathLike) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """All indexable files under ``source_dir``, sorted by path, plus the
    files that were skipped and why (a symlink out of the folder, say)."""
    root = Path(source_dir).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"bronmap bestaat niet: {source_dir}")
    catalogue = load_catalogue(root)
    found: list[SourceFile] = []
    skipped: list[tuple[str, str]] = []
    # followlinks=False: a symlinked folder is not entered, so loops cannot occur
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in dirnames:
            link = Path(dirpath) / name
            if link.is_symlink():
                problem = _symlink_problem(link, root)
                if problem:
                    skipped.append((link.relative_to(root).as_posix(), problem))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            fmt = FORMATS.get(Path(name).suffix.lower())
            if fmt is None:
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                problem = _symlink_problem(path, root)
                if problem:
                    skipped.append((rel, problem))
                    continue
            try:
                if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block the hashing for ever
                    skipped.append((rel, "geen gewoon bestand (een apparaat of pijp): overgeslagen"))
                    continue
                digest = file_sha256(path)
            except OSError as exc:
                skipped.append((rel, _unreadable(exc)))
                continue
            entry = catalogue.get(rel, {})
            entry_hash = hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()[:16] if entry else ""
            found.append(SourceFile(rel, str(path), fmt, digest, entry, entry_hash))
    return found, skipped


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "document"


def document_id(rel_path: str) -> str:
    """A stable, URL-safe id from the path: ``pdf/Een goed.pdf`` -> ``pdf-een-goed-pdf``."""
    return slugify(rel_path)


# Writing the catalogue (the editors' upload and removal) ----------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # A JSON string is a TOML basic string, once the control characters that
    # JSON leaves alone (U+007F, U+0080-U+009F) are escaped as well.
    text = json.dumps(str(value), ensure_ascii=False)
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)


def _catalogue_text(header: str, data: dict[str, dict[str, Any]]) -> str:
    parts = [header.rstrip("\n") + "\n"] if header.strip() else []
    for key in sorted(data):
        lines = [f"[{_toml_value(key)}]"]
        lines += [f"{field} = {_toml_value(value)}" for field, value in data[key].items() if value not in (None, "", [])]
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def update_catalogue(source_dir: str | os.PathLike, path: str, entry: dict[str, Any] | None) -> None:
    """Set (or with ``entry=None`` remove) one file's catalogue entry, keeping
    the comment block at the top of the file. Writers take turns (a file lock)
    and the new file replaces the old one in one rename."""
    import fcntl

    root = Path(source_dir)
    target = root / CATALOGUE_NAME
    with open(root / ".catalogue.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = load_catalogue(root)
        text = target.read_text(encoding="utf-8") if target.exists() else ""
        header_lines = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            header_lines.append(line + "\n")  # the leading comment block
        header = "".join(header_lines)
        if entry is None:
            data.pop(path, None)
        else:
            data[path] = {k: v for k, v in entry.items() if k in CATALOGUE_KEYS}
        text = _catalogue_text(header, data)
        tomllib.loads(text)  # what is written must read back; never replace a good file by a broken one
        tmp = target.with_suffix(".toml.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
