"""Soak test of the monitor daemon (issue 15; not run in CI): exactly once under faults, over many cycles.

Starts the mock sites and a real SMTP server (aiosmtpd) on loopback, runs the real daemon
(`python -m newswatch.cli --config … run`) with short schedules, and while it runs a seeded chaos loop:

- publishes new articles on both mock sites: Gwangju-AI news (should alert), unrelated news (should not), and
  stories (a city release and a newsprime rewrite of it: one entry in one email), keeping a ledger;
- SIGKILLs a running crawl child (found by its command line);
- SIGKILLs the daemon (sometimes with its crawl children, as systemd's control group would) and restarts it;
- runs a concurrent `newswatch alerts deliver`, sometimes SIGKILLed mid-way;
- stops the SMTP server for a while (an outage) and starts it again on the same port;
- holds the store's write lock past the store's timeout (crawls spool what they cannot save).

Then it lets the daemon settle with everything up, stops it, and checks from the store and the SMTP inbox that
every published article is stored exactly once, nothing is left in the spool, every alert-worthy story reached each
recipient in exactly one email, nothing else was alerted (neither unrelated news nor the first crawl's old news).

    nice .venv/bin/python benchmarks/soak.py --cycles 100 --seed 1 --dir /tmp/soak

Prints a summary table and writes it as Markdown (with the date) to <dir>/soak-results.md; the raw figures go to
<dir>/soak-results.json, the daemon's log to <dir>/daemon.log.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import signal
import socketserver
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newswatch.core.clock import KST  # noqa: E402
from newswatch.mocksite import MockSites  # noqa: E402
from newswatch.mocksite.content import new_gwangju_release, new_newsprime_article  # noqa: E402
from newswatch.mocksite.mailserver import MailServer  # noqa: E402

RULE = "gwangju-ai"


def _quiet_resets(handle_error):  # type: ignore[no-untyped-def]
    """The mock sites' servers print a traceback when a crawl SIGKILLed mid-request resets its connection."""
    def handle(self, request, client_address):  # type: ignore[no-untyped-def]
        if not isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            handle_error(self, request, client_address)
    return handle


socketserver.BaseServer.handle_error = _quiet_resets(socketserver.BaseServer.handle_error)  # type: ignore[method-assign]
RECIPIENTS = ["analyst@example.org", "desk@example.org"]
CITY_BOARD, MERGED_BOARD = "BD_0000000027", "JG_0000000003"


# --- the newsroom: distinct texts, each checked against the rule's topic before it is published ---------------

ACTORS = ["시는", "관계 부서는", "추진단은", "사업단은", "운영위원회는", "지원재단은", "협의회는", "실무팀은",
          "전담반은", "자문단은", "기획단은", "사무국은", "진흥원은", "연구소는", "준비단은"]
WHEN = ["이달 말까지", "다음 달부터", "올해 하반기에", "내년 상반기에", "오는 주말", "지난주", "연말까지",
        "3분기 안에", "이번 주 안에", "다음 분기에", "오는 가을", "설 연휴 전에", "새 학기 전에", "장마철 이전에"]
PLACES = ["시청 대회의실", "복합문화센터", "시민회관", "컨벤션센터", "청년창업관", "평생학습관", "과학관 강당",
          "산학협력관", "혁신지원센터", "종합운동장", "도서관 세미나실", "국제교류센터", "상공회의소", "기술지원단지",
          "창업보육센터"]
THINGS = ["지원 예산", "참여 기업", "교육 과정", "시범 사업", "실증 과제", "협약 기관", "전문 인력", "공동 장비",
          "현장 상담", "기술 이전", "입주 공간", "특허 출원", "투자 유치", "시제품 제작", "수출 상담", "연구 과제",
          "인턴 채용"]
UNITS = ["곳", "명", "건", "개", "억원", "개 과제", "개 기관", "회"]
VERBS = ["확대한다", "새로 마련한다", "늘리기로 했다", "선정했다", "지원할 계획이다", "점검했다", "공개했다",
         "모집한다", "추진하고 있다", "운영할 예정이다", "마무리했다", "보강한다", "배정했다", "검토하고 있다"]
AI_THEMES = ["인공지능 집적단지", "인공지능 데이터센터", "인공지능 사관학교", "인공지능 실증 사업", "인공지능 반도체",
             "인공지능 헬스케어", "인공지능 모빌리티", "인공지능 창업 지원", "인공지능 인재 양성",
             "인공지능 스타트업 육성", "생성형 인공지능 활용", "인공지능 융합 산업", "인공지능 에너지 실증",
             "인공지능 문화콘텐츠"]
CITY_THEMES = ["도시철도 2호선", "시민 참여 예산", "하천 정비", "전통시장 활성화", "어린이 통학로", "노인 일자리",
               "공공 자전거", "무등산 탐방로", "청년 주거 지원", "도심 녹지", "생활 체육 시설", "버스 노선 개편"]
OTHER_CITIES = ["부산시", "대구시", "대전시", "울산시", "청주시", "전주시", "창원시", "포항시", "춘천시", "제주도",
                "수원시", "천안시", "원주시", "김해시"]
