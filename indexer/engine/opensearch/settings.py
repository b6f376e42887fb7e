"""An OpenSearch index built from this project's analysis.

In: an analysis profile ("dutch" or "plain") and the shard layout. Out: the
body of a create-index request: analysis settings and mappings.

The chains mirror :mod:`indexer.analysis.dutch` with OpenSearch's own
filters (the ``analysis-common`` module):

- ``nl_index``: standard tokenizer, lowercase, ASCII folding, our stop
  words, Snowball Dutch, a final double consonant made single;
- ``nl_search``: the same with the thesaurus as ``synonym_graph`` (search
  time only, as in the Whoosh engine; before lower-casing, so that a variant
  marked to count only in capitals does) and the words that only frame a
  question dropped;
- ``nl_parts``: ``dictionary_decompounder`` with our compound word list (the
  parts :mod:`indexer.analysis.compounds` may split off), for the ``parts``
  field that lets "profiel" find "schoolondersteuningsprofiel";
- ``nl_surface``: lower-cased, accent-folded words, unstemmed (completion
  and "Bedoelde u").

One index holds three kinds of records, as the Whoosh index does: a
``passage`` per passage (the document's title and metadata copied in), a
``document`` per source file (its record, no indexed text) and one ``meta``
record with the number of the last commit. ``visible_from`` and
``visible_until`` say which commits see a record (see :mod:`.index`).
"""

from __future__ import annotations

from functools import lru_cache

from indexer.analysis import compounds
from indexer.analysis.dutch import dutch_stop_words, question_words
from indexer.analysis.word_lists import DATA_DIR

# Bump when the mappings or analysis change: an index of another version is rebuilt.
SCHEMA_VERSION = 1
# Parts for the decompounder: common enough words (Zipf >= this) and the
# domain's own. The full list of the Whoosh engine's splitter (52,000 words)
# would put half a megabyte into every index's settings in the cluster state.
PART_MIN_ZIPF = 3.5


@lru_cache(maxsize=1)
def compound_word_list() -> tuple[str, ...]:
    """The words ``dictionary_decompounder`` may split off: no prefix or
    particle (``onder``, ``samen``) and no inflection, as in
    :mod:`indexer.analysis.compounds`.

    >>> words = compound_word_list()
    >>> "verklaring" in words and "profiel" in words and "onder" not in words
    True
    """
    common = {w for w, z in compounds._part_zipf().items() if z >= PART_MIN_ZIPF}
    common |= {w for w in compounds.domain_words() if len(w) >= compounds.MIN_PART}
    return tuple(sorted(w for w in common if w not in compounds.NOT_FIRST and w not in compounds.NOT_LAST))


def _case_variants(variant: str) -> list[str]:
    """A variant as a visitor may type it: as written, lower case, capitals, a capital first."""
    forms = [variant, variant.lower(), variant.upper(), variant[:1].upper() + variant[1:]]
    return list(dict.fromkeys(forms))


