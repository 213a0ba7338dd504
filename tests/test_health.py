"""Crawl health on recorded crawls: monitors, incidents and the notice flow (opened, reminder, resolved, never one
per crawl), ordinary noise that must stay quiet, exactly-once queueing, channels and `newswatch status`."""

from __future__ import annotations

import json
import shutil

import pytest

from crawler.sites import load_config
from newswatch.alerts import channels
from newswatch.alerts.smtp import SendError
from newswatch.core.config import ConfigError
from newswatch.health.service import HealthService
from newswatch.health.stats import lower_tail, needed, upper_tail
from storage.alerts import AlertLedger
from storage.health import HealthLedger
from tests.health_history import Crawl, History, Newsroom, Page, record_ordinary_days


def config_file(tmp_path, extra: str = "") -> object:
    path = tmp_path / "newswatch.toml"
    path.write_text('[sources.gwangju_city]\nenabled = false\n[health]\nrecipients = ["ops@example.org"]\n'
                    'channels = ["json://127.0.0.1:9/hook"]\n' + extra, encoding="utf-8")
    return load_config(path)


@pytest.fixture
def setup(tmp_path):
    """An empty store, a clock, and the health service with a recipient and a webhook channel."""
    config = config_file(tmp_path)
    history = History(tmp_path / "h.db")
    service = HealthService(config, tmp_path / "h.db", clock=history.clock)
    yield config, history, service
    history.store.close()


@pytest.fixture(scope="session")
def ordinary_week(tmp_path_factory):
    """Eight ordinary days of hourly polls, recorded once for the session (a template store)."""
    db = tmp_path_factory.mktemp("ordinary") / "week.db"
    end, next_no = record_ordinary_days(db, 8)
    return db, end, next_no


@pytest.fixture
def ordinary(tmp_path, ordinary_week):
    """The health service over a copy of the ordinary week; polls go on from its end, every 30 minutes."""
    template, end, next_no = ordinary_week
    shutil.copy(template, tmp_path / "h.db")
    config = config_file(tmp_path)
    history = History(tmp_path / "h.db", start=end)
    service = HealthService(config, tmp_path / "h.db", clock=history.clock)
    assert service.check(["newsprime"]).events == []  # an ordinary week is quiet
    yield config, history, service, Newsroom(seed=next_no, next_no=next_no)
    history.store.close()


def notices(history: History) -> list[dict]:
    return HealthLedger(history.store).notices()


def poll(history: History, service: HealthService, spec: Crawl):
    history.wait(minutes=30)
    history.crawl(spec)
    return service.check(["newsprime"])


# --- statistics --------------------------------------------------------------------------------------------------

def test_binomial_tails_and_window_sizes():
    assert lower_tail(0, 5, 0.99) == pytest.approx(1e-10, rel=1e-3)  # a field always there, gone 5 times
    assert lower_tail(2, 3, 0.9) == pytest.approx(0.271, abs=1e-3)  # one article in three without it: chance
    assert upper_tail(1, 20, 0.01) == pytest.approx(1 - 0.99 ** 20, rel=1e-9)
    assert upper_tail(3000, 3000, 0.5) < 1e-300 or upper_tail(3000, 3000, 0.5) == 0  # no overflow
    assert needed(0.995, 0.001, 5, 40) == 5  # a date: five articles without it say enough
    assert needed(0.25, 0.001, 5, 40) == 25  # photos in a quarter of articles: 25 without any
    assert needed(0.05, 0.001, 5, 40) == 40


# --- the drift the issue is about, on recorded crawls ------------------------------------------------------------