OTHER_THEMES = ["항만 재개발", "관광 축제", "도시가스 요금", "상수도 정비", "전통시장 주차장", "해수욕장 개장",
                "벚꽃 축제", "도서관 신축", "버스 환승 할인", "시립 합창단 공연", "하수처리장 증설", "공원 조성",
                "체육대회 개최"]


@dataclass
class Published:
    site: str  # "newsprime" | "gwangju"
    ident: int  # newsprime no, or release seq
    board: str  # gwangju board id ("" for newsprime)
    title: str
    alert: bool  # the rule should alert its story
    story: str  # articles of one story share this key
    at: float  # wall time it was published
    source: str = ""
    source_id: str = ""
    url: str = ""  # canonical URL as the store keeps it (filled in after the run)


class Newsroom:
    def __init__(self, rng: random.Random, sites: MockSites) -> None:
        from newswatch.topics import load_topic

        self.rng, self.sites = rng, sites
        self.topic = load_topic(RULE)
        self.next_no, self.next_seq, self.next_merged = 760001, 23001, 101
        self.ledger: list[Published] = []
        self.regenerated = 0

    def _sentence(self, actor: str | None = None) -> str:
        r = self.rng
        return (f"{actor or r.choice(ACTORS)} {r.choice(WHEN)} {r.choice(PLACES)}에서 {r.choice(THINGS)} "
                f"{r.randint(2, 9999)}{r.choice(UNITS)}을 {r.choice(VERBS)}.")

    def _text(self, alert: bool, city: bool) -> tuple[str, list[str]]:
        """(title, paragraphs) that the topic judges as intended (regenerated until it does)."""
        r = self.rng
        while True:
            n = r.randint(100, 999)
            if alert:
                theme = r.choice(AI_THEMES)
                title = f"광주시, {theme} {r.choice(THINGS)} {n}{r.choice(UNITS)} {r.choice(VERBS)[:-1]}"
                lead = (f"광주광역시는 {r.choice(WHEN)} 첨단3지구에서 {theme}의 {r.choice(THINGS)} "
                        f"{r.randint(2, 9999)}{r.choice(UNITS)}을 {r.choice(VERBS)}.")
            elif city:
                theme = r.choice(CITY_THEMES)
                title = f"광주시, {theme} {r.choice(THINGS)} {n}{r.choice(UNITS)} {r.choice(VERBS)[:-1]}"
                lead = (f"광주광역시는 {r.choice(WHEN)} {theme}의 {r.choice(THINGS)} "
                        f"{r.randint(2, 9999)}{r.choice(UNITS)}을 {r.choice(VERBS)}.")
            else:
                where, theme = r.choice(OTHER_CITIES), r.choice(OTHER_THEMES)
                title = f"{where}, {theme} {r.choice(THINGS)} {n}{r.choice(UNITS)} {r.choice(VERBS)[:-1]}"
                lead = (f"{where}는 {r.choice(WHEN)} {theme}의 {r.choice(THINGS)} "
                        f"{r.randint(2, 9999)}{r.choice(UNITS)}을 {r.choice(VERBS)}.")
            paragraphs = [lead] + [" ".join(self._sentence() for _ in range(r.randint(2, 3)))
                                   for _ in range(r.randint(2, 3))]
            verdict = self.topic.classify(title, "\n\n".join(paragraphs), None, datetime.now(KST).isoformat())
            if verdict.relevant == alert:
                return title, paragraphs
            self.regenerated += 1

    def _record(self, site: str, ident: int, board: str, title: str, alert: bool, story: str) -> Published:
        item = Published(site, ident, board, title, alert, story, time.time())
        self.ledger.append(item)
        return item

    def newsprime(self, alert: bool) -> Published:
        title, paragraphs = self._text(alert, city=False)
        no, self.next_no = self.next_no, self.next_no + 1
        self.sites.publish_newsprime(new_newsprime_article(
            no, title, ["[프라임경제] " + paragraphs[0], *paragraphs[1:]], published=datetime.now(KST),
            section=self.rng.choice([110, 111, 112, 113])))
        return self._record("newsprime", no, "", title, alert, f"np{no}")

    def gwangju(self, alert: bool, board: str | None = None) -> Published:
        title, paragraphs = self._text(alert, city=True)
        return self._release(title, paragraphs, alert, board)

    def _release(self, title: str, paragraphs: list[str], alert: bool, board: str | None) -> Published:
        board = board or (MERGED_BOARD if self.rng.random() < 0.2 else CITY_BOARD)
        if board == MERGED_BOARD:
            seq, self.next_merged = self.next_merged, self.next_merged + 1
        else:
            seq, self.next_seq = self.next_seq, self.next_seq + 1
        self.sites.publish_gwangju(new_gwangju_release(seq, title, [*paragraphs[:-1], paragraphs[-1] + " <끝>"],
                                                       published=datetime.now(KST), board=board))
        return self._record("gwangju", seq, board, title, alert, f"gj{board}:{seq}")

    def story(self) -> tuple[Published, object]:
        """A city release on Gwangju AI, and a function publishing newsprime's rewrite of it (now or later): one
        story, one entry in one email (a rewrite arriving after its release was alerted does not alert again)."""
        title, paragraphs = self._text(True, city=True)
        release = self._release(title, paragraphs, True, CITY_BOARD)

        def rewrite() -> Published:
            no, self.next_no = self.next_no, self.next_no + 1
            body = [f"[프라임경제] {paragraphs[0]}", *paragraphs[1:-1], f"시 관계자는 \"{paragraphs[-1]}\"라고 말했다."]
            headline = f"{title}…{self.rng.choice(['주목', '속도', '기대'])}"
            self.sites.publish_newsprime(new_newsprime_article(no, headline, body, published=datetime.now(KST)))
            return self._record("newsprime", no, "", headline, True, release.story)

        return release, rewrite


