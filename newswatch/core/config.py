"""The one config loader: a TOML file whose every key has a default that points at the real sites.

Errors name the file, the key and what is allowed, so a broken config never surfaces as a traceback from deep
inside a crawl. Each site declares its own ``[sources.<name>]`` table (a SourceConfig subclass in its folder under
``crawler/sites``); the registry hands those tables to ``load_config``, so this ground module knows no site.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from newswatch.core.errors import NewswatchError
from newswatch.core.query import QueryError, compile_query

DEFAULT_CONFIG_NAME = "newswatch.toml"
CONFIG_ENV = "NEWSWATCH_CONFIG"
DEFAULT_DB = "newswatch.db"


class ConfigError(NewswatchError, ValueError):
    """A config file that cannot be used, with the reason in words."""

    label = "config"


def bounded(default: float, low: float, high: float, *, above: bool = False) -> Any:
    """A numeric key with its allowed range (``above``: strictly greater than ``low``), checked on load."""
    return field(default=default, metadata={"range": (low, high, above)})


def tables(cls: type, default: Any, *, may_be_empty: bool = False) -> Any:
    """A key holding a list of tables (``[[alerts.rules]]``), each built as dataclass ``cls``."""
    return field(default_factory=default, metadata={"tables": cls, "may_be_empty": may_be_empty})


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


_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-?#L]+$")


def parse_schedule(text: str, key: str = "schedule", timezone: str = "Asia/Seoul", *, deep: bool = True) -> Schedule:
    """A schedule, checked in full by APScheduler (``deep``) or only in its shape (five crontab fields).

    The config loader checks shapes, so commands that never schedule (search, stats) do not import APScheduler
    (a tenth of a second); the commands that schedule (run, status, alerts) check every schedule in full.
    """
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
        fields_ = value.split()
        if len(fields_) != 5 or not all(_CRON_FIELD.match(f) for f in fields_):
            raise ConfigError(f"{key}: bad cron expression {value!r}: expected five crontab fields (cron:0 8 * * *)")
        if deep:
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
    concurrency_per_domain: int = bounded(2, 1, 32)
    download_delay: float = bounded(1.0, 0, 600)
    timeout: float = bounded(30.0, 0, 3600, above=True)
    retries: int = bounded(3, 0, 20)
    retry_backoff: float = bounded(1.0, 0, 3600)  # seconds before the first retry, doubled for each further one
    max_page_bytes: int = bounded(5_000_000, 10_000, 1_000_000_000)
    obey_robots: bool = True
    incremental: bool = True  # page each list to its frontier, re-check stored articles when due, use feeds
    recheck_ages: list[float] = field(default_factory=lambda: [1.0, 3.0, 12.0, 36.0])  # hours after publication
    max_catchup_pages: int = bounded(50, 1, 10_000)  # list pages a poll walks at most to reach its frontier
    retry_cap: int = bounded(5, 1, 100)  # polls that retry a list entry whose page failed before giving it up
    autothrottle: bool = True

    def resolved_user_agent(self) -> str:
        return self.user_agent.replace("{contact_url}", self.contact_url)


@dataclass
class SourceConfig:
    """Keys every source has; a site's own table (in its folder) adds the lists it walks."""

    enabled: bool = True
    max_pages: int = bounded(2, 1, 1000)  # list pages per list and crawl
    schedule: str = "interval:30m"

    def base_urls(self, key: str) -> list[tuple[str, str]]:
        """(config key, URL) of every base URL in the table: checked on load, and the only hosts followed."""
        return []


@dataclass
class StoreConfig:
    path: str = DEFAULT_DB
    timeout: float = bounded(30.0, 0, 3600, above=True)  # seconds a write waits for a busy store, then fails


@dataclass
class SchedulerConfig:
    timezone: str = "Asia/Seoul"
    crawl_timeout: float = bounded(1800.0, 0, 7 * 86400, above=True)  # a longer crawl is killed, recorded failed
    outbox_interval: str = "interval:5m"  # how often queued alert emails are retried


@dataclass
class SmtpConfig:
    host: str = "localhost"
    port: int = bounded(587, 1, 65535)
    security: str = "starttls"  # "starttls" | "ssl" | "none"
    username: str = ""
    password_env: str = "NEWSWATCH_SMTP_PASSWORD"  # the password is read from this environment variable only
    sender: str = "newswatch <newswatch@localhost>"
    timeout: float = bounded(30.0, 0, 600, above=True)


