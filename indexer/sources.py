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

import dataclasses
import datetime
import errno
import hashlib
import json
import os
import re
import stat
import time
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from indexer.extract.dates import parse_date
from indexer.model import DOCUMENT_TYPES, SECTORS, SourceFile

CATALOGUE_NAME = "catalogue.toml"
FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html"}
CATALOGUE_KEYS = {"type", "sectors", "date", "title", "url", "author", "description"}
# Bump when parsing or checking the catalogue changes (a kept parse is then not reused).
CATALOGUE_PARSE_VERSION = 1


# A file changed less than this before a scan may change again without its
# timestamps moving (they advance in clock ticks, or in seconds on some file
# systems): its signature is not remembered, so the next run hashes it again.
UNSETTLED_NS = 2_000_000_000

Signature = tuple[int, int, int, int]


class CatalogueError(Exception):
    """The catalogue cannot be used; nothing is indexed until it is fixed."""


def file_signature(st: os.stat_result) -> Signature:
    """What says a file is the same file with the same bytes as when its hash
    was taken, as git and rsync judge it: size and modification time, plus
    the inode and the change time (which any write, rename onto it or
    ``utime`` sets to now, so an edit that puts the old mtime back is seen)."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


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
    return _parse_catalogue(path.read_bytes())


def _parse_catalogue(raw: bytes) -> dict[str, dict[str, Any]]:
    try:
        # newlines as Path.read_text gives them (universal newlines)
        data = tomllib.loads(raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"))
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


def catalogue_entry_hash(entry: dict[str, Any]) -> str:
    """A catalogue entry's hash (part of a document's state: a changed entry
    re-indexes the document); dates count by their text."""
    return hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()[:16] if entry else ""


def catalogue_entries(source_dir: Path, cache_file: Path | None = None) -> dict[str, tuple[dict[str, Any], str]]:
    """Each catalogue entry with its :func:`catalogue_entry_hash`.

    Parsing the TOML is most of an unchanged run's work on a large catalogue
    (0.2 s for 10,000 entries), so with ``cache_file`` the last parse is kept
    there as JSON under the SHA-256 of the file's bytes (and the version of
    the parsing, ``CATALOGUE_PARSE_VERSION``), and reused while they are the
    same. Dates are kept as their text, which is how every reader of an entry
    uses them (``str(entry["date"])``, :func:`catalogue_entry_hash`)."""
    catalogue = source_dir / CATALOGUE_NAME
    if not catalogue.exists():
        return {}
    raw = catalogue.read_bytes()
    key = f"{CATALOGUE_PARSE_VERSION}:{hashlib.sha256(raw).hexdigest()}"
    if cache_file is not None:
        try:
            cached = json.loads(cache_file.read_text(encoding="utf-8"))
            if cached.get("key") == key:
                return {path: (entry, h) for path, (entry, h) in cached["entries"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
    entries = {path: (entry, catalogue_entry_hash(entry)) for path, entry in _parse_catalogue(raw).items()}
    if cache_file is not None:
        tmp = cache_file.with_name(f".{cache_file.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(
                json.dumps({"key": key, "entries": entries}, default=str, ensure_ascii=False), encoding="utf-8"
            )
            os.replace(tmp, cache_file)
        except OSError:  # a cache that cannot be written costs only time
            tmp.unlink(missing_ok=True)
    return entries


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


def scan_sources(
    source_dir: str | os.PathLike,
    known: Mapping[str, tuple[Signature, str]] | None = None,
    catalogue_cache: Path | None = None,
) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """All indexable files under ``source_dir``, sorted by path, plus the
    files that were skipped and why (a symlink out of the folder, say).

    ``known`` maps a path to the signature (:func:`file_signature`) its file
    had when its content hash was taken, and that hash: a file whose
    signature is unchanged keeps that hash without being read. Every other
    file is hashed. Each file found carries its signature, or None when it
    changed too recently to be trusted (``UNSETTLED_NS``).
    ``catalogue_cache``: see :func:`catalogue_entries`."""
    known = known or {}
    settled_before = time.time_ns() - UNSETTLED_NS
    root = Path(source_dir).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"bronmap bestaat niet: {source_dir}")
    catalogue = catalogue_entries(root, catalogue_cache)
    found: list[SourceFile] = []
    skipped: list[tuple[str, str]] = []
    # followlinks=False: a symlinked folder is not entered, so loops cannot occur
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = os.path.relpath(dirpath, root)
        prefix = "" if here == "." else here.replace(os.sep, "/") + "/"
        for name in dirnames:
            link = Path(dirpath) / name
            if link.is_symlink():
                problem = _symlink_problem(link, root)
                if problem:
                    skipped.append((prefix + name, problem))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            fmt = FORMATS.get(os.path.splitext(name)[1].lower())
            if fmt is None:
                continue
            rel = prefix + name
            source = _source_file(root, os.path.join(dirpath, name), rel, fmt, known.get(rel), settled_before)
            if isinstance(source, str):
                skipped.append((rel, source))
            else:
                entry, entry_hash = catalogue.get(rel, ({}, ""))
                found.append(dataclasses.replace(source, catalogue=entry, catalogue_hash=entry_hash))
    return found, skipped


def _source_file(
    root: Path, path: str, rel: str, fmt: str, remembered: tuple[Signature, str] | None, settled_before: int
) -> SourceFile | str:
    """One file found, hashed unless its signature is the ``remembered``
    one; or why it is skipped (a symlink out of the folder, not a regular
    file, unreadable). A file changed after ``settled_before`` gets no
    signature: it may still be changing."""
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            problem = _symlink_problem(Path(path), root)
            if problem:
                return problem
            st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block the hashing for ever
            return "geen gewoon bestand (een apparaat of pijp): overgeslagen"
        signature = file_signature(st)
        digest = remembered[1] if remembered and remembered[0] == signature else file_sha256(path)
    except OSError as exc:
        return _unreadable(exc)
    if max(st.st_mtime_ns, st.st_ctime_ns) >= settled_before:
        signature = None
    return SourceFile(rel, path, fmt, digest, {}, "", signature)


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
        lines += [
            f"{field} = {_toml_value(value)}" for field, value in data[key].items() if value not in (None, "", [])
        ]
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