# --- what the SMTP inbox received ------------------------------------------------------------------------------

@dataclass
class Received:
    message_id: str
    to: str
    subject: str
    urls: set[str]  # the article links of its HTML part

    @classmethod
    def of(cls, message: EmailMessage) -> Received:
        part = message.get_body(("html",))
        body = part.get_content() if part is not None else ""
        urls = {html.unescape(u) for u in re.findall(r'href="([^"]+)"', body)}
        return cls(str(message["Message-ID"]), str(message["To"]), str(message["Subject"]), urls)


# --- processes -----------------------------------------------------------------------------------------------

def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NEWSWATCH_CONFIG"}
    return env | {"PYTHONPATH": str(ROOT)}


def processes() -> list[tuple[int, int, list[str]]]:
    """(pid, parent pid, argv) of every process we can see."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        found.append((int(entry), ppid, [a.decode(errors="replace") for a in argv if a]))
    return found


class Daemon:
    """`newswatch run` in a child process, its stderr appended to daemon.log."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config, self.log = config, log
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("a", encoding="utf-8") as out:
            out.write(f"=== soak: daemon start {self.starts} at {datetime.now(KST).isoformat()}\n")
        handle = self.log.open("a", encoding="utf-8")
        self.proc = subprocess.Popen([sys.executable, "-m", "newswatch.cli", "--config", str(self.config), "run"],
                                     cwd=ROOT, env=cli_env(), stdout=subprocess.DEVNULL, stderr=handle)
        handle.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def crawl_children(self) -> list[int]:
        """Crawl processes of this soak's config (the daemon's, and orphans of a killed daemon)."""
        return [pid for pid, _, argv in processes()
                if "newswatch.cli" in argv and "crawl" in argv and str(self.config) in argv]

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout: float = 120) -> int | None:
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def kill(pid: int) -> bool:
    try:
        os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False


# --- reading the store (read-only connections: WAL readers block no one) ---------------------------------------

