"""Extraction: a source file in, an :class:`~indexer.model.ExtractedDocument`
out (title, date, headings and paragraphs as blocks, with page numbers for
PDFs). ``pdf_pages``/``pdf_layout``/``pdf_headings`` read PDFs with
pdfplumber, ``html_pages`` reads HTML with BeautifulSoup, ``text_cleanup``
and ``dates`` normalise what both give. ``pool`` runs extraction in worker
processes with time and memory limits, ``cache`` keeps results by content
hash.
"""
