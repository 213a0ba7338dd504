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
    incremental: bool = True  # stop paging at stored articles; skip unchanged stored pages; conditional requests
    recheck_hours: float = 48.0  # stored articles published this recently are re-fetched (edits happen then)
    overlap: int = 0  # stored articles a list page may show before paging stops
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


# The shipped rule: Gwangju (not 경기 광주시) together with AI, where "AI" alone must not be avian influenza.
GWANGJU_AI_QUERY = (
    '(광주 OR Gwangju) '
    '(인공지능 OR 에이아이 OR "AI 집적단지" OR "AI 사관학교" OR "AI 실증" OR "AI 데이터센터" '
    'OR (AI NOT (조류인플루엔자 OR 고병원성 OR 가금 OR 살처분 OR 철새 OR 방역 OR 산란계 OR 오리농장))) '
    'NOT ("경기 광주" OR "경기도 광주" OR 오포읍 OR 곤지암 OR 태전동)'
)


@dataclass
class SmtpConfig:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"  # "starttls" | "ssl" | "none"
    username: str = ""
    password_env: str = "NEWSWATCH_SMTP_PASSWORD"  # the password is read from this environment variable only
    sender: str = "newswatch <newswatch@localhost>"
    timeout: float = 30.0


@dataclass
class RuleConfig:
    name: str = "gwangju-ai"
    query: str = GWANGJU_AI_QUERY
    recipients: list[str] = field(default_factory=list)
    mode: str = "immediate"  # "immediate": one email per crawl with matches; "digest": on the rule's schedule
    source: str = ""  # "" = every source
    schedule: str = ""  # digest schedule; "" = alerts.digest_schedule
    backfill_days: int = 0  # on the rule's first run, also alert on articles first seen this many days back


@dataclass
class AlertsConfig:
    digest_schedule: str = "cron:0 8 * * *"
    rules: list[RuleConfig] = field(default_factory=lambda: [RuleConfig()])


@dataclass
class Config:
    store: StoreConfig = field(default_factory=StoreConfig)
    crawler: CrawlerConfig = field(default_factory=CrawlerConfig)
    sources: SourcesConfig = field(default_factory=SourcesConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
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
        elif name in _TABLE_LISTS:
            if not isinstance(value, list) or (name == "boards" and not value):
                raise ConfigError(f"{key}: expected a non-empty list of tables ([[{key}]])")
            kwargs[name] = [_build(_TABLE_LISTS[name], b, f"{key}[{i}]") for i, b in enumerate(value)]
        else:
            kwargs[name] = _check_type(value, default, key)
    return cls(**kwargs)


_TABLE_LISTS: dict[str, type] = {"boards": BoardConfig, "rules": RuleConfig}


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
    _validate_alerts(cfg)
    for key, n in [("sources.newsprime.max_pages", cfg.sources.newsprime.max_pages),
                   ("sources.gwangju_city.max_pages", cfg.sources.gwangju_city.max_pages),
                   ("crawler.concurrency_per_domain", cfg.crawler.concurrency_per_domain),
                   ("crawler.max_page_bytes", cfg.crawler.max_page_bytes)]:
        if n < 1:
            raise ConfigError(f"{key}: must be at least 1, got {n}")


def _validate_alerts(cfg: Config) -> None:
    if cfg.smtp.security not in ("starttls", "ssl", "none"):
        raise ConfigError(f"smtp.security: expected starttls, ssl or none, got {cfg.smtp.security!r}")
    parse_schedule(cfg.alerts.digest_schedule, "alerts.digest_schedule", cfg.scheduler.timezone)
    names: set[str] = set()
    for i, rule in enumerate(cfg.alerts.rules):
        key = f"alerts.rules[{i}]"
        if not rule.name.strip() or any(c in rule.name for c in "\r\n"):
            raise ConfigError(f"{key}.name: a one-line name is required")
        if rule.name in names:
            raise ConfigError(f"{key}.name: {rule.name!r} is used twice")
        names.add(rule.name)
        if rule.mode not in ("immediate", "digest"):
            raise ConfigError(f"{key}.mode: expected immediate or digest, got {rule.mode!r}")
        if rule.source and rule.source not in ("newsprime", "gwangju_city"):
            raise ConfigError(f"{key}.source: expected newsprime, gwangju_city or empty, got {rule.source!r}")
        for address in rule.recipients:
            if "@" not in address or any(c in address for c in "\r\n,;<> "):
                raise ConfigError(f"{key}.recipients: not a plain e-mail address: {address!r}")
        if rule.schedule:
            parse_schedule(rule.schedule, f"{key}.schedule", cfg.scheduler.timezone)
        from storage.query import QueryError, compile_query

        try:
            compile_query(rule.query)
        except QueryError as exc:
            raise ConfigError(f"{key}.query: {exc}") from None


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
