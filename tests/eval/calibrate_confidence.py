"""Fit the vraagbaak's answer confidence on the dev part of the evaluation.

    .venv/bin/python -m tests.eval.calibrate_confidence

Questions with an answer: the dev help-desk questions and dev questions of
the corpus queries (asked on the demo corpus + realdocs), and the dev half of
the real Q&A check (asked on the answer pages + realdocs). Questions without
one: that same Q&A dev half asked on the demo corpus + realdocs, which hold
no government answers on passports, elections or the Woo procedure.

Each question's top five passages are labelled good or not as the evaluation
judges them; a logistic regression over :data:`indexer.search.answer_confidence.FEATURES`
gives the confidence; the threshold is the one that best tells questions whose
top five hold a good answer from those that do not. The result goes to
``indexer/data/answer-confidence.json``. The test part is never read here.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date
from pathlib import Path

import numpy as np

from indexer.indexing.run import run_index
from indexer.search.answer_confidence import DATA, FEATURES, ConfidenceModel, features
from indexer.search.service import SearchService
from tests.eval import harness, qa_pages
from tests.eval.harness import EvalQuery, first_good_rank

TOP = 5


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> tuple[np.ndarray, float]:
    """Weights and bias by Newton's method, with a small L2 penalty on the weights."""
    a = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(a.shape[1])
    penalty = np.eye(a.shape[1]) * l2
    penalty[-1, -1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(a @ w)))
        gradient = a.T @ (p - y) + penalty @ w
        hessian = a.T @ (a * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def rankings(service: SearchService, questions: list[EvalQuery], answerable: bool):
    """(feature rows, labels, question has a good answer in its top five) per question."""
    out = []
    for q in questions:
        hits = service.search(q.query, k=TOP, mode="passages").hits
        labels = [answerable and first_good_rank([h], q) == 1 for h in hits]
        out.append((features(hits), labels))
    return out


def best_threshold(model: ConfidenceModel, questions) -> tuple[float, float]:
    """The threshold on a question's best confidence that best tells answered
    from unanswered questions (balanced accuracy), and that accuracy."""
    best = [max((model.confidence(r) for r in rows), default=0.0) for rows, _ in questions]
    truth = [any(labels) for _, labels in questions]
    candidates = sorted(set(round(b, 3) for b in best))
    scored = []
    for t in candidates:
        tp = sum(b >= t and a for b, a in zip(best, truth))
        tn = sum(b < t and not a for b, a in zip(best, truth))
        pos, neg = sum(truth), len(truth) - sum(truth)
        scored.append(((tp / pos if pos else 0) + (tn / neg if neg else 0)) / 2)
    i = int(np.argmax(scored))
    return candidates[i], scored[i]


def main() -> int:
    realdocs = harness.REALDOCS
    if not realdocs.is_dir():
        print("../shared/realdocs is not there: nothing to calibrate on", file=sys.stderr)
        return 1
    corpus_questions = [q for q in harness.load_queries(splits=("dev",)) if q.kind in ("helpdesk", "question")]
    qa = [q for q in harness.qa_queries(realdocs) if q.split == "dev"]
    with tempfile.TemporaryDirectory(prefix="calibrate-") as tmp:
        work = Path(tmp)
        corpus = harness.gather_sources(work / "corpus", harness.REPO / "corpus", realdocs)
        qa_source = harness.gather_sources(work / "qa", None, realdocs)
        qa_pages.write_pages(qa_pages.load_items(realdocs / "qa"), qa_source)
        for name, source in (("corpus", corpus), ("qa", qa_source)):
            run_index(source, work / name / "index", cache_dir=work / "cache")
        on_corpus = SearchService(work / "corpus" / "index")
        on_qa = SearchService(work / "qa" / "index")
        questions = (
            rankings(on_corpus, corpus_questions, True) + rankings(on_qa, qa, True) + rankings(on_corpus, qa, False)
        )
    rows = np.array([r for q_rows, _ in questions for r in q_rows], dtype=np.float64)
    labels = np.array([lab for _, q_labels in questions for lab in q_labels], dtype=np.float64)
    weights, bias = fit_logistic(rows, labels)
    provisional = ConfidenceModel(tuple(weights.tolist()), bias, 0.5)
    threshold, balanced = best_threshold(provisional, questions)
    data = {
        "weights": dict(zip(FEATURES, (round(w, 4) for w in weights.tolist()))),
        "bias": round(bias, 4),
        "threshold": threshold,
        "fitted": {
            "on": "dev part only: help-desk and question dev queries, the Q&A check's dev half "
            "(and that half asked on the demo corpus + realdocs as questions without an answer)",
            "date": date.today().isoformat(),
            "questions": len(questions),
            "passages": int(len(rows)),
            "good_passages": int(labels.sum()),
            "balanced_accuracy_at_threshold": round(balanced, 3),
        },
    }
    DATA.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