SHIPPED_TOPIC = "gwangju-ai"


@dataclass
class RuleConfig:
    """An alert rule: a topic (a topic file, newswatch.topics) or a plain keyword query, never both.

    With neither, the rule uses the shipped topic (SHIPPED_TOPIC).
    """

    name: str = "gwangju-ai"
    topic: str = ""  # a shipped topic's name or a topic file's path
    query: str = ""  # a search query (plain keyword alerts)
    recipients: list[str] = field(default_factory=list)
    mode: str = "immediate"  # "immediate": one email per crawl with matches; "digest": on the rule's schedule
    source: str = ""  # "" = every source
    schedule: str = ""  # digest schedule; "" = alerts.digest_schedule
    backfill_days: int = bounded(0, 0, 3650)  # on the rule's first run, also alert on articles this many days back
    story_why: bool = False  # under each copy of a story, why it is the same story (shared specifics, score)
    label: str = ""  # how emails name the rule (subject, List-Id); "" = its name
    unsubscribe: list[str] = field(default_factory=list)  # List-Unsubscribe: mailto:ADDRESS or an http(s) URL
    channels: list[str] = field(default_factory=list)  # Apprise URLs beside the e-mail recipients; {env:NAME}


def shipped_rule() -> RuleConfig:
    """The rule that exists while the config names none: the shipped topic, no recipients (so nothing is sent)."""
    return RuleConfig(name="gwangju-ai", topic=SHIPPED_TOPIC, label="광주 AI")


@dataclass
class AlertsConfig:
    digest_schedule: str = "cron:0 8 * * *"
    grace: float = bounded(30.0, 0, 3600)  # seconds alerts wait after a crawl for others to finish (one email)
    unsubscribe: list[str] = field(default_factory=list)  # default List-Unsubscribe of rules without their own
    rules: list[RuleConfig] = tables(RuleConfig, lambda: [shipped_rule()], may_be_empty=True)


@dataclass
class HealthConfig:
    """``[health]``: crawl health monitors (newswatch.health), their thresholds, and where notices go.

    Coverage and rates are compared with the source's own history; a finding needs both a large change
    (the ratios below) and one unlikely to be chance (``alpha``, a binomial tail against the baseline).
    """

    enabled: bool = True
    recipients: list[str] = field(default_factory=list)  # e-mail addresses for operator notices
    channels: list[str] = field(default_factory=list)  # Apprise URLs for operator notices; {env:NAME}
    interval: str = "interval:1h"  # the daemon re-checks every source (staleness, overdue crawls, reminders)
    remind_hours: float = bounded(24.0, 1, 24 * 30)  # a reminder while an incident lasts, at most this often
    alpha: float = bounded(0.001, 0, 0.5, above=True)  # how unlikely by chance a drop must be to count
    min_articles: int = bounded(5, 1, 1000)  # articles a coverage window needs at least
    max_window_articles: int = bounded(40, 1, 10000)  # ... and at most (rare fields need wide windows)
    baseline_days: float = bounded(30.0, 1, 3650)  # the history a source is compared with
    min_baseline_articles: int = bounded(20, 1, 100000)  # fewer articles of history: still learning
    coverage_warning: float = bounded(0.7, 0, 1)  # a field (or recognised articles) at most this share of normal
    coverage_critical: float = bounded(0.4, 0, 1)
    required_fields: list[str] = field(default_factory=lambda: ["title", "date"])  # judged also without history
    required_coverage: float = bounded(0.7, 0, 1)  # ... critical below this share
    short_body: float = bounded(0.5, 0, 1, above=True)  # a body shorter than this share of the source's median
    unrecognised_warning: float = bounded(0.2, 0, 1)  # share of article pages not recognised (layout drift)
    unrecognised_critical: float = bounded(0.5, 0, 1)
    min_pages: int = bounded(5, 1, 10000)  # article pages an unrecognised ratio needs
    error_warning: float = bounded(0.25, 0, 1)  # an error kind's share of requests above its normal share by
    error_critical: float = bounded(0.5, 0, 1)
    min_requests: int = bounded(20, 1, 100000)  # requests an error rate needs
    rate_limited_warning: int = bounded(2, 1, 1000)  # consecutive crawls served a rate-limit notice
    rate_limited_critical: int = bounded(4, 1, 1000)
    failed_warning: int = bounded(2, 1, 1000)  # consecutive failed or killed crawls
    failed_critical: int = bounded(3, 1, 1000)
    overdue_warning: float = bounded(3.0, 1, 1000)  # no crawl started for this many schedule intervals
    overdue_critical: float = bounded(6.0, 1, 1000)
    stale_factor: float = bounded(1.5, 1, 100)  # no new article for this × the longest gap in the history
    stale_min_hours: float = bounded(12.0, 0, 24 * 365)  # ... and at least this long
    stale_history_days: float = bounded(60.0, 1, 3650)
    duration_factor: float = bounded(3.0, 1, 1000)  # two crawls in a row this many times the median duration
    duration_min_seconds: float = bounded(120.0, 0, 86400)  # ... and this much longer than it
    duration_timeout_share: float = bounded(0.8, 0, 1, above=True)  # share of scheduler.crawl_timeout: critical


