"""The second story stage on hand-written fixture pairs: heavy rewrites join their release's story, articles about
other events do not (a round before, another agreement, the next stage, a shared boilerplate paragraph, an
editorial, another release of the same day), a bridging article merges two stories, and why says so."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlite_utils

from newswatch.alerts.service import AlertService
from newswatch.core.article import Article
from newswatch.core.clock import KST, FixedClock
from storage import Store, storymatch
from storage.alerts import AlertLedger, Rendered
from storage.stories import story_day, story_text
from storage.storytext import shingles
from tests.story_fixtures import story_article
from tests.test_alerts import config_for, crawled
from tests.test_stories import store_at

RELEASE, HEAVY = "release_h2_bus", "heavy_h2_bus"
SITES, FLEET = "brief_h2_sites", "brief_h2_fleet"  # two briefs, each on one half of the release
NIGHT, NIGHT_REORDERED = "release_night_bus", "reorder_night_bus"
LOWFLOOR, LOWFLOOR_REWRITE = "release_lowfloor", "rewrite_lowfloor"  # another release of the same day
ROUND, AGREEMENT, STAGE = "neg_round_h2", "neg_agreement_h2", "neg_stage_h2"
BOILERPLATE, COMMENTARY = "neg_boilerplate_h2", "neg_commentary_h2"
EVERYTHING = [ROUND, AGREEMENT, RELEASE, LOWFLOOR, SITES, FLEET, LOWFLOOR_REWRITE, HEAVY, COMMENTARY, NIGHT,
              NIGHT_REORDERED, BOILERPLATE, STAGE]  # in order of publication


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.db", clock=FixedClock(datetime(2026, 11, 15, 9, 0, tzinfo=KST))) as s:
        s.stories.trace = []
        yield s


def save_all(store: Store, *names: str) -> dict[str, int]:
    """Save fixtures in this order; returns each one's article id."""
    return {name: store.save_article(story_article(name)).article_id for name in names}


def story_of(store: Store, article_id: int) -> int:
    return store.conn.execute("SELECT story_id FROM articles WHERE id = ?", [article_id]).fetchone()[0]


def scored(store: Store, new: int, old: int) -> float | None:
    """The second stage's score for this pair while saving, or None if it was not compared."""
    assert store.stories.trace is not None
    return next((s for a, b, _, s in store.stories.trace if (a, b) == (new, old)), None)


# --- what is compared -------------------------------------------------------------------------------------------

def test_specifics_are_the_events_figures_written_one_way():
    found = storymatch.specifics("총사업비 2조 8,000억원, 6천가구와 1,100여 명. 800억 투자. 41.8㎞ 구간은 "
                                 "3월 2일 오후 2시 30분 개통. 2027년 완공, 12일 밝혔다. '새벽별' 운행")
    assert {"2800000000000원", "6000가구", "1100명", "80000000000원", "41.8㎞", "3월2일", "14시30분",
            "'새벽별'"} <= found.keys()
    assert not {"2027년", "12일"} & found.keys()  # a bare year or a dateline's day says nothing alone
    assert storymatch.specifics("6,000가구").keys() == storymatch.specifics("6천 가구").keys()
    assert storymatch.specifics("1천200억원").keys() == storymatch.specifics("1,200억 원").keys() == {"120000000000원"}
    assert found["80000000000원"] == "800억"  # explanations show the figure as it was written


def test_a_quarter_and_a_fraction_are_not_minutes():
    found = storymatch.specifics("3분기 안에 예산의 3분의 1을 쓴다. 오후 2시 30분 개통, 배차 간격 15분.")
    assert "3분" not in found and {"14시30분", "15분"} <= found.keys()


def profile(title: str, text: str) -> storymatch.Profile:
    return storymatch.profile(title, text, "2026-11-10T10:00:00+09:00")


