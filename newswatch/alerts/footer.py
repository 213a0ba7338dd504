"""The footer both parts end with: which rule and config sent the email, from which host, and the commands that
preview, change or stop it, so a reader can forward it to whoever runs newswatch and get it changed.

Everything here comes from the operator's config and the host, never from articles.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from newswatch.alerts.entries import Sender, clean


@dataclass(frozen=True)
class FooterRow:
    label: str
    value: str
    kind: str = "text"  # "text" | "command" | "path" (never broken) | "link" (mailto: or http(s), never broken)


def command(sender: Sender, *args: str) -> str:
    config = ["--config", sender.config_path] if sender.config_path else []
    return shlex.join(["newswatch", *config, *args])


def footer_rows(sender: Sender) -> list[FooterRow]:
    rule = clean(sender.rule)
    label = f"{rule} ({clean(sender.label)})" if sender.label and sender.label != sender.rule else rule
    mode = "요약(digest)" if sender.mode == "digest" else "즉시"
    rows = [FooterRow("보낸 규칙", f"{label} · {mode} · newswatch"),
            FooterRow("설정 파일", clean(sender.config_path), "path") if sender.config_path else
            FooterRow("설정 파일", "없음 (기본 설정)"),
            FooterRow("호스트", clean(sender.host) or "알 수 없음"),
            FooterRow("미리 보기", command(sender, "alerts", "preview", rule), "command"),
            FooterRow("바꾸려면", f'설정 파일의 [[alerts.rules]] name = "{rule}" 항목'
                                  " (recipients, topic, query, mode)"),
            FooterRow("멈추려면", command(sender, "alerts", "remove", rule), "command"),
            FooterRow("", "설정을 바꾼 뒤에는 newswatch run 서비스를 다시 시작합니다")]
    rows += [FooterRow("수신 거부", link, "link") for link in sender.unsubscribe]
    return rows
