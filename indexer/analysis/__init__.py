"""Dutch text analysis: text in, terms out. ``dutch`` composes tokenizers
and filters with ``|`` (stemming, stop words, accents, hyphenated words),
``compounds`` splits compounds into parts, ``word_lists`` loads the lists
in ``indexer/data`` and ``thesaurus`` expands abbreviations and synonyms at
query time. Nothing here knows about an engine.
"""
