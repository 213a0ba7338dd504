"""Story-level dedup: thresholds on hand-written fixture pairs, the store's story ids, search --stories."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
import sqlite_utils

from newswatch.core.clock import KST, FixedClock
from storage import Store
from storage.schema import MIGRATIONS, SCHEMA_VERSION
from storage.stories import MIN_SHARE, MIN_SHARE_SAME_SOURCE, Candidate, choose_story, story_day, story_text
from storage.storytext import BANDS, band_keys, normalise, shingles
from tests.conftest import run_newswatch
from tests.story_fixtures import story_article

RELEASE, REWRITE, BRIEF = "release_ai_center", "rewrite_ai_center", "rewrite_ai_center_brief"
OTHER_RELEASE, SHORT_RELEASE, COLUMN = "release_ai_export", "release_ai_privacy", "column_ai_cluster"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.db", clock=FixedClock(datetime(2026, 11, 25, 9, 0, tzinfo=KST))) as s:
        yield s


def save_all(store: Store, *names: str) -> dict[str, int]:
    """Save fixtures in this order; returns each one's story id."""
    return {name: store.save_article(story_article(name)).story_id for name in names}


def grams(name: str) -> set[str]:
    return shingles(story_text(story_article(name)))


def share(a: set[str], b: set[str]) -> float:
    return len(a & b) / min(len(a), len(b))


def test_normalise_drops_what_copies_do_not_share():
    text = ("[프라임경제] 광주광역시(시장 강기정)는 23일 센터를 열었다.\n"
            "김성태·강경식 기자 kst@newsprime.co.kr\n개소식 모습. ⓒ 광주광역시\n"
            "기념 촬영 /광주광역시 제공\n※ 별첨 : 사진 3매\n<끝>\n담당부서 : 인공지능산업과")
    assert normalise(text) == "광주시는23일센터를열었다개소식모습기념촬영"
    assert normalise("(광주=연합뉴스) 광주시가 발표했다.") == normalise("광주광역시가 발표했다. <끝>")


def test_a_release_and_its_news_rewrite_are_one_story(store):
    ids = save_all(store, RELEASE, REWRITE, BRIEF)
    release = store.article_by_key("gwangju_city", story_article(RELEASE).source_id)
    assert ids[RELEASE] == release.id
    assert ids[REWRITE] == ids[BRIEF] == release.id  # the rewrite and the photo brief join the release's story


def test_the_rewrite_first_then_the_release(store):
    ids = save_all(store, REWRITE, RELEASE)
    assert ids[RELEASE] == ids[REWRITE] == store.article_by_key("newsprime", "760101").id


def test_releases_sharing_a_departments_boilerplate_are_not_one_story(store):
    ids = save_all(store, RELEASE, OTHER_RELEASE, SHORT_RELEASE, COLUMN, REWRITE)
    own = [ids[RELEASE], ids[OTHER_RELEASE], ids[SHORT_RELEASE], ids[COLUMN]]
    assert len(set(own)) == 4  # each its own story, though all share a paragraph or a subject
    assert ids[REWRITE] == ids[RELEASE]


def test_same_source_needs_a_near_identical_text():
    # the short release is mostly the department's standard paragraph: against one earlier release of its own
    # source it shares more than a rewrite needs, but less than a re-publication has
    short, release = grams(SHORT_RELEASE), grams(RELEASE)
    assert MIN_SHARE <= share(short, release) < MIN_SHARE_SAME_SOURCE
    assert choose_story(short, "gwangju_city", [Candidate(1, "gwangju_city", release)]) is None
    assert choose_story(short, "newsprime", [Candidate(1, "gwangju_city", release)]) == 1


