"""Local mock sites of newsprime and the Gwangju city hall boards, served on 127.0.0.1."""

from newswatch.mocksite.content import MockArticle, MockRelease, default_gwangju, default_newsprime
from newswatch.mocksite.server import LoggedRequest, MockSites

__all__ = ["LoggedRequest", "MockArticle", "MockRelease", "MockSites", "default_gwangju", "default_newsprime"]
