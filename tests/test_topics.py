"""Topic rules: every trap of the Gwangju-AI issue, both ways, on fixed hand-written articles (not corpus items).

Kiwi loads once for the module (the `topic` fixture); the whole file runs in a few seconds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from newswatch.core.article import Article
from newswatch.topics import Topic, TopicError, Verdict, load_topic
from newswatch.topics.topic import SHIPPED

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def topic() -> Topic:
    t = load_topic("gwangju-ai")
    t.classify("워밍업", "광주리에 담았다.")  # loads Kiwi once for the module
    return t


def judge(topic: Topic, title: str, *paragraphs: str, subtitle: str | None = None,
          published_at: str | None = "2025-10-01T10:00:00+09:00") -> Verdict:
    return topic.classify(title, "\n\n".join(paragraphs), subtitle=subtitle, published_at=published_at)


def relevant(v: Verdict) -> bool:
    assert v.threshold == 0.5
    return v.relevant


# --- place: the Gwangju named another way -----------------------------------------------------------------------

def test_place_by_mayor_and_landmark_without_the_city_name(topic):
    v = judge(topic, "강기정 시장, 첨단3지구 AI 기업 12곳과 입주 협약",
              "강기정 시장은 3일 북구 첨단3지구에서 인공지능 기업 12곳과 입주 협약을 맺고 연구 인력 채용을 약속받았다.",
              "기업들은 내년까지 개발자 90명을 새로 뽑기로 했다.")
    assert relevant(v)
    assert v.place_label == "광주광역시"
    assert {"강기정", "첨단3지구"} <= {e.text for e in v.place}


def test_place_by_nickname_and_neighbourhood(topic):
    v = judge(topic, "빛고을 청년 개발자들, 수완지구에 'AI 놀이터' 열어",
              "광산구 수완지구에 청년 개발자들이 모여 인공지능 서비스를 만드는 공유 작업실이 문을 열었다.",
              "작업실에는 GPU 서버 8대와 회의실이 갖춰졌다.")
    assert relevant(v)
    assert "빛고을" in {e.text for e in v.place}


def test_place_by_institution(topic):
    v = judge(topic, "지스트 연구팀, 사투리 알아듣는 음성인식 모델 공개",
              "광주과학기술원(GIST) 연구팀이 호남 방언을 알아듣는 딥러닝 음성인식 모델을 공개했다.",
              "연구팀은 모델을 지역 콜센터 업체와 함께 시험할 계획이다.")
    assert relevant(v)


def test_merged_city_counts_from_its_start_date(topic):
    args = ("통합특별시, 'AI 행정 비서' 전 부서 도입",
            "통합특별시는 문서 요약과 민원 답변 초안을 돕는 AI 행정 비서를 전 부서에 도입한다고 밝혔다.",
            "시는 생성형 AI 사용 지침도 함께 내놨다.")
    after = judge(topic, *args, published_at="2026-08-03T09:00:00+09:00")
    before = judge(topic, *args, published_at="2025-08-03T09:00:00+09:00")
    assert relevant(after)
    assert before.score < after.score
    assert any("발행일" in n for e in before.place for n in e.notes)


def test_gwangju_jeonnam_pair_and_gwangju_project_names_are_the_target(topic):
    v = judge(topic, "광주·전남 AI 기업 협의회 출범",
              "광주·전남 지역 인공지능 기업 40곳이 협의회를 꾸리고 공동 실증 과제를 발굴하기로 했다.",
              "협의회는 광주형 일자리 기업과도 협력한다.")
    assert relevant(v)
    assert v.place_label == "광주광역시"


def test_basket_is_not_a_place(topic):
    v = judge(topic, "대나무 광주리 엮는 AI 로봇 나왔다",
              "대나무 광주리를 엮는 인공지능 로봇이 공예 박람회에서 선보였다.",
              "로봇은 장인의 손동작을 학습했다.")
    assert not relevant(v)
    assert v.place_label == ""


# --- place: 경기도 광주시 ---------------------------------------------------------------------------------------

def test_gyeonggi_gwangju_known_only_by_context(topic):
    v = judge(topic, "광주시, 오포·곤지암에 'AI 민원 안내원' 배치",
              "광주시(시장 방세환)가 오포1동과 곤지암읍 행정복지센터에 인공지능 민원 안내원을 배치했다.",
              "시는 경안천 주변 신도시 인구가 늘어 민원이 몰린다고 설명했다.")
    assert not relevant(v)
    assert v.place_label == "경기도 광주시"
    assert "방세환" in {e.text for e in v.place}


def test_gyeonggi_gwangju_written_out(topic):
    v = judge(topic, "광주시(경기), AI 돌봄 로봇 200대 보급",
              "경기 광주시가 홀몸 어르신 가정에 인공지능 돌봄 로봇을 보급한다.")
    assert not relevant(v)


def test_same_words_with_gwangju_metro_context_are_relevant(topic):
    v = judge(topic, "광주시, 광산구에 'AI 민원 안내원' 배치",
              "광주시가 광산구 수완동과 첨단동 행정복지센터에 인공지능 민원 안내원을 배치했다.",
              "시는 시범 운영 뒤 5개 구 전체로 넓힌다.")
    assert relevant(v)


# --- subject: AI named another way ------------------------------------------------------------------------------

def test_subject_by_compute_and_model_terms(topic):
    v = judge(topic, "광주 스타트업, 국가 데이터센터 GPU로 한국어 LLM 학습",
              "광주 북구의 한 스타트업이 첨단3지구 데이터센터의 GPU 자원으로 한국어 언어 모델을 미세조정했다.",
              "회사는 다음 달 법률 상담 서비스를 내놓는다.")
    assert relevant(v)
    assert {"GPU", "LLM"} <= {e.text for e in v.subject}


def test_subject_by_product_name_and_compound(topic):
    v = judge(topic, "광주 남구, 챗GPT로 민원 답변 초안…'AI타운' 조성도",
              "광주 남구는 챗GPT를 활용해 민원 답변 초안을 만드는 시스템을 도입하고 대촌동에 AI타운을 조성한다.")
    assert relevant(v)
    assert "챗GPT" in {e.text for e in v.subject}


def test_ax_for_manufacturing(topic):
    v = judge(topic, "하남산단 제조사 30곳 'AX' 착수",
              "광주 하남산업단지 제조기업 30곳이 공정 데이터를 모아 머신러닝 불량 예측에 나서는 AX 사업을 시작했다.")
    assert relevant(v)


def test_kia_is_not_ai(topic):
    v = judge(topic, "KIA, 광주서 끝내기 승리",
              "KIA 타이거즈가 광주-기아 챔피언스필드에서 9회말 끝내기 안타로 이겼다.",
              "관중 1만8천명이 경기장을 찾았다.")
    assert not relevant(v)
    assert v.subject == []


# --- sense: AI for human disease vs avian influenza -------------------------------------------------------------

def test_ai_for_human_disease_control(topic):
    v = judge(topic, "광주 터미널에 'AI 방역 로봇'…코로나19 재유행 대비",
              "광주 광천터미널에 사람 많은 곳을 스스로 찾아 소독하는 AI 방역 로봇이 배치됐다.",
              "시 감염병 대응 부서는 환자 증가에 대비해 보건소 선별진료도 늘렸다.")
    assert relevant(v)
    assert not any(e.side == "조류인플루엔자" for e in v.against)


def test_avian_influenza_by_strain_and_farm_words_only(topic):
    v = judge(topic, "광산구 산란계 농장서 H5N8형 AI…8만 마리 살처분",
              "광주 광산구의 산란계 농장에서 H5N8형 AI가 확인돼 닭 8만 마리가 살처분된다.",
              "시는 반경 10㎞ 가금농장의 이동을 제한했다.")
    assert not relevant(v)
    assert any(e.side == "조류인플루엔자" for e in v.against)


def test_sense_is_decided_per_mention_not_per_article(topic):
    v = judge(topic, "광주시, AI 기업 수출 상담회…농가엔 AI 방역 당부",
              "광주시는 인공지능 기업 20곳의 해외 수출 상담회를 열고 GPU 임차료를 지원한다고 밝혔다.",
              "시는 또 오리 농가에 고병원성 AI 유입을 막기 위한 소독을 당부했다.")
    assert relevant(v)
    senses = {e.side for e in v.subject} | {e.side for e in v.against}
    assert {"인공지능", "조류인플루엔자"} <= senses


def test_another_abbreviation(topic):
    v = judge(topic, "국제앰네스티(AI) 조사단, 광주 5·18묘지 참배",
              "국제앰네스티(AI) 조사단이 광주 북구 국립5·18민주묘지를 찾았다.",
              "AI 조사단은 옛 전남도청 복원 현장도 둘러봤다.")
    assert not relevant(v)


# --- centrality: passing mentions ---------------------------------------------------------------------------------

def test_gwangju_in_a_list_of_cities(topic):
    v = judge(topic, "정부, 지역 AI 거점 공모…서울·대구·광주·부산 등 신청",
              "과학기술정보통신부의 지역 AI 거점 공모에 서울·대구·광주·부산 등 8개 시도가 신청했다.",
              "정부는 다음 달 최종 3곳을 고른다.")
    assert not relevant(v)
    assert any("목록" in n for e in v.against for n in e.notes)


def test_gwangju_as_a_model_to_copy(topic):
    v = judge(topic, "대전시, AI 데이터센터 유치전…\"광주처럼 기업 먼저 모은다\"",
              "대전시는 대덕특구에 AI 데이터센터를 유치해 스타트업 100곳을 모으겠다고 밝혔다.",
              "시 관계자는 \"광주처럼 연산 자원을 먼저 깔고 기업을 부르겠다\"고 말했다.")
    assert not relevant(v)


@pytest.mark.parametrize(("title", "body"), [
    ("정부, AI 특화 대학원 5곳 추가 지정",
     "과학기술정보통신부는 AI 특화 대학원 5곳을 추가로 지정했다.\n\n선정된 곳은 광주 등 5개 지역 대학이다."),
    ("산업부, AI 자율제조 프로젝트 30개 선정",
     "산업통상자원부는 AI 자율제조 프로젝트 30개를 선정했다.\n\n사업은 광주를 비롯해 울산, 창원에서 진행된다."),
    ("용인시, AI 반도체 클러스터 착공…\"광주 데이터센터보다 큰 규모\"",
     "용인시는 AI 반도체 클러스터 전력망 공사를 시작했다.\n\n시는 이 시설이 광주 국가AI데이터센터보다 전력 수요가 "
     "열 배 크다고 설명했다."),
])
def test_gwangju_as_one_of_several_or_a_yardstick(topic, title, body):
    assert not relevant(topic.classify(title, body))


def test_hometown_is_not_the_story(topic):
    v = judge(topic, "광주 출신 연구자, 미국 AI 기업 최고과학책임자에",
              "광주에서 나고 자란 연구자가 실리콘밸리 인공지능 기업의 최고과학책임자로 선임됐다.",
              "그는 미국에서 언어 모델 연구를 이끌어 왔다.")
    assert not relevant(v)


def test_site_notice_with_an_ai_chatbot(topic):
    v = judge(topic, "광주광역시 누리집 'AI 상담' 서비스 일시 중단 안내",
              "광주광역시는 서버 교체 작업으로 누리집의 AI 상담과 전자민원 서비스 이용이 일시 중단된다고 밝혔다.",
              "급한 민원은 콜센터로 문의하면 된다.", "시는 이용자들의 양해를 구했다.")
    assert not relevant(v)


def test_one_ai_line_in_a_festival_story(topic):
    v = judge(topic, "광주 동구 충장축제 개막…금남로 퍼레이드",
              "광주 동구 충장로와 금남로 일대에서 충장축제가 개막했다.",
              "거리 퍼레이드에는 40개 팀이 참여했다.",
              "축제장에는 AI 포토존도 마련됐다.",
              "동구는 축제 기간 일부 도로를 통제한다.")
    assert not relevant(v)


def test_gwangju_ai_as_the_subject_of_the_lead(topic):
    v = judge(topic, "광주시, AI 실증 예산 120억 확보",
              "광주시가 인공지능 실증도시 사업비 120억원을 확보했다.",
              "시는 교통과 복지 분야 AI 서비스를 시범 도입한다.")
    assert relevant(v)
    assert v.segment_label in ("제목", "첫 문단")


# --- whose story: the actor ------------------------------------------------------------------------------------

def test_other_city_story_comparing_with_gwangju_at_length(topic):
    v = judge(topic, "부산시, 북항에 AI 데이터센터 유치…\"광주와는 쓰임이 다르다\"",
              "부산시가 북항 재개발 부지에 GPU 2만장 규모의 인공지능 데이터센터를 유치했다.",
              "업계에서는 광주 국가AI데이터센터와 견주는 말이 나온다. 광주 센터는 공공 주도로 중소기업에 연산 자원을 "
              "싸게 나눠준다. 광주는 정부 예산으로 GPU를 샀다.",
              "부산시는 민간 운영사가 해외 고객에게 AI 학습 서비스를 판다고 설명했다.")
    assert not relevant(v)
    assert v.actor.startswith("부산시") and not v.actor_is_target
    assert "다른 지역 기사(부산시)" in v.why()
    assert "기사의 주체: 부산시" in v.explain()
    assert any("기사 속 언급" in n for e in v.place for n in e.notes)


def test_gwangju_story_naming_other_cities_first(topic):
    v = judge(topic, "서울 AI 기업 30곳, 광주 첨단3지구로 본사 이전",
              "서울에 본사를 둔 인공지능 기업 30곳이 광주 첨단3지구로 본사를 옮긴다.",
              "광주시는 이전 기업에 GPU 사용료와 주거비를 지원한다고 밝혔다.",
              "시 관계자는 \"서울보다 연산 자원을 싸게 쓸 수 있다\"고 말했다.")
    assert relevant(v)
    assert v.place_label == "광주광역시"
    assert v.features["actor"] > -0.5  # both named in the title: its vote is split, not Seoul's


def test_gwangju_official_quoted_in_another_citys_story(topic):
    v = judge(topic, "세종시 'AI 행정' 포럼…광주 관계자 \"데이터 정비가 먼저\" 조언",
              "【세종=연합신문】 기자 = 세종시가 인공지능 행정 비서 도입을 논의하는 포럼을 열었다.",
              "토론자로 나선 광주시 인공지능산업과 관계자는 \"광주에서 AI 챗봇을 운영해 보니 데이터 정비가 먼저였다\"고 "
              "조언했다.",
              "세종시는 연말까지 AI 행정 기본계획을 확정한다.")
    assert not relevant(v)
    assert v.features["actor"] < 0


def test_the_same_official_in_gwangju_own_story(topic):
    v = judge(topic, "광주시, AI 행정 비서 전 부서 도입…\"데이터 정비가 먼저\"",
              "(광주=뉴스원) 기자 = 광주시가 인공지능 행정 비서를 전 부서에 도입한다.",
              "광주시 인공지능산업과 관계자는 \"AI 챗봇을 운영해 보니 데이터 정비가 먼저였다\"며 "
              "\"세종시와 대전시도 자문을 구해 왔다\"고 말했다.")
    assert relevant(v)
    assert v.actor_is_target and v.actor.startswith("광주광역시")


def test_second_after_gwangju_is_another_citys_story_but_gwangju_second_after_daegu_is_gwangju(topic):
    daegu = judge(topic, "대구시, AI 로봇 규제특구 신청…\"광주에 이어 두 번째\"",
                  "(대구=뉴스원) 기자 = 대구시가 인공지능 로봇 규제자유특구 지정을 신청했다.",
                  "대구시 관계자는 \"인공지능 특구는 광주에 이어 두 번째\"라며 \"광주가 데이터센터라면 대구는 로봇\"이라고 "
                  "말했다.")
    gwangju = judge(topic, "광주시, 대구에 이어 AI 규제특구 지정",
                    "(광주=뉴스원) 기자 = 광주시가 대구에 이어 인공지능 실증 규제자유특구로 지정됐다.",
                    "광주시는 첨단3지구에서 자율주행 로봇 실증을 시작한다.")
    assert not relevant(daegu)
    assert relevant(gwangju)


def test_ranking_of_regions_vs_gwangju_topping_it(topic):
    ranking = judge(topic, "17개 시도 AI 예산 비교…서울 최다, 경기·광주·대전 순",
                    "전국 광역자치단체의 인공지능 예산이 1조원을 넘었다.",
                    "서울이 2,800억원으로 가장 많았고 이어 경기 2,100억원, 광주 1,500억원, 대전 900억원 순이었다.",
                    "1인당으로는 광주가 10만원으로 1위였고 대전, 세종시, 부산이 뒤를 이었다.",
                    "광주와 대전은 데이터센터 운영비 비중이 컸다.")
    topping = judge(topic, "광주, 1인당 AI 예산 전국 1위…서울·대전 제쳐",
                    "광주시의 1인당 인공지능 예산이 전국 17개 시도 가운데 가장 많았다.",
                    "광주는 1인당 10만원으로 서울, 대전, 세종시를 앞섰다.",
                    "광주시는 AI 집적단지 2단계 예산이 반영된 결과라고 설명했다.")
    assert not relevant(ranking)
    assert any("목록" in n for e in ranking.against for n in e.notes)
    assert relevant(topping)


def test_a_quote_in_the_title_is_not_the_actor(topic):
    v = judge(topic, "\"광주처럼 모으겠다\"…울산, 제조 AI 집적단지 추진",
              "울산시가 자동차 공장의 인공지능 전환을 돕는 집적단지를 만든다.",
              "시는 데이터센터와 실증 공장을 한곳에 모은다.")
    assert not relevant(v)
    assert v.actor.startswith("울산")


def test_the_lead_subject_names_the_actor_not_the_customers(topic):
    seller = judge(topic, "부산·대구 병원에 판독 AI…광주 스타트업 '메디온' 수주",
                   "광주 첨단3지구의 의료 인공지능 기업 메디온이 부산과 대구의 대학병원 4곳에 영상 판독 AI를 공급한다.",
                   "메디온은 광주 국가AI데이터센터 GPU로 모델을 학습했다.")
    buyer = judge(topic, "창원시, 기계 부품 AI 품질검사 지원…광주 업체도 공급",
                  "(창원=뉴스원) 기자 = 경남 창원시가 광주 업체 등 공급기업 5곳과 함께 부품 기업의 AI 품질검사 도입을 "
                  "돕는다.",
                  "시는 기업당 8천만원을 들여 비전 검사 장비와 인공지능 판정 소프트웨어를 설치해 준다.")
    assert relevant(seller)
    assert "첫 문장 주어 「광주」" in seller.explain()  # the title fronts the customers; the lead's subject outvotes
    assert not relevant(buyer)  # them enough to keep the Gwangju seller's mentions from counting as secondary
    assert buyer.features["actor"] == -1.0


def test_a_partner_province_alone_is_another_actor_beside_gwangju_it_is_a_pair(topic):
    alone = judge(topic, "전남도, 해남에 AI 데이터센터 유치…\"광주와 시너지\"",
                  "전라남도가 해남 기업도시에 재생에너지로 돌리는 인공지능 데이터센터를 유치했다.",
                  "도 관계자는 \"광주가 AI 인재를 갖췄다면 전남은 전력과 땅을 갖췄다\"며 광주 AI 기업과의 협력을 기대했다.")
    pair = judge(topic, "전남·광주 AI 기업 협의회 출범",
                 "전남·광주 지역 인공지능 기업 40곳이 협의회를 꾸리고 첨단3지구에서 공동 실증 과제를 발굴하기로 했다.")
    assert not relevant(alone)
    assert alone.features["actor"] < 0
    assert relevant(pair)
    assert pair.features["actor"] > 0


def test_a_national_wire_dateline_does_not_outvote_the_title(topic):
    v = judge(topic, "GIST 연구팀, 휴대폰에서 도는 초경량 AI 모델 개발",
              "(서울=뉴스원) 기자 = GIST(광주과학기술원) 연구팀이 휴대폰 칩에서 도는 초경량 인공지능 모델을 개발했다.",
              "연구팀은 오룡동 캠퍼스 입주 기업과 기술이전을 협의하고 있다.")
    assert relevant(v)
    assert v.actor_is_target


# --- briefings ---------------------------------------------------------------------------------------------------

BRIEFING = "\n\n".join([
    "■ 경기 광주시, 남한산성 야간 개방\n경기도 광주시는 남한산성 일대를 주말 야간에 개방한다.",
    "■ 나주 오리농장 H5N1형 AI 확진\n전남 나주의 오리농장에서 H5N1형 AI가 확진돼 이동이 제한됐다.",
    "■ 광주시, AI 스타트업 40곳에 GPU 바우처\n광주시는 지역 인공지능 스타트업 40곳에 데이터센터 GPU 사용권을 나눠준다.",
    "■ 서구, 노인 일자리 모집\n광주 서구는 노인 일자리 참여자를 모집한다.",
])


def test_briefing_items_are_judged_alone(topic):
    v = topic.classify("[광주소식] 경기 광주 남한산성 야간 개방 外", BRIEFING)
    assert relevant(v)
    assert v.briefing
    assert len(v.units) == 4
    assert v.unit_label == "브리핑 3번째 항목"
    assert v.segment_label.startswith("브리핑 3번째 항목")
    assert [round(u.score) for u in v.units] == [0, 0, 1, 0]


def test_briefing_without_a_gwangju_ai_item(topic):
    body = BRIEFING.replace("■ 광주시, AI 스타트업 40곳에 GPU 바우처\n광주시는 지역 인공지능 스타트업 40곳에",
                            "■ 대전시, AI 스타트업 40곳에 GPU 바우처\n대전시는 대덕특구 인공지능 스타트업 40곳에")
    v = topic.classify("[지역 단신] 오늘의 소식", body)
    assert not relevant(v)
    assert v.briefing


def test_numbered_digest_items(topic):
    body = "\n\n".join(["1. 광주 북구, 주차장 무료 개방\n북구는 전통시장 주차장을 무료로 연다.",
                        "2. 광주시, AI 의료영상 실증 착수\n광주시는 지역 병원 3곳과 인공지능 판독 보조 실증을 시작한다.",
                        "3. 순천만정원 야간 개장\n순천시는 정원 야간 개장을 연장한다."])
    v = topic.classify("[오늘의 지역 뉴스]", body)
    assert relevant(v)
    assert v.unit_label == "브리핑 2번째 항목"


def test_district_digest_items_share_the_place_of_the_other_items(topic):
    body = "\n\n".join([
        "◇ 북구청, 경로당 30곳에 인공지능 말벗 로봇\n북구는 경로당 30곳에 대화형 인공지능 로봇을 보급했다.",
        "◇ 말바우시장 주차장 100면 추가\n북구는 말바우시장 공영주차장을 넓힌다.",
        "◇ 구민 체육대회\n북구는 광주시민종합운동장에서 구민 체육대회를 연다.",
    ])
    v = topic.classify("◇ 북구 소식", body)
    assert relevant(v)
    assert v.unit_label == "브리핑 1번째 항목"
    assert any("다른 항목" in n for e in v.place for n in e.notes)


def test_district_digest_of_another_city_stays_unplaced(topic):
    body = "\n\n".join([
        "◇ 북구청, 경로당 30곳에 인공지능 말벗 로봇\n북구는 경로당 30곳에 대화형 인공지능 로봇을 보급했다.",
        "◇ 칠성시장 주차장 100면 추가\n북구는 대구 칠성시장 공영주차장을 넓힌다.",
        "◇ 구민 체육대회\n북구는 대구스타디움에서 구민 체육대회를 연다.",
    ])
    v = topic.classify("◇ 북구 소식", body)
    assert not relevant(v)


# --- why-lines and explain ---------------------------------------------------------------------------------------

def test_why_line_names_place_subject_segment_and_score(topic):
    v = judge(topic, "강기정 시장 \"첨단3지구 GPU 두 배로\"",
              "광주광역시 강기정 시장은 첨단3지구 국가AI데이터센터의 GPU를 두 배로 늘리겠다고 밝혔다.")
    line = v.why()
    assert "\n" not in line
    assert line.startswith("장소: 광주광역시(")
    assert "강기정" in line and "첨단3지구" in line
    assert "주제: 인공지능(" in line and "GPU" in line
    assert "근거: " in line and "「" in line
    assert f"점수 {v.score:.2f}/0.50" in line


def test_why_line_of_a_rejection_says_against(topic):
    v = judge(topic, "광주시, 오포읍에 AI 콜봇", "광주시(시장 방세환)는 오포읍 주민센터에 AI 콜봇을 도입했다.")
    line = v.why()
    assert "경기도 광주시" in line and "미달" in line


def test_explain_lists_evidence_units_and_decision(topic):
    v = topic.classify("[광주소식] 경기 광주 남한산성 야간 개방 外", BRIEFING)
    text = v.explain()
    for part in ("관련 있음", "브리핑으로 읽음", "근거 구간:", "장소 근거:", "주제 근거:", "반대 근거:",
                 "항목별 점수:", "점수 계산", "결정:"):
        assert part in text, part
    assert "조류인플루엔자" not in v.why()  # the avian item is not the deciding one
    assert len(text.splitlines()) > 10


def test_classify_article(topic):
    article = Article(source="newsprime", source_id="1", canonical_url="u", url="u",
                      title="광주시, AI 인재 1천명 양성", subtitle="인공지능 사관학교 확대",
                      body_text="광주시는 인공지능 사관학교 정원을 1천명으로 늘린다.",
                      published_at="2025-09-01T09:00:00+09:00")
    v = topic.classify_article(article)
    assert relevant(v)
    assert v.topic == "gwangju-ai"


# --- the topic file ----------------------------------------------------------------------------------------------

def test_import_does_not_load_kiwi():
    code = ("import sys; from newswatch.topics import load_topic; load_topic('gwangju-ai'); "
            "assert 'kiwipiepy' not in sys.modules, 'kiwi loaded on import'")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def shipped_text() -> str:
    return (SHIPPED / "gwangju_ai.toml").read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def broken(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    text = shipped_text()
    assert old in text
    bad = text.replace(old, new, 1)
    path = tmp_path / "bad.toml"
    path.write_text(bad, encoding="utf-8")
    return path, line_of(bad, new.splitlines()[0])


@pytest.mark.parametrize(("old", "new", "reason"), [
    ('threshold = 0.5', 'threshold = 0.5 0.6', "bad TOML"),
    ('anchor_weight = 1.0', 'anchor_wieght = 1.0', "unknown key 'anchor_wieght'"),
    ('resolve_slope = 2.0', 'resolve_slope = "steep"', "expected float"),
    ('not_place = ["광주리"]', 'not_place = []', "empty list"),
    ('secondary_factor = 0.1', 'secondary_factor = -0.1', "must be >= 0"),
    ('list_gap_letters = 4', 'list_gap_leters = 4', "unknown key 'list_gap_leters'"),
    ("list_separator = '", "list_separator = '(", "bad regular expression"),
    ('label = "경기 표기"\nweight = 4.0', 'label = "경기 표기"\nweight = true', "expected float"),
])
def test_broken_topic_file_names_file_and_line(tmp_path, old, new, reason):
    path, line = broken(tmp_path, old, new)
    if "weight = true" in new:
        line = line_of(path.read_text(encoding="utf-8"), "weight = true")
    with pytest.raises(TopicError) as err:
        load_topic(path)
    message = str(err.value)
    assert message.startswith(f"{path}: line {line}")
    assert reason in message


def test_bad_regex_inside_a_list_names_its_own_line(tmp_path):
    text = shipped_text()
    bad = text.replace("'外\\s*$'", "'外\\s*$('", 1)
    path = tmp_path / "bad.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(TopicError, match=rf"line {line_of(bad, '外')}: segments.digest_titles: bad regular"):
        load_topic(path)


def test_unknown_topic_and_missing_file(tmp_path):
    with pytest.raises(TopicError, match="unknown topic 'busan-chips'.*gwangju-ai"):
        load_topic("busan-chips")
    with pytest.raises(TopicError, match="cannot read topic file"):
        load_topic(tmp_path / "none.toml")


BUSAN_CHIPS = """
[topic]
name = "busan-chips"
title = "부산 반도체"
threshold = 0.5

