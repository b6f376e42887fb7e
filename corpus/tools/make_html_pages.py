"""Build the demo corpus's HTML pages from the seed texts in ../shared/seeds.

Each seed is a real page of the expertise site with its navigation already
stripped. This script gives each one back the markup a real site has: site
header and navigation, breadcrumb, cookie banner, article landmarks (or, for
the sector-council page, the landmark-free div soup of an older CMS), a
footer and scripts, so that ingestion has to find the article itself.

The output is committed (corpus/webpaginas/*.html); `make run` never needs
this script. Re-run it with:

    .venv/bin/python corpus/tools/make_html_pages.py [--seeds ../shared/seeds]
"""

from __future__ import annotations

import argparse
import html
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent
OUT = CORPUS / "webpaginas"

MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
DATE_LINE = re.compile(rf"^({MONTHS}) (\d{{4}}) - ")
LINK_LINE = re.compile(
    r"^(Lees |Verder lezen|Bekijk |Video: |Bron: |Neem contact|OPDC (Meppel|Rotterdam)|Informatie van OCW|"
    r"Toelichting beleidsmaatregel|Beleidsregel experiment samenwerking regulier en speciaal[ _]onderwijs$)|»$"
)
MONTH_NUMBER = {m: i for i, m in enumerate(MONTHS.split("|"), start=1)}


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def inline(text: str) -> str:
    """Escape, then turn the seeds' markdown links [text](#) into anchors."""
    out = esc(text)
    return re.sub(r"\[([^\]]+)\]\(#\)", r'<a href="#">\1</a>', out)


# -- page chrome ----------------------------------------------------------------

STEUNPUNT_HEAD = """<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} | Steunpunt Passend Onderwijs</title>
<meta name="description" content="{description}">
<meta property="og:title" content="{title}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="Steunpunt Passend Onderwijs">
{date_meta}<link rel="stylesheet" href="/assets/css/site.min.css">
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}} gtag('consent', 'default', {{'analytics_storage': 'denied'}});</script>
</head>
<body class="page-{slug}">
<div id="cookie-consent" class="cookie-banner" role="dialog" aria-label="Cookievoorkeuren">
  <p>Wij gebruiken cookies om deze website goed te laten werken en om het bezoek te meten.
  Lees meer in onze <a href="/privacyverklaring">privacyverklaring</a>.</p>
  <button type="button" class="btn accept">Alle cookies accepteren</button>
  <button type="button" class="btn reject">Alleen noodzakelijke cookies</button>
</div>
<a class="skip-link" href="#inhoud">Direct naar de inhoud</a>
<header class="site-header">
  <a class="logo" href="/"><img src="/assets/img/logo-steunpunt.svg" alt="Steunpunt Passend Onderwijs, naar de homepage"></a>
  <nav class="main-nav" aria-label="Hoofdmenu">
    <ul>
      <li><a href="/">Home</a></li>
      <li><a href="/thema-s">Thema's</a></li>
      <li class="active"><a href="/samenwerking-regulier-vso">Samenwerking regulier-(v)so</a></li>
      <li><a href="/expertisebank">Expertisebank</a></li>
      <li><a href="/agenda">Agenda</a></li>
      <li><a href="/contact">Contact</a></li>
    </ul>
  </nav>
  <form class="site-search" action="/zoeken" method="get">
    <label for="site-q">Zoek op de website</label>
    <input id="site-q" name="q" type="search" placeholder="Zoekterm">
    <button type="submit">Zoeken</button>
  </form>
</header>
<nav class="breadcrumb" aria-label="Kruimelpad">
  <ol>
    <li><a href="/">Home</a></li>
    <li><a href="/samenwerking-regulier-vso">Samenwerking regulier-(v)so</a></li>
    <li aria-current="page">{crumb}</li>
  </ol>
</nav>
<main id="inhoud">
"""

