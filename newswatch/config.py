"""The one config loader: a TOML file whose every key has a default that points at the real sites.

Errors name the file and the key, so a broken config never surfaces as a traceback from deep inside a crawl.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_CONFIG_NAME = "newswatch.toml"
CONFIG_ENV = "NEWSWATCH_CONFIG"
DEFAULT_DB = "newswatch.db"


class ConfigError(ValueError):
    """A config file that cannot be used, with the reason in words."""


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Schedule:
    """``interval:30m`` (also s, h, d) or ``cron:*/30 * * * *`` (five crontab fields, in the scheduler's zone)."""

    kind: str  # "interval" | "cron"
    seconds: int = 0
    cron: str = ""

    def trigger(self, timezone: str):  # type: ignore[no-untyped-def]
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        if self.kind == "interval":
            return IntervalTrigger(seconds=self.seconds, timezone=timezone)
        return CronTrigger.from_crontab(self.cron, timezone=timezone)


def parse_schedule(text: str, key: str = "schedule", timezone: str = "Asia/Seoul") -> Schedule:
    kind, _, value = text.partition(":")
    kind, value = kind.strip(), value.strip()
    if kind == "interval":
        unit = value[-1:] if value[-1:] in _UNITS else "s"
        number = value[:-1] if value[-1:] in _UNITS else value
        if not number.isdigit() or int(number) == 0:
            raise ConfigError(f"{key}: bad interval {text!r}; write e.g. interval:30m, interval:2h, interval:90s")
        return Schedule("interval", seconds=int(number) * _UNITS[unit])
    if kind == "cron":
        schedule = Schedule("cron", cron=value)
        try:
            schedule.trigger(timezone)
        except (ValueError, KeyError) as exc:
            raise ConfigError(f"{key}: bad cron expression {value!r}: {exc}") from None
        return schedule
    raise ConfigError(f"{key}: expected 'interval:<n><s|m|h|d>' or 'cron:<5 crontab fields>', got {text!r}")


@dataclass
class CrawlerConfig:
    user_agent: str = "newswatch/0.1 (monitoring crawler; +{contact_url})"
    contact_url: str = "https://github.com/newswatch/newswatch"
    concurrency_per_domain: int = 2
    download_delay: float = 1.0
    timeout: float = 30.0
    retries: int = 3
    retry_backoff: float = 1.0  # seconds before the first retry, doubled for each further one
    max_page_bytes: int = 5_000_000
    obey_robots: bool = True
    autothrottle: bool = True

    def resolved_user_agent(self) -> str:
        return self.user_agent.replace("{contact_url}", self.contact_url)


@dataclass
class NewsprimeConfig:
    enabled: bool = True
    base_url: str = "https://www.newsprime.co.kr"
    sections: list[int] = field(default_factory=lambda: [64])
    max_pages: int = 2
    schedule: str = "interval:30m"


@dataclass
class BoardConfig:
    name: str = "gwangju"
    base_url: str = "https://www.gwangju.go.kr"
    page_id: str = "www789"
    board_id: str = "BD_0000000027"


@dataclass
class GwangjuConfig:
    enabled: bool = True
    max_pages: int = 2
    schedule: str = "interval:30m"
    boards: list[BoardConfig] = field(default_factory=lambda: [BoardConfig()])


@dataclass
class SourcesConfig:
    newsprime: NewsprimeConfig = field(default_factory=NewsprimeConfig)
    gwangju_city: GwangjuConfig = field(default_factory=GwangjuConfig)


@dataclass
class StoreConfig:
    path: str = DEFAULT_DB


@dataclass
class SchedulerConfig:
    timezone: str = "Asia/Seoul"
    crawl_timeout: float = 1800.0  # seconds a crawl may run before it is killed and recorded as failed
    outbox_interval: str = "interval:5m"  # how often queued alert emails are retried


@dataclass
class Config:
    store: StoreConfig = field(default_factory=StoreConfig)
    crawler: CrawlerConfig = field(default_factory=CrawlerConfig)
    sources: SourcesConfig = field(default_factory=SourcesConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    path: Path | None = None  # the file it came from, if any

    def source_names(self) -> list[str]:
        return [f.name for f in fields(SourcesConfig)]

    def allowed_domains(self, source: str) -> list[str]:
        """Hosts a spider may follow links to: only those of its configured base URLs."""
        if source == "newsprime":
            host = urlsplit(self.sources.newsprime.base_url).hostname or ""
            if host.endswith("newsprime.co.kr"):
                return ["newsprime.co.kr"]
            return [host]
        if source == "gwangju_city":
            return sorted({urlsplit(b.base_url).hostname or "" for b in self.sources.gwangju_city.boards})
        raise ConfigError(f"unknown source {source!r}; known: {', '.join(self.source_names())}")


def _build(cls: type, data: Any, where: str) -> Any:
    """Build dataclass ``cls`` from a TOML table, rejecting unknown keys and wrong types by name."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a table, got {type(data).__name__}")
    known = {f.name: f for f in fields(cls) if not (cls is Config and f.name == "path")}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    defaults = cls()
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        key = f"{where}.{name}" if where else name
        default = getattr(defaults, name)
        if hasattr(default, "__dataclass_fields__"):
            kwargs[name] = _build(type(default), value, key)
        elif name == "boards":
            if not isinstance(value, list) or not value:
                raise ConfigError(f"{key}: expected a non-empty list of tables ([[{key}]])")
            kwargs[name] = [_build(BoardConfig, b, f"{key}[{i}]") for i, b in enumerate(value)]
        else:
            kwargs[name] = _check_type(value, default, key)
    return cls(**kwargs)


def _check_type(value: Any, default: Any, key: str) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {value!r}")
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        value = float(value)
    elif isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected a whole number, got {value!r}")
    elif isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
    elif isinstance(default, list):
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        if default and not all(isinstance(v, type(default[0])) for v in value):
            raise ConfigError(f"{key}: expected a list of {type(default[0]).__name__}, got {value!r}")
    return value


def _validate(cfg: Config) -> None:
    _validate_timezone(cfg.scheduler.timezone)
    for key, text in [("sources.newsprime.schedule", cfg.sources.newsprime.schedule),
                      ("sources.gwangju_city.schedule", cfg.sources.gwangju_city.schedule),
                      ("scheduler.outbox_interval", cfg.scheduler.outbox_interval)]:
        parse_schedule(text, key, cfg.scheduler.timezone)
    urls = [("sources.newsprime.base_url", cfg.sources.newsprime.base_url)]
    urls += [(f"sources.gwangju_city.boards[{i}].base_url", b.base_url)
             for i, b in enumerate(cfg.sources.gwangju_city.boards)]
    for key, url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{key}: expected an http(s) URL, got {url!r}")
    for key, n in [("sources.newsprime.max_pages", cfg.sources.newsprime.max_pages),
                   ("sources.gwangju_city.max_pages", cfg.sources.gwangju_city.max_pages),
                   ("crawler.concurrency_per_domain", cfg.crawler.concurrency_per_domain),
                   ("crawler.max_page_bytes", cfg.crawler.max_page_bytes)]:
        if n < 1:
            raise ConfigError(f"{key}: must be at least 1, got {n}")


def _validate_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"scheduler.timezone: unknown time zone {name!r} (e.g. Asia/Seoul)") from None


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Load the config: an explicit path must exist; otherwise $NEWSWATCH_CONFIG, ./newswatch.toml, defaults."""
    explicit = path is not None or CONFIG_ENV in os.environ
    chosen = Path(path if path is not None else os.environ.get(CONFIG_ENV, DEFAULT_CONFIG_NAME))
    if not chosen.exists():
        if explicit:
            raise ConfigError(f"config file {chosen} does not exist")
        return Config()
    try:
        data = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{chosen}: not UTF-8 text ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{chosen}: not valid TOML: {exc}") from exc
    try:
        cfg = _build(Config, data, "")
        _validate(cfg)
    except ConfigError as exc:
        raise ConfigError(f"{chosen}: {exc}") from None
    cfg.path = chosen
    return cfg
