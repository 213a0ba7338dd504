"""The mock sites' catalogue: our own Korean articles and releases (the seed article among them).

Chosen so that crawls exercise every path (URL forms, charsets, faults) and so that alert rules have real
cases to tell apart: Gwangju AI coverage, avian influenza ("고병원성 AI"), 경기 광주시, and unrelated news.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from newswatch.core.clock import KST

SEED_NO = 502345
FLAKY_NO = 746561  # answers 500 twice, then 200: retries recover it
BROKEN_NO = 746562  # always answers 500: recorded as a failure
MISSING_NO = 746563  # linked from a list but 404
SLOW_NO = 746564  # answers after `slow_seconds`
ROBOTS_NO = 746565  # disallowed by robots.txt: must never be requested
OFFSITE_NO = 746566  # linked on another host: must never be requested
EUC_KR_NO = 746570  # served as EUC-KR, declared in header and <meta>
NO_CHARSET_NO = 746571  # served as CP949 with no charset anywhere
MOBILE_LINKED_NO = 746575  # linked from the list in its mobile form
DIRECTORY_LINKED_NO = 746576  # linked from the list in its /news/article/?no= form


@dataclass
class MockArticle:
    no: int
    title: str
    paragraphs: list[str]
    published: datetime
    section: int = 110
    subtitle: str | None = None
    reporters: list[str] = field(default_factory=lambda: ["김성태"])
    emails: list[str] = field(default_factory=lambda: ["kst@newsprime.co.kr"])
    photos: list[tuple[str, str]] = field(default_factory=list)  # (image path, caption)
    photo_style: str = "table"  # "table" | "div"
    charset: str = "utf-8"  # "euc-kr": declared; "cp949-undeclared": no charset anywhere
    edited: datetime | None = None
    show_date: bool = True  # False: the article page shows no date (the list still does)


@dataclass
class MockRelease:
    seq: int
    title: str
    paragraphs: list[str]
    published: datetime
    subtitle_lines: list[str] = field(default_factory=list)
    category: str = "경제"
    photos: list[tuple[str, str]] = field(default_factory=list)  # (image token, caption)
    attachments: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, bytes)
    contact_lines: list[str] = field(default_factory=list)
    board: str = "BD_0000000027"
    edited: datetime | None = None


def kst(y: int, m: int, d: int, hh: int = 9, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=KST)


def _seed() -> MockArticle:
    """The project's seed article, text as in shared/seed-article.txt (its two photos as table photos)."""
    seed_file = Path(__file__).resolve().parents[2] / ".." / "shared" / "seed-article.txt"
    paragraphs = SEED_PARAGRAPHS
    if seed_file.exists():  # prefer the shared original when it is beside the repo
        lines = [line.strip() for line in seed_file.read_text(encoding="utf-8").splitlines()]
        start = next(i for i, line in enumerate(lines) if line.startswith("[프라임경제]"))
        end = next(i for i, line in enumerate(lines) if line.endswith("자평했다."))
        paragraphs = [line for line in lines[start : end + 1] if line and not line.endswith("ⓒ 광주광역시")]
    return MockArticle(
        SEED_NO, '이용섭 광주시장 취임 2주년 "광주형일자리, 인공지능 큰 성과"', paragraphs, kst(2020, 6, 29, 17, 40, 29),
        section=110, subtitle="'인공지능 중심도시 광주' 혁신시정의 대표적 성과", reporters=["김성태", "강경식"],
        emails=["kst∙kks@newsprime.co.kr"],
        photos=[("/data/photos/cdn/20200627/art_502345_1593420029.jpg",
                 "이용섭 광주광역시장이 취임 2주년을 맞이해 지난 2년의 성과와 남은 임기의 비전을 제시했다. ⓒ 광주광역시"),
                ("/data/photos/cdn/20200627/art_502345_1593420087.png", "이용섭 광주광역시장의 임기 2년 핵심성과. ⓒ 광주광역시")],
    )


# A shortened copy used only when shared/ is not beside the repo (an installed package).
SEED_PARAGRAPHS = [
    "[프라임경제] 취임 2주년을 맞이한 이용섭 광주광역시장이 지난 2년의 성과를 돌아보고 남은 임기의 비전을 시민들에게 제시했다.",
    "4차산업혁명과 포스트코로나를 준비하는 광주시의 또 다른 중점사업 '인공지능 중심도시 광주(AI Hub City Gwangju)'프로젝트도 소개됐다.",
    "이 시장은 \"인공지능은 인재경쟁\"이라며 \"우리시는 전문 인재 양성을 위해 오는 7월부터 인공지능사관학교를 운영한다\"고 설명했다.",
]


