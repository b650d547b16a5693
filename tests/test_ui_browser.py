"""The chat page in headless Chromium: answers with sources, uploads, and no script from an article runs.

Run: `.venv/bin/python -m pytest -m browser tests/test_ui_browser.py` (Debian `chromium` + `chromedriver`).
`RAG_SCREENSHOT=1` saves the conversation screenshot to docs/screenshot.png (else to a tmp folder).
`RAG_UI_TEST_EMBEDDER=hashing` uses the fast fake embedder instead of e5-small.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SEEDS, free_port

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_S = 60
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip(
        "needs Debian chromium and chromedriver in /usr/bin (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip install selenium==4.51.0)")

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on 127.0.0.1:<free port>, over an index of a copy of seeds/ (llm: extractive)."""
    from rag import api
    from rag.config import Settings
    from ui.app import build_app
    from ui.server import launch

    base = tmp_path_factory.mktemp("ui")
    articles = base / "articles"
    shutil.copytree(SEEDS, articles)
    for f in articles.iterdir():
        f.chmod(f.stat().st_mode | stat.S_IWUSR)
    embedder = os.environ.get("RAG_UI_TEST_EMBEDDER", "e5-small")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        api.build_index(articles, base / "index", embedder=embedder)
    settings = Settings(
        index_dir=base / "index",
        articles_dir=articles,
        embedder=embedder,
        llm="extractive",
        host="127.0.0.1",
        port=free_port(),
        auth=None,
    )
    app = build_app(settings)
    launch(app, settings, block=False, quiet=True)
    try:
        yield f"http://127.0.0.1:{settings.port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1400,1100",
    ):
        options.add_argument(arg)
    d = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield d
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(server: str, driver: WebDriver) -> WebDriver:
    """A freshly loaded page (a new session: empty chat) with the index status shown."""
    driver.get(server)
    wait_for(driver, lambda d: "Articles" in d.find_element(By.CSS_SELECTOR, "#index-status").text)
    return driver


def wait_for(driver: WebDriver, cond: Callable[[WebDriver], Any], timeout: float = WAIT_S) -> Any:
    def safe(d: WebDriver) -> Any:
        try:
            return cond(d)
        except Exception:  # elements re-render while streaming; try again
            return False

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(safe)


def bot_messages(d: WebDriver) -> list[Any]:
    return d.find_elements(By.CSS_SELECTOR, '#answer-chat [data-testid="bot"]')


def ask(d: WebDriver, question: str, expect: str) -> Any:
    """Type a question, press Ask, and wait for a new bot message containing `expect`; returns it."""
    before = len(bot_messages(d))
    box = d.find_element(By.CSS_SELECTOR, "#question textarea")
    box.clear()
    box.send_keys(question)
    d.find_element(By.CSS_SELECTOR, "#ask").click()

    def answered(d: WebDriver) -> Any:
        msgs = bot_messages(d)
        return msgs[-1] if len(msgs) > before and expect in msgs[-1].text else False

    try:
        return wait_for(d, answered)
    except Exception:
        texts = [m.text for m in bot_messages(d)]
        pytest.fail(f"no answer containing {expect!r} within {WAIT_S} s; bot messages: {texts!r}")


def upload(d: WebDriver, files: list[Path]) -> str:
    """Upload files through the page and press "Add to index"; returns the report text."""
    d.find_element(By.CSS_SELECTOR, "#upload input[type=file]").send_keys("\n".join(str(f) for f in files))
    # the File component lists each uploaded file as stem, suffix and size once the upload is done
    wait_for(d, lambda d: all(f.stem in d.find_element(By.CSS_SELECTOR, "#upload").text for f in files))
    d.find_element(By.CSS_SELECTOR, "#add").click()
    return str(wait_for(d, lambda d: d.find_element(By.CSS_SELECTOR, "#upload-report .report").text or False))


def pwned(d: WebDriver) -> object:
    return d.execute_script("return window.__pwned")