def query(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    if not db.exists():
        return []
    for attempt in range(20):
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
            try:
                return conn.execute(sql, params).fetchall()
            finally:
                conn.close()
        except sqlite3.OperationalError:
            if attempt == 19:
                raise
            time.sleep(0.5)
    return []


def crawl_counts(db: Path, since: str = "") -> dict[str, int]:
    return dict(query(db, "SELECT source, count(*) FROM crawls WHERE started_at >= ? GROUP BY source", (since,)))


def marks_set(db: Path) -> bool:
    rows = query(db, "SELECT source, mark FROM alert_marks WHERE rule = ?", (RULE,))
    return len(rows) == 2 and all(mark is not None for _, mark in rows)


def spool_pending(db: Path) -> int:
    from crawler.spool import Spool

    return Spool(db).pending()


# --- the chaos loop ------------------------------------------------------------------------------------------

@dataclass
class Tally:
    published_alert: int = 0
    published_other: int = 0
    stories: int = 0
    crawl_kills: int = 0
    daemon_kills: int = 0
    daemon_kills_with_crawls: int = 0
    daemon_deaths_unexpected: int = 0
    deliver_runs: int = 0
    deliver_kills: int = 0
    deliver_failures: int = 0
    outages: int = 0
    outage_seconds: float = 0.0
    store_locks: int = 0
    bursts: int = 0
    burst_kills: int = 0
    deliver_exit_codes: Counter = field(default_factory=Counter)


class Soak:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.dir = Path(args.dir).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db = self.dir / "soak.db"
        self.config = self.dir / "newswatch.toml"
        self.tally = Tally()
        self.deliverers: list[subprocess.Popen] = []
        self.lock = threading.Lock()
        self.outage_until: float | None = None
        self.outage_started = 0.0
        self.rewrites: list[tuple[float, object]] = []  # (when to publish, publish) of story rewrites
        self.lockers: list[threading.Thread] = []

    # config ----------------------------------------------------------------------------------------------
    def write_config(self, sites: MockSites, smtp: MailServer) -> None:
        a = self.args
        recipients = ", ".join(f'"{r}"' for r in RECIPIENTS)
        extra = f"""
[scheduler]
crawl_timeout = 120
outbox_interval = "interval:{a.outbox_interval}s"

[smtp]
host = "127.0.0.1"
port = {smtp.port}
security = "none"
timeout = 5

[alerts]
grace = {a.grace}

[[alerts.rules]]
name = "{RULE}"
recipients = [{recipients}]
"""
        text = sites.config_toml(str(self.db), max_pages=2, retries=1, extra=extra)
        text = text.replace(f'path = "{self.db}"\n', f'path = "{self.db}"\ntimeout = {a.store_timeout}\n', 1)
        for source in ("newsprime", "gwangju_city"):
            text = text.replace(f"[sources.{source}]\n", f'[sources.{source}]\nschedule = "interval:{a.interval}s"\n')
        self.config.write_text(text, encoding="utf-8")

    # chaos actions ---------------------------------------------------------------------------------------
    def publish(self, newsroom: Newsroom) -> None:
        r = self.rng
        for _ in range(r.choice([1, 1, 1, 2, 2, 3])):
            pick = r.random()
            if pick < 0.15:
                release, rewrite = newsroom.story()
                self.tally.stories += 1
                self.tally.published_alert += 1
                delay = r.choice([0.0, 0.0, r.uniform(2, 30)])  # the rewrite with it, or later
                self.rewrites.append((time.time() + delay, rewrite))
            elif pick < 0.55:
                alert = r.random() < 0.6
                (newsroom.newsprime if r.random() < 0.5 else newsroom.gwangju)(alert)
                self.tally.published_alert += alert
                self.tally.published_other += not alert
            else:
                alert = r.random() < 0.5
                newsroom.gwangju(alert) if r.random() < 0.5 else newsroom.newsprime(alert)
                self.tally.published_alert += alert
                self.tally.published_other += not alert

    def publish_rewrites(self, now: float, everything: bool = False) -> None:
        due = [(t, f) for t, f in self.rewrites if everything or t <= now]
        self.rewrites = [(t, f) for t, f in self.rewrites if not (everything or t <= now)]
        for _, rewrite in due:
            rewrite()
            self.tally.published_alert += 1

    def burst(self, newsroom: Newsroom, daemon: Daemon) -> None:
        """--bursts: more new newsprime articles at once than one list page holds (15); half the time the crawl
        that fetches them is SIGKILLed once it has stored a few of them (the newest, from list page 1)."""
        items = [newsroom.newsprime(self.rng.random() < 0.5) for _ in range(self.rng.randint(16, 25))]
        self.tally.bursts += 1
        self.tally.published_alert += sum(p.alert for p in items)
        self.tally.published_other += sum(not p.alert for p in items)
        if self.rng.random() >= 0.5:
            return
        ids = tuple(str(p.ident) for p in items)

        def killer() -> None:
            deadline = time.time() + 60
            marks = ",".join("?" * len(ids))
            while time.time() < deadline:
                found = query(self.db, f"SELECT count(*) FROM articles WHERE source = 'newsprime' AND source_id IN "
                                       f"({marks})", ids)[0][0]
                if found >= 3:
                    for pid, _, argv in processes():
                        if "newswatch.cli" in argv and "newsprime" in argv and str(self.config) in argv and kill(pid):
                            with self.lock:
                                self.tally.burst_kills += 1
                    return
                time.sleep(0.05)

        threading.Thread(target=killer, daemon=True).start()

    def kill_crawl(self, daemon: Daemon) -> None:
        children = daemon.crawl_children()
        if children and kill(self.rng.choice(children)):
            self.tally.crawl_kills += 1

    def kill_daemon(self, daemon: Daemon) -> None:
        with_crawls = self.rng.random() < 0.5
        children = daemon.crawl_children() if with_crawls else []
        daemon.kill()
        for pid in children:
            kill(pid)
        self.tally.daemon_kills += 1
        self.tally.daemon_kills_with_crawls += with_crawls
        time.sleep(self.rng.uniform(0, 3))
        daemon.start()

    def deliver(self) -> None:
        """A concurrent `newswatch alerts deliver` (it queues new matches too); half of them SIGKILLed 0.05–0.6 s
        in (a run takes about 0.3 s)."""
        argv = [sys.executable, "-m", "newswatch.cli", "--config", str(self.config), "alerts", "deliver"]
        proc = subprocess.Popen(argv, cwd=ROOT, env=cli_env(), stdout=subprocess.DEVNULL,
                                stderr=(self.dir / "deliver.log").open("a", encoding="utf-8"))
        self.deliverers.append(proc)
        self.tally.deliver_runs += 1
        if self.rng.random() < 0.5:
            threading.Thread(target=self._kill_later, args=(proc, self.rng.uniform(0.05, 0.6)), daemon=True).start()

    def _kill_later(self, proc: subprocess.Popen, delay: float) -> None:
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.kill()
            with self.lock:
                self.tally.deliver_kills += 1

    def reap_deliverers(self) -> None:
        left = []
        for proc in self.deliverers:
            if proc.poll() is None:
                left.append(proc)
            else:
                self.tally.deliver_exit_codes["SIGKILL" if proc.returncode == -9 else proc.returncode] += 1
        self.deliverers = left

    def outage(self, smtp: MailServer, now: float) -> None:
        if self.outage_until is not None:
            return
        smtp.stop()
        self.outage_started, self.outage_until = now, now + self.rng.uniform(5, 30)
        self.tally.outages += 1

    def end_outage(self, smtp: MailServer, now: float, force: bool = False) -> None:
        if self.outage_until is not None and (force or now >= self.outage_until):
            smtp.start()
            self.tally.outage_seconds += now - self.outage_started
            self.outage_until = None

    def lock_store(self, daemon: Daemon) -> None:
        """Hold the store's write lock past its timeout while a crawl is saving (it spools what it cannot save)."""
        hold = self.args.store_timeout + self.rng.uniform(1, 3)
        wait = self.rng.uniform(0.5, 3.0)

        def holder() -> None:
            deadline = time.time() + 15
            while not daemon.crawl_children() and time.time() < deadline:
                time.sleep(0.1)
            time.sleep(wait)  # into the crawl: past its start, while it fetches and saves
            conn = sqlite3.connect(self.db, isolation_level=None, timeout=30)
            try:
                conn.execute("BEGIN IMMEDIATE")
                time.sleep(hold)
                conn.execute("ROLLBACK")
            finally:
                conn.close()

        thread = threading.Thread(target=holder, daemon=True)
        thread.start()
        self.lockers.append(thread)
        self.tally.store_locks += 1

    # the run ---------------------------------------------------------------------------------------------
    def run(self) -> dict:
        a = self.args
        started = time.time()
        for stale in self.dir.glob("soak.db*"):
            stale.unlink()
        (self.dir / "daemon.log").unlink(missing_ok=True)
        (self.dir / "deliver.log").unlink(missing_ok=True)
        with MockSites(slow_seconds=0.2) as sites:
            smtp = MailServer()
            smtp.start()
            self.write_config(sites, smtp)
            newsroom = Newsroom(self.rng, sites)
            daemon = Daemon(self.config, self.dir / "daemon.log")
            daemon.start()
            try:
                say("waiting for the first complete crawls of both sources (old news: no email)")
                deadline = time.time() + 600
                while not (marks_set(self.db) and crawl_ok_after(self.db, "")):
                    if time.time() > deadline:
                        raise SystemExit("the first crawls did not complete in 10 minutes; see daemon.log")
                    time.sleep(1)
                first = len(query(self.db, "SELECT id FROM articles"))
                chaos_start, chaos_began = datetime.now(KST).isoformat(), time.time()
                say(f"{first} articles of the first crawls; chaos until {a.cycles} crawls of each source")
                self.chaos(sites, smtp, newsroom, daemon, chaos_start)
                cycles = crawl_counts(self.db, chaos_start)
                chaos_seconds = time.time() - chaos_began
                say(f"chaos over after {cycles}; settling with everything up")
                settled, settle_seconds, waiting = self.settle(smtp, newsroom, daemon)
                daemon_exit = daemon.stop()
                time.sleep(1)  # a message in flight at the stop
            finally:
                for proc in self.deliverers:
                    proc.kill()
                if daemon.alive():
                    daemon.kill()
                for pid in daemon.crawl_children():
                    kill(pid)
                smtp.stop()
            result = self.verify(sites, smtp, newsroom)
        result |= {
            "date": datetime.now(KST).date().isoformat(), "seed": a.seed, "cycles_requested": a.cycles,
            "cycles": cycles, "chaos_seconds": round(chaos_seconds), "settle_seconds": round(settle_seconds),
            "settled": settled, "still_waiting_for": waiting, "wall_seconds": round(time.time() - started),
            "daemon_exit_code": daemon_exit, "daemon_starts": daemon.starts, "tally": asdict(self.tally),
            "topic_regenerated": newsroom.regenerated, "interval": a.interval, "grace": a.grace,
            "outbox_interval": a.outbox_interval, "store_timeout": a.store_timeout, "bursts": a.bursts,
        }
        result["tally"]["deliver_exit_codes"] = {str(k): v for k, v in self.tally.deliver_exit_codes.items()}
        result["log"] = log_counts(self.dir / "daemon.log", self.dir / "deliver.log")
        return result

    def chaos(self, sites: MockSites, smtp: MailServer, newsroom: Newsroom, daemon: Daemon, since: str) -> None:
        r, a = self.rng, self.args
        next_report = time.time() + 60
        while min(crawl_counts(self.db, since).get(s, 0) for s in ("newsprime", "gwangju_city")) < a.cycles:
            time.sleep(r.uniform(0.5, 3.0))
            now = time.time()
            self.end_outage(smtp, now)
            self.reap_deliverers()
            self.publish_rewrites(now)
            if not daemon.alive():  # not killed by us: a crash to report
                self.tally.daemon_deaths_unexpected += 1
                say(f"the daemon died on its own (exit {daemon.proc.returncode}); restarting it")
                daemon.start()
            roll = r.random()
            if roll < 0.35:
                self.publish(newsroom)
            elif roll < 0.50:
                self.kill_crawl(daemon)
            elif roll < 0.53:
                self.kill_daemon(daemon)
            elif roll < 0.62:
                self.deliver()
            elif roll < 0.65:
                self.outage(smtp, now)
            elif roll < 0.675 and a.store_locks:
                self.publish(newsroom)  # something new for the crawl that meets the lock to save
                self.lock_store(daemon)
            elif roll < 0.69 and a.bursts:
                self.burst(newsroom, daemon)
            if now >= next_report:
                next_report = now + 60
                say(f"crawls {crawl_counts(self.db, since)}, published {len(newsroom.ledger)}, "
                    f"received {len(smtp.inbox.messages)}, {self.tally.crawl_kills} crawl kills, "
                    f"{self.tally.daemon_kills} daemon kills, {self.tally.outages} outages")

    def settle(self, smtp: MailServer, newsroom: Newsroom, daemon: Daemon) -> tuple[bool, float, list[str]]:
        """Everything up, nothing published: wait until both sources were crawled completely since the last
        publication, the rule considered every article, the outbox and the spool are empty."""
        begun = time.time()
        self.publish_rewrites(begun, everything=True)
        self.end_outage(smtp, begun, force=True)
        for thread in self.lockers:
            thread.join()
        for proc in self.deliverers:
            proc.wait()
        self.reap_deliverers()
        if not daemon.alive():
            daemon.start()
        last_publication = datetime.fromtimestamp(max(p.at for p in newsroom.ledger), KST).isoformat()
        waiting: list[str] = []
        deadline = begun + self.args.settle_timeout
        while time.time() < deadline:
            waiting = []
            for source in ("newsprime", "gwangju_city"):
                if not crawl_ok_after(self.db, last_publication, source):
                    waiting.append(f"a complete crawl of {source}")
            marks = dict(query(self.db, "SELECT source, mark FROM alert_marks WHERE rule = ?", (RULE,)))
            for source, newest in query(self.db, "SELECT source, max(id) FROM articles WHERE duplicate_of IS NULL "
                                                 "GROUP BY source"):
                if (marks.get(source) or 0) < newest:
                    waiting.append(f"the rule to consider {source} up to {newest}")
            pending = query(self.db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")[0][0]
            if pending:
                waiting.append(f"{pending} queued email(s)")
            if spool_pending(self.db):
                waiting.append("the spool")
            if not daemon.alive():
                waiting.append("the daemon (restarted)")
                self.tally.daemon_deaths_unexpected += 1
                daemon.start()
            if not waiting:
                time.sleep(2 * self.args.outbox_interval)
                return True, time.time() - begun, []
            time.sleep(2)
        return False, time.time() - begun, waiting

    # the verdict -----------------------------------------------------------------------------------------
    def verify(self, sites: MockSites, smtp: MailServer, newsroom: Newsroom) -> dict:
        host = sites.gwangju_url.split("//", 1)[1]
        rows = query(self.db, "SELECT id, source, source_id, canonical_url, duplicate_of, story_id, revision, title "
                              "FROM articles")
        by_key: dict[tuple[str, str], list[tuple]] = defaultdict(list)
        for row in rows:
            by_key[(row[1], row[2])].append(row)
        ledger = newsroom.ledger
        lost, duplicated, copies, revised = [], [], [], []
        for p in ledger:
            p.source, p.source_id = (("newsprime", str(p.ident)) if p.site == "newsprime"
                                     else ("gwangju_city", f"{host}/{p.board}/{p.ident}"))
            found = by_key.get((p.source, p.source_id), [])
            if not found:
                lost.append(p)
                continue
            p.url = found[0][3]
            if len(found) > 1:
                duplicated.append(p)
            if found[0][4] is not None:
                copies.append(p)  # stored as a copy of another article's text: it would never alert
            if found[0][6] and found[0][6] > 1:
                revised.append(p)
        titles = Counter(row[7] for row in rows)
        twice_by_title = [p for p in ledger if titles[p.title] > 1]
        # old news: the mock sites' catalogue, there before the rule started (some of it, such as the page that
        # answers 500 twice, is stored by a later crawl than the first: still old news, never an alert)
        ours = {(p.source, p.source_id) for p in ledger}
        old_news = {row[3] for row in rows if (row[1], row[2]) not in ours}

        # the inbox: resends of one outbox message share its Message-ID; distinct messages are distinct IDs
        received = [Received.of(m) for m in list(smtp.messages)]
        per_id = Counter(m.message_id for m in received)
        resent = {mid: n - 1 for mid, n in per_id.items() if n > 1}
        distinct: dict[str, Received] = {}
        for m in received:
            distinct.setdefault(m.message_id, m)
        stories: dict[str, list[Published]] = defaultdict(list)
        for p in ledger:
            stories[p.story].append(p)
        expected = missing = story_twice = article_twice = lost_stories = 0
        problems: list[str] = []
        for recipient in RECIPIENTS:
            mine = [m for m in distinct.values() if m.to == recipient]
            for key, members in stories.items():
                if not any(p.alert for p in members):
                    continue
                expected += 1
                urls = {p.url for p in members if p.url}
                holding = [m for m in mine if m.urls & urls]
                if not urls:
                    lost_stories += 1  # never stored, so never alerted: counted under lost articles
                    continue
                if not holding:
                    missing += 1
                    problems.append(f"missing: story {key} ({members[0].title}) never reached {recipient}")
                elif len(holding) > 1:
                    story_twice += 1
                    problems.append(f"duplicated: story {key} reached {recipient} in {len(holding)} emails: "
                                    + ", ".join(m.message_id for m in holding))
                for p in members:
                    if p.url and sum(1 for m in mine if p.url in m.urls) > 1:
                        article_twice += 1
        alerted_urls = {u for m in distinct.values() for u in m.urls}
        false_alerts = [p for p in ledger if not p.alert and p.url in alerted_urls]
        old_alerted = sorted(old_news & alerted_urls)
        outbox = query(self.db, "SELECT count(*), sum(sent_at IS NULL), sum(attempts > 0), max(attempts) "
                                "FROM outbox")[0]
        marked_sent = {i for (i,) in query(self.db, "SELECT id FROM outbox WHERE sent_at IS NOT NULL")}
        got = {int(m.group(1)) for mid in distinct if (m := re.search(r"newswatch\.\d+\.(\d+)@", mid))}
        crawl_status = dict(query(self.db, "SELECT status, count(*) FROM crawls GROUP BY status"))
        matcher = self.matcher_check(ledger)
        return {
            "articles": {
                "published": len(ledger), "published_alert": sum(p.alert for p in ledger),
                "stored": len(ledger) - len(lost), "lost": [asdict(p) for p in lost],
                "duplicated_rows": [asdict(p) for p in duplicated], "duplicated_by_title": len(twice_by_title),
                "stored_as_copy": [asdict(p) for p in copies], "revised": len(revised),
                "old_news": len(old_news), "spool_left": spool_pending(self.db),
            },
            "alerts": {
                "expected": expected, "received": len(received), "distinct_messages": len(distinct),
                "resent_same_message_id": sum(resent.values()), "resent_ids": resent, "missing": missing,
                "lost_with_their_articles": lost_stories,
                "duplicated_stories": story_twice, "duplicated_articles": article_twice,
                "false_alerts": [asdict(p) for p in false_alerts], "old_news_alerted": old_alerted,
                "outbox_messages": outbox[0], "outbox_unsent": outbox[1] or 0, "outbox_retried": outbox[2] or 0,
                "outbox_max_attempts": outbox[3] or 0, "marked_sent_not_received": sorted(marked_sent - got),
                "received_not_marked_sent": sorted(got - marked_sent), "problems": problems, "rule_disagrees": matcher,
            },
            "crawls": crawl_status,
        }

    def matcher_check(self, ledger: list[Published]) -> list[str]:
        """Stored articles the rule judges otherwise than the ledger (a generator slip, not a delivery fault)."""
        from crawler.sites import load_config
        from newswatch.alerts.service import AlertService
        from storage import Store

        config = load_config(self.config)
        service = AlertService(config, self.db)
        rule = service.rule(RULE)
        ids = {row[0]: row[1] for row in query(self.db, "SELECT id, canonical_url FROM articles")}
        wanted = {p.url: p.alert for p in ledger if p.url}
        with Store(self.db) as store:
            matched = set(service.matcher(rule).match(store, [i for i, u in ids.items() if u in wanted]))
        return [f"{u}: ledger {'alert' if wanted[u] else 'no alert'}, rule {'matches' if i in matched else 'does not'}"
                for i, u in ids.items() if u in wanted and wanted[u] != (i in matched)]


def crawl_ok_after(db: Path, since: str, source: str | None = None) -> bool:
    """A crawl of the source (of each source) started after ``since`` finished ok or partial."""
    sources = [source] if source else ["newsprime", "gwangju_city"]
    return all(query(db, "SELECT 1 FROM crawls WHERE source = ? AND status IN ('ok', 'partial') AND started_at > ? "
                         "AND finished_at IS NOT NULL LIMIT 1", (s, since)) for s in sources)


def log_counts(*logs: Path) -> dict[str, int]:
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in logs if p.exists())
    patterns = {
        "tracebacks": r"(?:ERROR|CRITICAL)[^\n]*\nTraceback", "alert_work_failed": r"alert work after crawls failed",
        "alerts_not_sent": r"alert not sent:", "spooled": r"\] ERROR: \S+ not stored \(.*spooled to",
        "not_stored_not_spooled": r"NOT STORED AND NOT SPOOLED", "records_closed_at_start": r"closed \d+ crawl record",
        "crawl_crashed": r"crawl of \w+: crashed", "crawl_skipped_locked": r"crawl of \w+: skipped",
        "crawl_failed": r"crawl of \w+: failed",
    }
    counts = {k: len(re.findall(p, text)) for k, p in patterns.items()}
    counts["spool_replayed"] = sum(int(n) for n in re.findall(r"spool: (\d+) spooled article\(s\) stored", text))
    return counts


def say(text: str) -> None:
    print(f"{datetime.now(KST):%H:%M:%S} {text}", flush=True)


# --- the report ----------------------------------------------------------------------------------------------

def table(r: dict) -> str:
    t, art, al = r["tally"], r["articles"], r["alerts"]
    minutes = (f"{r['wall_seconds'] / 60:.1f} min (chaos {r['chaos_seconds'] / 60:.1f}, "
               f"settle {r['settle_seconds'] / 60:.1f})")
    rows = [
        ("date, seed", f"{r['date']}, seed {r['seed']}"),
        ("crawl cycles (records since chaos began)", ", ".join(f"{k} {v}" for k, v in sorted(r["cycles"].items()))),
        ("crawl records by status", ", ".join(f"{k} {v}" for k, v in sorted(r["crawls"].items()))),
        ("crawl children SIGKILLed", t["crawl_kills"]),
        ("daemon SIGKILLed and restarted", f"{t['daemon_kills']} ({t['daemon_kills_with_crawls']} with its crawls)"),
        ("daemon deaths not caused by the soak", t["daemon_deaths_unexpected"]),
        ("concurrent `alerts deliver` runs / SIGKILLed", f"{t['deliver_runs']} / {t['deliver_kills']}"),
        ("SMTP outages", f"{t['outages']} ({t['outage_seconds']:.0f} s in all)"),
        ("store write lock held past its timeout", t["store_locks"]),
        *([("bursts longer than a list page / crawls SIGKILLed while fetching one",
            f"{t['bursts']} / {t['burst_kills']}")] if r.get("bursts") else []),
        ("articles published (alert-worthy; stories of release + rewrite)",
         f"{art['published']} ({art['published_alert']}; {t['stories']})"),
        ("articles stored", art["stored"]),
        ("articles duplicated / stored as a copy / lost", f"{len(art['duplicated_rows']) + art['duplicated_by_title']}"
                                                          f" / {len(art['stored_as_copy'])} / {len(art['lost'])}"),
        ("articles spooled (store locked) / replayed from the spool / left in it",
         f"{r['log']['spooled']} / {r['log']['spool_replayed']} / {art['spool_left']}"),
        ("alerts expected (stories × recipients)", al["expected"]),
        ("emails received (distinct Message-IDs)", f"{al['received']} ({al['distinct_messages']})"),
        ("alerts duplicated: same story in two emails", al["duplicated_stories"]),
        ("alerts resent with the same Message-ID", al["resent_same_message_id"]),
        ("alerts missing (of stored articles) / not sent because the articles were lost",
         f"{al['missing']} / {al['lost_with_their_articles']}"),
        ("emails about unrelated news / the first crawl's old news",
         f"{len(al['false_alerts'])} / {len(al['old_news_alerted'])}"),
        ("outbox marked sent, not received / received, not marked sent",
         f"{len(al['marked_sent_not_received'])} / {len(al['received_not_marked_sent'])}"),
        ("emails retried after a failed send (max attempts)", f"{al['outbox_retried']} ({al['outbox_max_attempts']})"),
        ("tracebacks in the daemon's log", r["log"]["tracebacks"]),
        ("settled", "yes" if r["settled"] else "NO: " + "; ".join(r["still_waiting_for"])),
        ("wall time", minutes),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join([f"| {'':{width}} | soak |", f"|{'-' * (width + 2)}|------|",
                      *(f"| {k:{width}} | {v} |" for k, v in rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=100, help="crawls of each source under chaos (default 100)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", default="/tmp/newswatch-soak", help="working directory (store, config, logs)")
    parser.add_argument("--interval", type=int, default=6, help="seconds between crawls of a source")
    parser.add_argument("--grace", type=float, default=2.0, help="alerts.grace")
    parser.add_argument("--outbox-interval", type=int, default=3, help="seconds between outbox runs")
    parser.add_argument("--store-timeout", type=float, default=3.0, help="store.timeout (the lock is held longer)")
    parser.add_argument("--no-store-locks", dest="store_locks", action="store_false")
    parser.add_argument("--bursts", action="store_true",
                        help="also publish bursts longer than a list page and kill the crawl fetching them")
    parser.add_argument("--settle-timeout", type=float, default=45 * 60)
    args = parser.parse_args(argv)
    result = Soak(args).run()
    out = Path(args.dir).resolve()
    (out / "soak-results.json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str), "utf-8")
    command = f"benchmarks/soak.py --cycles {args.cycles} --seed {args.seed}" + (" --bursts" if args.bursts else "")
    markdown = f"Soak of {result['date']} (`{command}`)\n\n{table(result)}\n"
    (out / "soak-results.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    for problem in result["alerts"]["problems"][:50]:
        print(problem)
    for line in result["alerts"]["rule_disagrees"][:20]:
        print("rule disagrees:", line)
    art, al = result["articles"], result["alerts"]
    clean = (not art["lost"] and not art["duplicated_rows"] and not art["duplicated_by_title"] and not art["spool_left"]
             and not al["missing"] and not al["duplicated_stories"] and not al["false_alerts"]
             and not al["old_news_alerted"] and not al["marked_sent_not_received"] and result["settled"])
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
