"""Placeholder until the newsprime extractor lands."""
