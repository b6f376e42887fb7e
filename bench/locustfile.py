"""The load test's visitors (locust): search, ask and autocomplete, mixed.

Each simulated visitor waits 0.5-1.5 s between requests (a fast reader) and
draws from a pool of distinct queries, so the response cache helps about as
much as repeated popular queries would on the real site.
"""

from __future__ import annotations

import random

from locust import FastHttpUser, between, task

from bench.query_mix import query_mix

POOL = query_mix(3000, seed=2026)


class Visitor(FastHttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.rng = random.Random()

    @task(6)
    def search(self) -> None:
        q = self.rng.choice(POOL)
        self.client.get("/api/search", params=q.params(), name="search")

    @task(2)
    def ask(self) -> None:
        q = self.rng.choice([x for x in POOL[:400] if x.kind == "question"])
        self.client.get("/api/ask", params={"q": q.text}, name="ask")

    @task(2)
    def suggest(self) -> None:
        word = self.rng.choice(POOL).text.split()[0]
        prefix = word[: self.rng.randint(3, max(3, len(word)))]
        self.client.get("/api/suggest", params={"q": prefix}, name="suggest")
