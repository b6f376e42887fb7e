"""Is an uploaded file what it says it is? Type by content, a safe name."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePath

ALLOWED = {".pdf": "pdf", ".html": "html", ".htm": "html"}
_HTML_START_RE = re.compile(
    rb"^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html|<head|<body|<meta|<title|<article|<main|<p|<h[1-6])",
    re.IGNORECASE | re.DOTALL,
)


class UploadRejected(ValueError):
    """The reason is shown to the editor (Dutch)."""


def safe_filename(name: str) -> str:
    """Letters, digits, dot, dash and underscore; no path; lower-case extension."""
    name = PurePath(name.replace("\\", "/")).name
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-._")[:80] or "document"
    ext = re.sub(r"[^a-z0-9]+", "", ext.lower())[:10]
    return f"{stem}.{ext}" if ext else stem


def check_upload(filename: str, data: bytes) -> tuple[str, str]:
    """(format, safe file name) or :class:`UploadRejected`."""
    name = safe_filename(filename or "")
    fmt = ALLOWED.get(PurePath(name).suffix)
    if fmt is None:
        raise UploadRejected("Alleen PDF- en HTML-bestanden (.pdf, .html, .htm) kunnen worden toegevoegd.")
    if not data:
        raise UploadRejected("Het bestand is leeg.")
    if fmt == "pdf":
        if not data[:1024].lstrip().startswith(b"%PDF-"):
            raise UploadRejected("Dit bestand heet .pdf maar is geen PDF (de inhoud begint niet met %PDF-).")
        if b"%%EOF" not in data[-2048:]:
            raise UploadRejected("Deze PDF is onvolledig: het einde ontbreekt.")
    else:
        head = data[:4096]
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            head = head.decode("utf-16", "ignore").encode("utf-8")
        if head.startswith(b"%PDF-") or _looks_binary(head):
            raise UploadRejected("Dit bestand heet .html maar is geen tekst.")
        if not _HTML_START_RE.search(head.lstrip(b"\xef\xbb\xbf")):
            raise UploadRejected("Dit bestand heet .html maar bevat geen HTML.")
    return fmt, name


def _looks_binary(head: bytes) -> bool:
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) * 0.05
