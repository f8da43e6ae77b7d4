"""A real SMTP server on loopback for the email tests (aiosmtpd)."""

import asyncio
import email
import socket
from contextlib import contextmanager
from email import policy

from aiosmtpd.controller import Controller

# Ports set aside for test servers on this machine.
PORTS = range(8301, 8310)


def find_free_port():
    """Return a loopback port from ``PORTS`` that nothing listens on."""
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {PORTS.start}-{PORTS.stop - 1}")


class RecordingHandler:
    """Stores every accepted message. It can reject recipients or delay replies."""

    def __init__(self):
        self.messages = []
        self.reject_recipients = False
        self.delay = 0.0

    async def handle_RCPT(  # pylint: disable=invalid-name,too-many-arguments,too-many-positional-arguments
        self, server, session, envelope, address, rcpt_options
    ):
        del server, session, rcpt_options
        if self.reject_recipients:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self, server, session, envelope
    ):  # pylint: disable=invalid-name
        del server, session
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(
            Delivered(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 Message accepted"


class Delivered:
    """One message as the server received it."""

    def __init__(self, mail_from, recipients, content):
        self.mail_from = mail_from
        self.recipients = recipients
        self.message = email.message_from_bytes(content, policy=policy.default)

    @property
    def subject(self):
        return str(self.message["Subject"])

    @property
    def text(self):
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def html(self):
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else None


@contextmanager
def refusing_port():
    """Hold a loopback port bound but not listening, so connections fail."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", find_free_port()))
        yield bound.getsockname()[1]


def start_server():
    """Start an SMTP server on a free loopback port; return its controller."""
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=find_free_port())
    controller.start()
    return controller
