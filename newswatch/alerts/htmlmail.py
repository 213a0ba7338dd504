"""The HTML part: a small inline-styled template that mail clients render alike.

Why it is built this way:
- tables for the frame (Outlook's Word engine ignores max-width on divs; a conditional 640 px table holds it);
  inside them plain blocks. Styles are inline (many clients drop <style>); the <style> block only adds what
  inline styles cannot: dark colours for clients that honour prefers-color-scheme, and narrower padding on phones.
- 640 px wide at most, so lines stay readable on a desktop; no fixed widths, so nothing scrolls sideways at
  320 px; Korean breaks between words (keep-all), overlong tokens anywhere.
- light colours that keep their contrast when a client forces dark mode by inverting, and explicit colours on
  the highlight so it reads in both.
- no images, no scripts, no remote anything; the only links are the articles' own (http/https only) and the
  configured unsubscribe address.
Article text is untrusted: it is cleaned to one line, escaped, and only our own markers become <mark>.
"""

from __future__ import annotations

import html

from crawler.sites import label as source_name
from newswatch.alerts.entries import (
    MARK_END,
    MARK_START,
    AlertItem,
    Sender,
    by_day,
    clean,
    copies_in_order,
    day_heading,
    kst,
    reason,
)
from newswatch.alerts.footer import footer_rows

# single quotes only: these go inside style="…" attributes
FONT = ("-apple-system,BlinkMacSystemFont,'Apple SD Gothic Neo','Malgun Gothic','Noto Sans KR','Noto Sans CJK KR',"
        "'Segoe UI',Roboto,sans-serif")
MONO = "ui-monospace,SFMono-Regular,Menlo,Consolas,'Noto Sans Mono CJK KR',monospace"
PAGE, CARD, TEXT, MUTED, LINK, LINE, WHY, MARK = (
    "#eef0f3", "#ffffff", "#1f2328", "#555f6b", "#0a58ca", "#d8dee4", "#f6f8fa", "#ffe58f")

STYLE = """
:root { color-scheme: light dark; supported-color-schemes: light dark; }
a { text-decoration: none; }
@media (prefers-color-scheme: dark) {
  .nw-page { background: #0d1117 !important; }
  .nw-card { background: #161b22 !important; }
  .nw-text { color: #e6edf3 !important; }
  .nw-muted { color: #a3adb8 !important; }
  .nw-link { color: #7cb8ff !important; }
  .nw-why { background: #1f2630 !important; border-color: #4a5563 !important; }
  .nw-line { border-color: #30363d !important; }
  .nw-mark { background: #6b5600 !important; color: #fff6cc !important; }
  .nw-code { background: #0d1117 !important; }
}
@media only screen and (max-width: 480px) {
  .nw-outer { padding: 0 !important; }
  .nw-card { border-radius: 0 !important; }
  .nw-pad { padding-left: 14px !important; padding-right: 14px !important; }
}
""".strip()


def esc(text: str) -> str:
    return html.escape(clean(text), quote=True)


def marked(text: str) -> str:
    """Escaped untrusted text, our highlight markers (and only ours) turned into <mark>."""
    line = clean(text, keep_marks=True)
    if line.count(MARK_START) != line.count(MARK_END):  # never an unbalanced tag: drop the highlights
        line = line.replace(MARK_START, "").replace(MARK_END, "")
    mark = f'<mark class="nw-mark" style="background:{MARK};color:{TEXT};padding:0 1px;border-radius:2px">'
    return html.escape(line, quote=True).replace(MARK_START, mark).replace(MARK_END, "</mark>")


def safe_url(url: str) -> str:
    url = clean(url)
    return url if url.startswith(("http://", "https://", "mailto:")) and " " not in url else ""


def link(inner_html: str, url: str, style: str) -> str:
    """``inner_html`` (already escaped) linked when the URL is http(s); plain otherwise."""
    safe = safe_url(url)
    if not safe or safe.startswith("mailto:"):
        return f'<span class="nw-text" style="{style};color:{TEXT}">{inner_html}</span>'
    return (f'<a class="nw-link" href="{html.escape(safe, quote=True)}" target="_blank" '
            f'style="{style};color:{LINK};text-decoration:none">{inner_html}</a>')


def preheader(summary: str) -> str:
    """The preview pane's line, hidden in the body; the filler keeps clients from appending body text to it."""
    filler = "&#8199;&#847;&#173; " * 40
    return (f'<div style="display:none;max-height:0;max-width:0;overflow:hidden;mso-hide:all;font-size:1px;'
            f'line-height:1px;opacity:0;color:transparent">{esc(summary)}{filler}</div>')


def render_html(sender: Sender, items: list[AlertItem], summary: str, subject_line: str) -> str:
    """The whole HTML part; ``items`` already in order."""
    rows = [_header(sender, items)]
    number = 0
    groups = by_day(items) if sender.mode == "digest" else [(None, items)]
    for day, group in groups:
        if sender.mode == "digest":
            rows.append(f'<tr><td class="nw-pad" style="padding:18px 24px 2px;font-family:{FONT}">'
                        f'<h2 class="nw-text" style="margin:0;font-size:16px;line-height:1.4;color:{TEXT}">'
                        f'{esc(day_heading(day))} <span class="nw-muted" style="font-weight:400;color:{MUTED}">'
                        f'· {len(group)}건</span></h2></td></tr>')
        for item in group:
            number += 1
            rows.append(_entry(number, item))
    rows.append(_footer(sender))
    return (
        '<!doctype html>\n<html lang="ko" dir="ltr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">'
        '<meta name="x-apple-disable-message-reformatting">'
        f'<title>{esc(subject_line)}</title><style>\n{STYLE}\n</style></head>\n'
        f'<body class="nw-page" style="margin:0;padding:0;background:{PAGE};-webkit-text-size-adjust:100%;'
        f'text-size-adjust:100%">{preheader(summary)}\n'
        f'<table role="presentation" class="nw-page" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'style="background:{PAGE}"><tr><td class="nw-outer" align="center" style="padding:16px 8px">\n'
        '<!--[if mso]><table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0"><tr><td>'
        '<![endif]-->\n'
        f'<table role="presentation" class="nw-card" width="100%" cellpadding="0" cellspacing="0" border="0" '
        f'style="max-width:640px;background:{CARD};border-radius:8px;font-family:{FONT};word-break:keep-all;'
        f'overflow-wrap:anywhere">\n' + "\n".join(rows) + '\n</table>\n'
        '<!--[if mso]></td></tr></table><![endif]-->\n'
        '</td></tr></table></body></html>\n')