@dataclass
class Config:
    store: StoreConfig = field(default_factory=StoreConfig)
    crawler: CrawlerConfig = field(default_factory=CrawlerConfig)
    sources: dict[str, SourceConfig] = field(default_factory=dict)  # by site name, in registry order
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    path: Path | None = None  # the file it came from, if any

    def source_names(self) -> list[str]:
        return list(self.sources)

    def schedules(self) -> list[tuple[str, str]]:
        """(config key, schedule) of every schedule in the config."""
        found = [("scheduler.outbox_interval", self.scheduler.outbox_interval),
                 ("alerts.digest_schedule", self.alerts.digest_schedule)]
        found += [(f"sources.{name}.schedule", source.schedule) for name, source in self.sources.items()]
        found += [(f"alerts.rules[{i}].schedule", r.schedule) for i, r in enumerate(self.alerts.rules) if r.schedule]
        return found

    def check_schedules(self) -> None:
        """Every schedule checked in full (APScheduler): for the commands that schedule."""
        where = f"{self.path}: " if self.path else ""
        for key, text in self.schedules():
            try:
                parse_schedule(text, key, self.scheduler.timezone)
            except ConfigError as exc:
                raise ConfigError(f"{where}{exc}") from None


# Keys an earlier release had, and what took their place: an upgraded config says so instead of only "unknown".
RENAMED = {"recheck_hours": "recheck_ages (hours after publication, e.g. [1, 3, 12, 36])",
           "overlap": "max_catchup_pages (polls now walk down to each list's frontier)"}


def _build(cls: type, data: Any, where: str) -> Any:
    """Build dataclass ``cls`` from a TOML table, rejecting unknown keys, wrong types and out-of-range numbers."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a table, got {type(data).__name__}")
    known = {f.name: f for f in fields(cls) if not (cls is Config and f.name in ("path", "sources"))}
    unknown = sorted(set(data) - set(known))
    if unknown:
        moved = [f"{key} is now {RENAMED[key]}" for key in unknown if key in RENAMED]
        hint = f" ({'; '.join(moved)}: see the README)" if moved else ""
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}{hint}; known: {', '.join(sorted(known))}")
    defaults = cls()
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        key = f"{where}.{name}" if where else name
        default = getattr(defaults, name)
        if hasattr(default, "__dataclass_fields__"):
            kwargs[name] = _build(type(default), value, key)
        elif (table := known[name].metadata.get("tables")) is not None:
            empty_ok = known[name].metadata["may_be_empty"]
            if not isinstance(value, list) or not (value or empty_ok) or not all(isinstance(v, dict) for v in value):
                raise ConfigError(f"{key}: expected a {'' if empty_ok else 'non-empty '}list of tables ([[{key}]])")
            kwargs[name] = [_build(table, b, f"{key}[{i}]") for i, b in enumerate(value)]
        else:
            kwargs[name] = _check_range(_check_type(value, default, key, known[name].type), known[name], key)
    return cls(**kwargs)


# A list's element type, from the field's annotation (a string here): an empty default does not say it.
_LIST_ITEMS: dict[Any, type] = {"list[str]": str, "list[int]": int, "list[float]": float}


def _check_type(value: Any, default: Any, key: str, annotation: Any = None) -> Any:
    """The value if it has the type of the key's default (a whole number is a number, a list checks its items)."""
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
        kind = _LIST_ITEMS.get(annotation) or (type(default[0]) if default else None)
        accepted = (int, float) if kind is float else kind
        if kind and not all(isinstance(v, accepted) and not isinstance(v, bool) for v in value):
            what = {float: "numbers", str: "strings"}.get(kind, kind.__name__)
            raise ConfigError(f"{key}: expected a list of {what}, got {value!r}")
        if kind is float:
            value = [float(v) for v in value]
    return value


