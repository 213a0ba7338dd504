"""The spool's own faults: a file replayed and removed by another crawl while we waited for it, an entry whose
save raises something unexpected, and the fallback in the shared temporary directory."""

from __future__ import annotations

import os
import tempfile
import threading
import time

import pytest

from crawler.spool import Spool, SpoolError, _locked, private_dir
from tests.test_pipeline import article


@pytest.fixture
def own_tmp(tmp_path, monkeypatch):
    """The system's temporary directory, for this test alone."""
    shared = tmp_path / "tmp"
    shared.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    return shared


def test_a_spool_replayed_and_removed_while_we_waited_for_it_is_nothing_to_replay(tmp_path, own_tmp):
    spool = Spool(tmp_path / "news.db")
    spool.append(article(1))
    results: list[object] = []
    with _locked(spool.paths[0], "r+"):  # another crawl replays it ...
        waiter = threading.Thread(target=lambda: results.append(spool.replay(lambda a: None)))
        waiter.start()
        time.sleep(0.2)  # ... while this one waits for the lock
        spool.paths[0].unlink()
    waiter.join(5)
    assert results == [(0, 0, [])]


def test_an_entry_whose_save_raises_a_surprise_stays_spooled_and_the_rest_are_saved(tmp_path, own_tmp):
    spool = Spool(tmp_path / "news.db")
    for no in (1, 2, 3):
        spool.append(article(no))
    saved: list[str] = []

    def save(a):
        if a.source_id == "2":
            raise KeyError("a bug")
        saved.append(a.source_id)

    assert spool.replay(save, refused=OSError) == (2, 1, [])
    assert saved == ["1", "3"] and spool.pending() == 1 and "KeyError" in spool.errors[0]


def test_the_fallback_spool_is_in_a_private_directory_and_follows_no_symlink(tmp_path, own_tmp):
    spool = Spool(tmp_path / "gone" / "news.db")  # nothing can be written beside this store
    assert spool.append(article(1)).parent == private_dir() == own_tmp / f"newswatch-{os.getuid()}"
    assert private_dir().stat().st_mode & 0o777 == 0o700
    assert spool.pending() == 1
    spool.paths[1].unlink()
    target = tmp_path / "victim"
    target.write_text("", encoding="utf-8")
    spool.paths[1].symlink_to(target)
    with pytest.raises(SpoolError):
        spool.append(article(2))
    assert target.read_text(encoding="utf-8") == ""


def test_a_fallback_directory_others_can_write_is_not_used(tmp_path, own_tmp):
    private_dir().mkdir(mode=0o777)
    private_dir().chmod(0o777)
    spool = Spool(tmp_path / "gone" / "news.db")
    with pytest.raises(SpoolError, match="not a private directory"):
        spool.append(article(1))