def default_newsprime() -> list[MockArticle]:
    p = "[프라임경제] "
    return [
        _seed(),
        MockArticle(746580, "광주시, AI 집적단지 2단계 예비타당성조사 통과", [
            p + "광주광역시가 추진하는 인공지능 집적단지 2단계 사업이 예비타당성조사를 통과했다.",
            "2단계 사업은 2027년부터 5년간 국비 등 6000억원을 들여 초거대 AI 실증 인프라와 데이터센터를 확충한다.",
            "시 관계자는 \"인공지능 중심도시 광주의 두 번째 도약이 시작됐다\"고 말했다.",
        ], kst(2026, 9, 20, 10, 30), section=112, subtitle="국비 등 6000억원 투입…데이터센터 확충",
            photos=[("/data/photos/cdn/20260938/art_746580_1.jpg", "광주 인공지능 집적단지 전경. ⓒ 광주광역시")]),
        MockArticle(746579, "AI 사관학교 5기 수료생 70% 지역 취업", [
            p + "광주 인공지능사관학교 5기 수료생 가운데 70%가 지역 기업에 취업했다.",
            "시는 내년부터 교육 과정에 생성형 AI 실무 과목을 추가한다.",
        ], kst(2026, 9, 19, 15, 0), section=111, reporters=["장철호"], emails=["jch@newsprime.co.kr"],
            photos=[("/data/photos/cdn/20260938/art_746579_1.jpg", "수료식에 참석한 교육생들. = 장철호 기자")],
            photo_style="div"),
        MockArticle(746578, "고병원성 AI 전남 나주서 확진…광주 방역 비상", [
            p + "전남 나주의 한 오리농장에서 고병원성 조류인플루엔자(AI)가 확진됐다.",
            "광주시는 거점소독시설을 24시간 운영하고 가금류 농가의 이동을 제한했다. 방역 당국은 철새 도래지 예찰을 강화했다.",
        ], kst(2026, 9, 18, 9, 10), section=111, reporters=["박대성"], emails=["pds@newsprime.co.kr"]),
        MockArticle(746577, "경기 광주시, 출퇴근 광역버스 12대 증차", [
            p + "경기 광주시가 서울 잠실 방면 광역버스 12대를 증차한다.",
            "시는 오포읍과 태전동 주민들의 출퇴근 불편이 크게 줄 것으로 기대했다.",
        ], kst(2026, 9, 17, 11, 0), section=111, reporters=["임혜현"], emails=["ihh@newsprime.co.kr"]),
        MockArticle(MOBILE_LINKED_NO, "광주 AI 실증도시 국제포럼 개막", [
            p + "인공지능 실증도시 광주 국제포럼이 김대중컨벤션센터에서 개막했다.",
            "포럼에는 12개국 전문가 300여명이 참가해 의료, 모빌리티, 에너지 분야 AI 실증 사례를 공유한다.",
        ], kst(2026, 9, 16, 14, 0), section=113),
        MockArticle(DIRECTORY_LINKED_NO, "부산 북항 재개발 1단계 준공식", [
            p + "부산 북항 재개발 1단계 사업이 준공식을 열고 시민에게 개방됐다.",
            "친수공원과 보행 데크가 조성돼 원도심과 바다가 연결됐다.",
        ], kst(2026, 9, 16, 10, 0), section=112, reporters=["오영태"], emails=["oyt@newsprime.co.kr"]),
        MockArticle(746574, "포항 철강산업 위기 대응 TF 가동", [
            p + "포항시가 철강산업 위기 대응 태스크포스를 꾸렸다.",
            "시는 협력업체 경영안정자금 200억원을 긴급 지원한다.",
        ], kst(2026, 9, 15, 16, 0), section=112, reporters=["김수현"], emails=["ksh@newsprime.co.kr"]),
        MockArticle(746573, "광주 빛그린산단 AI 모빌리티 기업 입주 협약", [
            p + "광주 빛그린산단에 인공지능 기반 자율주행 부품 기업 5곳이 입주한다.",
            "광주시는 광주글로벌모터스와 연계한 AI 모빌리티 실증을 지원할 계획이다.",
        ], kst(2026, 9, 15, 9, 30), section=112),
        MockArticle(746572, "전남 해남 AI 조류인플루엔자 의심 신고…이동중지 명령", [
            p + "전남 해남의 산란계 농장에서 조류인플루엔자 의심 신고가 접수돼 일시 이동중지 명령이 내려졌다.",
            "방역 당국은 반경 10km 안 가금 농가에 대한 정밀검사에 들어갔다.",
        ], kst(2026, 9, 14, 8, 0), section=111, reporters=["박대성"], emails=["pds@newsprime.co.kr"]),
        MockArticle(NO_CHARSET_NO, "여수 국가산단 안전점검 강화", [
            p + "여수 국가산단 입주 기업들이 합동 안전점검에 나섰다.",
            "점검반은 노후 배관과 저장 탱크를 집중 점검한다.",
        ], kst(2026, 9, 13, 13, 0), section=111, reporters=["주동석"], emails=["jds@newsprime.co.kr"],
            charset="cp949-undeclared"),
        MockArticle(EUC_KR_NO, "광주시·GIST, AI 반도체 인재 양성 협약", [
            p + "광주광역시와 광주과학기술원(GIST)이 인공지능 반도체 인재 양성 협약을 맺었다.",
            "두 기관은 2030년까지 석·박사급 인재 500명을 길러낼 계획이다. 똠방각하처럼 드문 글자도 깨지지 않아야 한다.",
        ], kst(2026, 9, 12, 10, 0), section=112, charset="euc-kr"),
        MockArticle(SLOW_NO, "대구 도심 군공항 이전 부지 확정", [
            p + "대구 군공항 이전 부지가 최종 확정됐다.",
            "이전 사업은 2030년 개항을 목표로 추진된다.",
        ], kst(2026, 9, 11, 10, 0), section=112, reporters=["오영태"], emails=["oyt@newsprime.co.kr"]),
        MockArticle(FLAKY_NO, "울산 수소 트램 시범 운행 시작", [
            p + "울산에서 수소 트램이 시범 운행을 시작했다.",
            "시는 2028년 정식 개통을 목표로 하고 있다.",
        ], kst(2026, 9, 10, 10, 0), section=112, reporters=["김수현"], emails=["ksh@newsprime.co.kr"]),
        MockArticle(746560, "광주 AI 헬스케어 실증센터 문 열어", [
            p + "광주 인공지능 헬스케어 실증센터가 첨단3지구에 문을 열었다.",
            "센터는 의료 데이터를 활용한 AI 진단 기기의 임상 실증을 지원한다.",
        ], kst(2026, 9, 9, 10, 0), section=113),
        MockArticle(746559, "순천만 국가정원 관람객 500만명 돌파", [
            p + "순천만 국가정원의 올해 누적 관람객이 500만명을 넘었다.",
        ], kst(2026, 9, 8, 10, 0), section=113, reporters=["나광운"], emails=["nkw@newsprime.co.kr"]),
        MockArticle(746558, "목포 해양관광 활성화 협약 체결", [
            p + "목포시와 여행업계가 해양관광 활성화 협약을 체결했다.",
        ], kst(2026, 9, 7, 10, 0), section=113, reporters=["나광운"], emails=["nkw@newsprime.co.kr"]),
    ]