def _check_range(value: Any, spec: Any, key: str) -> Any:
    bounds = spec.metadata.get("range")
    if bounds is None or not isinstance(value, int | float):
        return value
    low, high, above = bounds
    if value > high or value < low or (above and value == low):
        allowed = f"more than {low:g}" if above else f"at least {low:g}"
        raise ConfigError(f"{key}: {value!r} is out of range; allowed: {allowed} and at most {high:g}")
    return value


def _build_sources(data: Any, tables: Mapping[str, type[SourceConfig]]) -> dict[str, SourceConfig]:
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ConfigError(f"sources: expected a table, got {type(data).__name__}")
    unknown = sorted(set(data) - set(tables))
    if unknown:
        raise ConfigError(f"sources: unknown source(s) {', '.join(unknown)}; known: {', '.join(tables)}")
    return {name: _build(cls, data[name], f"sources.{name}") if name in data else cls()
            for name, cls in tables.items()}


def _validate(cfg: Config) -> None:
    _validate_timezone(cfg.scheduler.timezone)
    for key, text in cfg.schedules():
        parse_schedule(text, key, cfg.scheduler.timezone, deep=False)
    if any(not 0 < age <= 24 * 365 for age in cfg.crawler.recheck_ages):
        raise ConfigError(f"crawler.recheck_ages: hours after publication, each more than 0 and at most 8760, "
                          f"got {cfg.crawler.recheck_ages!r}")
    for name, source in cfg.sources.items():
        for key, url in source.base_urls(f"sources.{name}"):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"{key}: expected an http(s) URL, got {url!r}")
    _validate_alerts(cfg)
    _validate_health(cfg)


_ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+$")
_LABEL_MAX = 40


def _validate_unsubscribe(targets: list[str], key: str) -> None:
    """Each target goes into a List-Unsubscribe header as <target>: mailto:ADDRESS[?query] or an http(s) URL."""
    for target in targets:
        if not isinstance(target, str) or not re.fullmatch(r"[\x21-\x7e]+", target) or any(c in target for c in "<>,"):
            raise ConfigError(f"{key}: expected mailto:ADDRESS or an http(s) URL (ASCII, no spaces), got {target!r}")
        if target.startswith("mailto:"):
            if not _ADDRESS.match(target[7:].partition("?")[0]):
                raise ConfigError(f"{key}: not a plain e-mail address after mailto: in {target!r}")
        elif urlsplit(target).scheme not in ("http", "https") or not urlsplit(target).hostname:
            raise ConfigError(f"{key}: expected mailto:ADDRESS or an http(s) URL, got {target!r}")


_LOOPBACK = ("localhost", "127.0.0.1", "::1")


def _validate_smtp(smtp: SmtpConfig) -> None:
    if smtp.security not in ("starttls", "ssl", "none"):
        raise ConfigError(f"smtp.security: expected starttls, ssl or none, got {smtp.security!r}")
    if smtp.username and smtp.security == "none" and smtp.host.strip("[]").lower() not in _LOOPBACK:
        # the login would send the password in cleartext across the network
        raise ConfigError(f"smtp.username: a login with security = \"none\" would send the password unencrypted "
                          f"to {smtp.host}; use security = \"starttls\" or \"ssl\" (\"none\" is only for a "
                          f"server on this machine: localhost, 127.0.0.1, ::1)")