def test_boilerplate_seen_in_two_stories_does_not_count():
    # as another outlet's text, the short release would pass against either release alone; seen in both, the
    # standard paragraph is boilerplate and what is left is not shared
    short = grams(SHORT_RELEASE)
    both = [Candidate(1, "gwangju_city", grams(RELEASE)), Candidate(2, "gwangju_city", grams(OTHER_RELEASE))]
    assert choose_story(short, "newsprime", both[:1]) == 1 and choose_story(short, "newsprime", both[1:]) == 2
    assert choose_story(short, "newsprime", both) is None
    assert choose_story(grams(REWRITE), "newsprime", both) == 1  # a real rewrite still finds its story


def test_copies_outside_the_window_are_separate_stories(store):
    late = story_article(REWRITE, published_at="2026-12-05T10:00:00+09:00")  # twelve days after the release
    first = store.save_article(story_article(RELEASE))
    assert store.save_article(late).story_id != first.story_id


def test_exact_copy_and_edit_keep_the_story(store):
    release = store.save_article(story_article(RELEASE))
    copy = store.save_article(story_article(RELEASE, source_id="BD_0000000027:22399"))
    assert copy.status == "duplicate" and copy.story_id == release.story_id
    edited = story_article(RELEASE, body_text=story_article(RELEASE).body_text.replace("150여명", "200여명"))
    assert store.save_article(edited).status == "updated"
    assert store.article(release.article_id) is not None
    rows = store.db.execute("SELECT count(*) FROM story_bands WHERE article_id = ?", [release.article_id]).fetchone()
    assert rows[0] == BANDS  # the old text's keys were replaced, not added to
    assert store.save_article(story_article(REWRITE)).story_id == release.story_id


def test_search_stories_shows_one_line_per_story(store):
    save_all(store, RELEASE, REWRITE, BRIEF, OTHER_RELEASE)
    plain = store.search("생성형 실증지원센터")
    assert len(plain) == 3
    stories = store.search_stories("생성형 실증지원센터")
    assert len(stories) == 1
    assert {c.source for c in stories[0].copies} | {stories[0].hit.source} == {"gwangju_city", "newsprime"}
    assert len(stories[0].copies) == 2
    assert [s.hit.title for s in store.search_stories("싱가포르")] == [story_article(OTHER_RELEASE).title]
    stats = store.stats()
    assert (stats.stories, stats.stories_with_copies) == (2, 1)


def store_at(path, version: int) -> sqlite_utils.Database:
    """A store as an earlier newswatch left it: the schema up to ``version``, no later step run."""
    db = sqlite_utils.Database(path)
    for step in range(1, version + 1):
        MIGRATIONS[step](db)
    db.execute(f"PRAGMA user_version = {version}")
    return db


def test_old_stores_get_their_stories_when_opened(tmp_path):
    path = tmp_path / "old.db"
    db = store_at(path, 3)
    for i, name in enumerate((RELEASE, OTHER_RELEASE, REWRITE), 1):
        a = story_article(name)
        db["articles"].insert(Store._row(a, f"c{i}", f"t{i}") | {
            "id": i, "revision": 1, "first_seen_at": a.published_at, "last_changed_at": a.published_at})
    db.conn.commit()
    db.conn.close()
    with Store(path) as store:
        assert [store.db.execute("SELECT story_id FROM articles WHERE id = ?", [i]).fetchone()[0]
                for i in (1, 2, 3)] == [1, 2, 1]


