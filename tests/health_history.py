"""Recorded crawls for the health tests: what the pipeline leaves in the store, written directly and fast.

A crawl here is what `newswatch crawl` records (record, counts, Scrapy stats with the list and request counts,
field coverage, failures), on a FixedClock, without Scrapy or servers: the monitors read nothing else.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from newswatch.core.article import Article, Image
from newswatch.core.clock import KST, FixedClock, iso
from newswatch.core.coverage import Coverage
from storage import Store

START = datetime(2026, 11, 2, 0, 0, tzinfo=KST)  # a Monday
WORDS = ["광주", "인공지능", "집적단지", "데이터센터", "실증", "기업", "지원", "사업", "추진", "예산", "시민", "교통", "복지", "문화", "청년", "창업", "투자", "행사", "개최", "발표", "협약", "체결", "공모", "선정", "확대", "운영", "계획", "점검", "회의", "설명회"]


@dataclass
class Page:
    """One article page as a crawl met it."""

    no: int
    date: bool = True
    author: bool = True
    image: bool = False
    body_words: int = 60
    unrecognised: str | None = None  # the problem if the page was not recognised


@dataclass
class Crawl:
    pages: list[Page] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (kind, message)
    list_entries: int = 15
    list_pages: int = 1
    unrecognised_lists: int = 0
    seconds: float = 40.0
    status: str | None = None  # default: ok, or partial with errors


class History:
    """A store and a clock; ``crawl()`` records one crawl of the source ending now + its duration."""

    def __init__(self, db, source: str = "newsprime", start: datetime = START) -> None:
        self.clock = FixedClock(start)
        self.store = Store(db, clock=self.clock)
        self.store.conn.execute("PRAGMA synchronous = OFF")  # a test store: speed over durability
        self.source = source

    def article(self, page: Page) -> Article:
        rng = random.Random(page.no)
        url = f"https://www.newsprime.co.kr/news/article.html?no={page.no}"
        body = f"[프라임경제] {page.no}번 기사. " + " ".join(rng.choice(WORDS) + str(rng.randint(1, 999))
                                                        for _ in range(page.body_words))
        problems = [] if page.date else ["no date found"]
        problems += [] if page.author else ["no author found"]
        return Article(self.source, str(page.no), url, url, f"광주 소식 {page.no}",
                       authors=["김성태"] if page.author else [],
                       published_at=iso(self.clock.now()) if page.date else None, body_text=body,
                       images=[Image(f"https://www.newsprime.co.kr/data/{page.no}.jpg")] if page.image else [],
                       problems=problems)

    def crawl(self, spec: Crawl) -> int:
        with self.store.transaction("recording a crawl"):  # one commit per crawl: the tests record hundreds
            return self._crawl(spec)

    def _crawl(self, spec: Crawl) -> int:
        store = self.store
        crawl_id = store.start_crawl(self.source)
        coverage = Coverage()
        recognised = 0
        for page in spec.pages:
            url = f"https://www.newsprime.co.kr/news/article.html?no={page.no}"
            if page.unrecognised:
                store.record_error(crawl_id, url, "unrecognised", page.unrecognised)
                continue
            article = self.article(page)
            saved = store.save_article(article, crawl_id=crawl_id)
            recognised += 1
            if saved.status != "unchanged":
                coverage.add(article)
        for i, (kind, message) in enumerate(spec.errors):
            store.record_error(crawl_id, f"https://www.newsprime.co.kr/news/article.html?no={9000000 + i}", kind,
                               message)
        for i in range(spec.unrecognised_lists):
            store.record_error(crawl_id, f"https://www.newsprime.co.kr/news/section_list_all/?page={i + 1}",
                               "unrecognised_list", "not a recognised list page")
        self.clock.advance(seconds=spec.seconds)
        requests = len(spec.pages) + sum(1 for kind, _ in spec.errors if kind.startswith("http_"))
        stats = {"newswatch/list_pages": spec.list_pages, "newswatch/list_entries": spec.list_entries,
                 "newswatch/article_requests": requests}
        pages = spec.list_pages + spec.unrecognised_lists + requests
        status = spec.status or ("partial" if spec.errors or any(p.unrecognised for p in spec.pages) else "ok")
        store.finish_crawl(crawl_id, status=status, pages_fetched=pages if status != "failed" else 0, stats=stats,
                           coverage=coverage.to_dict())
        return crawl_id

    def wait(self, **delta: float) -> None:
        self.clock.advance(**delta)


def record_ordinary_days(db, days: float, *, seed: int = 7, every_minutes: int = 60) -> tuple[datetime, int]:
    """A store with ``days`` of ordinary polls from START: (the clock at the end, the next article number)."""
    history, newsroom = History(db), Newsroom(seed)
    for _ in range(int(days * 24 * 60 / every_minutes)):
        history.wait(minutes=every_minutes)
        history.crawl(newsroom.crawl(history.clock.now()))
    history.store.close()
    return history.clock.now(), newsroom.next_no


class Newsroom:
    """Ordinary days: articles during working hours (some without photos, now and then one without a byline),
    quiet nights; a 30-minute poll re-checks the list and finds what appeared since."""

    def __init__(self, seed: int = 7, next_no: int = 800000) -> None:
        self.rng = random.Random(seed)
        self.next_no = next_no

    def pages(self, now: datetime) -> list[Page]:
        if not 8 <= now.hour < 20 or (now.weekday() >= 5 and self.rng.random() < 0.7):
            return []
        count = self.rng.choice([0, 0, 1, 1, 1, 2, 3])
        out = []
        for _ in range(count):
            self.next_no += 1
            out.append(Page(self.next_no, author=self.rng.random() > 0.05, image=self.rng.random() < 0.35,
                            body_words=self.rng.randint(40, 160)))
        return out

    def crawl(self, now: datetime) -> Crawl:
        return Crawl(self.pages(now), seconds=self.rng.uniform(20, 60))
