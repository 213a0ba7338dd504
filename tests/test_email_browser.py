"""The alert email's HTML in a real browser: headless Chromium (the `browser` fixture) at phone and desktop widths,
light, dark and forced-dark, measured rather than eyeballed; the screenshots are kept under tests/artifacts/.

Readability is measured on pixels: each checked block is screenshotted on its own, decoded on a canvas, and its
text must stand out from its background by the WCAG contrast ratio for body text (4.5:1), whatever colours the
mode produced (forced dark changes pixels, not computed styles).
"""

from __future__ import annotations

import base64
from datetime import datetime

import pytest

from newswatch.alerts.entries import MARK_END, MARK_START, AlertCopy, AlertItem, Sender
from newswatch.alerts.message import render
from newswatch.core.clock import KST, FixedClock
from newswatch.mocksite.mailserver import MailServer
from tests.conftest import CHROMIUM, screenshot_path
from tests.test_email import parts, received

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page_html(tmp_path_factory) -> str:
    """The HTML part of a real alert as aiosmtpd received it (three stories, one with two copies)."""
    server = MailServer().start()
    try:
        clock = FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=KST))
        _, message = received(tmp_path_factory.mktemp("email"), clock, server)
        return parts(message)[1]
    finally:
        server.stop()


# --- pixels ---------------------------------------------------------------------------------------------------

# The browser decodes the screenshot: draw it on a canvas, count colours, measure WCAG contrast.
_MEASURE = """async (b64) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + b64;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width; canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, img.width, img.height).data;
  const counts = new Map();
  for (let i = 0; i < d.length; i += 4) {
    const k = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    counts.set(k, (counts.get(k) || 0) + 1);
  }
  let background = 0, most = -1;
  for (const [k, n] of counts) if (n > most) { most = n; background = k; }
  const lum = k => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f((k >> 16) & 255) + 0.7152 * f((k >> 8) & 255) + 0.0722 * f(k & 255);
  };
  const lb = lum(background);
  let ratio = 1;
  for (const k of counts.keys()) {
    const l = lum(k);
    ratio = Math.max(ratio, (Math.max(l, lb) + 0.05) / (Math.min(l, lb) + 0.05));
  }
  return {ratio, luminance: lb, background: [(background >> 16) & 255, (background >> 8) & 255, background & 255]};
}"""


@pytest.fixture(scope="module")
def measure(browser):
    """measure(png) -> {ratio, luminance, background}: the text's contrast against the commonest colour (the
    background); the text colour is the pixel that differs most from it, the core of the glyphs."""
    page = browser.new_page()
    yield lambda png: page.evaluate(_MEASURE, base64.b64encode(png).decode())
    page.close()


READ = {"title": "h3 a", "snippet": "p.nw-text", "meta": "div.nw-line > div.nw-muted",
        "why": "div.nw-why", "copy": "div.nw-line[style*='border-left'] a", "footer": "div.nw-line.nw-muted"}


def open_email(browser, html: str, width: int, scheme: str = "light"):
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))
    page.set_content(html, wait_until="load")
    return page, requests


def assert_readable(page, measure, mode: str) -> None:
    for name, selector in READ.items():
        found = measure(page.locator(selector).first.screenshot())
        assert found["ratio"] >= 4.5, f"{mode}: {name} contrast {found['ratio']:.2f} on {found['background']}"


# --- the tests ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_email_layout_at_phone_and_desktop_widths(browser, measure, page_html, width):
    page, requests = open_email(browser, page_html, width)
    try:
        geometry = page.evaluate("""() => {
            const box = s => document.querySelector(s).getBoundingClientRect();
            const size = s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize);
            return {scroll: document.documentElement.scrollWidth, view: innerWidth,
                    card: box('table.nw-card').width, snippet: box('p.nw-text').width,
                    title: size('h3 a'), body: size('p.nw-text'), meta: size('div.nw-line > div.nw-muted'),
                    entryLeft: box('h3').left, copyLeft: box("div.nw-line[style*='border-left']").left,
                    copyText: box("div.nw-line[style*='border-left'] a").left};
        }""")
        assert geometry["scroll"] <= geometry["view"], geometry  # nothing scrolls sideways
        assert geometry["card"] <= 640 and geometry["snippet"] <= 600, geometry  # lines stay readable on a desktop
        if width <= 390:
            assert geometry["snippet"] >= width - 40, geometry  # a phone's width is used
        assert geometry["title"] >= 18 > geometry["body"] >= 15 > geometry["meta"], geometry
        assert geometry["copyText"] - geometry["entryLeft"] <= 16, geometry  # copies barely indented
        assert_readable(page, measure, f"light {width}px")
        assert requests == []  # no remote images, fonts, styles or scripts
        name = {390: "email-390.png", 1280: "email-1280.png"}.get(width, f"email-{width}.png")
        page.screenshot(path=screenshot_path(name), full_page=True)
    finally:
        page.close()


def test_email_in_dark_mode_and_forced_dark_mode(browser, measure, page_html):
    page, _ = open_email(browser, page_html, 390, "dark")  # clients that honour prefers-color-scheme
    try:
        card = page.evaluate("getComputedStyle(document.querySelector('table.nw-card')).backgroundColor")
        assert card == "rgb(22, 27, 34)"
        assert_readable(page, measure, "dark")
        page.screenshot(path=screenshot_path("email-390-dark.png"), full_page=True)
    finally:
        page.close()
    # clients that darken whatever they get (Gmail's and Outlook's apps): Chromium's own forced dark
    forced = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--enable-features=WebContentsForceDark"])
    try:
        page, _ = open_email(forced, page_html, 390)
        snippet = measure(page.locator(READ["snippet"]).first.screenshot())
        assert snippet["luminance"] < 0.1, snippet  # it really is dark
        assert_readable(page, measure, "forced dark")
        page.screenshot(path=screenshot_path("email-390-forced-dark.png"), full_page=True)
    finally:
        forced.close()


def test_hostile_article_text_does_nothing_in_a_browser(browser):
    hostile = AlertItem(
        '광주 AI <img src="https://evil.example/t.png" onerror="window.pwned=1"><script>window.pwned=1</script>',
        "newsprime", "2026-11-24T09:00:00+09:00", 'https://ok.example/a" onmouseover="window.pwned=1',
        f"{MARK_START}광주{MARK_END} <iframe src='https://evil.example/'></iframe><svg onload='window.pwned=1'>",
        [AlertCopy("<object data='https://evil.example/x'>", "gwangju_city", None, "javascript:window.pwned=1")],
        why="장소: <style>body{display:none}</style> · 주제: 인공지능 · 근거: 제목 「<script>x</script>」 · 점수 0.9/0.5")
    _, _, html = render(Sender("gwangju-ai"), [hostile])
    page, requests = open_email(browser, html, 390)
    try:
        page.hover("h3")
        found = page.evaluate("""() => ({pwned: window.pwned,
            active: document.querySelectorAll('script, img, iframe, svg, object, embed, link').length,
            styles: document.querySelectorAll('style').length,
            title: document.querySelector('h3').textContent})""")
        assert found["pwned"] is None and found["active"] == 0 and found["styles"] == 1
        assert "<script>window.pwned=1</script>" in found["title"]  # shown as text
        assert requests == []
    finally:
        page.close()