def _header(sender: Sender, items: list[AlertItem]) -> str:
    return (f'<tr><td class="nw-pad" style="padding:20px 24px 12px;font-family:{FONT}">'
            f'<div class="nw-muted" style="font-size:13px;line-height:1.5;color:{MUTED}">newswatch · '
            f'{esc(sender.title)}</div>'
            f'<h1 class="nw-text" style="margin:2px 0 6px;font-size:21px;line-height:1.35;color:{TEXT}">'
            f'새 소식 {len(items)}건</h1>'
            f'<div class="nw-muted" style="font-size:13px;line-height:1.5;color:{MUTED}">최신 소식부터 · '
            f'{marked(MARK_START + "노란 바탕" + MARK_END)}은 규칙이 찾은 낱말</div></td></tr>')


def _entry(number: int, item: AlertItem) -> str:
    meta = f"{number}. {source_name(item.source)} · {kst(item.published_at)}"
    if item.copies:
        meta += f" · 같은 소식 {len(item.copies)}건"
    title = marked(item.title_marked) if item.title_marked else esc(item.title)
    parts = [f'<div class="nw-muted" style="font-size:13px;line-height:1.5;color:{MUTED}">{esc(meta)}</div>',
             f'<h3 style="margin:3px 0 8px;font-size:18px;line-height:1.45;font-weight:700">'
             f'{link(title, item.url, "font-size:18px")}</h3>']
    if clean(item.snippet):
        parts.append(f'<p class="nw-text" style="margin:0 0 10px;font-size:15px;line-height:1.7;color:{TEXT}">'
                     f'{marked(item.snippet)}</p>')
    parts.append(_why(item))
    parts.append(_copies(item))
    return (f'<tr><td class="nw-pad" style="padding:0 24px;font-family:{FONT}"><div class="nw-line" '
            f'style="border-top:1px solid {LINE};padding:16px 0 12px">{"".join(parts)}</div></td></tr>')


def _why(item: AlertItem) -> str:
    why = reason(item.why)
    if why is None:
        return ""
    evidence = " · ".join(f"{esc(what)}: {esc(text)}" if what else esc(text) for what, text in why.points)
    lines = [f'<strong class="nw-text" style="color:{TEXT}">왜 골랐나</strong> · {evidence}']
    if why.quote:
        lines.append(f"근거: {esc(why.passage)} 「{esc(why.quote)}」")
    if why.note:
        lines.append(f'<span style="font-size:12px">{esc(why.note)}</span>')
    return (f'<div class="nw-why nw-muted" style="margin:0 0 10px;padding:8px 10px;background:{WHY};'
            f'border-left:3px solid #9aa5b1;font-size:13px;line-height:1.6;color:{MUTED}">'
            + "<br>".join(lines) + "</div>")


def _copies(item: AlertItem) -> str:
    if not item.copies:
        return ""
    rows = [f'<div class="nw-muted" style="font-size:13px;font-weight:700;line-height:1.5;margin:0 0 4px;'
            f'color:{MUTED}">같은 소식</div>']
    for copy in copies_in_order(item.copies):
        rows.append(f'<div class="nw-line" style="border-left:2px solid {LINE};padding:1px 0 1px 10px;'
                    f'margin:0 0 6px">{link(esc(copy.title), copy.url, "font-size:14px;line-height:1.5")}'
                    f'<div class="nw-muted" style="font-size:12px;line-height:1.5;color:{MUTED}">'
                    f'{esc(source_name(copy.source))} · {esc(kst(copy.published_at))}'
                    + (f'<br>{esc(copy.why)}' if copy.why else "") + '</div></div>')
    return "".join(rows)


def _footer(sender: Sender) -> str:
    rows = []
    for row in footer_rows(sender):
        head = f'<strong>{esc(row.label)}</strong> ' if row.label else ""
        if row.kind in ("command", "path"):
            value = (f'<code class="nw-code" style="font-family:{MONO};font-size:12px;background:{WHY};'
                     f'padding:1px 4px;border-radius:3px;word-break:break-all">{esc(row.value)}</code>')
        elif row.kind == "link" and safe_url(row.value):
            value = (f'<a class="nw-link" href="{html.escape(safe_url(row.value), quote=True)}" '
                     f'style="color:{LINK};text-decoration:underline">{esc(row.value)}</a>')
        else:
            value = esc(row.value)
        rows.append(f"<div>{head}{value}</div>")
    return (f'<tr><td class="nw-pad" style="padding:4px 24px 20px;font-family:{FONT}"><div class="nw-line nw-muted" '
            f'style="border-top:1px solid {LINE};padding-top:12px;font-size:12px;line-height:1.65;color:{MUTED}">'
            + "".join(rows) + "</div></td></tr>")
