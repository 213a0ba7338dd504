"""Sending one message over SMTP with the configured security; the password comes from the environment only.

The message counts as sent once the server accepted its DATA (250): whatever happens after that (a 421 or a
dropped connection at QUIT) must not make the outbox send it again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import ssl
from email.message import EmailMessage

from newswatch.core.config import SmtpConfig

logger = logging.getLogger("newswatch.alerts")


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
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(f"{type(exc).__name__}: {exc}") from exc
    try:
        if config.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if config.username:
            client.login(config.username, password)
        refused = client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        client.close()
        raise SendError(f"{type(exc).__name__}: {exc}") from exc
    # Accepted: from here on nothing may turn this into a failure (and a retry, and a duplicate).
    with contextlib.suppress(OSError, smtplib.SMTPException):
        client.quit()
    client.close()
    if refused:  # some recipients of several refused (each outbox row has one: all refused raises above)
        logger.warning("SMTP server accepted the message but refused some recipients: %s", refused)
