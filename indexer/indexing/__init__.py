"""Indexing runs: a source folder in, a committed index generation out.
``run`` plans (what changed), applies (extract, build records, write) and
publishes (swap the generation in); ``records`` builds a document's records,
``store`` keeps generations on disk with an atomic swap and a lock,
``states`` remembers each file's state, ``status`` reports progress to the
site, and ``fingerprint`` says whether a rebuild may carry documents over.
"""
