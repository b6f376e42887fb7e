"""expertisebank's indexing and search, packaged along the data's path.

``sources`` (files and the catalogue) -> ``extract`` (text blocks from PDF
and HTML) -> ``passages`` (retrievable units and their sketches) ->
``analysis`` (Dutch terms) -> ``indexing`` (runs that write an engine's
index) -> ``engine`` (the :class:`~indexer.engine.backend.SearchBackend`
protocol and its Whoosh implementation) -> ``search`` (queries, the service
the CLI and the site call). ``model`` holds the types that travel between
them; ``cli`` is the ``expertisebank`` command. ``docs/ARCHITECTURE.md``
walks through each step with a command.
"""
