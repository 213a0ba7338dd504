"""Channels beside e-mail: one Apprise URL per outbox row (Slack, Telegram, Discord, ntfy, a JSON webhook …).

The URL is stored as configured, its secrets as ``{env:NAME}``: they are read from the environment at the moment
of sending and never written to the store or the log. A message counts as sent only when Apprise reports the
service accepted it (for HTTP services: a 2xx answer); anything else keeps it queued for a retry.
"""

from __future__ import annotations

import os
import re

from newswatch.alerts.smtp import SendError
from newswatch.core.config import ENV_REFERENCE

# services whose host part is not a secret (a webhook's or ntfy server's address): shown in logs
_HOST_SHOWN = {"json", "jsons", "form", "forms", "xml", "xmls", "ntfy", "ntfys", "gotify", "gotifys"}


def resolve(url: str) -> str:
    """The URL with each ``{env:NAME}`` replaced by that variable; SendError naming a missing one."""
    missing = [name for name in ENV_REFERENCE.findall(url) if not os.environ.get(name)]
    if missing:
        raise SendError(f"environment variable(s) {', '.join('$' + m for m in missing)} not set for channel "
                        f"{label(url)}")
    return ENV_REFERENCE.sub(lambda m: os.environ[m.group(1)], url)


def label(url: str) -> str:
    """How logs name a channel without its secrets: ``json://127.0.0.1:8080``, ``tgram://…``."""
    scheme, _, rest = url.partition("://")
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if scheme in _HOST_SHOWN and "{env:" not in host:
        return f"{scheme}://{host.rpartition('@')[2]}"
    return f"{scheme}://…"


def send(url: str, title: str, body: str) -> None:
    """Notify one Apprise URL; SendError (the message stays queued) unless the service accepted it."""
    import apprise  # loads its plugins: only when a channel message is due

    target = apprise.Apprise()
    if not target.add(resolve(url)):
        raise SendError(f"Apprise does not understand the channel {label(url)} (see its URL formats)")
    with apprise.LogCapture(level=apprise.logging.WARNING) as captured:
        accepted = target.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
    if not accepted:
        why = " ".join(captured.getvalue().split(" - WARNING - ")[-1].split()) or "the service did not accept it"
        raise SendError(f"{label(url)}: {why}")