def test_answer_streams_with_citation_linked_to_sources(page: WebDriver, tmp_path: Path) -> None:
    msg = ask(page, "Wie viele Kisten mit sterblichen Überresten hat Vietnam zurückgegeben?", "994")
    link = msg.find_element(By.CSS_SELECTOR, "a.cite")
    assert link.get_attribute("href").endswith("#src-1") and link.text == "1"
    source = page.find_element(By.CSS_SELECTOR, "#sources #src-1")
    assert "994 Kisten" in source.find_element(By.CSS_SELECTOR, "mark").text
    title = source.find_element(By.CSS_SELECTOR, ".src-head a")
    date = source.find_element(By.CSS_SELECTOR, ".src-head .date")  # the publication date, with its provenance
    assert date.text == "2025-11-02" and date.get_attribute("title") == "date from: url"
    assert (title.get_attribute("href") or "").startswith("https://baotintuc.vn/")
    assert title.get_attribute("rel") == "noopener noreferrer" and title.get_attribute("target") == "_blank"
    status = page.find_element(By.CSS_SELECTOR, "#index-status").text
    assert "Articles 2" in status and "LLM extractive" in status

    ask(page, "When will Hegseth and Ahn Gyu-back hold the Security Consultative Meeting?", "4. November")
    shot = ROOT / "docs" / "screenshot.png" if os.environ.get("RAG_SCREENSHOT") == "1" else tmp_path / "chat.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    assert page.save_screenshot(str(shot)) and shot.stat().st_size > 10_000

    link.click()
    assert page.execute_script("return location.hash") == "#src-1"
    page.find_element(By.CSS_SELECTOR, "#clear").click()
    wait_for(page, lambda d: not bot_messages(d) and not d.find_elements(By.CSS_SELECTOR, "#sources .source"))


def test_uploaded_article_answers_a_new_question(page: WebDriver, tmp_path: Path) -> None:
    article = tmp_path / "leuchtturm_quellstadt.txt"
    article.write_text(
        "Leuchtturm von Quellstadt eröffnet.\n\n"
        "Der Leuchtturm von Quellstadt wurde aus genau 4312 roten Ziegeln gebaut und ist 41 Meter hoch.\n\n"
        "Er steht seit dem Frühjahr an der Nordmole und leuchtet jede Nacht.\n",
        encoding="utf-8",
    )
    report = upload(page, [article])
    assert report.startswith("added 1, updated 0"), report
    wait_for(page, lambda d: "Articles 3" in d.find_element(By.CSS_SELECTOR, "#index-status").text)
    msg = ask(page, "Aus wie vielen Ziegeln wurde der Leuchtturm von Quellstadt gebaut?", "4312")
    assert msg.find_elements(By.CSS_SELECTOR, "a.cite")
    assert "Leuchtturm" in page.find_element(By.CSS_SELECTOR, "#sources #src-1").text


def test_scripts_in_uploaded_articles_and_questions_never_run(page: WebDriver, tmp_path: Path) -> None:
    txt = tmp_path / f"glocken{IMG}.txt"
    txt.write_text(
        f"Glockenturm {SCRIPT} {IMG} in Nordheim.\n\n"
        f"Der Glockenturm von Nordheim {IMG} besitzt genau 23 Glocken aus Bronze {SCRIPT}.\n\n"
        "Die Glocken läuten jeden Sonntag um zehn Uhr.\n",
        encoding="utf-8",
    )
    ent_img = 'Zwergenrat &lt;img src=x onerror="window.__pwned=2"&gt; &lt;script&gt;window.__pwned=1&lt;/script&gt;'
    html = tmp_path / "zwergenrat.html"
    html.write_text(
        f"<!doctype html><html><head><title>{ent_img}</title><script>window.__pwned=3</script></head><body>"
        f"<article><h1>{ent_img}</h1><p>Der Zwergenrat von Quellstadt &lt;script&gt;window.__pwned=1&lt;/script&gt;"
        ' tagte am 7. März mit genau 58 Zwergen in der Bergbibliothek. &lt;img src=x onerror="window.__pwned=2"&gt;</p>'
        "<p>Die Versammlung dauerte drei Stunden und endete mit einem Beschluss über neue Laternen.</p>"
        '<img src=x onerror="window.__pwned=4"></article></body></html>',
        encoding="utf-8",
    )
    report = upload(page, [txt, html])
    assert report.startswith("added 2"), report
    assert pwned(page) is None

    msg = ask(page, "Wie viele Glocken besitzt der Glockenturm von Nordheim?", "23 Glocken")
    assert pwned(page) is None
    assert IMG in msg.text and SCRIPT in msg.text  # shown as text ...
    assert not msg.find_elements(By.CSS_SELECTOR, "img, script")  # ... never as elements
    sources = page.find_element(By.CSS_SELECTOR, "#sources")
    assert IMG in sources.text and SCRIPT in sources.text
    assert not sources.find_elements(By.CSS_SELECTOR, "img, script")

    msg = ask(page, "Mit wie vielen Zwergen tagte der Zwergenrat von Quellstadt?", "58 Zwergen")
    assert pwned(page) is None
    assert SCRIPT in msg.text and not msg.find_elements(By.CSS_SELECTOR, "img, script")
    assert IMG in page.find_element(By.CSS_SELECTOR, "#sources").text

    question = f"Was ist {IMG} {SCRIPT}?"
    ask(page, question, "")
    wait_for(page, lambda d: question in d.find_elements(By.CSS_SELECTOR, '#answer-chat [data-testid="user"]')[-1].text)
    assert not page.find_elements(By.CSS_SELECTOR, "#answer-chat img, #answer-chat script, #sources img")
    assert pwned(page) is None