def test_conflicting_titles_dates_and_opinion_pieces():
    sixth = profile("인공지능 사관학교 6기 교육생 200명 모집", "1기부터 5기까지 1,100여 명이 수료했다. 1월 12일부터 접수.")
    fifth = profile("인공지능 사관학교 5기 교육생 180명 모집", "1기부터 4기까지 수료했다. 1월 15일부터 접수.")
    rewrite = profile("AI 사관학교 6기, 현장형 교육", "6기 교육생 200명을 1월 12일부터 모집한다.")
    assert storymatch.title_conflict(sixth, fifth) == 1.0 and storymatch.title_conflict(sixth, rewrite) == 0.0
    assert storymatch.date_conflict(sixth, fifth) == 1.0 and storymatch.date_conflict(sixth, rewrite) == 0.0
    bikes = profile("공영자전거 3,000대로 늘린다", "전기자전거 300대를 포함해 3,000대로 늘린다.")
    assert storymatch.title_conflict(bikes, profile("전기자전거 300대 첫선", "모두 3,000대가 된다.")) == 0.0
    for title in ("[사설] 수소버스 150대", "[데스크칼럼] 타랑께", "【기자수첩】 실증센터", "[시론] 광주천"):
        assert storymatch.is_opinion(title), title
    for title in ("[분석] 광주 수소버스 150대 시대", "[종합] 에코셀 800억 투자", "[포토] 개소식"):
        assert not storymatch.is_opinion(title), title
    arguing = ("버스가 늘었다. 일정보다 안전이 먼저여야 한다. 주민 목소리도 들어야 한다. 요금도 따져봐야 한다. "
               "서두를 일은 아니다. 그는 \"빨리 해야 한다\"고 말했다.")
    rules = "소득이 중위소득 100% 이하여야 한다. 서류를 함께 내야 한다. 신청은 누리집에서 받는다. 발표는 2월 25일이다."
    assert storymatch.opinion("수소버스, 서두를 일 아니다", arguing) == 1.0  # unmarked, but it argues
    assert storymatch.opinion("청년 월세 지원", rules) == 0.0  # eligibility rules are not an opinion
    assert storymatch.opinion("[사설] 수소버스", rules) == 1.0


# --- joins ------------------------------------------------------------------------------------------------------

def test_a_heavy_rewrite_joins_by_the_second_stage(store):
    ids = save_all(store, RELEASE, HEAVY)
    assert story_of(store, ids[HEAVY]) == ids[RELEASE]
    assert scored(store, ids[HEAVY], ids[RELEASE]) >= storymatch.THRESHOLD
    why = store.stories.why(ids[HEAVY])
    assert why.startswith(f"같은 사건: #{ids[RELEASE]} 「광주시, 수소버스") and "90억원" in why and "기준 0.70" in why


def test_the_first_stage_alone_misses_the_heavy_rewrite(tmp_path):
    with Store(tmp_path / "old.db") as old:
        old.stories.second_stage = False
        ids = save_all(old, RELEASE, HEAVY)
        assert story_of(old, ids[HEAVY]) == ids[HEAVY]


def test_a_reordered_short_release_joins(store):
    ids = save_all(store, NIGHT, NIGHT_REORDERED)
    assert story_of(store, ids[NIGHT_REORDERED]) == ids[NIGHT]


# --- non-joins --------------------------------------------------------------------------------------------------

def pair_score(new: str, old: str) -> float:
    """The second stage's score for a pair, whether or not the net would bring them together."""
    a, b = story_article(new), story_article(old)
    grams_a, grams_b = shingles(story_text(a)), shingles(story_text(b))
    raw = len(grams_a & grams_b) / min(len(grams_a), len(grams_b))
    return storymatch.score(storymatch.features(raw, storymatch.profile(a.title, story_text(a), a.published_at),
                                                storymatch.profile(b.title, story_text(b), b.published_at)))


