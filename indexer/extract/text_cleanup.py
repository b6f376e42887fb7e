"""Character-level clean-up of extracted text, shared by the PDF and HTML readers.

- :func:`normalize_text`: NFKC (ligatures such as U+FB01 become ``fi``),
  typographic hyphens and spaces made plain, control and private-use
  characters (glyphs a PDF maps to nothing) dropped, whitespace collapsed.
- :func:`join_hyphenated`: join two lines, undoing a hyphenation break
  (``ondersteu-`` + ``ning``) but keeping a real hyphen (``co-`` + ``teaching``,
  ``vo-`` + ``school``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from itertools import product

SOFT_HYPHEN = "\u00ad"

_CHAR_MAP = {
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u00a0": " ",  # no-break space
    "\u2007": " ",
    "\u202f": " ",
    "\u200b": "",  # zero-width space
    "\u200c": "",
    "\u200d": "",
    "\u2060": "",
    "\ufeff": "",
    "\u00ad": "",  # soft hyphen inside a line: invisible
}
_TRANSLATE = str.maketrans(_CHAR_MAP)
_CID_RE = re.compile(r"\(cid:\d+\)")
_SPACE_RE = re.compile(r"\s+")


def _is_dropped(ch: str) -> bool:
    cat = unicodedata.category(ch)
    # Cc: control (NUL for an unmapped "ti" ligature), Co: private use (an
    # unmapped "f" ligature glyph), Cs: lone surrogates, Cn: unassigned.
    return cat in ("Cc", "Co", "Cs", "Cn") and ch not in "\n\t"


# ASCII control characters but tab and newline
_ASCII_CONTROLS = {c: None for c in range(32) if chr(c) not in "\n\t"}


def normalize_text(text: str) -> str:
    """Normalise one line or paragraph of extracted text."""
    if not text:
        return ""
    text = _CID_RE.sub("", text)
    text = unicodedata.normalize("NFKC", text.translate(_TRANSLATE))
    if not text.isascii():
        # the dropped characters among the text's distinct ones (a few dozen),
        # rather than a category lookup per character
        dropped = [ch for ch in set(text) if _is_dropped(ch)]
        if dropped:
            text = text.translate(dict.fromkeys(map(ord, dropped)))
    else:
        text = text.translate(_ASCII_CONTROLS)
    return _SPACE_RE.sub(" ", text).strip()


def unmapped_glyph_share(text: str) -> float:
    """Share of characters a PDF font did not map to Unicode (``(cid:n)``,
    private-use or NUL): a high share means the text layer is unusable."""
    if not text:
        return 0.0
    bad = sum(len(m) for m in _CID_RE.findall(text))
    bad += sum(1 for ch in text if _is_dropped(ch))
    return bad / len(text)


# Glyphs without a Unicode mapping ------------------------------------------

# What a PDF font left unmapped shows up as (cid:n), a control character (NUL
# for a "ti" ligature) or a private-use code point (U+E01E for an "f" ligature).
_BROKEN_GLYPH_RE = re.compile(r"\(cid:\d+\)|[\x00-\x08\x0b\x0c\x0e-\x1f\ue000-\uf8ff]")
_LIGATURE_GUESSES = ("ti", "tt", "ft", "fi", "fl", "ff", "ffi", "ffl", "f", "t", "")
_WORD_CORE_RE = re.compile(r"[^\W_](?:[\w\x00-\x1f\ue000-\uf8ff]|\(cid:\d+\))*", re.UNICODE)


def _core(word: str) -> str:
    m = _WORD_CORE_RE.search(word)
    return m.group().lower() if m else ""


def repair_broken_glyphs(words: list[str]) -> list[str]:
    """Put back ligatures a PDF's font mapped to nothing (``ba\x00erij`` ->
    ``batterij``), learning from the document itself.

    A broken word is repaired with the ligature that turns it into a word the
    same document prints intact; each broken code then maps to the ligature it
    stood for most often, which repairs the broken words that never occur
    intact. Codes never learned are dropped (as :func:`normalize_text` would).
    """
    broken = {w for w in words if _BROKEN_GLYPH_RE.search(w)}
    if not broken:
        return words
    vocabulary: dict[str, int] = {}
    for w in words:
        if w not in broken:
            core = _core(w)
            vocabulary[core] = vocabulary.get(core, 0) + 1
    learned: dict[str, dict[str, int]] = {}
    resolved: dict[str, str] = {}
    for word in broken:
        codes = _BROKEN_GLYPH_RE.findall(word)
        if len(codes) > 2:
            continue  # too broken to guess
        best: tuple[int, str, tuple[str, ...]] | None = None
        for combo in product(_LIGATURE_GUESSES, repeat=len(codes)):
            pieces = iter(combo)
            candidate = _BROKEN_GLYPH_RE.sub(lambda m, guesses=pieces: next(guesses), word)
            n = vocabulary.get(_core(candidate), 0)
            if n and (best is None or n > best[0]):
                best = (n, candidate, combo)
        if best is not None:
            resolved[word] = best[1]
            for code, guess in zip(codes, best[2]):
                learned.setdefault(code, {}).setdefault(guess, 0)
                learned[code][guess] += 1
    mapping = {code: max(counts, key=counts.__getitem__) for code, counts in learned.items()}
    return [
        resolved.get(w) or _BROKEN_GLYPH_RE.sub(lambda m: mapping.get(m.group(), ""), w) if w in broken else w
        for w in words
    ]


# Hyphenation ------------------------------------------------------------

_WORD_BEFORE_HYPHEN_RE = re.compile(r"([^\W_][\w-]*)-$")
_FIRST_WORD_RE = re.compile(r"^([^\W_][\w]*)")
_ELLIPSIS_FOLLOWERS = frozenset({"en", "of", "tot", "en/of"})


# Short words that form real hyphenated compounds in this domain ("vo-school",
# "so-leerlingen", "co-teaching"): kept when a document gives no other evidence.
HYPHEN_PREFIXES = frozenset(
    {
        "po",
        "vo",
        "so",
        "vso",
        "sbo",
        "bao",
        "pro",
        "mbo",
        "hbo",
        "wo",
        "vmbo",
        "havo",
        "vwo",
        "co",
        "ex",
        "oud",
        "anti",
        "non",
        "opdc",
        "zml",
        "emb",
        "tos",
        "kdc",
    }
)


def _is_real_hyphen(before: str, after: str, vocabulary: Mapping[str, int]) -> bool:
    """Decide whether ``before-`` + ``after`` is a real hyphenated word.

    ``before`` is the word part before the line-end hyphen, ``after`` the
    first word of the next line. The document's own vocabulary decides first
    (``onderwijs`` printed elsewhere means ``on-`` + ``derwijs`` was a break);
    then the form of the word.
    """
    if not after or not after[0].isalpha():
        return True  # "2020-" + "2021": keep as written
    if "-" in before:
        return True  # the word already has hyphens: "so-sbo-" + "bao"
    joined = vocabulary.get((before + after).lower(), 0)
    hyphenated = vocabulary.get((before + "-" + after).lower(), 0)
    if joined or hyphenated:
        return hyphenated > joined
    if after[0].isupper() or before.isupper() or any(ch.isdigit() for ch in before):
        return True  # "PO-" + "Raad", "Noord-" + "Holland", "OPDC-" + "school"
    if before.lower() not in HYPHEN_PREFIXES:
        return False
    # "ex-" + "perimenteerplan": other words of the document that start the
    # same way ("experiment", "experimenteerregeling") show it is one word
    stem = (before + after[:3]).lower()
    return not any(w.startswith(stem) and "-" not in w for w in vocabulary)


def join_hyphenated(left: str, right: str, vocabulary: Mapping[str, int] | None = None) -> str:
    """Join two consecutive lines of one paragraph.

    A line that ends in a hyphen directly after a letter is a hyphenation
    break unless :func:`_is_real_hyphen` says the hyphen is part of the word.
    ``vocabulary`` counts the lower-case words printed in the document.
    """
    left = left.rstrip()
    right = right.lstrip()
    if not left:
        return right
    if not right:
        return left
    if left.endswith(SOFT_HYPHEN):
        return left[:-1] + right
    if left.endswith("-") and len(left) >= 2 and left[-2].isalnum():
        m_before = _WORD_BEFORE_HYPHEN_RE.search(left)
        m_after = _FIRST_WORD_RE.match(right)
        before = m_before.group(1) if m_before else ""
        after = m_after.group(1) if m_after else ""
        if after.lower() in _ELLIPSIS_FOLLOWERS:
            return left + " " + right  # "so-" + "en sbo-leerlingen": a Dutch ellipsis
        if _is_real_hyphen(before, after, vocabulary or {}):
            return left + right
        return left[:-1] + right
    return left + " " + right