def test_answers_only_from_the_articles_the_filters_keep(page: WebDriver) -> None:
    page.find_element(By.CSS_SELECTOR, "#filters button").click()
    source = wait_for(page, lambda d: d.find_element(By.CSS_SELECTOR, "#source input, #source textarea"))
    source.send_keys("example.invalid")
    msg = ask(page, "Wie viele Kisten mit sterblichen Überresten hat Vietnam zurückgegeben?", "nichts")
    assert "994" not in msg.text
    source.clear()
    source.send_keys("baotintuc.vn")
    since = page.find_element(By.CSS_SELECTOR, "#since input, #since textarea")
    since.send_keys("gestern")
    ask(page, "Wie viele Kisten mit sterblichen Überresten hat Vietnam zurückgegeben?", "YYYY-MM-DD")
    since.clear()
    since.send_keys("2025-11-01")
    ask(page, "Wie viele Kisten mit sterblichen Überresten hat Vietnam zurückgegeben?", "994")

def test_the_library_filters_and_deletes_an_article(page: WebDriver, tmp_path: Path) -> None:
    article = tmp_path / "kurzmeldung_loeschen.txt"
    article.write_text("Kurzmeldung aus Quellstadt.\n\nDer Fährhafen von Quellstadt schließt am Montag für genau "
                       "17 Tage wegen Bauarbeiten an der Mole.\n", encoding="utf-8")
    assert upload(page, [article]).startswith("added 1"), "upload failed"
    page.find_element(By.CSS_SELECTOR, "#library-box button").click()  # open the accordion
    library = wait_for(page, lambda d: d.find_element(By.CSS_SELECTOR, "#library .library"))
    total = int(library.find_element(By.CSS_SELECTOR, ".count").text.split(" of ")[1].split()[0])
    assert total >= 3 and "kurzmeldung_loeschen.txt" in library.text

    box = page.find_element(By.CSS_SELECTOR, "#library-filter textarea, #library-filter input")
    box.send_keys("kurzmeldung")
    wait_for(page, lambda d: d.find_element(By.CSS_SELECTOR, "#library .count").text == f"1 of {total} articles")
    assert len(page.find_elements(By.CSS_SELECTOR, "#library tr[data-id]")) == 1

    choose(page, "kurzmeldung_loeschen.txt")
    page.find_element(By.CSS_SELECTOR, "#delete").click()  # not confirmed yet: nothing happens
    wait_for(page, lambda d: "nothing was deleted" in d.find_element(By.CSS_SELECTOR, "#delete-report").text)
    assert "kurzmeldung_loeschen.txt" in page.find_element(By.CSS_SELECTOR, "#library").text

    choose(page, "kurzmeldung_loeschen.txt")
    page.find_element(By.CSS_SELECTOR, "#delete-sure input").click()
    page.find_element(By.CSS_SELECTOR, "#delete").click()
    wait_for(page, lambda d: "Deleted from the index" in d.find_element(By.CSS_SELECTOR, "#delete-report").text)
    wait_for(page, lambda d: d.find_element(By.CSS_SELECTOR, "#library .count").text == f"0 of {total - 1} articles")
    wait_for(page, lambda d: f"Articles {total - 1}" in d.find_element(By.CSS_SELECTOR, "#index-status").text)


def choose(d: WebDriver, text: str) -> None:
    """Pick the option containing `text` in the "Article to delete" dropdown."""
    d.find_element(By.CSS_SELECTOR, "#delete-choice input").click()
    options = '#delete-choice li[data-testid="dropdown-option"]'
    wait_for(d, lambda d: next(o for o in d.find_elements(By.CSS_SELECTOR, options) if text in o.text)).click()
