"""Keyword alerts: rules over the store's query language, emails through an outbox, delivery over SMTP."""
