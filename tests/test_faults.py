"""Exactly once and never silent (issue 15): each fault reproduced with real processes and servers — two
deliverers at once, a server that answers 421 to QUIT, a locked, unwritable or full store, a dead crawl's
record, the daemon publishing once across two sources, hostile responses, and the one-line errors."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from newswatch.core.article import Article
from newswatch.core.clock import KST
from newswatch.mocksite import MockSites
from newswatch.mocksite.content import new_gwangju_release, new_newsprime_article
from newswatch.mocksite.mailserver import Inbox, MailServer
from newswatch.mocksite.server import BOMB_NO, LOOP_NO
from storage import Store
from storage.alerts import AlertLedger
from tests.conftest import ROOT, run_newswatch

pytestmark = pytest.mark.slow  # real servers, child processes and real time


def write_config(tmp_path: Path, sites: MockSites | None, db: Path, extra: str = "", **kw) -> Path:
    path = tmp_path / "newswatch.toml"
    text = f'[store]\npath = "{db}"\n' if sites is None else sites.config_toml(str(db), **kw)
    path.write_text(text + extra, encoding="utf-8")
    return path


def smtp_extra(port: int, recipients: list[str], grace: float = 2.0) -> str:
    return f"""
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout = 5
[alerts]
grace = {grace}
[[alerts.rules]]
name = "gwangju-ai"
recipients = {recipients!r}
""".replace("'", '"')


def gwangju_ai(no: int, title: str) -> Article:
    url = f"https://www.newsprime.co.kr/news/article.html?no={no}"
    return Article("newsprime", str(no), url, url, title, published_at=datetime.now(KST).isoformat(),
                   body_text=f"[프라임경제] {title}. 광주광역시는 첨단3지구 인공지능 집적단지에서 이번 사업을 추진한다.")


def crawled(db: Path, *sources: str) -> None:
    with Store(db) as store:
        for source in sources:
            store.finish_crawl(store.start_crawl(source), status="ok", pages_fetched=1)


# --- 1. two deliverers at once send each message once -----------------------------------------------------

@contextmanager
def smtp(inbox: Inbox):
    server = MailServer(inbox).start()
    try:
        yield server
    finally:
        server.stop()


def start_daemon(config: Path, log: Path) -> subprocess.Popen[str]:
    """`newswatch run` in a child process, its log in a file the test can read while it runs."""
    return subprocess.Popen([sys.executable, "-m", "newswatch.cli", "--config", str(config), "run"], cwd=ROOT,
                            stderr=log.open("w", encoding="utf-8"), text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def stop_daemon(daemon: subprocess.Popen[str], log: Path) -> str:
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=60)
    return log.read_text(encoding="utf-8")


def wait_for(predicate, what: str, timeout: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    """Wait on evidence (a log line, a store row), never on a guess of how long something takes."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout:g} s: {what}")
        time.sleep(0.2)


def queued_store(tmp_path: Path, port: int, recipients: int) -> tuple[Path, Path]:
    """A store with one Gwangju AI article queued for ``recipients`` recipients."""
    db = tmp_path / "a.db"
    config = write_config(tmp_path, None, db, smtp_extra(port, [f"r{i}@example.org" for i in range(recipients)]))
    crawled(db, "newsprime", "gwangju_city")
    assert run_newswatch("--config", str(config), "alerts", "deliver").returncode == 0  # the rule starts
    with Store(db) as store:
        store.save_article(gwangju_ai(900001, "광주 인공지능 집적단지 입주기업 100곳 돌파"))
    return db, config


