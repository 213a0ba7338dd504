"""Shared fixtures: the mock sites on loopback and a helper to run `newswatch` as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from newswatch.mocksite.mailserver import MailServer

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


@pytest.fixture
def smtp_server():
    server = MailServer().start()
    yield server
    server.stop()


CHROMIUM = "/usr/bin/chromium"  # Debian's package; .ci/run installs it
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots kept by the browser tests (not committed)


@pytest.fixture(scope="session")
def browser():
    """A real headless Chromium driven by Playwright. Without Chromium the browser tests skip locally, and fail
    under CI (CI=true), where .ci/run installs it."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"])
        yield launched
        launched.close()


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
