"""Reader processes, as `frontdesk mail import` uses them: large mail in both directions."""

from __future__ import annotations

import os
import threading
from email.message import EmailMessage
from pathlib import Path

from frontdesk.channels.email.mailbox_import import ImportSummary, import_source, open_source
from frontdesk.models import Attachment, Message
from frontdesk.runtime import Frontdesk
from tests.conftest import count
from tests.email.mails import email_inbox


def test_an_import_of_large_mail_through_a_reader_neither_stalls_nor_loses_any(
    fd: Frontdesk, tmp_path: Path
) -> None:
    # Each way, a batch of these is many times what a socket holds: the reader writes an
    # answer while the importer hands over the next batch.
    folder = tmp_path / "mail"
    folder.mkdir()
    for i in range(20):
        mail = EmailMessage()
        mail["From"], mail["To"] = f"Αλέξης {i} <alexis{i}@example.gr>", "support@example.com"
        mail["Subject"], mail["Message-ID"] = f"Σχέδια {i}", f"<plans-{i}@example.gr>"
        mail.set_content("Τα σχέδια είναι στο συνημμένο.")
        mail.add_attachment(
            os.urandom(300_000), maintype="application", subtype="pdf", filename=f"σχέδιο-{i}.pdf"
        )
        (folder / f"{i:03d}.eml").write_bytes(mail.as_bytes())
    inbox = email_inbox(fd, "support@example.com")
    summaries: list[ImportSummary] = []
    importing = threading.Thread(
        target=lambda: summaries.append(import_source(fd, inbox, open_source(folder), readers=1)),
        daemon=True,
    )
    importing.start()
    importing.join(120)
    assert not importing.is_alive(), "the import stalled"
    [summary] = summaries
    assert (summary.stored, summary.failed) == (20, 0)
    assert (count(fd, Message), count(fd, Attachment)) == (20, 20)