def test_two_deliverers_at_once_send_each_message_once(tmp_path):
    with smtp(Inbox(delay=0.15)) as server:  # 3 s of sending: the second deliverer starts well within it
        db, config = queued_store(tmp_path, server.port, 20)
        with Store(db) as store:  # queue without sending: the two deliverers below race for the 20 messages
            from crawler.sites import load_config
            from newswatch.alerts.service import AlertService

            assert AlertService(load_config(config), db).collect(load_config(config).alerts.rules) == 20
            assert len(AlertLedger(store).pending()) == 20
        env = {k: v for k, v in os.environ.items() if k != "NEWSWATCH_CONFIG"} | {"PYTHONPATH": str(ROOT)}
        argv = [sys.executable, "-m", "newswatch.cli", "--config", str(config), "alerts", "deliver"]
        both = [subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=60)[0] for p in both]
    assert all(p.returncode == 0 for p in both)
    sent = [int(re.search(r"sent (\d+)", out).group(1)) for out in outputs]
    assert sum(sent) == 20 and min(sent) > 0, outputs  # they shared the work
    recipients = sorted(str(m["To"]) for m in server.inbox.messages)
    assert recipients == sorted(f"r{i}@example.org" for i in range(20))  # 20 emails, each once
    with Store(db) as store:
        assert AlertLedger(store).pending() == [] and len(AlertLedger(store).sent()) == 20


# --- 5. a server that accepted DATA and then answers 421 to QUIT ------------------------------------------

def test_data_accepted_then_421_at_quit_counts_as_sent_once(tmp_path):
    with smtp(Inbox(delay=0, quit_reply="421 4.3.0 closing, try later")) as server:
        db, config = queued_store(tmp_path, server.port, 1)
        first = run_newswatch("--config", str(config), "alerts", "deliver")
        assert first.returncode == 0 and "sent 1, failed 0" in first.stdout, first.stdout + first.stderr
        again = run_newswatch("--config", str(config), "alerts", "deliver")
        assert "sent 0, failed 0" in again.stdout
    assert len(server.inbox.messages) == 1


# --- 3. a locked or unwritable store fails the crawl with this crawl's line --------------------------------

def test_a_store_locked_past_its_timeout_fails_the_crawl_loudly(tmp_path):
    db = tmp_path / "news.db"
    with MockSites(slow_seconds=0.1) as sites:
        config = write_config(tmp_path, sites, db, max_pages=1)
        assert run_newswatch("--config", str(config), "crawl", "--source", "newsprime").returncode == 0
        text = config.read_text(encoding="utf-8").replace(f'path = "{db}"', f'path = "{db}"\ntimeout = 1')
        config.write_text(text, encoding="utf-8")
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another writer that does not let go
        try:
            locked = run_newswatch("--config", str(config), "crawl", "--source", "newsprime")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert locked.returncode == 1
    assert re.search(r"newsprime: failed \(.*locked", locked.stderr), locked.stderr
    assert "partial —" not in locked.stdout and "ok —" not in locked.stdout  # not the previous crawl's line
    assert "Traceback" not in locked.stderr


@contextmanager
def tmpfs(path: Path, size: str):
    """A small real filesystem (tmpfs) for disk-full and read-only faults; needs root, as CI has."""
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        message = f"cannot mount a tmpfs here: {done.stderr.decode().strip()}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_an_unwritable_store_fails_the_crawl_loudly(tmp_path):
    with tmpfs(tmp_path / "ro", "4m") as disk, MockSites(slow_seconds=0.1) as sites:
        db = disk / "news.db"
        config = write_config(tmp_path, sites, db, max_pages=1)
        assert run_newswatch("--config", str(config), "crawl", "--source", "newsprime").returncode == 0
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        result = run_newswatch("--config", str(config), "crawl", "--source", "newsprime")
    assert result.returncode in (1, 2) and "Traceback" not in result.stderr
    assert re.search(r"(store|newsprime: failed).*(read-only|readonly|cannot be written|unable to open)",
                     result.stderr), result.stderr
    assert "partial —" not in result.stdout and "ok —" not in result.stdout


# --- 2. a full disk fails the crawl loudly, spools, and the next crawl stores everything once --------------