def test_a_field_that_stops_matching_opens_one_critical_incident_reminds_daily_and_resolves(ordinary):
    config, history, service, newsroom = ordinary
    history.wait(hours=24 - history.clock.now().hour + 10)  # 10:00 the next day
    # the site moved its date: five new articles without one, in one poll → critical in that poll
    report = poll(history, service, Crawl([Page(900000 + i, date=False, image=i % 2 == 0) for i in range(5)]))
    assert report.sources["newsprime"].severity == "critical"
    assert report.events == ["opened newsprime field:date (critical)"]
    (email, hook) = notices(history)
    assert email["recipient"] == "ops@example.org" and hook["channel"] == "apprise"
    assert email["subject"].startswith("[newswatch health] CRITICAL newsprime field:date: publication date in 0 of 5")
    text = email["body_text"]
    assert "field: date (publication date)" in text and "“no date found” ×5 (new)" in text
    assert "before: " in text and "after: 0 of 5 articles (0%)" in text
    assert "without it: https://www.newsprime.co.kr/news/article.html?no=900000" in text
    assert "A reminder follows every 24.0 h while it lasts" in text  # health.remind_hours, as configured
    # the drift goes on for a day: every poll evaluated, one reminder after 24 h, nothing else
    for i in range(48):
        poll(history, service, Crawl([Page(901000 + i, date=False, image=i % 8 == 0)] if i % 4 == 0 else []))
    assert [n["subject"].split(" ")[2] for n in notices(history)] == ["CRITICAL", "CRITICAL", "still", "still"]
    assert "open for 24.0 h" in notices(history)[2]["body_text"]
    # fixed: the next articles have dates → one resolution notice per recipient
    report = poll(history, service, Crawl([Page(902000 + i, image=i % 2 == 0) for i in range(5)]))
    assert "resolved newsprime field:date" in report.events
    resolved = [n for n in notices(history) if "RESOLVED" in n["subject"]]
    assert len(resolved) == 2 and "when it opened: publication date in 0 of 5" in resolved[0]["body_text"].lower()
    assert poll(history, service, Crawl([Page(903000)])).events == []  # and nothing more
    assert len(notices(history)) == 6
    with history.store as store:
        (incident,) = HealthLedger(store).incidents("newsprime")
    assert incident.monitor == "field:date" and incident.resolved_at is not None


@pytest.mark.slow
def test_a_hundred_ordinary_polls_with_noise_send_no_notice(ordinary):
    """A 404, a slow page, a one-off 500, a rate-limit page once and a quiet night after a week: all normal."""
    config, history, service, newsroom = ordinary
    noise = {10: Crawl(errors=[("http_404", "HTTP 404")]), 25: Crawl(seconds=95),
             40: Crawl(errors=[("http_500", "HTTP 500")]), 55: Crawl(errors=[("rate_limited", "rate-limit notice")])}
    for i in range(100):
        spec = newsroom.crawl(history.clock.now())
        if i in noise:
            noise[i].pages = spec.pages
            spec = noise[i]
        report = poll(history, service, spec)
        assert report.events == [], (i, report.events)
        assert report.sources["newsprime"].severity == "ok", [
            f.summary for f in report.sources["newsprime"].findings if f.rank]
    assert notices(history) == []


# --- the other monitors ------------------------------------------------------------------------------------------

def test_every_article_unrecognised_is_critical_from_the_first_crawl(setup):
    """A crawl where every page failed to read would look like "no news": it is critical, naming the field."""
    config, history, service = setup
    pages = [Page(i, unrecognised="no title found: not a recognised newsprime article page") for i in range(8)]
    report = poll(history, service, Crawl(pages))
    finding = next(f for f in report.sources["newsprime"].findings if f.monitor == "unrecognised")
    assert finding.severity == "critical" and "not found: title" in finding.summary
    assert "opened newsprime unrecognised (critical)" in report.events


def test_lists_without_entries_twice_are_critical(setup):
    config, history, service = setup
    poll(history, service, Crawl([Page(1), Page(2)]))
    assert poll(history, service, Crawl(list_entries=0)).events == []  # once: could be a glitch
    report = poll(history, service, Crawl(list_entries=0))
    assert "opened newsprime lists (critical)" in report.events


def test_an_error_kind_far_above_its_normal_share_opens_and_resolves_when_gone(ordinary):
    config, history, service, newsroom = ordinary
    history.wait(hours=24 - history.clock.now().hour + 10)
    report = poll(history, service, Crawl(errors=[("http_403", "HTTP 403")] * 25, list_entries=25))
    assert "opened newsprime errors:http_403 (critical)" in report.events
    events = []
    for i in range(12):  # the window holds the newest 20 requests: a few ordinary polls dilute the outage
        events += poll(history, service, Crawl([Page(700000 + i)], list_entries=15)).events
    assert "resolved newsprime errors:http_403" in events
    assert [n["subject"].split(" ")[2:5] for n in notices(history) if "http_403" in n["subject"]] == [
        ["CRITICAL", "newsprime", "errors:http_403:"]] * 2 + [["RESOLVED", "newsprime", "errors:http_403:"]] * 2


