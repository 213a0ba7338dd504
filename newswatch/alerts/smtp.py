"""Sending one message over SMTP with the configured security; the password comes from the environment only."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage

from newswatch.core.config import SmtpConfig


class SendError(RuntimeError):
    """The message was not accepted; it stays in the outbox."""


def send(config: SmtpConfig, message: EmailMessage) -> None:
    password = os.environ.get(config.password_env, "") if config.username else ""
    if config.username and not password:
        raise SendError(f"SMTP username is set but ${config.password_env} is empty")
    try:
        if config.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with client:
            if config.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if config.username:
                client.login(config.username, password)
            refused = client.send_message(message)
            if refused:
                raise SendError(f"recipients refused: {refused}")
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"{type(exc).__name__}: {exc}") from exc