def test_a_full_disk_fails_the_crawl_and_loses_no_article(tmp_path):
    with tmpfs(tmp_path / "disk", "3m") as disk, MockSites(slow_seconds=0.1) as sites:
        db = disk / "news.db"
        config = write_config(tmp_path, sites, db, max_pages=1)
        assert run_newswatch("--config", str(config), "crawl", "--source", "newsprime").returncode == 0
        with Store(db) as store:
            before = store.article_count()
        long = "광주광역시가 인공지능 집적단지 2단계 사업을 추진한다. " * 60
        for no in range(746700, 746705):
            sites.publish_newsprime(new_newsprime_article(no, f"새 기사 {no}", [f"[프라임경제] {no} {long}"],
                                                          published=datetime.now(KST)))
        filler = disk / "filler"
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=1k", "count=100000"], capture_output=True)
        os.truncate(filler, filler.stat().st_size - 160_000)  # leave room to start the crawl, not to save it all
        full = run_newswatch("--config", str(config), "crawl", "--source", "newsprime")
        filler.unlink()
        again = run_newswatch("--config", str(config), "crawl", "--source", "newsprime")
        with Store(db) as store:
            after = store.article_count()
            stored = {int(r[0]) for r in store.conn.execute("SELECT source_id FROM articles")}
    assert full.returncode == 1, full.stdout + full.stderr
    assert "out of disk space" in full.stderr and "Traceback" not in full.stderr
    assert re.search(r"newsprime: failed — \d+ pages, \d new, .* \(\d article\(s\) not stored: .*out of disk space.*spooled",
                     full.stderr), full.stderr
    assert again.returncode == 0, again.stdout + again.stderr
    assert after == before + 5 and set(range(746700, 746705)) <= stored  # every new article, each once


# --- 6. a dead crawl's record is closed at start-up, and it says so -----------------------------------------

def test_the_daemon_closes_records_of_dead_crawls_at_start_up(tmp_path):
    db = tmp_path / "d.db"
    config = write_config(tmp_path, None, db, "[sources.newsprime]\nenabled = false\n"
                                               "[sources.gwangju_city]\nenabled = false\n")
    with Store(db) as store:
        dead = store.start_crawl("newsprime")  # what a killed crawl leaves: 'running', and no lock held
    log_path = tmp_path / "daemon.log"
    daemon = start_daemon(config, log_path)
    said = f"closed 1 crawl record(s) of newsprime left running by a process that is gone: {dead}"
    wait_for(lambda: said in log_path.read_text(encoding="utf-8"), "the start-up closes the dead crawl's record")
    stop_daemon(daemon, log_path)
    assert daemon.returncode == 0
    with Store(db) as store:
        assert store.crawl(dead).status == "abandoned" and store.running_sources() == []


# --- 8 and 9. the daemon: a first crawl leaks nothing, one publication is one email, and its log tells ---------