STEUNPUNT_FOOT = """</main>
<footer class="site-footer">
  <div class="footer-about">
    <h2>Over het Steunpunt</h2>
    <p>Het Steunpunt Passend Onderwijs is een gezamenlijk initiatief van de PO-Raad en de VO-raad
    en ondersteunt besturen, scholen en samenwerkingsverbanden.</p>
  </div>
  <div class="footer-newsletter">
    <h2>Nieuwsbrief</h2>
    <form action="/aanmelden" method="post">
      <label for="nb-mail">Uw e-mailadres</label>
      <input id="nb-mail" type="email" name="email">
      <button type="submit">Aanmelden</button>
    </form>
  </div>
  <ul class="footer-links">
    <li><a href="/privacyverklaring">Privacyverklaring</a></li>
    <li><a href="/toegankelijkheid">Toegankelijkheidsverklaring</a></li>
    <li><a href="/colofon">Colofon</a></li>
  </ul>
  <p class="copyright">&copy; 2024 Steunpunt Passend Onderwijs</p>
</footer>
<script src="/assets/js/vendor.min.js" defer></script>
<script src="/assets/js/site.min.js" defer></script>
</body>
</html>
"""

PORAAD_HEAD = """<!DOCTYPE html>
<html lang="nl-NL">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{title} - PO-Raad</title>
<meta name="description" content="{description}">
<meta name="dcterms.date" content="{date}">
<link rel="stylesheet" type="text/css" href="/static/style.css?v=3.2.1">
<script type="text/javascript" src="/static/jquery.min.js"></script>
<script type="text/javascript">var _paq = _paq || []; _paq.push(['trackPageView']); _paq.push(['enableLinkTracking']);</script>
</head>
<body>
<div id="cookiebar" class="cookiebar">Deze website maakt gebruik van cookies. <a href="/cookies">Meer informatie</a> <a href="#" class="cookiebar-close">Akkoord</a></div>
<div id="top" class="top-bar">
  <div class="logo"><a href="/"><img src="/static/img/po-raad.png" alt="PO-Raad"></a></div>
  <div id="menu" class="menu">
    <ul><li><a href="/onderwijs">Onderwijs</a></li><li><a href="/passend-onderwijs">Passend onderwijs</a></li>
    <li><a href="/financien">Financi&euml;n</a></li><li><a href="/personeel">Personeel</a></li><li><a href="/leden">Voor leden</a></li></ul>
  </div>
  <div class="searchbox"><form action="/zoeken"><input type="text" name="s" value="Zoeken..."><input type="submit" value="Zoek"></form></div>
</div>
<div class="page-wrapper">
<div class="breadcrumbs"><a href="/">Home</a> &gt; <a href="/onderwijs">Onderwijs</a> &gt; Passend onderwijs</div>
<div class="content-area">
"""

PORAAD_FOOT = """</div>
</div>
<div id="footer" class="footer">
  <div class="col">PO-Raad<br>Postbus 85246<br>3508 AE Utrecht</div>
  <div class="col"><a href="/disclaimer">Disclaimer</a> | <a href="/privacy">Privacy</a> | <a href="/sitemap">Sitemap</a></div>
  <div class="col social"><a href="https://twitter.com/poraad">Twitter</a> <a href="https://www.linkedin.com/company/po-raad">LinkedIn</a></div>
</div>
<script type="text/javascript" src="/static/site.js"></script>
</body>
</html>
"""

RELATED_ASIDE = """<aside class="related" aria-label="Gerelateerd">
  <h2>Meer over samenwerking regulier-(v)so</h2>
  <ul>
    <li><a href="/expertisebank">Naar de expertisebank</a></li>
    <li><a href="/praktijkvoorbeelden">Alle praktijkvoorbeelden</a></li>
    <li><a href="/vraagbaak">Stel uw vraag aan de vraagbaak</a></li>
  </ul>
</aside>
"""


def steunpunt_page(slug: str, title: str, crumb: str, description: str, date: str | None, body: str,
                   aside: str = RELATED_ASIDE) -> str:
    date_meta = f'<meta property="article:published_time" content="{date}">\n' if date else ""
    head = STEUNPUNT_HEAD.format(title=esc(title), description=esc(description), date_meta=date_meta,
                                 slug=slug, crumb=esc(crumb))
    return head + body + aside + STEUNPUNT_FOOT


# -- seed parsing -----------------------------------------------------------------


def lines_of(path: Path) -> list[str]:
    return [line.rstrip() for line in path.read_text(encoding="utf-8").splitlines()]


def bullet(line: str) -> str | None:
    m = re.match(r"^\s*•\s+(.*)$", line)
    return m.group(1).strip() if m else None


def numbered(line: str) -> str | None:
    m = re.match(r"^\s*\d+\.\s+(.*)$", line)
    return m.group(1).strip() if m else None


