"""Shared fixtures: the mock sites on loopback and a helper to run `newswatch` as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def mock_sites():
    from newswatch.mocksite import MockSites

    with MockSites(slow_seconds=0.5) as sites:
        yield sites


def run_newswatch(*args: str, cwd: Path | None = None, timeout: float = 120,
                  env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a child process: each crawl needs its own Twisted reactor, as in production."""
    full_env = {k: v for k, v in os.environ.items() if k != "NEWSWATCH_CONFIG"}
    full_env |= {"PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "newswatch.cli", *args], cwd=cwd or ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
