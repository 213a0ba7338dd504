"""The ``[sources.newsprime]`` table."""

from __future__ import annotations

from dataclasses import dataclass, field

from newswatch.core.config import SourceConfig


@dataclass
class NewsprimeConfig(SourceConfig):
    base_url: str = "https://www.newsprime.co.kr"
    sections: list[int] = field(default_factory=lambda: [64])  # sec_no of the section lists (64 = 지역)

    def base_urls(self, key: str) -> list[tuple[str, str]]:
        return [(f"{key}.base_url", self.base_url)]