def looks_like_heading(line: str, next_line: str | None) -> bool:
    text = line.strip()
    if not text or bullet(line) or numbered(line) or LINK_LINE.search(text):
        return False
    if len(text.split()) > 14 or text[0] in "\"'“(" or not text[0].isupper():
        return False
    if text.endswith("!"):
        return bool(next_line and DATE_LINE.match(next_line.strip()))
    return not text.endswith((".", ",", ";", ":"))


def render_blocks(lines: list[str], level_of) -> str:
    """Paragraphs, lists and headings from seed lines; ``level_of(line, next)``
    returns a heading level or 0."""
    out: list[str] = []
    items: list[str] = []
    list_tag = "ul"

    def close_list() -> None:
        nonlocal items
        if items:
            out.append(f"<{list_tag}>\n" + "\n".join(f"  <li>{inline(i)}</li>" for i in items) + f"\n</{list_tag}>")
            items = []

    content = [line for line in lines if line.strip()]
    for i, line in enumerate(content):
        nxt = content[i + 1] if i + 1 < len(content) else None
        b, n = bullet(line), numbered(line)
        if b or n:
            tag = "ul" if b else "ol"
            if items and tag != list_tag:
                close_list()
            list_tag = tag
            items.append(b or n)
            continue
        close_list()
        text = line.strip()
        level = level_of(line, nxt)
        if level:
            out.append(f"<h{level}>{inline(text)}</h{level}>")
        elif LINK_LINE.search(text):
            out.append(f'<p class="more"><a href="#">{esc(text)}</a></p>')
        elif DATE_LINE.match(text):
            m = DATE_LINE.match(text)
            iso = f"{m.group(2)}-{MONTH_NUMBER[m.group(1)]:02d}"
            out.append(f'<p><time datetime="{iso}">{m.group(1)} {m.group(2)}</time> - {inline(text[m.end():])}</p>')
        else:
            out.append(f"<p>{inline(text)}</p>")
    close_list()
    return "\n".join(out)


# -- the five pages -----------------------------------------------------------------


def programme_page(seeds: Path) -> tuple[str, str]:
    lines = lines_of(seeds / "000_423a8ee3785dcb58.txt")
    title = lines[0].strip()
    # Everything up to "Agenda" is the article; what follows is the page's side column.
    end = next(i for i, line in enumerate(lines) if line.strip() == "Agenda")
    article_lines = lines[1:end]
    tail = [line for line in lines[end:] if line.strip()]
    older = False
    top_level = {"Onze activiteiten", "Overige berichten"}

    def level_of(line: str, nxt: str | None) -> int:
        nonlocal older
        text = line.strip()
        if text == "Overige berichten":
            older = True
        if not looks_like_heading(line, nxt):
            return 0
        if text in top_level:
            return 2
        is_item = bool(nxt and DATE_LINE.match(nxt.strip()))
        if older:
            return 3 if is_item else 4
        return 2 if is_item else 3

    body = f'<article class="programme">\n<header>\n<h1>{esc(title)}</h1>\n</header>\n'
    body += render_blocks(article_lines, level_of) + "\n"
    # "Vraag of advies?" and "Wie voeren de ondersteuning uit?" belong to the article
    idx_vraag = tail.index("Vraag of advies?")
    idx_andere = next(i for i, t in enumerate(tail) if t.startswith("Andere vragen over passend onderwijs"))
    body += render_blocks(tail[idx_vraag:idx_andere - 1], lambda line, nxt: 2 if looks_like_heading(line, nxt) else 0)
    body += "\n</article>\n"
    aside = (
        '<aside class="sidebar" aria-label="Agenda en contact">\n'
        f"<h2>{esc(tail[0])}</h2>\n<p>{esc(tail[1])}</p>\n"
        f'<p><a href="#">{esc(tail[idx_andere - 1])}</a></p>\n'
        f"<h2>{esc(tail[idx_andere])}</h2>\n<p>{esc(tail[idx_andere + 1])}</p>\n"
        '<p><a href="#top">Naar top van de pagina</a></p>\n</aside>\n'
    )
    description = "Activiteiten, nieuws en kennis van het ondersteuningsprogramma integratie regulier-speciaal onderwijs."
    return "ondersteuningsprogramma-integratie-regulier-speciaal.html", steunpunt_page(
        "programma", title, "Ondersteuningsprogramma", description, "2023-12-01", body, aside
    )


