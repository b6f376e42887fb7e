"""Retrieval quality on the demo corpus: Success@5 and MRR@10 per kind of query.

Each query in ``queries.jsonl`` names texts of which one must appear in a good
hit (its heading or passage text). The same queries run against two indexes
built in the same run from the same files:

- ``foundation``: the product (Dutch analysis, BM25F over title, headings and
  body, optional words with coordination, phrases);
- ``baseline``: plain BM25 on the body, words only lower-cased, all words
  required (what a stock engine does out of the box).
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from indexer.index_run import run_index
from indexer.search_service import SearchService
from indexer.whoosh_index import BASELINE, FOUNDATION, RankingConfig

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries.jsonl"
REPO = HERE.parent.parent
KINDS = ("keyword", "question", "inflection", "accents")


@dataclass
class EvalQuery:
    id: str
    kind: str
    query: str
    expect: list[str]


def load_queries(path: Path = QUERIES) -> list[EvalQuery]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(EvalQuery(**json.loads(line)))
    return out


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def first_good_rank(hits, expect: list[str]) -> int | None:
    wanted = [_norm(e) for e in expect]
    for rank, hit in enumerate(hits, start=1):
        text = _norm(f"{hit.heading or ''} {hit.text}")
        if any(w in text for w in wanted):
            return rank
    return None


@dataclass
class Scores:
    n: int = 0
    success5: float = 0.0
    mrr10: float = 0.0

    def add(self, rank: int | None) -> None:
        self.n += 1
        if rank is not None and rank <= 5:
            self.success5 += 1
        if rank is not None and rank <= 10:
            self.mrr10 += 1 / rank

    def final(self) -> dict[str, float]:
        return {"n": self.n, "success@5": self.success5 / self.n if self.n else 0.0,
                "mrr@10": self.mrr10 / self.n if self.n else 0.0}


def evaluate(service: SearchService, queries: list[EvalQuery], config: RankingConfig) -> tuple[dict, dict]:
    """Per-kind and overall scores, plus each query's rank of its first good hit."""
    per_kind: dict[str, Scores] = defaultdict(Scores)
    overall = Scores()
    ranks: dict[str, int | None] = {}
    for q in queries:
        response = service.search(q.query, k=10, mode="passages", config=config)
        rank = first_good_rank(response.hits, q.expect)
        ranks[q.id] = rank
        per_kind[q.kind].add(rank)
        overall.add(rank)
    table = {kind: per_kind[kind].final() for kind in sorted(per_kind, key=lambda k: (KINDS + (k,)).index(k))}
    table["overall"] = overall.final()
    return table, ranks


def build_indexes(source: Path, workdir: Path) -> dict[str, Path]:
    roots = {"foundation": workdir / "foundation", "baseline": workdir / "baseline"}
    run_index(source, roots["foundation"], profile="dutch")
    run_index(source, roots["baseline"], profile="plain")
    return roots


def run(source: Path = REPO / "corpus", workdir: Path | None = None) -> dict:
    """Build both indexes and score both configurations."""
    queries = load_queries()
    with tempfile.TemporaryDirectory(prefix="eval-") as tmp:
        roots = build_indexes(source, Path(workdir or tmp))
        results = {}
        for name, config in (("baseline", BASELINE), ("foundation", FOUNDATION)):
            service = SearchService(roots[name])
            table, ranks = evaluate(service, queries, config)
            service.close()
            results[name] = {"table": table, "ranks": ranks}
    results["queries"] = queries
    return results


def format_report(results: dict) -> str:
    names = [n for n in ("baseline", "foundation") if n in results]
    kinds = list(results[names[0]]["table"])
    lines = [f"{'kind':<12}{'n':>4}  " + "  ".join(f"{n + ' S@5':>16}{n + ' MRR':>16}" for n in names)]
    for kind in kinds:
        row = results[names[0]]["table"][kind]
        cells = []
        for n in names:
            t = results[n]["table"][kind]
            cells.append(f"{t['success@5']:>16.3f}{t['mrr@10']:>16.3f}")
        lines.append(f"{kind:<12}{row['n']:>4}  " + "  ".join(cells))
    misses = [q for q in results["queries"] if results["foundation"]["ranks"][q.id] is None
              or results["foundation"]["ranks"][q.id] > 5]
    if misses:
        lines.append("")
        lines.append("Not in the top 5 (foundation):")
        for q in misses:
            lines.append(f"  {q.id:<28} rank {results['foundation']['ranks'][q.id]}  {q.query}")
    return "\n".join(lines)
