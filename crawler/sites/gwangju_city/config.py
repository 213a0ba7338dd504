"""The ``[sources.gwangju_city]`` table: one ``[[sources.gwangju_city.boards]]`` entry per siiru board."""

from __future__ import annotations

from dataclasses import dataclass

from newswatch.core.config import SourceConfig, tables


@dataclass
class BoardConfig:
    name: str = "gwangju"
    base_url: str = "https://www.gwangju.go.kr"
    page_id: str = "www789"
    board_id: str = "BD_0000000027"


@dataclass
class GwangjuConfig(SourceConfig):
    boards: list[BoardConfig] = tables(BoardConfig, lambda: [BoardConfig()])

    def base_urls(self, key: str) -> list[tuple[str, str]]:
        return [(f"{key}.boards[{i}].base_url", b.base_url) for i, b in enumerate(self.boards)]
