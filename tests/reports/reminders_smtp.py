"""A real SMTP server for reminder tests: aiosmtpd on a free local port, in a thread.

    def test_it_sends(smtp: Inbox) -> None: ...

Django's default mailer is pointed at it the way cim/settings.py builds MAILERS from
EMAIL_URL (here smtp://127.0.0.1:<port>). The server can refuse chosen recipients (550)
or answer "try later" (451), as real servers do.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import environ
import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """What the server accepted, and how it should answer recipients."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}  # address → SMTP reply to RCPT TO

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            return self.refuse[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def recipients(self) -> list[str]:
        return sorted(str(m["To"]).lower() for m in self.messages)

    def clear(self) -> None:
        self.messages.clear()


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()


def links_in(text: str) -> list[str]:
    return re.findall(r"http://testserver(/\S+)", text)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mailers_for(url: str) -> dict[str, Any]:
    """MAILERS as cim/settings.py makes them from an smtp:// EMAIL_URL."""
    config = environ.Env.email_url_config(url)
    options = {"host": config["EMAIL_HOST"], "port": config["EMAIL_PORT"], "timeout": 5}
    return {"default": {"BACKEND": config["EMAIL_BACKEND"], "OPTIONS": options}}


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = mailers_for(f"smtp://127.0.0.1:{port}")
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_down(settings: Any) -> None:
    """A mail server that is not there: nothing listens on the port."""
    settings.MAILERS = mailers_for(f"smtp://127.0.0.1:{free_port()}")