def _validate_alerts(cfg: Config) -> None:
    _validate_smtp(cfg.smtp)
    _validate_unsubscribe(cfg.alerts.unsubscribe, "alerts.unsubscribe")
    names: set[str] = set()
    for i, rule in enumerate(cfg.alerts.rules):
        key = f"alerts.rules[{i}]"
        if not rule.name.strip() or any(c in rule.name for c in "\r\n"):
            raise ConfigError(f"{key}.name: a one-line name is required")
        if rule.name in names:
            raise ConfigError(f"{key}.name: {rule.name!r} is used twice")
        names.add(rule.name)
        if any(not c.isprintable() for c in rule.label) or len(rule.label) > _LABEL_MAX or (
                rule.label and not rule.label.strip()):
            raise ConfigError(f"{key}.label: a one-line label of at most {_LABEL_MAX} characters, got {rule.label!r}")
        _validate_unsubscribe(rule.unsubscribe, f"{key}.unsubscribe")
        if rule.mode not in ("immediate", "digest"):
            raise ConfigError(f"{key}.mode: expected immediate or digest, got {rule.mode!r}")
        if rule.source and rule.source not in cfg.sources:
            raise ConfigError(f"{key}.source: expected {', '.join(cfg.sources)} or empty, got {rule.source!r}")
        for address in rule.recipients:
            if not _ADDRESS.match(address):
                raise ConfigError(f"{key}.recipients: not a plain e-mail address: {address!r}")
        _validate_channels(rule.channels, f"{key}.channels")
        if rule.query and rule.topic:
            raise ConfigError(f"{key}: a rule has a query or a topic, not both (rule {rule.name!r})")
        if rule.query:
            try:
                compile_query(rule.query)
            except QueryError as exc:
                raise ConfigError(f"{key}.query: {exc}") from None
        elif not rule.topic:
            rule.topic = SHIPPED_TOPIC


_CHANNEL = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$")
ENV_REFERENCE = re.compile(r"\{env:([^}]*)\}")


def _validate_channels(channels: list[str], key: str) -> None:
    """Apprise URLs (``json://host/path``, ``tgram://{env:TG_TOKEN}/CHAT``); secrets as ``{env:NAME}``."""
    for url in channels:
        if not isinstance(url, str) or not _CHANNEL.match(url):
            raise ConfigError(f"{key}: expected an Apprise URL such as json://host/path or "
                              f"slack://{{env:SLACK_TOKENS}}, got {url!r}")
        for name in ENV_REFERENCE.findall(url):
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ConfigError(f"{key}: {{env:{name}}} in {url!r} is not an environment variable name")
    if len(set(channels)) != len(channels):
        raise ConfigError(f"{key}: a channel is listed twice")


def _validate_health(cfg: Config) -> None:
    health = cfg.health
    parse_schedule(health.interval, "health.interval", cfg.scheduler.timezone)
    _validate_channels(health.channels, "health.channels")
    for address in health.recipients:
        if not isinstance(address, str) or not _ADDRESS.match(address):
            raise ConfigError(f"health.recipients: not a plain e-mail address: {address!r}")
    for name in health.required_fields:
        if name not in ("title", "date", "author", "images"):
            raise ConfigError(f"health.required_fields: expected title, date, author or images, got {name!r}")
    if health.coverage_critical > health.coverage_warning:
        raise ConfigError("health.coverage_critical: must not be above health.coverage_warning")
    for low, high in (("unrecognised_warning", "unrecognised_critical"), ("error_warning", "error_critical"),
                      ("rate_limited_warning", "rate_limited_critical"), ("failed_warning", "failed_critical"),
                      ("overdue_warning", "overdue_critical")):
        if getattr(health, low) > getattr(health, high):
            raise ConfigError(f"health.{low}: must not be above health.{high}")
    if health.min_articles > health.max_window_articles:
        raise ConfigError("health.min_articles: must not be above health.max_window_articles")


def _validate_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"scheduler.timezone: unknown time zone {name!r} (e.g. Asia/Seoul)") from None


def load_config(path: str | os.PathLike[str] | None, sources: Mapping[str, type[SourceConfig]]) -> Config:
    """Load the config: an explicit path must exist; otherwise $NEWSWATCH_CONFIG, ./newswatch.toml, defaults.

    ``sources`` maps each site's name to its table (``crawler.sites.load_config`` passes the registry's).
    """
    explicit = path is not None or CONFIG_ENV in os.environ
    chosen = Path(path if path is not None else os.environ.get(CONFIG_ENV, DEFAULT_CONFIG_NAME))
    if not chosen.exists():
        if explicit:
            raise ConfigError(f"config file {chosen} does not exist")
        cfg = Config(sources=_build_sources({}, sources))
        _validate(cfg)
        return cfg
    try:
        data = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{chosen}: not UTF-8 text ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{chosen}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{chosen}: cannot be read: {exc.strerror or exc}") from exc
    try:
        source_data = data.pop("sources", None)
        cfg = _build(Config, data, "")
        cfg.sources = _build_sources(source_data, sources)
        _validate(cfg)
    except ConfigError as exc:
        raise ConfigError(f"{chosen}: {exc}") from None
    cfg.path = chosen
    return cfg
