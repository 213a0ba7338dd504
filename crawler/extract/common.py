"""Helpers every site extractor needs: decoding bytes, cleaning text, rendering an element as lines."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from lxml import html as lxml_html
from lxml.cssselect import CSSSelector
from parsel import Selector
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding

from crawler.extract.dates import parse_kst as parse_kst  # re-exported: sites read dates from the kit
from newswatch.core.article import Article

# Korean pages are UTF-8 or EUC-KR; EUC-KR is decoded as its superset CP949 (w3lib maps it so too).
FALLBACK_ENCODINGS = ("utf-8", "cp949")


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str, list[str]]:
    """Decode a page to text, returning (text, encoding used, problems met).

    The declared charset (HTTP header, then BOM, then <meta>) is trusted only if the bytes decode cleanly
    with it; otherwise UTF-8 and CP949 are tried strictly and the mismatch is reported as a problem.
    """
    problems: list[str] = []
    declared = http_content_type_encoding(content_type) if content_type else None
    declared = declared or html_body_declared_encoding(body[:4096])
    encoding, text = html_to_unicode(content_type, body, auto_detect_fun=_sniff)
    if "\ufffd" not in text:
        return text, encoding, problems
    for candidate in FALLBACK_ENCODINGS:
        try:
            text = body.decode(candidate)
        except UnicodeDecodeError:
            continue
        problems.append(
            f"charset: declared {declared or 'nothing'} but the bytes are {candidate}; decoded as {candidate}"
        )
        return text, candidate, problems
    problems.append(f"charset: bytes are not valid {encoding}; undecodable bytes replaced")
    return text, encoding, problems


def _sniff(body: bytes) -> str:
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp949"


_SPACES = re.compile(r"[ \t\u00a0\u3000\u200b\ufeff]+")


def clean_text(text: str | None) -> str:
    """NFC, no-break and ideographic spaces folded, each line stripped, runs of blank lines squeezed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def clean_line(text: str | None) -> str:
    """Text folded to a single line."""
    return " ".join(clean_text(text).split())


def join_paragraphs(paragraphs: list[str]) -> str:
    """The body_text form: non-empty paragraphs separated by one blank line."""
    return "\n\n".join(p for p in (clean_line(p) for p in paragraphs) if p)


def file_type(name: str) -> str:
    """Lower-case extension of a file name, '' when it has none."""
    base = name.rsplit("/", 1)[-1].strip()
    if "." not in base:
        return ""
    ext = base.rsplit(".", 1)[-1].lower()
    return ext if ext.isalnum() and len(ext) <= 5 else ""


def open_page(url: str, body: bytes, content_type: str | None, source: str,
              identity: Callable[[str, Selector], tuple[str, str]]) -> tuple[str, Selector, Article]:
    """Decode a page and start its Article: (text, selector, article with id, URL and decoding problems)."""
    text, _, problems = decode_html(body, content_type)
    sel = Selector(text=text or "<html></html>", base_url=url)
    source_id, canonical_url = identity(url, sel)
    article = Article(source=source, source_id=source_id, canonical_url=canonical_url, url=url, problems=problems)
    return text, sel, article


def unrecognised(article: Article, why: str) -> Article:
    """Mark a page that is not an article of its site, keeping only why: it must never be stored."""
    article.problems.append(why)
    article.recognised = False
    article.body_text, article.images, article.attachments = "", [], []
    return article


BLOCK_TAGS = {"p", "div", "li", "ul", "ol", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
              "figure", "figcaption", "section", "article", "dl", "dt", "dd"}


def _flat(text: str) -> str:
    """Source line breaks are spaces in HTML; only <br> and blocks break lines."""
    return text.replace("\r", " ").replace("\n", " ")


def text_lines(root: lxml_html.HtmlElement, keep_blank: bool = False) -> list[str]:
    """Text of an element as rendered lines: <br> ends a line, a block is surrounded by blank lines."""
    parts: list[str] = []

    def walk(el: lxml_html.HtmlElement) -> None:
        if not isinstance(el.tag, str):  # comments, processing instructions
            if el.tail and el is not root:
                parts.append(_flat(el.tail))
            return
        block = el.tag in BLOCK_TAGS
        if block:
            parts.append("\n\n")
        if el.tag == "br":
            parts.append("\n")
        if el.text:
            parts.append(_flat(el.text))
        for child in el:
            walk(child)
        if block:
            parts.append("\n\n")
        if el.tail and el is not root:  # the root's tail is the page after it, not its text
            parts.append(_flat(el.tail))

    walk(root)
    lines = [clean_line(line) for line in "".join(parts).split("\n")]
    return lines if keep_blank else [line for line in lines if line]


@lru_cache(maxsize=256)
def css_selector(css: str) -> CSSSelector:
    """A compiled CSS selector: lxml's ``cssselect()`` translates CSS to XPath on every call, which costs more
    than running the XPath on a page (page objects ask the same few selectors of every page)."""
    return CSSSelector(css)


def detached_copy(root: lxml_html.HtmlElement, chrome: str) -> lxml_html.HtmlElement:
    """A copy of ``root`` without the elements matching the CSS ``chrome``: a page object removes widgets from
    its body without changing the page other fields still read. Without ``root``'s tail: that is the page after
    it (fromstring would wrap the two in a new element)."""
    copy = lxml_html.fromstring(lxml_html.tostring(root, encoding="unicode", with_tail=False))
    for element in css_selector(chrome)(copy):
        if element is not copy:
            element.drop_tree()
    return copy


def blank_line_paragraphs(root: lxml_html.HtmlElement) -> list[str]:
    """Paragraphs of a body written with ``<br /><br />`` between them (and blocks): a blank line ends a
    paragraph, a single ``<br>`` only ends a line within it."""
    paragraphs, current = [], []
    for line in text_lines(root, keep_blank=True):
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def first_text(sel: Selector, *queries: str) -> str:
    """Single-line text of the first element matching one of ``queries`` (tried in order) that has any."""
    for query in queries:
        found = sel.css(query)
        if found:
            value = clean_line(" ".join(found[0].css("::text").getall()) if "::" not in query else found[0].get())
            if value:
                return value
    return ""
