"""A real SMTP server on loopback (aiosmtpd) for the tests, the demo's checks and the soak.

It keeps every accepted message parsed, can answer slowly (so two deliverers overlap) or refuse QUIT, and can
stop and come back on the same port, as a mail relay that goes down for a while does.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from email import policy
from email.message import EmailMessage


class Inbox:
    """aiosmtpd handler: every accepted message, in order, with the time it arrived."""

    def __init__(self, delay: float = 0.0, quit_reply: str | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived: list[float] = []
        self.delay, self.quit_reply = delay, quit_reply
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
            self.arrived.append(time.time())
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802
        return self.quit_reply or "221 Bye"


class MailServer:
    """Listens on 127.0.0.1 at a port chosen once, so a restart comes back where the config points."""

    def __init__(self, inbox: Inbox | None = None) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port: int = s.getsockname()[1]
        self.inbox = inbox or Inbox()
        self.controller = None

    @property
    def up(self) -> bool:
        return self.controller is not None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def start(self) -> MailServer:
        from aiosmtpd.controller import Controller  # test extra: only who runs a mail server needs it

        for _ in range(50):  # the port may linger a moment after a stop
            try:
                self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
                self.controller.start()
                return self
            except (OSError, RuntimeError):
                self.controller = None
                time.sleep(0.2)
        raise RuntimeError(f"the SMTP server cannot listen on port {self.port} again")

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