def test_v4_band_keys_move_to_the_week_first_table(tmp_path):
    """A store made by v4 (band keys by key first) keeps its keys and stories, and a rewrite still finds them."""
    path = tmp_path / "v4.db"
    db = store_at(path, 4)
    for i, name in enumerate((RELEASE, OTHER_RELEASE), 1):
        a = story_article(name)
        db["articles"].insert(Store._row(a, f"c{i}", f"t{i}") | {
            "id": i, "story_id": i, "revision": 1, "first_seen_at": a.published_at, "last_changed_at": a.published_at})
        day = story_day(a.published_at, a.published_at)
        db.conn.executemany("INSERT INTO story_bands (key, day, article_id) VALUES (?, ?, ?)",
                            [(key, day, i) for key in band_keys(shingles(story_text(a)))])
    db.conn.commit()
    db.conn.close()
    with Store(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert [c.name for c in store.db["story_bands"].columns] == ["week", "key", "day", "article_id"]
        weeks = store.db.execute("SELECT DISTINCT week = day / 7 FROM story_bands").fetchall()
        assert weeks == [(1,)] and store.db["story_bands"].count == 2 * BANDS
        assert store.save_article(story_article(REWRITE)).story_id == 1


def test_a_migration_killed_halfway_leaves_the_earlier_version(tmp_path, monkeypatch):
    """The v5 step rebuilds story_bands; if it dies after that, the store is still a whole v4 store."""
    path = tmp_path / "v4.db"
    db = store_at(path, 4)
    db.conn.commit()
    db.conn.close()

    def dies_after_the_rebuild(db: sqlite_utils.Database) -> None:
        real_v5(db)
        raise KeyboardInterrupt  # the process killed before the version is written

    real_v5 = MIGRATIONS[5]
    monkeypatch.setitem(MIGRATIONS, 5, dies_after_the_rebuild)
    with pytest.raises(KeyboardInterrupt):
        Store(path)
    db = sqlite_utils.Database(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 4
    assert [c.name for c in db["story_bands"].columns] == ["key", "day", "article_id"]
    assert "story_bands_v5" not in db.table_names()
    db.conn.close()
    monkeypatch.setitem(MIGRATIONS, 5, real_v5)
    with Store(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.save_article(story_article(RELEASE)).status == "new"


def test_a_story_step_left_half_done_by_an_older_version_is_finished(tmp_path):
    """Steps once ran without a transaction: a store may have the v4 column but still say version 3."""
    path = tmp_path / "half.db"
    db = store_at(path, 3)
    db["articles"].add_column("story_id", int)
    a = story_article(RELEASE)
    db["articles"].insert(Store._row(a, "c1", "t1") | {
        "id": 1, "revision": 1, "first_seen_at": a.published_at, "last_changed_at": a.published_at})
    db.conn.commit()
    db.conn.close()
    with Store(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.db.execute("SELECT story_id FROM articles").fetchall() == [(1,)]
        assert store.save_article(story_article(REWRITE)).story_id == 1


@pytest.mark.slow
def test_cli_search_stories(tmp_path):
    db = tmp_path / "s.db"
    with Store(db) as store:
        save_all(store, RELEASE, REWRITE, OTHER_RELEASE)
    text = run_newswatch("search", "--stories", "실증지원센터", "--db", str(db))
    assert text.returncode == 0, text.stderr
    assert text.stdout.count("https://fixture.invalid/") == 2
    assert text.stdout.count("+ ") == 1 and "1 story" in text.stderr  # the best-ranked copy, the other below it
    as_json = json.loads(run_newswatch("search", "--stories", "--json", "실증지원센터", "--db", str(db)).stdout)
    assert len(as_json) == 1 and {as_json[0]["source"], *[c["source"] for c in as_json[0]["copies"]]} == {
        "newsprime", "gwangju_city"}
    why = run_newswatch("search", "--stories", "--why", "실증지원센터", "--db", str(db))
    assert why.returncode == 0 and why.stdout.count("       (") == 1
    assert re.search(r"\((같은 문장|같은 사건|같은 본문|이 이야기의 첫 기사)", why.stdout), why.stdout
    why_json = json.loads(run_newswatch("search", "--stories", "--why", "--json", "실증지원센터", "--db", str(db)).stdout)
    assert why_json[0]["copies"][0]["why"]


def test_unrelated_fixture_pairs_are_far_apart():
    # a sanity bound for the thresholds: the column on the same subject shares next to nothing
    for name in (RELEASE, OTHER_RELEASE, SHORT_RELEASE):
        assert share(grams(COLUMN), grams(name)) < 0.15
