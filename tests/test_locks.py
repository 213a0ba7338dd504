"""Crawl locks: exclusive across processes, and released by the OS when the holder dies."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from newswatch.monitor.locks import CrawlLock, CrawlLocked

HOLD = """
import sys, time
from newswatch.monitor.locks import CrawlLock
lock = CrawlLock(sys.argv[1], "newsprime"); lock.acquire()
print("held", flush=True); time.sleep(60)
"""


@pytest.mark.slow
def test_second_process_is_refused_until_the_holder_dies(tmp_path):
    db = tmp_path / "store.db"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        lock = CrawlLock(db, "newsprime")
        assert lock.held_elsewhere()
        with pytest.raises(CrawlLocked, match=rf"pid {holder.pid}"):
            lock.acquire()
        with CrawlLock(db, "gwangju_city"):  # other sources are independent
            pass
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 5
    while CrawlLock(db, "newsprime").held_elsewhere() and time.monotonic() < deadline:
        time.sleep(0.05)
    with CrawlLock(db, "newsprime") as lock:  # the dead holder's lock is gone without clean-up
        assert not lock.held_elsewhere()


def test_same_process_cannot_take_it_twice(tmp_path):
    with CrawlLock(tmp_path / "s.db", "newsprime"), pytest.raises(CrawlLocked):
        CrawlLock(tmp_path / "s.db", "newsprime").acquire()
