"""The Whoosh engine: ``schema`` (fields and the analyzer adapter),
``writer`` (documents in), ``index`` (:class:`SearchIndex`, the backend),
``queries`` and ``array_ranking``/``arrays`` (BM25F with shared idf and word
coordination, scored from posting arrays), ``snippets``, ``completion``,
and ``_internals``, the one module that uses Whoosh's private API.
"""
