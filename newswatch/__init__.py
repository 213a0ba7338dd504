"""newswatch: monitor Korean news and Gwangju city hall press releases."""

__version__ = "0.1.0"