@pytest.mark.parametrize("other", [ROUND, AGREEMENT, STAGE, BOILERPLATE, COMMENTARY])
def test_another_event_sharing_the_programmes_text_is_refused(store, other):
    """Each shares the department's paragraph, the programme's words or the release's figures; the second stage
    scores the pair far under its threshold (so the refusal is its own, not only the net's), and the store keeps
    them apart."""
    first, second = sorted([RELEASE, other], key=lambda n: story_article(n).published_at)
    assert pair_score(second, first) < storymatch.THRESHOLD / 2
    ids = save_all(store, first, second)
    assert story_of(store, ids[other]) != story_of(store, ids[RELEASE])
    score = scored(store, ids[second], ids[first])
    assert score is None or score < storymatch.THRESHOLD / 2


MOULD = {  # one department's releases come from one mould: its places, names and phrases, other facts
    "agreements": ("광주시, 인공지능 협약 기관 52곳 선정",
                   "광주광역시는 3분기 안에 첨단3지구에서 인공지능 집적단지의 협약 기관 52곳을 선정했다.\n\n"
                   "인공지능산업융합사업단은 오는 가을 복합문화센터에서 실증 과제 31건을 지원할 계획이다. "
                   "광주시 관계자는 종합운동장에서 전문 인력 120명을 모집한다고 밝혔다.\n\n"
                   "사업단은 내년 상반기에 혁신지원센터에서 입주 공간 18개를 늘리기로 했다."),
    "trials": ("광주시, 인공지능 실증 과제 47건 지원",
               "광주광역시는 연말까지 첨단3지구에서 인공지능 집적단지의 실증 과제 47건을 지원한다.\n\n"
               "사업단은 다음 달부터 혁신지원센터에서 입주 공간 23개를 새로 마련한다. 인공지능산업융합사업단은 "
               "3분기 안에 종합운동장에서 협약 기관 64곳과 함께 시범 사업을 점검했다.\n\n"
               "광주시 관계자는 복합문화센터에서 전문 인력 95명을 모집할 계획이라고 밝혔다."),
    "trials_rewrite": ("인공지능 집적단지 실증 47건…입주 공간 23개 늘어",
                       "광주 첨단3지구 인공지능 집적단지에서 실증 과제 47건이 지원을 받는다. 입주 공간 23개도 "
                       "새로 생긴다.\n\n협약 기관 64곳이 참여하는 시범 사업은 이미 점검을 마쳤고, 전문 인력 95명 "
                       "모집도 곧 시작된다. 업계는 실증 기회가 늘었다며 반겼다."),
}


def moulded(name: str) -> Article:
    title, text = MOULD[name]
    url = f"https://fixture.invalid/{name}"
    source = "newsprime" if name.endswith("rewrite") else "gwangju_city"
    return Article(source=source, source_id=name, canonical_url=url, url=url, title=title,
                   published_at="2026-11-14T10:00:00+09:00", body_text=text)


def test_two_releases_from_one_mould_with_no_figure_in_common_stay_apart(store):
    """Alike in every word but the facts (the soak's newsroom found this): a rewrite repeats figures of its
    release, another release of the department repeats none, so the pair is ruled out before Kiwi is asked."""
    first, second = (store.save_article(moulded(name)).article_id for name in ("agreements", "trials"))
    assert story_of(store, second) == second != story_of(store, first)
    assert scored(store, second, first) is None
    a, b = (storymatch.profile(x.title, x.body_text, x.published_at) for x in map(moulded, ("trials", "agreements")))
    grams_a, grams_b = shingles(MOULD["trials"][1]), shingles(MOULD["agreements"][1])
    share = len(grams_a & grams_b) / min(len(grams_a), len(grams_b))
    assert storymatch.score(storymatch.features(share, a, b)) >= storymatch.THRESHOLD  # words alone would join
    assert storymatch.facts_disagree(a, b)  # the facts keep them apart
    rewrite = store.save_article(moulded("trials_rewrite")).article_id
    assert story_of(store, rewrite) == second  # its figures are the second release's: the same event


