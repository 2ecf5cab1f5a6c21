"""The chat page in Debian's Chromium: ask, see the answer with its citation, follow up, browse the reports."""
from __future__ import annotations

import os
import shutil

import pytest

from conftest_app import LIVE_TOKEN, ROOT, live_server  # noqa: F401  (fixture)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
TITLE = "开创国际化一流中心城区建设新局面"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (make browser-deps)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1200, "height": 1400}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.requested = []  # every URL the page asked for: the page must work offline
    page.on("request", lambda request: page.requested.append(request.url))
    page.goto(live_server.url + "/", wait_until="domcontentloaded")  # "networkidle" never fires on a Gradio page
    yield page
    context.close()


def chat_box(page):
    box = page.locator("textarea[data-testid=textbox]:visible").first
    box.wait_for()
    return box


def ask(page, question: str) -> None:
    box = chat_box(page)
    box.fill(question)
    box.press("Enter")


def test_chat_answers_with_citation_and_follow_up(page, live_server):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    bot = page.locator("[data-testid=bot]")

    ask(page, "历下2024年新增学位多少")
    expect(bot).to_have_count(1)
    first = bot.nth(0)
    expect(first.locator("strong", has_text="7000余个")).to_be_visible()
    expect(first.locator("mark", has_text="7000余个")).to_be_visible()
    expect(first.locator(".qa-source")).to_contain_text(TITLE)
    expect(first.locator(".qa-source")).to_contain_text("历下区")
    expect(first.locator(".qa-confidence")).to_contain_text("置信度")
    expect(first.locator("details summary")).to_contain_text("检索到的段落")
    page.screenshot(path=str(ARTIFACTS / "chat-first.png"))

    ask(page, "那2023年呢？")
    expect(bot).to_have_count(2)
    second = bot.nth(1)
    expect(second).to_contain_text("2023")
    assert second.inner_text() != first.inner_text()
    expect(second.locator("strong, .qa-abstain").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "chat.png"))
    if os.environ.get("QA_UPDATE_SCREENSHOT"):  # `make screenshot` refreshes the README's picture
        shutil.copyfile(ARTIFACTS / "chat.png", ROOT / "docs" / "chat.png")

    outside = [url for url in page.requested if not url.startswith((live_server.url, "data:", "blob:"))]
    assert outside == []


def test_the_users_question_is_shown_as_typed_never_as_markup(page):
    from playwright.sync_api import expect

    typed = '<img src=x onerror="document.title=1"> **粗体** <b>历下</b>'
    ask(page, typed)
    user = page.locator("[data-testid=user]")
    expect(user).to_have_count(1)
    expect(user.first).to_contain_text(typed)
    assert user.first.locator("img, b, strong").count() == 0
    expect(page.locator("[data-testid=bot]")).to_have_count(1)
    assert page.title() != "1"


def test_clearing_the_chat_starts_a_new_conversation(page):
    from playwright.sync_api import expect

    ask(page, "历下2024年新增学位多少")
    expect(page.locator("[data-testid=bot]")).to_have_count(1)
    page.get_by_role("button", name="清空对话").click()  # the clear button, as the zh-CN page labels it
    expect(page.locator("[data-testid=bot]")).to_have_count(0)
    ask(page, "那2023年呢？")  # with nothing before it, there is nothing to follow up
    expect(page.locator("[data-testid=bot]")).to_have_count(1)
    expect(page.locator("[data-testid=user]")).to_have_count(1)
    expect(page.locator("[data-testid=bot] .qa-resolved")).to_have_count(0)


def test_reports_tab_lists_reports_and_shows_text(page):
    from playwright.sync_api import expect

    chat_box(page)
    page.get_by_role("tab", name="报告").click()
    expect(page.get_by_text(TITLE).first).to_be_visible()
    page.get_by_label("查看报告").click()
    page.get_by_role("option", name=f"{TITLE}（lixia-2024-interview）").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('textarea')].some(t => t.value.includes('新增学位7000余个'))"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports.png"))


def test_clicking_an_example_asks_it(page):
    from playwright.sync_api import expect

    chat_box(page)
    page.get_by_role("button", name="2019年济南市中区外贸进出口总额是多少？").click()
    expect(page.locator("[data-testid=user]")).to_contain_text("2019年济南市中区外贸进出口总额是多少")
    expect(page.locator("[data-testid=bot]")).to_have_count(1)
    expect(page.locator("[data-testid=bot] strong, [data-testid=bot] .qa-abstain").first).to_be_visible()


def test_a_report_uploaded_through_the_page_is_indexed_and_answers(page, tmp_path):
    from playwright.sync_api import expect

    report = tmp_path / "tianqiao-2024.html"
    report.write_text(
        "<!DOCTYPE html><html><body><h1>天桥区政府工作报告</h1>"
        "<p>2023年，天桥区新建学校6所，新增学位8800个。</p><p>2024年，天桥区将新增学位9900个，建设北湖片区。</p>"
        "</body></html>", encoding="utf-8",
    )
    chat_box(page)
    page.get_by_role("tab", name="报告").click()
    page.get_by_text("添加、替换、删除报告").click()
    page.locator("#qa-token input").fill(LIVE_TOKEN)
    page.locator("#qa-upload input[type=file]").set_input_files(str(report))
    page.locator("#qa-district input, #qa-district textarea").first.fill("天桥区")
    page.get_by_role("button", name="上传为新报告").click()
    expect(page.locator("#qa-change-outcome")).to_contain_text("已受理：tianqiao-2024")
    row = page.get_by_role("row").filter(has_text="tianqiao-2024")
    for _ in range(120):  # indexing takes seconds: refresh until it is listed ready
        page.get_by_role("button", name="刷新").click()
        page.wait_for_timeout(500)
        if row.count() and "就绪" in row.first.inner_text():
            break
    expect(row.first).to_contain_text("就绪")
    expect(row.first).to_contain_text("天桥区")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "documents.png"))

    page.get_by_role("tab", name="问答").click()
    ask(page, "天桥区2024年新增学位多少")
    expect(page.locator("[data-testid=bot] strong", has_text="9900个")).to_be_visible()
