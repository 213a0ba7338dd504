"""Alert delivery when things go wrong: a dry run that must change nothing, a row that cannot be rendered, a busy
store after the server accepted, an expired claim, and where a backfill starts."""

from __future__ import annotations

import dataclasses
import io
import logging
import sqlite3
import threading
from datetime import datetime, timedelta

import pytest

from newswatch.alerts.service import AlertService
from newswatch.core.clock import KST, FixedClock
from newswatch.mocksite.content import default_newsprime
from newswatch.mocksite.mailserver import Inbox, MailServer
from storage import Store
from storage.alerts import AlertLedger, Rendered
from tests.conftest import run_newswatch
from tests.test_alerts import config_for, crawled, to_article

LEDGER_TABLES = ("outbox", "alert_sent", "alert_marks", "alert_rules")


@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=KST))


def snapshot(db) -> dict[str, list[tuple]]:
    with Store(db) as store:
        return {t: [tuple(r.values()) for r in store.rows(f"SELECT * FROM {t} ORDER BY rowid")] for t in LEDGER_TABLES}


def one_new_match(tmp_path, clock, port: int, rules: str = "") -> AlertService:
    """A rule that has run once, then one Gwangju AI article stored: collecting now would queue a message each."""
    config = config_for(tmp_path, port, rules)
    service = AlertService(config, tmp_path / "s.db", clock=clock)
    crawled(tmp_path, clock)
    service.collect(config.alerts.rules)
    with Store(tmp_path / "s.db", clock=clock) as store:
        store.save_article(to_article(default_newsprime()[1]))
    return service


# --- a dry run changes nothing -------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_dry_run_changes_nothing_and_shows_what_the_real_run_sends(tmp_path, clock, smtp_server):
    service = one_new_match(tmp_path, clock, smtp_server.port)
    before = snapshot(tmp_path / "s.db")
    out = io.StringIO()
    assert service.dry_run(service.config.alerts.rules, out=out) == 2
    assert snapshot(tmp_path / "s.db") == before  # no outbox row, no "alerted" record, no mark moved
    shown = out.getvalue()
    assert service.dry_run(service.config.alerts.rules, out=io.StringIO()) == 2  # still there to be sent

    assert service.collect(service.config.alerts.rules) == 2 and service.deliver().sent == 2
    for message in smtp_server.messages:
        assert f"To: {message['To']}" in shown and f"Subject: {message['Subject']}" in shown
        assert message.get_body(("plain",)).get_content().strip() in shown
    assert len(smtp_server.messages) == 2


