"""How likely a passage answers a question: the vraagbaak's confidence.

A logistic model over three things every ranked passage has:

- ``share``: the idf-weighted share of the question's words the passage holds
  (a question about "voetbalclub" answered only by passages about "kost"
  holds a small share);
- ``log_score``: ``log(1 + score)``, the passage's BM25F evidence;
- ``top_ratio``: its score over the best score of the question.

The weights and the threshold below which the vraagbaak says "Geen goed
antwoord gevonden" are fitted on the dev part of the evaluation only
(``python -m tests.eval.calibrate_confidence``) and kept in
``data/answer-confidence.json``, with how they were fitted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.model import Hit

DATA = Path(__file__).resolve().parent.parent / "data" / "answer-confidence.json"
FEATURES = ("share", "log_score", "top_ratio")


def features(hits: Sequence[Hit]) -> list[list[float]]:
    """The model's inputs for each hit of one question's ranking.

    >>> h = lambda score, share: Hit("i", "d", "t", "s", "faq", None, None, None, score, "", "", match_share=share)
    >>> [[round(x, 3) for x in row] for row in features([h(9.0, 1.0), h(3.0, 0.5)])]
    [[1.0, 2.303, 1.0], [0.5, 1.386, 0.333]]
    """
    top = max((h.score for h in hits), default=0.0) or 1.0
    return [
        [h.match_share if h.match_share is not None else 1.0, math.log1p(max(h.score, 0.0)), h.score / top]
        for h in hits
    ]


@dataclass(frozen=True)
class ConfidenceModel:
    weights: tuple[float, ...]  # one per feature
    bias: float
    threshold: float  # an answer below this confidence is no good answer

    def confidence(self, row: Sequence[float]) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, row))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def score(self, hits: Sequence[Hit]) -> list[float]:
        return [self.confidence(row) for row in features(hits)]


@lru_cache(maxsize=1)
def model(path: Path = DATA) -> ConfidenceModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    return ConfidenceModel(tuple(data["weights"][f] for f in FEATURES), data["bias"], data["threshold"])
