"""Search: a visitor's text in, a :class:`~indexer.model.SearchResponse`
out. ``query_parser`` turns text into a :class:`~indexer.model.QueryPlan`,
``service`` opens the live index through the backend protocol, caches
responses and adds "Bedoelde u"; ``answer_confidence`` decides whether the
vraagbaak found a good answer.
"""