def test_rate_limits_in_a_row_warn_then_escalate_once(setup):
    config, history, service = setup
    limited = Crawl(errors=[("rate_limited", "list page answered with the rate-limit notice")])
    events = [e for _ in range(5) for e in poll(history, service, limited).events]
    assert events == ["opened newsprime rate_limit (warning)", "escalated newsprime rate_limit (critical)"]
    subjects = [n["subject"] for n in notices(history)]
    assert len(subjects) == 4 and "now CRITICAL" in subjects[2]


def test_staleness_follows_the_source_history(ordinary):
    config, history, service, newsroom = ordinary
    findings = {f.monitor: f for f in service.status(["newsprime"]).sources["newsprime"].findings}
    assert findings["staleness"].severity == "ok"
    limit = findings["staleness"].evidence["limit_seconds"]
    history.wait(seconds=limit + 60)  # nothing published for longer than ever before, with the margin
    history.crawl(Crawl())
    report = service.check(["newsprime"])
    assert "opened newsprime staleness (warning)" in report.events


def test_crawls_that_stop_or_fail_are_seen(setup):
    config, history, service = setup
    poll(history, service, Crawl([Page(1)]))
    history.wait(hours=2)  # 30-minute schedule: four intervals without a crawl
    assert "opened newsprime crawl (warning)" in service.check(["newsprime"]).events
    for _ in range(3):
        poll(history, service, Crawl(status="failed", list_pages=0, list_entries=0))
    finding = next(f for f in service.status().sources["newsprime"].findings if f.monitor == "crawl")
    assert finding.severity == "critical" and "3 crawl(s) in a row failed" in finding.summary


def test_two_slow_crawls_in_a_row_warn(setup):
    config, history, service = setup
    for i in range(12):
        poll(history, service, Crawl([Page(i)], seconds=40))
    assert poll(history, service, Crawl(seconds=400)).events == []
    assert "opened newsprime duration (warning)" in poll(history, service, Crawl(seconds=400)).events


# --- exactly once ------------------------------------------------------------------------------------------------

def test_two_evaluators_of_one_state_open_and_notify_once(ordinary):
    """The daemon and a manual crawl evaluate the same state, both before either records (the interleaving a race
    gives, made deterministic): the second recording finds the incident open, so it and its notices exist once."""
    config, history, service, newsroom = ordinary
    history.crawl(Crawl([Page(900000 + i, date=False) for i in range(5)]))
    first = service.evaluate(history.store, "newsprime")
    second = service.evaluate(history.store, "newsprime")  # both read "no incident open"
    from newswatch.health.service import CheckReport

    a, b = CheckReport(), CheckReport()
    service._record(history.store, first, a)
    service._record(history.store, second, b)
    assert a.queued == 2 and b.queued == 0
    assert len(notices(history)) == 2


def test_notices_go_through_the_outbox_with_their_channel(setup):
    config, history, service = setup
    history.crawl(Crawl([Page(i, unrecognised="no body text found") for i in range(6)]))
    service.check(["newsprime"])
    pending = AlertLedger(history.store).pending()
    assert [(m.kind, m.channel, m.recipient) for m in pending] == [
        ("notice", None, "ops@example.org"), ("notice", "apprise", "json://127.0.0.1:9/hook")]


# --- channels and config ------------------------------------------------------------------------------------------

def test_channel_secrets_come_from_the_environment_and_stay_out_of_logs(monkeypatch):
    url = "tgram://{env:TG_TOKEN}/{env:TG_CHAT}"
    monkeypatch.delenv("TG_TOKEN", raising=False)
    with pytest.raises(SendError, match=r"\$TG_TOKEN"):
        channels.resolve(url)
    monkeypatch.setenv("TG_TOKEN", "123:secret")
    monkeypatch.setenv("TG_CHAT", "-100")
    assert channels.resolve(url) == "tgram://123:secret/-100"
    assert channels.label(url) == "tgram://…"
    assert channels.label("json://user:pw@hooks.example.org:8080/x?token=1") == "json://hooks.example.org:8080"
    assert channels.label("slack://T1/B2/C3") == "slack://…"