@pytest.mark.slow
def test_the_dry_run_command_leaves_the_store_as_it_was(tmp_path, clock, smtp_server):
    one_new_match(tmp_path, clock, smtp_server.port)
    before = snapshot(tmp_path / "s.db")
    args = ("--config", str(tmp_path / "newswatch.toml"), "alerts", "deliver", "--db", str(tmp_path / "s.db"))
    dry = run_newswatch(*args, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "To: analyst@example.org" in dry.stdout and "To: desk@example.org" in dry.stdout
    assert "2 message(s) would be sent" in dry.stderr
    assert snapshot(tmp_path / "s.db") == before and smtp_server.messages == []
    real = run_newswatch(*args)
    assert real.returncode == 0, real.stderr
    assert sorted(str(m["To"]) for m in smtp_server.messages) == ["analyst@example.org", "desk@example.org"]


# --- one broken row does not block the outbox ------------------------------------------------------------


@pytest.mark.slow
def test_a_row_that_cannot_be_rendered_does_not_block_the_next(tmp_path, clock, smtp_server, caplog):
    service = one_new_match(tmp_path, clock, smtp_server.port)
    service.collect(service.config.alerts.rules)
    with Store(tmp_path / "s.db", clock=clock) as store:
        first, second = (m.id for m in AlertLedger(store).pending())
        store.conn.execute("UPDATE outbox SET created_at = 'not a time' WHERE id = ?", [first])  # corrupt
    with caplog.at_level(logging.ERROR, "newswatch.alerts"):
        report = service.deliver()
    assert (report.sent, report.failed) == (1, 1) and "ValueError" in report.errors[0]
    assert [str(m["To"]) for m in smtp_server.messages] == ["desk@example.org"]
    assert "Traceback" in caplog.text and f"outbox {first}" in caplog.text
    with Store(tmp_path / "s.db", clock=clock) as store:
        row = store.rows("SELECT * FROM outbox WHERE id = ?", [first])[0]
        assert row["attempts"] == 1 and row["claimed_by"] is None and row["sent_at"] is None
        assert "ValueError" in row["last_error"] and row["next_attempt_at"] > clock.now().isoformat()
        assert store.rows("SELECT sent_at FROM outbox WHERE id = ?", [second])[0]["sent_at"]
    assert service.deliver().sent == 0  # backing off, not claimed first again and again


# --- a busy store after the server accepted --------------------------------------------------------------


class LockingInbox(Inbox):
    """Accepts the first message while another connection holds the store's write lock for a second."""

    def __init__(self, db) -> None:
        super().__init__()
        self.db, self.held = db, threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if not self.held.is_set():
            self.held.set()
            other = sqlite3.connect(self.db, isolation_level=None, check_same_thread=False)
            other.execute("BEGIN IMMEDIATE")

            def release() -> None:
                other.execute("ROLLBACK")
                other.close()

            threading.Timer(1.0, release).start()
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.slow
def test_a_busy_store_after_acceptance_does_not_send_twice(tmp_path, clock, caplog):
    server = MailServer(LockingInbox(tmp_path / "s.db"))
    rules = '[[alerts.rules]]\nname = "gwangju-ai"\nrecipients = ["analyst@example.org"]\n[store]\ntimeout = 0.2'
    service = one_new_match(tmp_path, clock, server.port, rules)
    assert service.collect(service.config.alerts.rules) == 1
    server.start()
    try:
        with caplog.at_level(logging.WARNING, "newswatch.alerts"):
            assert service.deliver().sent == 1
        assert server.inbox.held.is_set() and "retrying" in caplog.text
        assert len(server.messages) == 1
        clock.advance(hours=1)  # past any lease: a row left claimed would be sent again now
        assert service.deliver().sent == 0 and len(server.messages) == 1
    finally:
        server.stop()
    with Store(tmp_path / "s.db", clock=clock) as store:
        row = store.rows("SELECT sent_at, claimed_by FROM outbox")[0]
        assert row["sent_at"] and row["claimed_by"] is None


# --- the ledger -----------------------------------------------------------------------------------------------


def queued(tmp_path, clock) -> tuple[Store, AlertLedger, int]:
    store = Store(tmp_path / "s.db", clock=clock)
    article = store.save_article(to_article(default_newsprime()[1])).article_id
    ledger = AlertLedger(store)
    outbox = ledger.queue("r", "a@example.org", [article], lambda fresh: Rendered("s", "t", "<p>h</p>"))
    return store, ledger, outbox


def test_a_deliverer_whose_claim_expired_leaves_the_new_owner_alone(tmp_path, clock):
    store, ledger, outbox = queued(tmp_path, clock)
    with store:
        now = clock.now()
        late = ledger.claim("late", timedelta(minutes=1), now)
        assert late is not None and ledger.claim("new", timedelta(minutes=1), now) is None
        assert ledger.claim("new", timedelta(minutes=5), now + timedelta(minutes=2)).id == outbox
        assert ledger.mark_failed(late, "timeout", "late") is None  # the claim was lost: nothing changed
        row = store.rows("SELECT * FROM outbox")[0]
        assert (row["claimed_by"], row["attempts"], row["last_error"]) == ("new", 0, None)
        assert ledger.mark_sent(outbox, "late") is False  # sent is recorded; the new owner's claim stays
        row = store.rows("SELECT * FROM outbox")[0]
        assert row["sent_at"] and row["claimed_by"] == "new"
        assert ledger.mark_sent(outbox, "new") is True
        assert store.rows("SELECT claimed_by FROM outbox")[0]["claimed_by"] is None


def test_advance_takes_more_ids_than_sqlite_has_variables(tmp_path, clock):
    store, ledger, _ = queued(tmp_path, clock)
    with store:
        crawled(tmp_path, clock, "newsprime")
        article = store.article_by_key("newsprime", str(default_newsprime()[1].no)).id
        ledger.start("big", ["newsprime"])
        store.conn.execute("UPDATE alert_marks SET mark = 0 WHERE rule = 'big'")
        ledger.advance("big", [*range(article + 1, article + 40_000), article])  # 40,000 > SQLite's 32,766
        assert ledger.current("big", ["newsprime"]).marks == {"newsprime": article}


def test_a_backfill_counts_days_of_publication_not_of_storage(tmp_path, clock):
    """A source's first crawl stores years of news in minutes: only what was published in the backfill days
    alerts, never the old news."""
    config = config_for(tmp_path, 1)
    rule = dataclasses.replace(config.alerts.rules[0], backfill_days=7)
    service = AlertService(config, tmp_path / "s.db", clock=clock)
    assert service.collect([rule]) == 0  # no source crawled yet: the rule waits
    recent = dataclasses.replace(to_article(default_newsprime()[1]),
                                 published_at=(clock.now() - timedelta(days=2)).isoformat())
    old = to_article(default_newsprime()[2])  # AI 사관학교: a match, published in September
    with Store(tmp_path / "s.db", clock=clock) as store:
        crawl = store.start_crawl("newsprime")
        ids = {store.save_article(a, crawl_id=crawl).article_id: a.title for a in (old, recent)}
        store.finish_crawl(crawl, status="ok", pages_fetched=1)
    assert service.collect([rule]) == 2
    with Store(tmp_path / "s.db", clock=clock) as store:
        alerted = {i for m in AlertLedger(store).pending() for i in m.article_ids}
    assert {ids[i] for i in alerted} == {recent.title}
    clock.advance(minutes=30)
    with Store(tmp_path / "s.db", clock=clock) as store:  # later articles alert whatever their date
        later = store.save_article(to_article(default_newsprime()[5])).article_id
    assert service.collect([rule]) == 2
    with Store(tmp_path / "s.db", clock=clock) as store:
        assert later in AlertLedger(store).pending()[-1].article_ids


class RefusingInbox(Inbox):
    """Refuses the recipient "refused@…" and accepts the others."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("refused@"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.slow
def test_a_message_the_server_accepted_is_sent_even_if_it_refused_a_recipient(caplog):
    from email.message import EmailMessage

    from newswatch.alerts.smtp import send
    from newswatch.core.config import SmtpConfig

    server = MailServer(RefusingInbox()).start()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org, refused@x.org", "s"
        message.set_content("x")
        with caplog.at_level(logging.WARNING, "newswatch.alerts"):
            send(SmtpConfig(host="127.0.0.1", port=server.port, security="none", timeout=5), message)  # no raise
        assert len(server.messages) == 1 and "refused some recipients" in caplog.text
    finally:
        server.stop()