def test_the_heavy_rewrite_scores_high_and_far_from_the_others():
    assert pair_score(HEAVY, RELEASE) > 0.95 > storymatch.THRESHOLD


def test_an_editorial_on_the_release_is_not_its_story(store):
    ids = save_all(store, RELEASE, HEAVY, COMMENTARY)
    assert story_of(store, ids[COMMENTARY]) == ids[COMMENTARY]


def test_another_release_of_the_same_day_and_its_rewrite_are_their_own_story(store):
    ids = save_all(store, RELEASE, LOWFLOOR, LOWFLOOR_REWRITE)
    assert story_of(store, ids[LOWFLOOR_REWRITE]) == ids[LOWFLOOR] != ids[RELEASE]


def test_all_fixtures_together_group_by_event(store):
    ids = save_all(store, *EVERYTHING)
    groups: dict[int, set[str]] = {}
    for name, article_id in ids.items():
        groups.setdefault(story_of(store, article_id), set()).add(name)
    assert sorted(map(sorted, groups.values())) == sorted(map(sorted, [
        {RELEASE, HEAVY, SITES, FLEET}, {LOWFLOOR, LOWFLOOR_REWRITE}, {NIGHT, NIGHT_REORDERED},
        {ROUND}, {AGREEMENT}, {STAGE}, {BOILERPLATE}, {COMMENTARY}]))


# --- bridges ----------------------------------------------------------------------------------------------------

def test_a_release_bridging_two_briefs_merges_their_stories(store):
    ids = save_all(store, SITES, FLEET)  # each brief has half of the release: they share nothing
    assert story_of(store, ids[FLEET]) == ids[FLEET] != story_of(store, ids[SITES])
    ids |= save_all(store, RELEASE)
    assert {story_of(store, ids[n]) for n in (SITES, FLEET, RELEASE)} == {ids[SITES]}  # the oldest story's id
    assert [m.article_id for m in store.stories.members([ids[SITES]])[ids[SITES]]] == [
        ids[RELEASE], ids[SITES], ids[FLEET]]  # in order of publication
    assert len(store.search_stories("수소버스 충전소")) == 1
    assert f"이 기사가 #{ids[SITES]}, #{ids[FLEET]} 이야기를 이어 하나로 합침" in store.stories.why(ids[RELEASE])
    assert f"#{ids[RELEASE]} 「광주시, 수소버스" in store.stories.why(ids[FLEET])
    assert "기사가 두 이야기를 이어 하나로 합침" in store.stories.why(ids[FLEET])
    ids |= save_all(store, HEAVY)
    assert story_of(store, ids[HEAVY]) == ids[SITES]


def test_a_merged_story_that_already_alerted_does_not_alert_again(store):
    ledger = AlertLedger(store)
    ids = save_all(store, SITES, FLEET)
    ledger.queue("h2", "desk@example.org", [ids[SITES]], lambda fresh: Rendered("s", "t", "h"))  # alerted
    assert ledger.unsent("h2", "desk@example.org", [ids[FLEET]]) == [ids[FLEET]]  # another story, so far
    ids |= save_all(store, RELEASE, HEAVY)
    assert ledger.unsent("h2", "desk@example.org", [ids[FLEET], ids[RELEASE], ids[HEAVY]]) == []


