"""The analysis fingerprint: a hash of everything that decides what the index
holds for a document, given the document's bytes and catalogue entry.

Each generation's manifest records the fingerprint its documents were
analysed with. A ``--full`` run carries unchanged documents over from the
live generation (without analysing them again) only when that fingerprint
equals the one of the running code; otherwise it analyses everything.

What goes in:

- ``SCHEMA_VERSION`` (fields) and ``EXTRACTOR_VERSION`` (the extraction
  cache's version: extraction's output is governed by it, cached or not);
- the analysis profile ("dutch", "plain");
- the modules that turn extracted text into passages and terms, whole:
  documents, Dutch analysis, compound splitting, passage splitting, the
  passage fingerprints of duplicates.py, and the
  date parsing the catalogue's dates go through;
- the word lists the index analysis reads (stop words, domain words). The
  thesaurus and the question words are query-time only and left out, so that
  an editor's new synonym does not make the next ``--full`` start over;
- the versions of the packages that analyse and store (wordfreq's word list,
  nltk's stemmer, Whoosh's file format);
- the source of the code that builds a document's records: ``build_record``
  in :mod:`indexer.index_run`, and the schema, the analyzer adapter and the
  writer in :mod:`indexer.whoosh_index` (those modules also hold the run and
  the search, whose changes do not alter what is indexed).
"""

from __future__ import annotations

import hashlib
import inspect
from importlib import metadata
from pathlib import Path

PACKAGE_DIR = Path(__file__).parent
ANALYSIS_MODULES = (
    "documents.py",
    "dutch_analysis.py",
    "compound_splitter.py",
    "passage_splitter.py",
    "extract/dates.py",
    "duplicates.py",
)
ANALYSIS_DATA = ("data/stopwords-nl.txt", "data/domain-words-nl.txt")
ANALYSIS_PACKAGES = ("wordfreq", "nltk", "Whoosh-Reloaded")


def _record_building_code() -> list[str]:
    from indexer import index_run, whoosh_index

    functions = [index_run.build_record, index_run._infer_type, whoosh_index.build_schema]
    for cls in (whoosh_index.ChainAnalyzer, whoosh_index.IndexWriter):
        # method by method: the source of a whole class is found by parsing its module (25 ms)
        functions += [f for _, f in sorted(vars(cls).items()) if inspect.isfunction(f)]
    sources = [f"{f.__qualname__}\n{inspect.getsource(f)}" for f in functions]
    sources.append(repr(sorted((name, f.__name__) for name, f in whoosh_index._INDEX_CHAINS.items())))
    return sources


def analysis_fingerprint(profile: str) -> str:
    """A short hex digest; equal digests mean equal index records for equal
    input. Computed afresh each time (some 5 ms): it describes the code as
    it is now."""
    from indexer.extraction_cache import EXTRACTOR_VERSION
    from indexer.whoosh_index import SCHEMA_VERSION

    h = hashlib.sha256()

    def part(label: str, data: bytes) -> None:
        h.update(f"{label}:{len(data)}:".encode())
        h.update(data)

    part("schema", str(SCHEMA_VERSION).encode())
    part("extractor", str(EXTRACTOR_VERSION).encode())
    part("profile", profile.encode())
    for name in ANALYSIS_MODULES + ANALYSIS_DATA:
        part(name, (PACKAGE_DIR / name).read_bytes())
    for package in ANALYSIS_PACKAGES:
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "?"
        part(package, version.encode())
    for n, source in enumerate(_record_building_code()):
        part(f"code{n}", source.encode())
    return h.hexdigest()[:20]