def webinar_page(seeds: Path) -> tuple[str, str]:
    lines = [line.strip() for line in lines_of(seeds / "001_d5d027005e21177d.txt") if line.strip()]
    title = lines[0]
    parts = []
    for line in lines[1:]:
        if "?" in line and len(line.split()) <= 40:
            parts.append(f"<p><strong>{inline(line)}</strong></p>")  # a CMS's bold question line
        else:
            parts.append(f"<p>{inline(line)}</p>")
    body = (
        f'<article class="qa">\n<header>\n<h1>{esc(title)}</h1>\n'
        '<p class="meta">Gepubliceerd: <time datetime="2020-10-01">oktober 2020</time></p>\n</header>\n'
        + "\n".join(parts)
        + "\n</article>\n"
    )
    description = "Vragen uit de chat van het webinar over de experimenteerregeling, met antwoorden."
    return "webinar-experimenteerregeling-vragen.html", steunpunt_page(
        "webinar", title, "Vragen webinar", description, "2020-10-01", body
    )


def practice_page(seeds: Path) -> tuple[str, str]:
    raw = lines_of(seeds / "002_5c22b5649a63b3dd.txt")
    lines = [line.strip() for line in raw if line.strip()]
    tag_re = re.compile(r"^(po|vo|so)( (po|vo|so))*$")
    start = next(i for i, t in enumerate(lines) if tag_re.match(t) and lines[i + 1] == "Praktijkvoorbeelden")
    promo_start = max(i for i, t in enumerate(lines) if t == "Praktijkvoorbeelden" and not tag_re.match(lines[i - 1]))
    cards = []
    i = start
    while i < promo_start:
        tags = lines[i].split()
        card_title = lines[i + 2]
        j = i + 3
        teaser = []
        while j < promo_start and not (tag_re.match(lines[j]) and j + 1 < len(lines) and lines[j + 1] == "Praktijkvoorbeelden"):
            teaser.append(lines[j])
            j += 1
        text = " ".join(teaser)
        if text.endswith("Lees meer"):
            text = text[: -len("Lees meer")].strip()
        cards.append(
            f'<li class="card">\n  <h2><a href="#">{inline(card_title)}</a></h2>\n  <p>{inline(text)}</p>\n'
            f'  <p class="card-meta">Sectoren: {", ".join(tags)}</p>\n</li>'
        )
        i = j
    promo = lines[promo_start:]
    filter_form = (
        '<form class="filter" action="/praktijkvoorbeelden" method="get">\n'
        f"  <label for=\"filter-q\">{esc(lines[2])}</label>\n  <input id=\"filter-q\" name=\"q\" type=\"search\">\n"
        f"  <fieldset><legend>{esc(lines[3])}</legend>\n"
        '    <label><input type="checkbox" name="sector" value="po"> po</label>\n'
        '    <label><input type="checkbox" name="sector" value="vo"> vo</label>\n'
        '    <label><input type="checkbox" name="sector" value="so"> so</label>\n'
        "  </fieldset>\n</form>\n"
    )
    body = (
        '<article class="listing">\n<header>\n'
        f'<p class="kicker">{esc(lines[0])}</p>\n<h1>{esc(lines[1])}</h1>\n</header>\n'
        + filter_form
        + '<ul class="cards">\n' + "\n".join(cards) + "\n</ul>\n</article>\n"
    )
    aside = '<aside class="promos">\n' + render_blocks(promo, lambda line, nxt: 2 if looks_like_heading(line, nxt) else 0) + "\n</aside>\n"
    description = "Praktijkvoorbeelden van samenwerking en integratie van regulier en speciaal onderwijs in po en vo."
    return "praktijkvoorbeelden.html", steunpunt_page(
        "praktijkvoorbeelden", lines[1], "Praktijkvoorbeelden", description, None, body, aside
    )


def news_page(seeds: Path) -> tuple[str, str]:
    lines = [line.strip() for line in lines_of(seeds / "003_b37da682fd1b4815.txt") if line.strip()]
    m = re.match(r"^Nieuws - (\d{1,2}) (\w+) (\d{4}) (.*)$", lines[0])
    day, month, year, title = m.groups()
    iso = f"{year}-{MONTH_NUMBER[month]:02d}-{int(day):02d}"
    paras = "\n".join(f"<p>{inline(t)}</p>" for t in lines[2:-1])
    body = (
        '<article class="news">\n<header>\n<p class="kicker">Nieuws</p>\n'
        f"<h1>{esc(title)}</h1>\n<p class=\"lead\">{esc(lines[1])}</p>\n"
        f'<p class="meta"><time datetime="{iso}">{day} {month} {year}</time></p>\n</header>\n'
        f"{paras}\n<p class=\"authors\">{esc(lines[-1])}</p>\n</article>\n"
    )
    description = "Netwerk LPO en de Sectorraad swv-vo starten een leernetwerk voor samenwerkingsverbanden."
    return "leernetwerk-samenwerkingsverbanden.html", steunpunt_page(
        "nieuws", title, "Nieuws", description, iso, body
    )