[segments]
item_markers = ["■"]
[segments.position]
title = 3.0
subtitle = 2.0
lead = 1.5
body = 1.0
dateline = 0.3
context = 0.5

[place]
anchors = ["부산"]
[place.target]
label = "부산광역시"
[place.target.names]
weight = 1.5
terms = ["부산광역시", "해운대"]
[place.elsewhere]
label = "다른 지역"
[place.elsewhere.cities]
weight = 1.0
terms = ["서울", "대전"]

[subject]
label = "반도체"
[subject.core]
weight = 1.0
terms = ["반도체", "전력반도체", "파운드리"]

[against]
label = "부수적 언급"
[against.notice]
weight = 1.0
terms = ["일시 중단"]

[model]
bias = -4.0
[model.weights]
place = 1.5
subject = 1.5
head = 2.0
cooccur = 1.0
"""


def test_a_copied_topic_needs_no_code(tmp_path):
    path = tmp_path / "busan_chips.toml"
    path.write_text(BUSAN_CHIPS, encoding="utf-8")
    busan = load_topic(path)
    yes = busan.classify("부산시, 전력반도체 특화단지 조성", "부산광역시는 기장군에 전력반도체 특화단지를 조성한다.")
    no = busan.classify("광주시, AI 집적단지 2단계", "광주시는 인공지능 집적단지 2단계 사업을 시작한다.")
    assert yes.relevant and not no.relevant
    assert yes.why().startswith("장소: 부산광역시(")
