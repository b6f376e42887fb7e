"""A deterministic synthetic Dutch corpus for benchmarks.

Words are drawn with their real frequencies from the Dutch list in
``wordfreq`` (the 30,000 most common words, Zipf-weighted), with the
domain's own vocabulary mixed in, so that postings lists have realistic
lengths. Documents have 300-5,000 words (log-uniform), a title, sections
with headings and paragraphs of 40-120 words; a share of them are PDFs of
several pages. A catalogue gives each a type, sectors and a date, so filters
and facets have something to count.

    python -m bench.synthetic_corpus --docs 10000 --out var/bench/corpus-10k
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import math
import random
from pathlib import Path

TYPES = ("publicatie", "praktijkvoorbeeld", "verslag", "faq", "nieuws")
SECTORS = ("po", "vo", "so")
DOMAIN = (
    "passend onderwijs samenwerkingsverband leerlingen speciaal onderwijs regulier ondersteuning "
    "schoolbesturen integratie experiment beleidsregel thuisnabij zorgplicht ontwikkelingsperspectief "
    "terugplaatsing symbiose inclusief basisondersteuning arrangement cluster leerlingvolgsysteem "
    "medezeggenschapsraad taalontwikkelingsstoornis jeugdhulp gemeente inspectie bekostiging"
).split()


class WordSampler:
    def __init__(self, rng: random.Random, size: int = 30000):
        from wordfreq import top_n_list, word_frequency

        words = [w for w in top_n_list("nl", size) if w.isalpha()]
        weights = [word_frequency(w, "nl") for w in words]
        # the domain's words as common as mid-frequency words
        words += DOMAIN
        weights += [weights[300]] * len(DOMAIN)
        self.words = words
        self.cumulative = list(itertools.accumulate(weights))
        self.rng = rng

    def word(self) -> str:
        r = self.rng.random() * self.cumulative[-1]
        return self.words[bisect.bisect_left(self.cumulative, r)]

    def sentence(self, n: int) -> str:
        words = [self.word() for _ in range(n)]
        return " ".join(words).capitalize() + "."

    def paragraph(self, n_words: int) -> str:
        out, left = [], n_words
        while left > 0:
            n = min(left, self.rng.randint(6, 18))
            out.append(self.sentence(n))
            left -= n
        return " ".join(out)


def document(sampler: WordSampler, rng: random.Random, n_words: int) -> tuple[str, list[tuple[str, list[str]]]]:
    title = " ".join(sampler.word() for _ in range(rng.randint(3, 7))).capitalize()
    sections, left = [], n_words
    while left > 0:
        heading = " ".join(sampler.word() for _ in range(rng.randint(2, 5))).capitalize()
        paras = []
        for _ in range(rng.randint(1, 4)):
            n = min(left, rng.randint(40, 120))
            if n <= 0:
                break
            paras.append(sampler.paragraph(n))
            left -= n
        sections.append((heading, paras))
    return title, sections


def html_page(title: str, date: str, sections) -> str:
    body = "".join(f"<h2>{h}</h2>" + "".join(f"<p>{p}</p>" for p in ps) for h, ps in sections)
    return (
        f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="date" content="{date}"></head><body><nav><a href="/">Home</a></nav>'
        f"<main><article><h1>{title}</h1>{body}</article></main><footer>Colofon</footer></body></html>"
    )


def pdf_file(path: Path, title: str, sections) -> int:
    """A plain one-column PDF (reportlab); returns its number of pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(title)
    width, height = A4
    y = height - 70
    pages = 1

    def line(text: str, font: str, size: float) -> None:
        nonlocal y, pages
        if y < 60:
            c.setFont("Helvetica", 8)
            c.drawCentredString(width / 2, 30, f"Pagina {pages}")
            c.showPage()
            pages += 1
            y = height - 70
        c.setFont(font, size)
        c.drawString(60, y, text)
        y -= size + 4

    line(title, "Helvetica-Bold", 16)
    for heading, paras in sections:
        y -= 6
        line(heading, "Helvetica-Bold", 12)
        for p in paras:
            current = ""
            for word in p.split():
                trial = f"{current} {word}".strip()
                if stringWidth(trial, "Helvetica", 10) > width - 120:
                    line(current, "Helvetica", 10)
                    current = word
                else:
                    current = trial
            if current:
                line(current, "Helvetica", 10)
            y -= 4
    c.setFont("Helvetica", 8)
    c.drawCentredString(width / 2, 30, f"Pagina {pages}")
    c.showPage()
    c.save()
    return pages


def generate(n_docs: int, out: Path, *, pdf_share: float = 0.02, seed: int = 20261124) -> dict:
    """Write ``n_docs`` documents and a catalogue into ``out``; the same seed
    gives the same corpus, byte for byte."""
    rng = random.Random(seed)
    sampler = WordSampler(rng)
    out.mkdir(parents=True, exist_ok=True)
    catalogue = []
    stats = {"documents": n_docs, "pdf": 0, "pdf_pages": 0, "words": 0, "bytes": 0}
    lo, hi = math.log(300), math.log(5000)
    for i in range(n_docs):
        n_words = int(math.exp(rng.uniform(lo, hi)))
        title, sections = document(sampler, rng, n_words)
        date = f"{rng.randint(2015, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        folder = out / f"d{i // 1000:03d}"
        folder.mkdir(exist_ok=True)
        if rng.random() < pdf_share:
            path = folder / f"doc{i:06d}.pdf"
            stats["pdf_pages"] += pdf_file(path, title, sections)
            stats["pdf"] += 1
        else:
            path = folder / f"doc{i:06d}.html"
            path.write_text(html_page(title, date, sections), encoding="utf-8")
        stats["words"] += n_words
        stats["bytes"] += path.stat().st_size
        sectors = sorted(rng.sample(SECTORS, rng.randint(1, 3)))
        rel = path.relative_to(out).as_posix()
        catalogue.append(
            f'["{rel}"]\ntype = "{rng.choice(TYPES)}"\nsectors = {sectors!r}\ndate = "{date}"\n'.replace("'", '"')
        )
    (out / "catalogue.toml").write_text("\n".join(catalogue), encoding="utf-8")
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pdf-share", type=float, default=0.02)
    args = parser.parse_args()
    print(generate(args.docs, args.out, pdf_share=args.pdf_share))


if __name__ == "__main__":
    main()
