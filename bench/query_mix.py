"""A fixed, deterministic mix of benchmark queries: keywords, questions, filters.

Words come from the same frequency list as the synthetic corpus (mid-frequency
words, the kind people search for, plus the domain's own words), so postings
lists have realistic lengths. About a third of the queries carry a filter
(type, sector or year), as the site's facets produce them. Every query in one
mix is distinct, so a response cache never answers a measured query.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bench.synthetic_corpus import DOMAIN, SECTORS, TYPES

QUESTION_TEMPLATES = (
    "Hoe werkt {a} bij {b}?",
    "Wat is de rol van {a} in het {b}?",
    "Mogen {a} en {b} samen?",
    "Wanneer krijgt een school {a} voor {b}?",
    "Wie betaalt {a} als {b} nodig is?",
    "Welke regels gelden voor {a} en {b}?",
)


@dataclass(frozen=True)
class BenchQuery:
    text: str
    kind: str  # keyword, question, filter
    filters: dict[str, list] = field(default_factory=dict)

    def params(self) -> dict[str, object]:
        """The query as the JSON API's parameters."""
        out: dict[str, object] = {"q": self.text}
        for name, key in (("type", "type"), ("sectors", "sector"), ("year", "year")):
            if name in self.filters:
                out[key] = [str(v) for v in self.filters[name]]
        return out


def _vocabulary(size: int = 20000) -> list[str]:
    from wordfreq import top_n_list

    words = [w for w in top_n_list("nl", size) if w.isalpha() and len(w) >= 4]
    return words[300:] + list(DOMAIN) * 20  # skip the commonest words; weight the domain's


def query_mix(n: int, seed: int = 7) -> list[BenchQuery]:
    """``n`` distinct queries: 45% keywords (1-3 words), 30% questions,
    25% keywords with a filter."""
    rng = random.Random(seed)
    words = _vocabulary()
    seen: set[tuple] = set()
    out: list[BenchQuery] = []
    while len(out) < n:
        roll = rng.random()
        if roll < 0.45:
            q = BenchQuery(" ".join(rng.sample(words, rng.randint(1, 3))), "keyword")
        elif roll < 0.75:
            a, b = rng.sample(words, 2)
            q = BenchQuery(rng.choice(QUESTION_TEMPLATES).format(a=a, b=b), "question")
        else:
            pick = rng.random()
            if pick < 0.4:
                filters = {"type": [rng.choice(TYPES)]}
            elif pick < 0.8:
                filters = {"sectors": [rng.choice(SECTORS)]}
            else:
                filters = {"year": [rng.randint(2015, 2025)]}
            q = BenchQuery(" ".join(rng.sample(words, rng.randint(1, 2))), "filter", filters)
        key = (q.text, tuple(sorted((k, tuple(v)) for k, v in q.filters.items())))
        if key not in seen:
            seen.add(key)
            out.append(q)
    return out