def synonym_rules() -> list[str]:
    """The thesaurus as Solr synonym rules, one concept per rule. The rules
    apply before lower-casing, so a variant that only counts as written in
    capitals ("!OCW") stays that way, and the other variants are given in
    the ways a visitor types them.

    >>> rules = synonym_rules()
    >>> "po, PO, Po, primair onderwijs, PRIMAIR ONDERWIJS, Primair onderwijs" in rules
    True
    >>> [r for r in rules if r.startswith("OCW, ")][0].split(", ")[:3]
    ['OCW', 'ministerie van onderwijs  cultuur en wetenschap', 'MINISTERIE VAN ONDERWIJS  CULTUUR EN WETENSCHAP']
    """
    rules = []
    for line in (DATA_DIR / "thesaurus-nl.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        forms: list[str] = []
        for variant in (v.strip().replace(",", " ") for v in line.split(" = ") if v.strip()):
            forms += [variant[1:]] if variant.startswith("!") else _case_variants(variant)
        if len(forms) >= 2:
            rules.append(", ".join(dict.fromkeys(forms)))
    return rules


def analysis_settings(profile: str) -> dict:
    base = ["lowercase", "asciifolding"]
    stem = ["nl_stop", "nl_stem", "nl_undouble"]
    if profile == "plain":  # the evaluation's baseline: lower-cased words
        plain = {"type": "custom", "tokenizer": "standard", "filter": ["lowercase"]}
        analyzers = {name: plain for name in ("nl_index", "nl_search", "nl_parts")}
    else:
        analyzers = {
            "nl_index": {"type": "custom", "tokenizer": "standard", "filter": base + stem},
            "nl_search": {
                "type": "custom",
                "tokenizer": "standard",
                # the thesaurus before lower-casing: "!OCW" counts only in capitals
                "filter": ["asciifolding", "nl_synonyms", "lowercase", "nl_stop", "nl_question_words"]
                + ["nl_stem", "nl_undouble", "remove_duplicates"],
            },
            "nl_parts": {"type": "custom", "tokenizer": "standard", "filter": base + ["nl_decompound"] + stem},
        }
    analyzers["nl_surface"] = {"type": "custom", "tokenizer": "standard", "filter": base}
    return {
        "filter": {
            "nl_stop": {"type": "stop", "stopwords": sorted(dutch_stop_words())},
            "nl_question_words": {"type": "stop", "stopwords": sorted(question_words())},
            # the classic Snowball Dutch algorithm, which nltk's stemmer follows too
            "nl_stem": {"type": "snowball", "language": "Dutch"},
            "nl_undouble": {"type": "pattern_replace", "pattern": "([bcdfghjklmnpqrstvwxz])\\1$", "replacement": "$1"},
            "nl_synonyms": {"type": "synonym_graph", "synonyms": synonym_rules(), "lenient": True},
            "nl_decompound": {
                "type": "dictionary_decompounder",
                "word_list": list(compound_word_list()),
                "min_word_size": compounds.MIN_WORD,
                "min_subword_size": compounds.MIN_PART,
                "only_longest_match": True,
            },
        },
        "analyzer": analyzers,
    }


def _text(copy_to: bool = True, **extra) -> dict:
    field = {"type": "text", "analyzer": "nl_index", "search_analyzer": "nl_search", **extra}
    if copy_to:
        field["copy_to"] = ["parts"]
    return field


def mappings() -> dict:
    surface = {"surface": {"type": "text", "analyzer": "nl_surface"}}
    keyword = {"type": "keyword"}
    return {
        "dynamic": False,  # what is not mapped here is kept in _source only
        "properties": {
            "kind": keyword,
            "doc_id": keyword,
            "pid": keyword,
            "number": {"type": "integer"},
            "source": keyword,
            "title": _text(fields=surface),
            "heading": _text(fields=surface),
            # offsets in the postings: highlighting without analysing the text again
            "body": _text(fields=surface, index_options="offsets"),
            "question": _text(copy_to=False),
            "parts": {"type": "text", "analyzer": "nl_parts", "search_analyzer": "nl_index"},
            "type": keyword,
            "sectors": keyword,
            "years": keyword,
            "date_sort": keyword,
            "content": keyword,  # the passage text's hash: the same text in two documents
            "vocabulary": keyword,  # a document's distinct surface words (its record only)
            "state": keyword,
            "generation": {"type": "integer"},
            "visible_from": {"type": "integer"},
            "visible_until": {"type": "integer"},
        },
    }


def index_body(profile: str, shards: int, replicas: str) -> dict:
    """The create-index request. ``replicas`` is a number or a range for
    ``auto_expand_replicas`` ("0-1": a replica as soon as a second node is there)."""
    settings: dict = {"number_of_shards": shards, "analysis": analysis_settings(profile)}
    if "-" in replicas:
        settings["auto_expand_replicas"] = replicas
    else:
        settings["number_of_replicas"] = int(replicas)
    return {"settings": {"index": settings}, "mappings": mappings()}
