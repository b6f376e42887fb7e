"""The analysis fingerprint: a hash of everything that decides what the index
holds for a document, given the document's bytes and catalogue entry.

Each generation's manifest records the fingerprint its documents were
analysed with. A ``--full`` run carries unchanged documents over from the
live generation (without analysing them again) only when that fingerprint
equals the one of the running code; otherwise it analyses everything.

What goes in, as files (hashed whole, so no function's source is read and
nothing here imports what it describes):

- ``EXTRACTOR_VERSION`` (the extraction cache's version: extraction's output
  is governed by it, cached or not) and the analysis profile;
- the modules that turn extracted text into records and terms
  (``RECORD_MODULES``): the data types, the Dutch analysis and its word
  lists' loader, compound splitting, passage splitting and their
  fingerprints, date parsing, record building, and the Whoosh schema,
  analyzer adapter and writer;
- the word lists the index analysis reads (stop words, domain words). The
  thesaurus and the question words are query-time only and left out, so that
  an editor's new synonym does not make the next ``--full`` start over;
- the versions of the packages that analyse and store (wordfreq's word list,
  nltk's stemmer, Whoosh's file format).

>>> len(analysis_fingerprint("dutch")), analysis_fingerprint("dutch") == analysis_fingerprint("plain")
(20, False)
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the ``indexer`` package
RECORD_MODULES = (
    "model.py",
    "analysis/word_lists.py",
    "analysis/dutch.py",
    "analysis/compounds.py",
    "passages/splitter.py",
    "passages/duplicates.py",
    "extract/dates.py",
    "indexing/records.py",
    "engine/whoosh/schema.py",
    "engine/whoosh/writer.py",
)
ANALYSIS_DATA = ("data/stopwords-nl.txt", "data/domain-words-nl.txt")
ANALYSIS_PACKAGES = ("wordfreq", "nltk", "Whoosh-Reloaded")


def analysis_fingerprint(profile: str, package_dir: Path = PACKAGE_DIR) -> str:
    """A short hex digest; equal digests mean equal index records for equal
    input. Computed afresh each time (under a millisecond): it describes the
    files as they are now."""
    from indexer.extract.cache import EXTRACTOR_VERSION

    h = hashlib.sha256()

    def part(label: str, data: bytes) -> None:
        h.update(f"{label}:{len(data)}:".encode())
        h.update(data)

    part("extractor", str(EXTRACTOR_VERSION).encode())
    part("profile", profile.encode())
    for name in RECORD_MODULES + ANALYSIS_DATA:
        part(name, (package_dir / name).read_bytes())
    for package in ANALYSIS_PACKAGES:
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "?"
        part(package, version.encode())
    return h.hexdigest()[:20]