def council_page(seeds: Path) -> tuple[str, str]:
    raw = lines_of(seeds / "004_41166774dbb01c9b.txt")
    lines = [line for line in raw if line.strip()]
    text = [line.strip() for line in lines]
    title = text[0]

    def section(start: str, stop: str) -> list[str]:
        a = text.index(start)
        b = text.index(stop)
        return lines[a:b]

    intro = "\n".join(f"<p>{inline(t)}</p>" for t in text[2:4])
    main_sections = render_blocks(section("Wat doet de PO-Raad?", "Laatste nieuws"),
                                  lambda line, nxt: 2 if looks_like_heading(line, nxt) else 0)
    news = render_blocks(section("Laatste nieuws", "Standpunten"), lambda line, nxt: 2 if line.strip() == "Laatste nieuws" else 0)
    # Standpunten: bullet = heading of a short statement
    st = section("Standpunten", "Agenda")
    standpunten = ["<h2>Standpunten</h2>"]
    for line in st[1:]:
        b = bullet(line)
        standpunten.append(f"<h3>{inline(b)}</h3>" if b else f"<p>{inline(line.strip())}</p>")
    # Side column teasers (agenda, promos) - a CMS sidebar without landmarks
    promos = text[text.index("Agenda"):text.index("Veelgestelde vragen")]
    sidebar = ['<div id="sidebar" class="sidebar">']
    for t in promos:
        if t.startswith("Achtergrond afbeelding"):
            sidebar.append(f'<img src="/static/img/toolbox.jpg" alt="{esc(t)}">')
        elif len(t.split()) <= 5 and not t.endswith("."):
            sidebar.append(f"<h3>{esc(t)}</h3>")
        else:
            sidebar.append(f"<p>{esc(t)}</p>")
    sidebar.append("</div>")
    # FAQ as an accordion of <details>
    faq_lines = lines[text.index("Veelgestelde vragen") + 1:]
    faq = ['<div class="faq">', "<h2>Veelgestelde vragen</h2>"]
    open_item = False
    answer: list[str] = []

    def close_item() -> None:
        nonlocal answer
        if open_item:
            faq.append(render_blocks(answer, lambda line, nxt: 4 if (
                line.strip() in ("Belangen beter vertegenwoordigen", "Wat doet de PO-Raad?")) else 0))
            faq.append("</details>")
        answer = []

    for line in faq_lines:
        b = bullet(line)
        if b and line.startswith("  •") and not line.startswith("    "):
            close_item()
            faq.append(f"<details>\n<summary>{inline(b)}</summary>")
            open_item = True
        else:
            answer.append(line[4:] if line.startswith("    ") else line)
    close_item()
    faq.append("</div>")
    body = (
        '<div class="content-main">\n'
        f'<h1 class="page-title">{esc(title)}</h1>\n'
        f'<div class="intro-image"><img src="/static/img/kleien.jpg" alt="{esc(text[1])}"></div>\n'
        f"{intro}\n{main_sections}\n{news}\n" + "\n".join(standpunten) + "\n" + "\n".join(faq) + "\n</div>\n"
        + "\n".join(sidebar) + "\n"
    )
    description = "Wat passend onderwijs is, wat de PO-Raad doet en veelgestelde vragen."
    page = PORAAD_HEAD.format(title=esc(title), description=esc(description), date="2018-10-05") + body + PORAAD_FOOT
    return "po-raad-passend-onderwijs.html", page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=CORPUS.parent.parent / "shared" / "seeds")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for build in (programme_page, webinar_page, practice_page, news_page, council_page):
        name, page = build(args.seeds)
        (OUT / name).write_text(page, encoding="utf-8")
        print(f"wrote {OUT.relative_to(CORPUS.parent) / name}")


if __name__ == "__main__":
    main()
