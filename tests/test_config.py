"""The config loader: real-site defaults, overrides, and a clear error for every kind of broken file."""

from __future__ import annotations

import pytest

from crawler.sites import load_config, site
from newswatch.core.config import CONFIG_ENV, ConfigError


def write(tmp_path, text: str, name: str = "newswatch.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_point_at_the_real_sites(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    cfg = load_config()
    assert cfg.path is None
    assert cfg.sources["newsprime"].base_url == "https://www.newsprime.co.kr"
    board = cfg.sources["gwangju_city"].boards[0]
    assert (board.base_url, board.page_id, board.board_id) == ("https://www.gwangju.go.kr", "www789", "BD_0000000027")
    assert cfg.crawler.obey_robots is True
    assert "+https://" in cfg.crawler.resolved_user_agent()
    assert site("newsprime").allowed_domains(cfg.sources["newsprime"]) == ["newsprime.co.kr"]


def test_file_overrides_and_several_boards(tmp_path):
    path = write(tmp_path, """
[store]
path = "x.db"
[crawler]
contact_url = "https://example.org/contact"
download_delay = 0
[sources.newsprime]
base_url = "http://127.0.0.1:8001"
sections = [64, 110]
[[sources.gwangju_city.boards]]
name = "gwangju"
base_url = "http://127.0.0.1:8002"
[[sources.gwangju_city.boards]]
name = "merged"
base_url = "http://localhost:8003"
page_id = "jngj22"
board_id = "JG_0000000003"
""")
    cfg = load_config(path)
    assert cfg.store.path == "x.db"
    assert cfg.crawler.download_delay == 0.0 and isinstance(cfg.crawler.download_delay, float)
    assert cfg.crawler.resolved_user_agent().endswith("+https://example.org/contact)")
    assert cfg.sources["newsprime"].sections == [64, 110]
    assert [b.name for b in cfg.sources["gwangju_city"].boards] == ["gwangju", "merged"]
    assert cfg.sources["gwangju_city"].boards[0].board_id == "BD_0000000027"  # unset keys keep defaults
    assert site("newsprime").allowed_domains(cfg.sources["newsprime"]) == ["127.0.0.1"]
    assert site("gwangju_city").allowed_domains(cfg.sources["gwangju_city"]) == ["127.0.0.1", "localhost"]


def test_env_variable_names_the_file(tmp_path, monkeypatch):
    path = write(tmp_path, '[store]\npath = "from-env.db"\n', "custom.toml")
    monkeypatch.setenv(CONFIG_ENV, str(path))
    assert load_config().store.path == "from-env.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[store\npath = 1", "not valid TOML"),
        ("[stor]\npath = 'x'", "unknown key(s) stor"),
        ("[crawler]\ntimeout = 'soon'", "crawler.timeout: expected a number"),
        ("[crawler]\nobey_robots = 1", "crawler.obey_robots: expected true or false"),
        ("[sources.newsprime]\nsections = ['64']", "sources.newsprime.sections: expected a list of int"),
        ("[sources.newsprime]\nbase_url = 'ftp://x'", "expected an http(s) URL"),
        ("[sources.newsprime]\nmax_pages = 0", "sources.newsprime.max_pages: 0 is out of range; allowed: at least 1"),
        ("[sources.nowhere]\nenabled = true", "unknown source(s) nowhere; known: newsprime, gwangju_city"),
        ("[sources.gwangju_city]\nboards = []", "expected a non-empty list"),
        ("[[sources.gwangju_city.boards]]\nboard = 'x'", "boards[0]: unknown key(s) board"),
        ("[crawler]\nrecheck_hours = 24", "recheck_hours is now recheck_ages (hours after publication"),
        ("[crawler]\noverlap = 2", "overlap is now max_catchup_pages"),
    ],
)
def test_broken_config_gives_a_clear_error(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[scheduler]\ncrawl_timeout = -1", "scheduler.crawl_timeout: -1.0 is out of range; allowed: more than 0"),
        ("[scheduler]\ncrawl_timeout = 0", "scheduler.crawl_timeout: 0.0 is out of range; allowed: more than 0"),
        ("[crawler]\nmax_catchup_pages = 0", "crawler.max_catchup_pages: 0 is out of range; allowed: at least 1"),
        ("[crawler]\nretry_cap = -1", "crawler.retry_cap: -1 is out of range; allowed: at least 1 and at most 100"),
        ("[crawler]\ntimeout = 0", "crawler.timeout: 0.0 is out of range; allowed: more than 0"),
        ("[crawler]\nretries = 1000", "crawler.retries: 1000 is out of range; allowed: at least 0 and at most 20"),
        ("[crawler]\nrecheck_ages = [1, -5]", "crawler.recheck_ages: hours after publication, each more than 0"),
        ("[crawler]\nconcurrency_per_domain = 0", "crawler.concurrency_per_domain: 0 is out of range"),
        ("[crawler]\nmax_page_bytes = 10", "crawler.max_page_bytes: 10 is out of range; allowed: at least 10000"),
        ("[smtp]\nport = 70000", "smtp.port: 70000 is out of range; allowed: at least 1 and at most 65535"),
        ("[smtp]\ntimeout = -2", "smtp.timeout: -2.0 is out of range"),
        ("[[alerts.rules]]\nname = 'x'\nbackfill_days = -1", "alerts.rules[0].backfill_days: -1 is out of range"),
    ],
)
def test_numbers_out_of_range_are_refused_naming_key_value_and_range(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)


