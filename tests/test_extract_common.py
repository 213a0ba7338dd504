"""The shared extraction helpers, on small made-up pages (no fixtures)."""

from __future__ import annotations

import lxml.html

from crawler.extract.common import blank_line_paragraphs, detached_copy, text_lines

PAGE = ("<html><body><div id=a><p>body</p><!-- c --><div class=ad>AD</div></div>TAIL<p>after</p>"
        "</body></html>")


def body() -> lxml.html.HtmlElement:
    return lxml.html.fromstring(PAGE).get_element_by_id("a")


def test_the_text_after_a_body_container_is_not_part_of_the_body():
    assert text_lines(body()) == ["body", "AD"]
    assert blank_line_paragraphs(body()) == ["body", "AD"]


def test_a_detached_copy_drops_its_chrome_and_not_the_page_after_it():
    root = body()
    copy = detached_copy(root, ".ad")
    assert text_lines(copy) == ["body"]
    assert copy.get("id") == "a" and root.find(".//div") is not None  # the page itself is untouched
