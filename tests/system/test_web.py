"""The reader's page (GET /) in a real browser: Playwright driving Debian's Chromium against the real app.

The index holds the seed article, five Wikinews articles and a hostile article (markup in its title and
body, a ``javascript:`` URL, emoji before the quoted sentence). Screenshots go to var/artifacts/web/;
with NEWSQA_DOCS_SCREENSHOTS=1 the answer and article views are also written to docs/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from index import PROJECT_ROOT, build_index
from qa.engine import Engine
from tests.qa.test_timeline import FLOOD
from tests.support import SEED_FILE, free_port, make_settings, serving, write_articles

if os.environ.get("NEWSQA_REQUIRE_BROWSER"):  # set by .ci/run: in CI a missing piece fails, never skips
    import playwright.sync_api as playwright_api
else:
    playwright_api = pytest.importorskip("playwright.sync_api")

WIKINEWS = Path(os.environ.get("NEWSQA_WIKINEWS") or PROJECT_ROOT.parent / "shared" / "data" / "wikinews-en" / "wikinews-en.jsonl")
ARTIFACTS = PROJECT_ROOT / "var" / "artifacts" / "web"
CHROMIUM = os.environ.get("NEWSQA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

SEED_QUESTION = "How long did the Moscow meeting with Putin last?"
BRIDGE_QUESTION = "When did the Zorvath bridge over the Kell river reopen?"
DECLINED_QUESTION = "What is the boiling point of tungsten?"
SCRIPT = "<script>window.pwned=1</script>"
IMG = '<img src=x onerror="window.pwned=1">'
HOSTILE = f"""=== METADATA ===
Source: Kell Valley Courier
Title: {SCRIPT} Zorvath bridge reopens {IMG}
Authors: Mara Quill
Published_Date: 2026-03-05
Section: Local
URL: javascript:window.pwned=1
=== ARTICLE ===
Crowds waved flags 🎉🇺🇦🌉 on the riverbank on Saturday morning, and a brass band 🎺 played.

{SCRIPT} Officials said the ceremony ran late. {IMG}

The Zorvath bridge over the Kell river reopened on 4 March after eighteen months of repairs.