def test_a_query_nested_too_deeply_is_refused_in_words(tmp_path):
    path = write(tmp_path, "[[alerts.rules]]\nname = 'x'\nquery = '" + "(" * 500 + "광주" + ")" * 500 + "'\n")
    with pytest.raises(ConfigError, match=r"alerts.rules\[0\].query: the query nests parentheses or NOTs more than"):
        load_config(path)


def test_missing_explicit_file_and_non_utf8_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    path = tmp_path / "latin.toml"
    path.write_bytes("[store]\npath = '광주'".encode("cp949"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_schedules_are_checked_in_shape_on_load_and_in_full_by_the_commands_that_schedule(tmp_path):
    shape = write(tmp_path, "[alerts]\ndigest_schedule = 'cron:0 8 * *'\n", "shape.toml")
    with pytest.raises(ConfigError, match=r"alerts.digest_schedule: bad cron expression '0 8 \* \*'"):
        load_config(shape)
    deep = write(tmp_path, "[sources.newsprime]\nschedule = 'cron:61 * * * *'\n", "deep.toml")
    config = load_config(deep)  # search and stats need no schedules: they do not load APScheduler
    with pytest.raises(ConfigError, match=r"deep.toml: sources.newsprime.schedule: bad cron expression '61"):
        config.check_schedules()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[alerts.rules]]\nname = 'x'\nrecipients = [1]", "alerts.rules[0].recipients: expected a list of strings"),
        ("[[alerts.rules]]\nname = 'x'\nchannels = [{a = 1}]", "alerts.rules[0].channels: expected a list of strings"),
        ("[alerts]\nunsubscribe = [true]", "alerts.unsubscribe: expected a list of strings"),
        ("[health]\nrecipients = [2]", "health.recipients: expected a list of strings"),
        ("[smtp]\nhost = 'mail.example.org'\nsecurity = 'none'\nusername = 'me'",
         "smtp.username: a login with security = \"none\" would send the password unencrypted to mail.example.org"),
    ],
)
def test_list_items_of_the_wrong_type_and_a_cleartext_login_are_refused(tmp_path, text, message):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert message in str(info.value)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1"])
def test_a_login_without_encryption_is_allowed_on_this_machine(tmp_path, host):
    cfg = load_config(write(tmp_path, f"[smtp]\nhost = '{host}'\nsecurity = 'none'\nusername = 'me'"))
    assert cfg.smtp.username == "me"