def test_a_real_alert_email_has_one_entry_per_story(tmp_path, smtp_server):
    clock = FixedClock(datetime(2026, 11, 11, 9, 0, tzinfo=KST))
    rule = ('[[alerts.rules]]\nname = "h2"\nquery = "수소버스 OR 저상버스"\nrecipients = ["desk@example.org"]\n'
            'story_why = true')
    config = config_for(tmp_path, smtp_server.port, rule)
    service = AlertService(config, tmp_path / "s.db", clock=clock)
    crawled(tmp_path, clock)
    service.collect(config.alerts.rules)
    with Store(tmp_path / "s.db", clock=clock) as store:
        save_all(store, SITES, FLEET, RELEASE, LOWFLOOR, HEAVY)
    assert service.collect(config.alerts.rules) == 1 and service.deliver().sent == 1
    message = smtp_server.messages[0]
    assert message["Subject"].endswith("외 1건")  # five articles, two stories: the lead and one more
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("새 소식 2건:") and "\n1. " in text and "\n2. " in text and "\n3. " not in text
    for name in (SITES, FLEET, RELEASE, HEAVY, LOWFLOOR):
        assert text.count(story_article(name).url) == 1, name
    flat = " ".join(text.split())
    assert "(같은 사건: #" in flat and "점수 0.99 (기준 0.70)" in flat  # why each copy is in its story
    with Store(tmp_path / "s.db", clock=clock) as store:  # later copies of alerted stories: no new email
        save_all(store, LOWFLOOR_REWRITE, NIGHT)
    service.collect(config.alerts.rules)
    assert service.deliver().sent == 0


# --- why, edits, upgrades ---------------------------------------------------------------------------------------

def test_why_says_how_each_article_joined(store):
    ids = save_all(store, RELEASE, SITES, HEAVY, AGREEMENT)
    copy = store.save_article(story_article(RELEASE, source_id="BD_0000000031:39999"))
    label = {"gwangju_city": "광주광역시 보도자료", "newsprime": "프라임경제"}.get
    assert store.stories.why(ids[RELEASE], label) == "이 이야기의 첫 기사 (모두 4건)"
    assert store.stories.why(ids[SITES], label).startswith(
        f"같은 문장 93%: #{ids[RELEASE]} 「광주시, 수소버스 충전소 3곳 추가 구축…2027…」(광주광역시 보도자료, 11-10 10:00)")
    assert store.stories.why(ids[SITES]).endswith("(기준 50%)")
    assert store.stories.why(copy.article_id) == f"같은 본문: #{ids[RELEASE]} 「광주시, 수소버스 충전소 3곳 추가 구축…2027…」(gwangju_city, 11-10 10:00)"
    assert store.stories.why(ids[AGREEMENT]) == "같은 이야기로 묶인 다른 기사 없음"


def test_an_edit_moves_the_specifics_keys(store):
    ids = save_all(store, RELEASE)
    before = store.conn.execute("SELECT count(*) FROM story_terms WHERE article_id = ?", [ids[RELEASE]]).fetchone()[0]
    edited = story_article(RELEASE)
    edited.body_text = edited.body_text.replace("총사업비 90억원", "총사업비 95억원")
    edited.subtitle = edited.subtitle.replace("총사업비 90억원", "총사업비 95억원")
    assert store.save_article(edited).status == "updated"
    keys = {k for (k,) in store.conn.execute("SELECT key FROM story_terms WHERE article_id = ?", [ids[RELEASE]])}
    from storage.stories import term_keys

    assert len(keys) == before and term_keys({"9500000000원"})[0] in keys and term_keys({"9000000000원"})[0] not in keys


def test_a_v5_store_gets_specifics_keys_and_its_releases_find_their_heavy_rewrites(tmp_path):
    path = tmp_path / "v5.db"
    db: sqlite_utils.Database = store_at(path, 5)
    release = story_article(RELEASE)
    db["articles"].insert(Store._row(release, "c1", "t1") | {
        "id": 1, "story_id": 1, "revision": 1, "first_seen_at": release.published_at,
        "last_changed_at": release.published_at})
    db.conn.commit()
    db.conn.close()
    with Store(path) as store:
        day = story_day(release.published_at, release.published_at)
        assert store.conn.execute("SELECT count(*), min(day), max(day) FROM story_terms").fetchone() == (
            len(storymatch.specifics(story_text(release))), day, day)
        assert store.save_article(story_article(HEAVY)).story_id == 1
        assert store.stories.why(1) == "이 이야기의 첫 기사 (모두 2건)"