Traffic engineers expect about 9,000 vehicles to cross it each day.
"""



def write_corpus(folder: Path) -> None:
    shutil.copy(SEED_FILE, folder / SEED_FILE.name)
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    picked = []
    with WIKINEWS.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("published_date") and 600 < len(record["text"]) < 2500:
                picked.append(line.strip())
            if len(picked) == 5:
                break
    (folder / "wikinews.jsonl").write_text("\n".join(picked) + "\n", encoding="utf-8")
    write_articles(folder, {name: FLOOD[name] for name in ("day1.txt", "day3.txt")})  # a story whose toll changes


@pytest.fixture(scope="module")
def base(tmp_path_factory, encoder):
    """The real app (API and page) served by uvicorn on a free loopback port, over a small test index."""
    if not WIKINEWS.is_file():
        pytest.fail(f"the Wikinews data is missing: {WIKINEWS}")
    root = tmp_path_factory.mktemp("web")
    corpus = root / "corpus"
    corpus.mkdir()
    write_corpus(corpus)
    settings = make_settings(corpus, root / "index", port=free_port(), entities=True)
    build_index(settings, encoder=encoder, progress=False)
    with serving(settings, Engine(settings, encoder)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set NEWSQA_CHROMIUM)"
        if os.environ.get("NEWSQA_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, base):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base)
    context.set_default_timeout(20_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def api_ask(base: str, question: str, **filters) -> dict:
    r = httpx.post(f"{base}/ask", json={"question": question, "filters": filters}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def streamed(response) -> tuple[list[tuple[str, dict]], dict]:
    """The events of a streamed /ask response and its whole answer (a JSON response: no events)."""
    if response.headers["content-type"].startswith("application/json"):
        return [], response.json()
    events = []
    for block in response.text().strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    assert events[-1][0] == "answer", events[-1]
    return events[:-1], events[-1][1]


def ask(page, question: str) -> dict:
    """Type the question, press Enter; the answer the page received (streamed as server-sent events)."""
    page.goto("/")
    page.fill("#q", question)
    with page.expect_response(lambda r: r.url.endswith("/ask")) as response:
        page.press("#q", "Enter")
    page.locator("#results .answer:not(.streaming)").wait_for()
    return streamed(response.value)[1]


def submit(page, mode: str, query: str) -> dict:
    """Choose the mode, type the query, press Enter; the GET /<mode> response the page received."""
    page.goto("/")
    page.check(f"input[name=mode][value={mode}]")
    page.fill("#q", query)
    with page.expect_response(lambda r: f"/{mode}?" in r.url) as response:
        page.press("#q", "Enter")
    return response.value.json()


def open_citation(page, n: int):
    page.locator(f"#results .answer-text button.cite[data-n='{n}']").click()
    reader = page.locator("dialog#reader")
    reader.locator("mark.hl").first.wait_for()
    return reader


def highlighted(reader) -> str:
    return "".join(reader.locator("mark.hl").all_text_contents())


def in_view(page) -> bool:
    return page.evaluate("""() => {
        const m = document.querySelector('#reader-body mark').getBoundingClientRect();
        const d = document.querySelector('#reader-body').getBoundingClientRect();
        return m.top >= d.top && m.bottom <= d.bottom;
    }""")


def save(page, name: str, docs: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))
    if docs and os.environ.get("NEWSQA_DOCS_SCREENSHOTS"):
        (PROJECT_ROOT / "docs").mkdir(exist_ok=True)
        shutil.copy(ARTIFACTS / name, PROJECT_ROOT / "docs" / name)


def test_answer_with_markers_and_the_quote_highlighted_in_its_article(page, base):
    data = ask(page, SEED_QUESTION)
    assert data["answerable"] and data["citations"]
    answer = page.locator("#results .answer-text")
    assert answer.inner_text().split() == data["answer"].split()
    markers = answer.locator("button.cite")
    assert markers.all_text_contents() == [f"[{n}]" for n in map(int, re.findall(r"\[(\d+)\]", data["answer"]))]
    cards = page.locator("#results .sources .card")
    assert cards.count() == len(data["citations"])
    first = data["citations"][0]
    assert cards.first.locator("button.title").inner_text() == first["title"]
    assert first["source"] in cards.first.locator(".meta").inner_text()
    save(page, "answer.png", docs=True)

    reader = open_citation(page, 1)
    article = httpx.get(f"{base}/articles/{first['article_id']}", timeout=30).json()
    assert highlighted(reader) == first["quote"] == article["text"][first["start"]:first["end"]]
    assert reader.locator("#reader-title").inner_text() == article["title"]
    assert reader.locator(".article-text p").count() > 5  # the surrounding paragraphs, one <p> each
    assert in_view(page)
    save(page, "article.png", docs=True)


def test_a_card_opens_its_article_and_escape_closes_it(page):
    data = ask(page, SEED_QUESTION)
    page.locator("#results .sources .card blockquote").first.click()  # anywhere on the card
    reader = page.locator("dialog#reader")
    reader.locator("mark.hl").first.wait_for()
    assert highlighted(reader) == data["citations"][0]["quote"]
    page.keyboard.press("Escape")
    assert not reader.is_visible()
    assert page.evaluate("document.querySelector('dialog#reader').open") is False


def test_the_open_article_lives_in_the_url_and_a_link_opens_it_again(page, base):
    data = ask(page, SEED_QUESTION)
    first = data["citations"][0]
    open_citation(page, 1)
    params = parse_qs(urlparse(page.url).query)
    assert params == {"q": [SEED_QUESTION], "article": [first["article_id"]], "at": [f"{first['start']}-{first['end']}"]}
    link = page.url
    page.keyboard.press("Escape")
    page.wait_for_function("!location.search.includes('article=')")  # the dialog's close event comes a task later
    assert parse_qs(urlparse(page.url).query) == {"q": [SEED_QUESTION]}  # closing takes it out again

    page.goto(link)  # someone opens the shared link: the answer, and the article with the passage highlighted
    reader = page.locator("dialog#reader")
    reader.locator("mark.hl").first.wait_for()
    assert highlighted(reader) == first["quote"]
    assert "linked passage" in reader.locator(".hint").inner_text()
    page.keyboard.press("Escape")
    assert page.locator("#results .answer-text").inner_text().split() == data["answer"].split()

    page.goto("/?" + str(httpx.QueryParams({"q": SEED_QUESTION, "article": "no-such-article"})))
    assert reader.locator("[role=alert]").inner_text()  # a stale link says the article is unavailable
    assert page.locator("#reader-title").inner_text() == "Article unavailable"


def test_highlight_is_exact_after_emoji(page):
    data = ask(page, BRIDGE_QUESTION)
    bridge = [c for c in data["citations"] if c["source"] == "Kell Valley Courier"]
    assert bridge, data
    cited = bridge[0]
    assert "Zorvath bridge" in cited["quote"]
    reader = open_citation(page, cited["n"])
    assert highlighted(reader) == cited["quote"]
    assert in_view(page)


def test_markup_in_articles_is_shown_as_text_and_never_runs(page):
    ask(page, BRIDGE_QUESTION)
    card = page.locator("#results .card", has_text="Zorvath bridge reopens").first
    assert SCRIPT in card.locator("button.title").inner_text()
    assert IMG in card.locator("button.title").inner_text()
    assert page.locator("#results .card a").count() == 0 or all(
        h.startswith("http") for h in page.locator("#results .card a").evaluate_all("as => as.map(a => a.href)"))
    assert "javascript:window.pwned=1" in card.inner_text()  # shown, not linked

    card.locator("button.title").click()
    reader = page.locator("dialog#reader")
    reader.locator(".article-text p").first.wait_for()
    body = reader.locator(".article-text").inner_text()
    assert SCRIPT in body and IMG in body
    assert SCRIPT in reader.locator("#reader-title").inner_text()
    assert page.locator("#results img, #reader-body img, #results script, #reader-body script").count() == 0
    assert page.locator('a[href^="javascript"]').count() == 0
    assert page.evaluate("typeof window.pwned") == "undefined"
    save(page, "hostile-article.png")


def test_source_filter_changes_results_and_lives_in_the_url(page):
    page.goto("/?q=president&mode=search")
    hits = page.locator("#results .hits .hit")
    hits.first.wait_for()
    outlets = set(page.locator("#results .hit .meta .outlet").all_text_contents())
    assert outlets > {"Wikinews"}, outlets
    assert page.locator("#results .hit mark.term").count() > 0
    assert {t.lower() for t in page.locator("#results .hit mark.term").all_text_contents()} <= {"president", "presidents"}

    box = page.get_by_label(re.compile(r"^\s*Wikinews"))
    with page.expect_response(lambda r: "/search?" in r.url and "source=Wikinews" in r.url):
        box.check()
    page.wait_for_function("() => document.getElementById('results').getAttribute('aria-busy') === 'false'")
    assert set(page.locator("#results .hit .meta .outlet").all_text_contents()) == {"Wikinews"}
    assert "source=Wikinews" in page.url and "mode=search" in page.url
    save(page, "search-filtered.png")

    page.reload()  # the link reproduces the filtered search
    hits.first.wait_for()
    assert page.get_by_label(re.compile(r"^\s*Wikinews")).is_checked()
    assert set(page.locator("#results .hit .meta .outlet").all_text_contents()) == {"Wikinews"}


def test_declined_question_shows_the_reason_and_closest_passages(page, base):
    data = ask(page, DECLINED_QUESTION)
    assert data["answerable"] is False
    declined = page.locator("#results .answer.declined")
    assert declined.locator("h2").inner_text() == "Not answered"
    assert declined.locator(".reason").inner_text() == data["reason"]
    assert page.locator("#results .passages .hit").count() == len(data["passages"]) > 0
    save(page, "declined.png")


def test_a_link_with_the_question_reproduces_the_answer(page, base):
    expected = api_ask(base, SEED_QUESTION)
    with page.expect_response(lambda r: r.url.endswith("/ask")) as response:
        page.goto("/?" + httpx.QueryParams({"q": SEED_QUESTION}).__str__())
    assert "as_of" not in response.value.request.post_data_json  # sent only when the date is filled
    page.locator("#results .answer-text").wait_for()
    assert page.locator("#q").input_value() == SEED_QUESTION
    assert page.locator("#results .answer-text").inner_text().split() == expected["answer"].split()


def test_footer_shows_the_index_state_and_nothing_is_fetched_elsewhere(page, base):
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    ask(page, SEED_QUESTION)
    footer = page.locator("footer#status")
    page.wait_for_function("() => /articles/.test(document.getElementById('status').textContent)")
    health = httpx.get(f"{base}/health", timeout=30).json()
    assert f"{health['articles']} articles" in footer.inner_text() and "ago" in footer.inner_text()
    assert requested and all(u.startswith(base + "/") for u in requested), requested
    assert httpx.get(f"{base}/web/..%2Fapi%2Fapp.py", timeout=30).status_code == 404
    assert "/" not in httpx.get(f"{base}/openapi.json", timeout=30).json()["paths"]


def test_the_answer_streams_in_and_ends_as_the_json_answer(page, base):
    page.goto("/")
    page.fill("#q", SEED_QUESTION)
    with page.expect_request(lambda r: r.url.endswith("/ask")) as request:
        with page.expect_response(lambda r: r.url.endswith("/ask")) as response:
            page.press("#q", "Enter")
    assert request.value.headers["accept"] == "text/event-stream"
    events, final = streamed(response.value)
    assert [name for name, _ in events][0] == "plan" and any(name == "citation" for name, _ in events)
    page.locator("#results .answer:not(.streaming) .answer-text").wait_for()
    shown = page.locator("#results .answer-text").inner_text()
    assert final == api_ask(base, SEED_QUESTION) | {"as_of": final["as_of"]}
    assert all(c["quote"] in shown for c in final["citations"])


def test_the_footer_shows_each_polled_feeds_state(page):
    def health(route):
        route.fulfill(status=200, content_type="application/json", body=json.dumps({
            "status": "ok", "rebuilding": False, "model": "m", "articles": 3, "chunks": 9, "index_version": "v",
            "built_at": "2026-12-03T10:00:00+00:00", "index_age_seconds": 60, "last_build": None,
            "feeds": [{"feed": "https://news.example/rss", "interval_minutes": 30, "last_poll": "2026-12-03T10:05:00",
                       "last_success": None, "last_error": "the feed answered 503", "failures": 1,
                       "next_poll": "2026-12-03T10:35:00", "last_added": 0, "last_updated": 0,
                       "pending_build": False}]}))

    page.route("**/health", health)
    page.goto("/")
    page.wait_for_function("() => /feed https/.test(document.getElementById('status').textContent)")
    footer = page.locator("footer#status").inner_text()
    assert "feed https://news.example/rss: error: the feed answered 503, next 2026-12-03T10:35:00" in footer


def test_phone_width_and_keyboard(browser, base):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=base, is_mobile=True)
    page = context.new_page()
    page.goto("/")
    assert page.evaluate("document.activeElement.id") == "q"  # ready to type
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "go"  # then the button, then the filters
    page.keyboard.press("Shift+Tab")
    page.keyboard.type(SEED_QUESTION)
    page.keyboard.press("Enter")
    page.locator("#results .answer-text").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#results .answer-text button.cite").first.focus()
    page.keyboard.press("Enter")
    page.locator("dialog#reader mark.hl").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    save(page, "phone-article.png")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.dataset.n") == "1"  # focus returns to the marker
    context.close()


def test_as_of_and_cross_outlet_evidence_render_when_the_service_returns_them(page, base):
    """Fields a newer service adds (as_of, time_window, freshness_note, also_in, corroborated_by, conflicting)."""
    real = api_ask(base, SEED_QUESTION)
    bridge = api_ask(base, BRIDGE_QUESTION)["citations"][0]
    other = {k: bridge[k] for k in ("article_id", "source", "title", "published_date")}
    extended = {**real, "as_of": "2025-12-10", "freshness_note": "Newer reporting may exist after 2025-12-10.",
                "time_window": {"start": "2025-12-01", "end": "2025-12-07", "phrase": "last week"},
                "citations": [{**real["citations"][0], "also_in": [other],
                               "corroborated_by": [{**other, "quote": bridge["quote"], "start": bridge["start"],
                                                    "end": bridge["end"]}],
                               "conflicting": []}] + real["citations"][1:]}
    sent: list[dict] = []

    def fake_ask(route):
        sent.append(route.request.post_data_json)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(extended))

    page.route("**/ask", fake_ask)
    page.goto("/")
    page.locator("#f-source input").first.wait_for()  # facets loaded
    page.fill("#f-as-of", "2025-12-10")
    page.fill("#q", SEED_QUESTION)
    page.press("#q", "Enter")
    page.locator("#results .answer-text").wait_for()
    assert sent[-1]["as_of"] == "2025-12-10" and "as_of=2025-12-10" in page.url
    notes = page.locator("#results .answer .note").all_text_contents()
    assert any("2025-12-10" in n for n in notes) and any("“last week”" in n for n in notes)
    assert "Newer reporting may exist" in " ".join(notes)
    card = page.locator("#results .card").first
    assert "Also carried by Kell Valley Courier" in card.locator(".also").inner_text()
    evidence = card.locator(".evidence.corroborated")
    assert bridge["quote"] in evidence.inner_text()
    evidence.locator("button").click()
    reader = page.locator("dialog#reader")
    reader.locator("mark.hl").first.wait_for()
    assert highlighted(reader) == bridge["quote"]


def test_search_shows_one_card_per_article_and_expands_its_more_passages_in_place(page, base):
    query = "Putin Witkoff Kushner talks in Moscow"
    data = submit(page, "search", query)
    cards = page.locator("#results .hits > li.article-hit")
    cards.first.wait_for()
    ids = [cards.nth(i).get_attribute("data-article") for i in range(cards.count())]
    assert ids == [r["article_id"] for r in data["results"]] and len(ids) == len(set(ids))
    assert "of " in page.locator("#result-count").inner_text()
    first = data["results"][0]
    assert first["more_count"] >= 1, "the seed article spans many matching chunks"
    card = cards.first
    assert card.locator(".snippet").inner_text().startswith(first["snippet"]["text"][:40])
    assert card.locator(".snippet mark.term").count() > 0
    more = card.locator("details.more")
    assert more.locator("summary").inner_text() == f"{first['more_count']} more passage" \
        f"{'s' if first['more_count'] > 1 else ''} in this article"
    assert not more.locator(".more-passages").is_visible()
    more.locator("summary").click()
    assert more.locator(".more-passages > li").count() == first["more_count"]
    assert more.locator(".more-passages > li").first.is_visible()
    assert not page.locator("dialog#reader").is_visible()  # expanding stays in place, opens no article
    save(page, "search-articles.png")

    card.locator("h3 button.title").click()  # the title opens the article at the snippet
    reader = page.locator("dialog#reader")
    reader.locator("mark.hl").first.wait_for()
    # One <mark> per paragraph the snippet spans: compare the words.
    assert "".join(highlighted(reader).split()) == "".join(first["snippet"]["text"].split())
    page.keyboard.press("Escape")


def test_sort_and_page_live_in_the_url(page, base):
    page.goto("/?q=president&mode=search")
    page.locator("#results li.article-hit").first.wait_for()
    with page.expect_response(lambda r: "/search?" in r.url and "sort=newest" in r.url) as response:
        page.select_option("#sort", "newest")
    data = response.value.json()
    page.wait_for_function("() => document.getElementById('results').getAttribute('aria-busy') === 'false'")
    assert "sort=newest" in page.url
    shown = page.locator("#results li.article-hit").evaluate_all("cards => cards.map(c => c.dataset.article)")
    assert shown == [r["article_id"] for r in data["results"]]
    dates = [max(d for d in (r["published_date"], r["updated_date"]) if d) for r in data["results"]
             if r["published_date"] or r["updated_date"]]
    assert dates == sorted(dates, reverse=True)
    assert len(data["results"]) >= 2, "the test needs two matching articles to page"

    with page.expect_response(lambda r: "/search?" in r.url and "offset=1" in r.url) as response:
        page.goto("/?q=president&mode=search&sort=newest&offset=1")  # a link to the second page
    second = response.value.json()
    page.locator("#results li.article-hit").first.wait_for()
    assert [r["article_id"] for r in second["results"]] == [r["article_id"] for r in data["results"][1:]]
    assert page.locator("#sort").input_value() == "newest"
    assert page.locator("#result-count").inner_text().startswith("2–")
    with page.expect_response(lambda r: "/search?" in r.url and "offset=0" in r.url):
        page.click("#prev-page")
    page.locator("#results li.article-hit").first.wait_for()
    assert "offset" not in page.url and "sort=newest" in page.url


def test_a_watch_is_added_from_the_results_and_lists_its_new_articles(page, base):
    ask(page, SEED_QUESTION)
    with page.expect_response(lambda r: r.url.endswith("/watches") and r.request.method == "POST") as made:
        page.locator("#results button.watch-add").click()
    watch = made.value.json()
    assert made.value.status == 201 and watch["query"] == SEED_QUESTION
    page.locator("#watches summary").click()  # the panel opens
    item = page.locator(f"#watch-list li[data-watch='{watch['id']}']")
    item.wait_for()
    alert = {"article_id": "x1", "title": "Envoys return", "source": "Wire", "published_date": "2025-12-04", "url": None,
             "start": 0, "end": 10, "quote": "Envoys ret", "score": 0.7, "found_at": "2025-12-04T10:00:00+00:00"}
    page.route(f"**/watches/{watch['id']}/new", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps({"watch": watch, "articles": [alert]})))
    item.locator("button", has_text="New articles").click()
    listed = item.locator(".watch-new li")
    listed.first.wait_for()
    assert "“Envoys ret”" in listed.first.inner_text() and "Envoys return — Wire · 2025-12-04" in listed.first.inner_text()
    real = httpx.get(f"{base}/watches/{watch['id']}/new", timeout=30)
    assert real.status_code == 200 and real.json()["articles"] == []  # nothing newer than the watch itself


# ---------- claim checks and timelines (qa/web/claims.js, qa/web/timeline.js) ----------

VERDICT_NAMES = {"supported": "Supported", "contradicted": "Contradicted", "mixed": "Mixed",
                 "not_enough_evidence": "Not enough evidence"}


def check(page, claim: str) -> dict:
    """Switch the box to "Check a claim", type the claim, press Enter; the check the page received."""
    page.goto("/")
    page.check("input[name=mode][value=check]")
    assert page.locator("#go").inner_text() == "Check"
    page.fill("#q", claim)
    with page.expect_response(lambda r: r.url.endswith("/check")) as response:
        page.press("#q", "Enter")
    page.locator("#results #verdict").wait_for()
    assert response.value.status == 200, response.value.text()
    return response.value.json()


def test_a_claim_check_shows_the_verdict_then_dated_quotes_opening_their_articles(page, base):
    meanings = {}
    for claim, verdict in [("The Zorvath bridge over the Kell river reopened on 9 March.", "contradicted"),
                           ("The Zorvath bridge over the Kell river reopened on 4 March.", "supported"),
                           ("Tungsten boils at 5,930 degrees Celsius.", "not_enough_evidence")]:
        data = check(page, claim)
        assert data["verdict"] == verdict, data  # the corpus states 4 March and nothing about tungsten
        shown = page.locator("#results #verdict")
        assert shown.inner_text() == VERDICT_NAMES[verdict] and shown.get_attribute("data-verdict") == verdict
        meanings[verdict] = page.locator("#results .verdict-meaning").inner_text()
        assert claim in page.locator("#results .claim-text").inner_text()
        for kind in ("supporting", "contradicting"):
            cards = page.locator(f"#results .quotes.{kind} .quote-card")
            assert cards.count() == len(data[kind])
            assert f"({len(data[kind])})" in page.locator(f"#results .quotes.{kind} h2").inner_text()
            for i, q in enumerate(data[kind]):
                card = cards.nth(i)
                assert card.locator("blockquote").inner_text() == q["quote"]
                meta = card.locator(".meta").inner_text()
                assert q["source"] in meta and q["published_date"] in meta  # outlet and date
                assert q["reason"] in card.locator(".why").inner_text()
        assert parse_qs(urlparse(page.url).query) == {"q": [claim], "mode": ["check"]}
    assert len(set(meanings.values())) == 3  # each verdict explained in its own words
    assert "does not mean the claim is false" in meanings["not_enough_evidence"]
    save(page, "check-not-enough-evidence.png")

    data = check(page, "The Zorvath bridge over the Kell river reopened on 9 March.")
    q = data["contradicting"][0]
    page.locator("#results .quotes.contradicting .quote-card blockquote").first.click()
    reader = page.locator("dialog#reader")
    reader.locator("mark.hl").first.wait_for()
    article = httpx.get(f"{base}/articles/{q['article_id']}", timeout=30).json()
    assert highlighted(reader) == q["quote"] == article["text"][q["start"]:q["end"]]
    assert reader.locator("mark.hl.conflicting").count() >= 1
    assert in_view(page)
    page.keyboard.press("Escape")

    page.reload()  # the link reproduces the check
    page.locator("#results #verdict").wait_for()
    assert page.locator("input[name=mode][value=check]").is_checked()
    assert page.locator("#results #verdict").get_attribute("data-verdict") == "contradicted"


def story_date(point: dict) -> str | None:
    return (point["first_report"] or {}).get("published_date") or point["published_date"]


def test_the_timeline_draws_reports_in_date_order_and_a_point_opens_its_article_at_the_quote(page, base):
    query = "president"
    data = submit(page, "timeline", query)
    points = page.locator("#results svg.timeline-axis g.point")
    points.first.wait_for()
    dates = [story_date(p) for p in data["points"]]
    assert len(set(dates)) >= 3, "the test needs stories on several days"
    assert points.count() == len(data["points"])
    drawn = points.evaluate_all("gs => gs.map(g => [g.dataset.date, Number(g.querySelector('circle')"
                                ".getAttribute('cx')), g.dataset.article])")
    assert [d for d, _, _ in drawn] == dates == sorted(dates)  # oldest first
    xs = [x for _, x, _ in drawn]
    assert all(a < b if da < db else a == b for (da, a, _), (db, b, _) in zip(drawn, drawn[1:]))  # later is right
    assert xs[-1] - xs[0] > 300  # the axis spans the drawing
    assert [a for _, _, a in drawn] == [p["article_id"] for p in data["points"]]

    axis = page.locator("#results svg.timeline-axis")  # accessible: named, described, keyboard-reachable
    labelled = axis.get_attribute("aria-labelledby").split()
    assert page.locator(f"#{labelled[0]}").text_content() == f"Timeline of “{query}”"
    assert "oldest on the left" in page.locator(f"#{labelled[1]}").text_content()
    assert points.first.get_attribute("tabindex") == "0" and points.first.get_attribute("role") == "button"
    items = page.locator("#results .timeline-list > li")  # the same information as a list
    assert items.count() == len(data["points"])
    for i, p in enumerate(data["points"]):
        assert items.nth(i).locator("blockquote").inner_text() == p["quote"]
        assert dates[i] in items.nth(i).locator(".when").inner_text()
        assert p["quote"] in points.nth(i).get_attribute("aria-label")
    summary = page.locator("#results .first-report.summary").inner_text()
    assert summary.startswith(f"First report: {dates[0]}") and data["points"][0]["quote"] in summary
    assert "mode=timeline" in page.url
    save(page, "timeline.png")

    last = data["points"][-1]
    with page.expect_response(lambda r: "/articles/" in r.url):
        points.last.click()
    reader = page.locator("dialog#reader")
    reader.locator("mark.hl").first.wait_for()
    article = httpx.get(f"{base}/articles/{last['article_id']}", timeout=30).json()
    assert highlighted(reader) == last["quote"] == article["text"][last["start"]:last["end"]]
    assert reader.locator("#reader-title").inner_text() == article["title"]
    assert in_view(page)
    assert parse_qs(urlparse(page.url).query)["at"] == [f"{last['start']}-{last['end']}"]
    page.keyboard.press("Escape")

    first = data["points"][0]
    points.first.focus()  # the keyboard opens a point too
    page.keyboard.press("Enter")
    reader.locator("mark.hl").first.wait_for()
    assert highlighted(reader) == first["quote"]


def test_the_timeline_lists_what_changed_between_reports(page):
    with page.expect_response(lambda r: "/timeline?" in r.url) as response:
        page.goto("/?" + str(httpx.QueryParams({"q": "Ure river flood deaths", "mode": "timeline"})))
    data = response.value.json()
    page.locator("#results .timeline-list > li").first.wait_for()
    changed = [(i, p["changed"]) for i, p in enumerate(data["points"]) if p["changed"]]
    assert changed, "the test needs a timeline with a changed value"
    items = page.locator("#results .timeline-list > li")
    for i, p in enumerate(data["points"]):
        text = items.nth(i).inner_text()
        assert ("What changed since the report before" in text) == bool(p["changed"])
        assert all(c in text for c in p["changed"])
    marked = page.locator("#results svg.timeline-axis g.point.changed")
    assert marked.evaluate_all("gs => gs.map(g => Number(g.dataset.n) - 1)") == [i for i, _ in changed]


def test_the_sources_entities_are_listed_and_a_click_filters_by_one(page, base):
    """The people, organisations and places of the answer's sources are buttons; one applies the entity
    filter (asked again with it, kept in the URL and in the filters panel, where unticking drops it)."""
    data = ask(page, SEED_QUESTION)
    names = [e["name"] for e in data["entities"]]
    buttons = page.locator("#results .mentions button.entity")
    assert names and buttons.count() == min(len(names), 12)
    assert buttons.all_text_contents() == names[:buttons.count()]
    with page.expect_request(lambda r: r.url.endswith("/ask") and r.method == "POST") as request:
        buttons.first.click()
    assert json.loads(request.value.post_data)["filters"]["entity"] == [names[0]]
    page.locator("#results .answer:not(.streaming)").wait_for()
    assert parse_qs(urlparse(page.url).query)["entity"] == [names[0]]
    box = page.locator("#f-entity input[type=checkbox]")
    assert box.count() == 1 and box.is_checked() and page.locator("#filter-count").text_content() == "(1 on)"
    with page.expect_request(lambda r: r.url.endswith("/ask") and r.method == "POST") as request:
        box.uncheck()
    assert "entity" not in json.loads(request.value.post_data)["filters"]


def test_an_answer_exports_as_a_note_whose_quotes_are_the_articles_text(page, base):
    """The answer's export links fetch the same answer as Markdown and CSV, every quote with its provenance."""
    data = ask(page, SEED_QUESTION)
    href = page.locator("#results .answer a.export-md").get_attribute("href")
    assert parse_qs(urlparse(href).query)["q"] == [SEED_QUESTION]
    note = httpx.get(base + href, timeout=60).text
    for c in data["citations"]:
        text = httpx.get(f"{base}/articles/{c['article_id']}", params={"revision": c["revision"]}).json()["text"]
        assert text[c["start"]:c["end"]] == c["quote"] and c["quote"] in note
    rows = httpx.get(base + page.locator("#results .answer a.export-csv").get_attribute("href"), timeout=60).text
    assert len(rows.splitlines()) == 1 + len(data["citations"])