def _hwp(name: str) -> tuple[str, bytes]:
    # HWP 5 files are OLE compound documents: the magic bytes are enough for a mock download.
    return name, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + name.encode("utf-8")


def default_gwangju() -> list[MockRelease]:
    photo = "/광주광역시 제공"
    return [
        MockRelease(22210, "광주시, 인공지능 집적단지 2단계 기업 설명회 개최", [
            "광주광역시(시장 강기정)는 26일 광주과학기술원에서 인공지능 집적단지 2단계 사업 기업 설명회를 열었다.",
            "설명회에서는 데이터센터 고도화, 실증 장비 공동 활용, 기업 입주 지원 등 세부 계획이 소개됐다.",
            "시는 다음 달 참여 기업 공모를 시작할 예정이다. <끝>",
        ], kst(2026, 9, 26, 10, 30), ["- 데이터센터 고도화·실증 장비 공동 활용 계획 공개", "- 다음 달 참여 기업 공모"],
            photos=[("tok22210a", "인공지능 집적단지 2단계 기업 설명회" + photo)],
            attachments=[_hwp("광주시, 인공지능 집적단지 2단계 기업 설명회 개최.hwp"), ("사진_설명회.jpg", b"\xff\xd8\xff\xe0mock")],
            contact_lines=["담당부서 : 인공지능산업과", "담당자 : 김지훈 주무관", "연락처 : 062-613-3941"]),
        MockRelease(22209, "광주 AI 사관학교 5기 교육생 200명 모집", [
            "광주광역시는 인공지능사관학교 5기 교육생 200명을 모집한다고 밝혔다.",
            "교육은 내년 1월부터 6개월 동안 진행되며, 생성형 AI 실무 과정이 새로 생긴다. <끝>",
        ], kst(2026, 9, 25, 9, 0), category="교육", attachments=[_hwp("AI 사관학교 5기 모집 공고.hwp"),
                                                              ("모집요강.pdf", b"%PDF-1.4 mock")]),
        MockRelease(22208, "고병원성 조류인플루엔자 차단 방역 강화", [
            "광주광역시는 전남 나주에서 고병원성 AI가 확진됨에 따라 거점소독시설을 24시간 운영한다.",
            "시는 가금류 사육 농가에 대한 예찰과 소독을 강화하고, 철새 도래지 출입을 자제해 달라고 당부했다. <끝>",
        ], kst(2026, 9, 24, 16, 0), category="안전", attachments=[_hwp("AI 방역 강화.hwp")]),
        MockRelease(22207, "광주 도시철도 2호선 2단계 공정률 60% 돌파", [
            "광주 도시철도 2호선 2단계 공사의 공정률이 60%를 넘어섰다.",
            "시는 공사 구간 교통 혼잡을 줄이기 위해 신호 체계를 조정한다. <끝>",
        ], kst(2026, 9, 23, 11, 0), category="교통"),
        MockRelease(22206, "AI 실증도시 광주 국제포럼 개최", [
            "광주광역시는 인공지능 실증도시 광주 국제포럼을 연다고 밝혔다.",
            "포럼에는 12개국 AI 전문가와 기업인 300여명이 참가해 실증 사례를 공유한다. <끝>",
            "※ 별첨 : 사진",
        ], kst(2026, 9, 22, 14, 0), ["- 12개국 전문가 300여명 참가"], category="이슈",
            photos=[("tok22206a", "지난해 국제포럼 모습" + photo), ("tok22206b", "포럼 홍보 포스터" + photo)],
            attachments=[_hwp("AI 실증도시 국제포럼.hwp"), ("사진_포럼.jpg", b"\xff\xd8\xff\xe0mock")]),
        MockRelease(22205, "겨울철 대설 대비 비상근무 체계 돌입", [
            "광주광역시는 겨울철 대설과 한파에 대비해 비상근무 체계에 들어갔다.",
            "제설 장비 120대와 염화칼슘 3000톤을 확보했다. <끝>",
        ], kst(2026, 9, 21, 9, 0), category="안전"),
        MockRelease(22204, "광주형 일자리 상생협약 5주년 기념식", [
            "광주형 일자리 상생협약 5주년 기념식이 빛그린산단에서 열렸다.",
            "노사민정 대표들은 상생 정신을 이어가기로 다짐했다. <끝>",
        ], kst(2026, 9, 20, 15, 0)),
        MockRelease(22203, "청년 창업 지원 펀드 300억원 조성", [
            "광주광역시는 청년 창업 기업을 지원하는 300억원 규모의 펀드를 조성한다.",
            "인공지능과 문화콘텐츠 분야 초기 기업에 우선 투자한다. <끝>",
        ], kst(2026, 9, 19, 10, 0)),
        MockRelease(22202, "무등산 국립공원 탐방로 정비 완료", [
            "무등산 국립공원 탐방로 정비 공사가 마무리됐다. <끝>",
        ], kst(2026, 9, 18, 10, 0), category="환경"),
        MockRelease(22201, "광주 AI 헬스케어 실증센터 개소", [
            "광주광역시는 첨단3지구에 인공지능 헬스케어 실증센터를 열었다.",
            "센터는 AI 진단 기기의 임상 실증과 인허가 컨설팅을 지원한다. <끝>",
        ], kst(2026, 9, 17, 10, 0), photos=[("tok22201a", "실증센터 개소식" + photo)],
            attachments=[_hwp("AI 헬스케어 실증센터 개소.hwp")]),
        MockRelease(22200, "시민 참여 예산 제안 공모", [
            "광주광역시는 내년도 시민 참여 예산 사업 제안을 공모한다. <끝>",
        ], kst(2026, 9, 16, 10, 0), category="소통"),
        MockRelease(78, "통합특별시, 광주 AI 데이터센터 국가 거점 지정 건의", [
            "전남광주통합특별시는 광주 인공지능 데이터센터를 국가 AI 컴퓨팅 거점으로 지정해 달라고 정부에 건의했다. <끝>",
        ], kst(2026, 9, 24, 14, 20), board="JG_0000000003", attachments=[_hwp("건의문.hwp"), ("사진_데이터센터.jpg", b"\xff\xd8\xff\xe0mock")],
            photos=[("tok78a", "광주 인공지능 데이터센터 전경 /전남광주통합특별시 제공")],
            contact_lines=["담당부서 : 인공지능정책과", "연락처 : 061-286-2451"]),
        MockRelease(77, "통합특별시 출범 100일 시민 보고회", [
            "전남광주통합특별시는 출범 100일을 맞아 시민 보고회를 열었다. <끝>",
        ], kst(2026, 9, 8, 10, 0), board="JG_0000000003"),
    ]


def new_newsprime_article(no: int, title: str, paragraphs: list[str], *, published: datetime,
                          section: int = 110, **extra: object) -> MockArticle:
    """An article to publish between two crawls."""
    return MockArticle(no, title, paragraphs, published, section=section, **extra)  # type: ignore[arg-type]


def new_gwangju_release(seq: int, title: str, paragraphs: list[str], *, published: datetime,
                        **extra: object) -> MockRelease:
    return MockRelease(seq, title, paragraphs, published, **extra)  # type: ignore[arg-type]