@pytest.mark.parametrize("extra, message", [
    ('[health]\nchannels = ["not a url"]\n', "expected an Apprise URL"),
    ('[health]\nchannels = ["json://h/{env:1BAD}"]\n', "not an environment variable name"),
    ('[health]\nrequired_fields = ["colour"]\n', "required_fields"),
    ('[health]\nunrecognised_warning = 0.9\n', "unrecognised_warning: must not be above"),
    ('[[alerts.rules]]\nname = "x"\nquery = "광주"\nchannels = ["ntfy"]\n', r"alerts\.rules\[0\]\.channels"),
])
def test_bad_health_and_channel_config_is_refused(tmp_path, extra, message):
    path = tmp_path / "newswatch.toml"
    path.write_text(extra, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


# --- newswatch status --------------------------------------------------------------------------------------------

def test_status_exit_codes_and_json(tmp_path, capsys):
    from datetime import datetime, timedelta

    from newswatch.cli import main
    from newswatch.core.clock import KST

    config = config_file(tmp_path)
    history = History(tmp_path / "h.db", start=datetime.now(KST) - timedelta(hours=1))  # status reads real time
    service = HealthService(config, tmp_path / "h.db", clock=history.clock)
    path, db = str(tmp_path / "newswatch.toml"), str(tmp_path / "h.db")
    poll(history, service, Crawl([Page(1), Page(2)]))
    assert main(["--config", path, "status", "--db", db]) == 0
    assert "health: OK" in capsys.readouterr().out
    history.crawl(Crawl([Page(i, unrecognised="no title found") for i in range(10, 20)]))
    service.check(["newsprime"])
    code = main(["--config", path, "status", "--db", db, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 2 and data["status"] == "critical" and data["exit_code"] == 2
    health = data["sources"]["newsprime"]["health"]
    assert health["monitors"]["unrecognised"]["severity"] == "critical"
    assert [i["monitor"] for i in health["incidents"]] == ["unrecognised"]
    assert main(["--config", path, "status", "--db", db]) == 2
    out = capsys.readouterr().out
    assert "health: CRITICAL" in out and "critical unrecognised:" in out and "incident 1: unrecognised" in out


def test_status_writes_prometheus_metrics(tmp_path, capsys):
    from datetime import datetime, timedelta

    from newswatch.cli import main
    from newswatch.core.clock import KST

    pytest.importorskip("prometheus_client")
    config = config_file(tmp_path)
    history = History(tmp_path / "h.db", start=datetime.now(KST) - timedelta(hours=1))
    poll(history, HealthService(config, tmp_path / "h.db", clock=history.clock),
         Crawl([Page(i, unrecognised="no body text found") for i in range(6)]))
    metrics = tmp_path / "newswatch.prom"
    assert main(["--config", str(tmp_path / "newswatch.toml"), "status", "--db", str(tmp_path / "h.db"),
                 "--metrics", str(metrics)]) == 2
    text = metrics.read_text()
    assert 'newswatch_health_severity{monitor="unrecognised",source="newsprime"} 2.0' in text
    assert 'newswatch_health_open_incidents{source="newsprime"} 1.0' in text
    assert "newswatch_last_crawl_start_timestamp_seconds" in text


def test_the_pipeline_keeps_the_coverage_of_new_and_changed_articles(tmp_path):
    from types import SimpleNamespace

    from storage import Store
    from tests.test_pipeline import article, make_pipeline

    db = tmp_path / "p.db"
    Store(db).save_article(article(1))  # stored before: re-reading it unchanged adds nothing to the coverage
    pipeline = make_pipeline(db)
    pipeline.open_spider()
    dated = article(2)
    dated.published_at, dated.authors = "2026-11-27T10:00:00+09:00", ["김성태"]
    for item in (article(1), dated, article(3)):
        pipeline.process_item(item)
    pipeline.on_spider_closed(SimpleNamespace(name="newsprime"), "finished")
    with Store(db) as store:
        (coverage,) = [json.loads(r[0]) for r in store.conn.execute("SELECT coverage FROM crawls")]
    assert coverage["articles"] == 2
    assert coverage["present"] == {"title": 2, "date": 1, "author": 1, "images": 0}
    assert coverage["missing"]["date"] == ["https://www.newsprime.co.kr/news/article.html?no=3"]
    assert len(coverage["body_chars"]) == 2