def test_the_daemon_sends_one_email_per_publication_and_logs_what_happened(tmp_path):
    inbox = Inbox(delay=0)
    with smtp(inbox) as server, MockSites(slow_seconds=0.1) as sites:
        db = tmp_path / "d.db"
        extra = smtp_extra(server.port, ["analyst@example.org"], grace=3)
        config = write_config(tmp_path, sites, db, extra, max_pages=1)
        text = config.read_text(encoding="utf-8")
        text = text.replace("[sources.newsprime]\n", '[sources.newsprime]\nschedule = "interval:6s"\n')
        text = text.replace("[sources.gwangju_city]\n", '[sources.gwangju_city]\nschedule = "interval:6s"\n')
        config.write_text(text + '\n[scheduler]\noutbox_interval = "interval:2s"\n', encoding="utf-8")
        log_path = tmp_path / "daemon.log"
        daemon = start_daemon(config, log_path)
        try:
            wait_for(lambda: first_crawls_done(db) and rule_has_judged_everything(db),
                     "the first crawls and the alert step after them")
            assert inbox.messages == []  # old news: no email
            title = "광주시, 인공지능 집적단지 GPU 클러스터 2배 증설"
            now = datetime.now(KST)
            sites.publish_gwangju(new_gwangju_release(22300, title, [
                "광주광역시는 첨단3지구 인공지능 집적단지의 GPU 클러스터를 두 배로 늘린다고 밝혔다. <끝>"],
                published=now))
            sites.publish_newsprime(new_newsprime_article(746710, title, [
                "[프라임경제] 광주광역시는 첨단3지구 인공지능 집적단지의 GPU 클러스터를 두 배로 늘린다고 밝혔다."],
                published=now))
            wait_for(lambda: bool(inbox.messages), "the email about the publication")
            crawls = finished_crawls(db)
            wait_for(lambda: all(finished_crawls(db)[s] >= crawls[s] + 2 for s in crawls)
                     and rule_has_judged_everything(db), "two more crawls of each source, judged by the rule")
        finally:
            log = stop_daemon(daemon, log_path)
    assert len(inbox.messages) == 1, [m["Subject"] for m in inbox.messages]
    body = " ".join(inbox.messages[0].get_body(("plain",)).get_content().replace("*", "").split())
    assert title in body and "AI 사관학교" not in body and "집적단지 2단계 예비타당성" not in body
    lines = log.splitlines()
    assert any(re.search(r"crawl of newsprime: \w+ — crawl \d+: \w+ — \d+ pages, \d+ new", line) for line in lines)
    assert any(re.search(r"alert queued: rule gwangju-ai → analyst@example.org, \d article\(s\), outbox 1", line)
               for line in lines)
    assert any("alert sent: outbox 1, rule gwangju-ai → analyst@example.org" in line for line in lines)
    assert not any("[scrapy.core.engine] INFO" in line or "Spider opened" in line for line in lines)
    stamped = [line for line in lines if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", line)]
    assert stamped and all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+0900 ", line) for line in stamped)


def finished_crawls(db: Path) -> dict[str, int]:
    with Store(db) as store:
        return {s: sum(1 for c in store.crawls(s, limit=100) if c.status != "running")
                for s in ("newsprime", "gwangju_city")}


def rule_has_judged_everything(db: Path) -> bool:
    """Every stored article is behind the rule's marks, and nothing queued is left unsent."""
    with Store(db) as store:
        behind = store.conn.execute(
            "SELECT count(*) FROM articles a JOIN alert_marks m ON m.source = a.source AND m.rule = 'gwangju-ai' "
            "WHERE a.id > m.mark AND a.duplicate_of IS NULL").fetchone()[0]  # copies are never judged
        marks = store.conn.execute(
            "SELECT count(*) FROM alert_marks WHERE rule = 'gwangju-ai' AND mark IS NOT NULL").fetchone()[0]
        return marks == 2 and behind == 0 and AlertLedger(store).pending() == []


def first_crawls_done(db: Path) -> bool:
    if not db.exists():
        return False
    with Store(db) as store:
        return all(any(c.status in ("ok", "partial") for c in store.crawls(s, limit=5))
                   for s in ("newsprime", "gwangju_city"))


# --- 10. noise instead of errors ----------------------------------------------------------------------------

def test_known_failures_are_one_line_not_tracebacks(tmp_path):
    not_a_db = tmp_path / "junk.db"
    not_a_db.write_bytes(b"this is not a database" * 100)
    crawl = run_newswatch("crawl", "--db", str(not_a_db))
    assert crawl.returncode == 2 and crawl.stderr.count("\n") == 1 and "Traceback" not in crawl.stderr
    assert "not a SQLite database" in crawl.stderr
    deep = run_newswatch("search", "(" * 500 + "광주" + ")" * 500, "--db", str(tmp_path / "x.db"))
    assert deep.returncode == 2 and deep.stderr.count("\n") == 1
    missing = tmp_path / "typo.db"
    for command in (["search", "광주"], ["stats"], ["status"], ["alerts", "test", "gwangju-ai"]):
        result = run_newswatch(*command, "--db", str(missing))
        assert result.returncode == 2 and f"no store at {missing}" in result.stderr, (command, result.stderr)
        assert not missing.exists()  # a read-only command never creates a store
    Store(tmp_path / "x.db").close()
    deep = run_newswatch("search", "(" * 500 + "광주" + ")" * 500, "--db", str(tmp_path / "x.db"))
    assert deep.returncode == 2 and "nests parentheses or NOTs more than 40 deep" in deep.stderr
    assert deep.stderr.count("\n") == 1


def test_redirect_loops_and_decompression_bombs_are_crawl_errors(tmp_path):
    with MockSites(slow_seconds=0.1, hostile_links=True) as sites:
        db = tmp_path / "news.db"
        config = write_config(tmp_path, sites, db, max_pages=1)
        result = run_newswatch("--config", str(config), "crawl", "--source", "newsprime")
    assert result.returncode == 0, result.stderr  # partial: the rest was stored
    with Store(db) as store:
        errors = store.crawl_errors(store.crawls("newsprime")[0].id)
    kinds = {(e["kind"], e["url"].split("no=")[1].split("&")[0]) for e in errors}
    assert ("redirect_loop", str(LOOP_NO)) in kinds
    assert ("too_large", str(BOMB_NO)) in kinds


def test_a_store_locked_at_daemon_start_is_one_line_and_the_daemon_goes_on(tmp_path):
    db = tmp_path / "d.db"
    config = write_config(tmp_path, None, db, "timeout = 1\n[sources.newsprime]\nenabled = false\n"
                                               "[sources.gwangju_city]\nenabled = false\n"
                                               "[scheduler]\noutbox_interval = \"interval:1s\"\n")
    Store(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a writer that does not let go while the daemon starts
    log_path = tmp_path / "daemon.log"
    daemon = start_daemon(config, log_path)
    try:
        wait_for(lambda: "announcing the alert rules failed" in log_path.read_text(encoding="utf-8"),
                 "the daemon meets the locked store")
        time.sleep(1.5)  # past the store's 1 s timeout once more: it must still be running
        assert daemon.poll() is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    log = stop_daemon(daemon, log_path)
    assert daemon.returncode == 0, log
    assert "announcing the alert rules failed, retried on its next run" in log and "locked" in log
    assert "Traceback" not in log


# --- a crawl stopped at start-up leaves no record running ------------------------------------------------------

def crawl_begun(db: Path) -> bool:
    try:
        return db.exists() and sqlite3.connect(db).execute("SELECT count(*) FROM crawls").fetchone()[0] > 0
    except sqlite3.Error:
        return False


def test_a_crawl_stopped_at_start_up_leaves_no_record_running(tmp_path):
    """SIGTERM as soon as the crawl's record exists (the daemon stopping as a crawl starts): whichever moment of
    the start-up it lands in, the crawl exits 1 and its record is closed."""
    with MockSites(slow_seconds=0.1) as sites:
        for attempt in range(6):  # the moment varies; test_crawl_faults pins the case deterministically
            db = tmp_path / f"s{attempt}.db"
            config = write_config(tmp_path, sites, db, max_pages=1)
            crawl = subprocess.Popen([sys.executable, "-m", "newswatch.cli", "--config", str(config), "crawl",
                                      "--source", "newsprime", "--quiet", "--no-health"], cwd=ROOT, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
            wait_for(lambda db=db: crawl_begun(db), "the crawl's record", timeout=60)
            os.killpg(crawl.pid, signal.SIGTERM)
            _, err = crawl.communicate(timeout=60)
            assert crawl.returncode == 1, err
            with Store(db) as store:
                assert store.running_sources() == [] and store.crawls("newsprime")[0].status == "killed", err
