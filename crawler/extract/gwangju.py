"""Placeholder until the gwangju extractor lands."""
