"""`frontdesk mail parse` and `frontdesk mail import`, run as the installed console script."""

from __future__ import annotations

import json
import mailbox
import os
import re
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from frontdesk.config import Settings
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inboxes import create_inbox
from frontdesk.models import Message, Ticket
from frontdesk.runtime import Frontdesk
from tests.servers import env_for, frontdesk_env, run

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"


def mail(
    number: int,
    *,
    text: str = "Պատվերս դեռ չի հասել։",
    subject: str = "Ուշացած պատվեր",
    sender: str = "Անի <ani@example.org>",
    in_reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    attachment: bytes | None = None,
) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = "Aurora Support <support@example.com>"
    message["Cc"] = "Mher <mher@example.org>"
    message["Subject"] = subject
    message["Date"] = "Mon, 02 Mar 2026 09:00:00 +0400"
    message["Message-ID"] = f"<m{number}@mail.example.org>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
        message["References"] = f"<{in_reply_to}>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(f"<p>{text}</p><script>alert(1)</script>", subtype="html")
    if attachment is not None:
        message.add_attachment(attachment, maintype="image", subtype="png", filename="ծրար.png")
    return message.as_bytes()


def parse(*files: Path, cwd: Path) -> tuple[int, list[dict[str, Any]], str]:
    done = run("mail", "parse", *map(str, files), env=frontdesk_env(), cwd=cwd)
    return (
        done.returncode,
        [json.loads(line) for line in done.stdout.split("\n") if line],
        done.stdout,
    )


# ------------------------------------------------------------------ mail parse


def test_parse_prints_one_readable_json_object_per_file(tmp_path: Path) -> None:
    first = tmp_path / "first.eml"
    first.write_bytes(
        mail(1, text="Պատվերս դեռ չի հասել։\n\nOn Sun, Bob wrote:\n> old news\n", attachment=b"PNG")
    )
    second = tmp_path / "second.eml"
    second.write_bytes(mail(2, in_reply_to="m1@mail.example.org", text="Ευχαριστώ 🙏"))

    code, records, stdout = parse(first, second, cwd=tmp_path)

    assert code == 0
    assert [r["file"] for r in records] == [str(first), str(second)]
    one = records[0]
    assert one["from"] == {"name": "Անի", "address": "ani@example.org"}
    assert one["to"] == [{"name": "Aurora Support", "address": "support@example.com"}]
    assert one["cc"] == [{"name": "Mher", "address": "mher@example.org"}]
    assert one["reply_to"] == []
    assert one["subject"] == "Ուշացած պատվեր"
    assert one["message_id"] == "m1@mail.example.org"
    assert one["date"] == "2026-03-02T09:00:00+04:00"
    assert one["text"].startswith("Պատվերս դեռ չի հասել։\n")
    assert one["visible_text"] == "Պատվերս դեռ չի հասել։"
    assert "<script>" not in one["html"]
    [attachment] = one["attachments"]
    assert attachment["filename"] == "ծրար.png"
    assert attachment["content_type"] == "image/png"
    assert attachment["size"] == 3
    assert len(attachment["sha256"]) == 64
    assert attachment["inline"] is False
    assert one["auto"] is None
    assert one["bounced_recipients"] == []
    assert one["language"] == "hy"
    assert one["errors"] == []
    assert records[1]["in_reply_to"] == ["m1@mail.example.org"]
    assert records[1]["references"] == ["m1@mail.example.org"]
    assert records[1]["language"] == "el"
    assert "Ευχαριστώ 🙏" in stdout  # not \\u escapes


def test_parse_names_automatic_mail_and_bounced_recipients(tmp_path: Path) -> None:
    vacation = tmp_path / "vacation.eml"
    vacation.write_bytes(mail(3, headers={"Auto-Submitted": "auto-replied"}))
    bounce = tmp_path / "bounce.eml"
    bounce.write_bytes(
        b"From: MAILER-DAEMON@mx.example.org\r\nTo: support@example.com\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org"
        b"\r\n\r\nFinal-Recipient: rfc822; ani@example.org\r\nAction: failed\r\n"
        b"Status: 5.1.1\r\n\r\n--B--\r\n"
    )

    code, [auto, bounced], _ = parse(vacation, bounce, cwd=tmp_path)

    assert code == 0
    assert auto["auto"] == "auto-reply"
    assert bounced["auto"] == "bounce"
    assert bounced["bounced_recipients"] == [
        {"address": "ani@example.org", "status": "5.1.1", "permanent": True}
    ]


def test_parse_goes_on_past_files_it_cannot_read_and_exits_1(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.eml"
    garbage.write_bytes(bytes(range(256)) * 40)
    good = tmp_path / "good.eml"
    good.write_bytes(mail(4))

    code, records, _ = parse(tmp_path / "missing.eml", tmp_path, garbage, good, cwd=tmp_path)

    assert code == 1
    assert [r["file"] for r in records] == [
        str(tmp_path / "missing.eml"),
        str(tmp_path),
        str(garbage),
        str(good),
    ]
    missing, directory, binary, fine = records
    assert "No such file" in missing["errors"][0]
    assert missing["from"] is None
    assert directory["errors"]
    assert binary["from"] is None
    assert fine["subject"] == "Ուշացած պատվեր"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_parse_reports_a_file_it_may_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.eml"
    secret.write_bytes(mail(5))
    secret.chmod(0)

    code, [record], _ = parse(secret, cwd=tmp_path)

    assert code == 1
    assert "Permission denied" in record["errors"][0]


@pytest.mark.skipif(not CORPORA.is_dir(), reason=f"corpora not found at {CORPORA}")
def test_parse_reads_every_corpus_message_without_crashing(tmp_path: Path) -> None:
    files = sorted(CORPORA.rglob("*.eml"))
    assert len(files) > 500

    code, records, _ = parse(*files, cwd=tmp_path)

    assert code == 0
    assert [r["file"] for r in records] == [str(f) for f in files]
    assert sum(1 for r in records if r["auto"] == "bounce") > 400


# ------------------------------------------------------------------ mail import


@pytest.fixture
def inbox(fd: Frontdesk) -> int:
    with fd.transaction() as tx:
        return create_inbox(
            tx,
            SYSTEM,
            name="Support mail",
            kind="email",
            config={"address": "support@example.com"},
            team_id=None,
        ).id


def conversation() -> list[bytes]:
    """Three customers, one of whom writes twice (threaded), one message without a sender,
    one with an attachment, and one with a line starting "From " (escaped in an mbox)."""
    return [
        mail(10),
        mail(11, in_reply_to="m10@mail.example.org", text="Ավելացնեմ՝ կարմիր է։"),
        mail(
            12,
            sender="Kavya <kavya@example.in>",
            subject="தாமதமான ஆர்டர்",
            text="என் ஆர்டர் வரவில்லை",
            attachment=b"x",
        ),
        mail(
            13,
            sender="Ivo <ivo@example.si>",
            subject="Zamuda",
            text="From here on it works.\nHvala!",
        ),
        b"Subject: nobody sent this\r\n\r\nNo From header at all.\r\n",
    ]


def import_twice(fd: Frontdesk, settings: Settings, inbox: int, path: Path) -> list[str]:
    outputs = []
    for _ in range(2):
        done = run(
            "mail",
            "import",
            str(path),
            "--inbox",
            str(inbox),
            env=env_for(settings),
            cwd=path.parent,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        outputs.append(counted(done.stdout))
    return outputs


def counted(summary: str) -> str:
    """The counts of an import's summary line, after checking its time and rate."""
    counts, _, timing = summary.strip().partition("; ")
    assert re.fullmatch(r"\d+ in \d+\.\d s \(\d+ messages/s\)", timing), summary
    return counts


def counts(fd: Frontdesk) -> tuple[int, int]:
    with fd.read() as session:
        tickets = session.scalar(select(func.count()).select_from(Ticket)) or 0
        messages = session.scalar(select(func.count()).select_from(Message)) or 0
    return tickets, messages


FIRST_RUN = "stored 4 (3 new tickets), duplicates 0, bounces 0, ignored 0, refused 1, failed 0"
SECOND_RUN = "stored 0 (0 new tickets), duplicates 4, bounces 0, ignored 0, refused 1, failed 0"


def test_importing_a_maildir_twice_stores_each_message_once(
    fd: Frontdesk, settings: Settings, inbox: int, tmp_path: Path
) -> None:
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for number, raw in enumerate(conversation()):
        message = mailbox.MaildirMessage(raw)
        message.set_subdir("cur" if number % 2 else "new")
        box.add(message)
    box.close()

    first, second = import_twice(fd, settings, inbox, tmp_path / "Maildir")

    assert first == FIRST_RUN
    assert second == SECOND_RUN
    assert counts(fd) == (3, 4)


def test_importing_an_mbox_twice_stores_each_message_once(
    fd: Frontdesk, settings: Settings, inbox: int, tmp_path: Path
) -> None:
    box = mailbox.mbox(tmp_path / "support.mbox", create=True)
    for raw in conversation():
        box.add(raw)
    box.close()

    first, second = import_twice(fd, settings, inbox, tmp_path / "support.mbox")

    assert first == FIRST_RUN
    assert second == SECOND_RUN
    assert counts(fd) == (3, 4)
    with fd.read() as session:
        texts = session.scalars(select(Message.text).order_by(Message.id)).all()
    assert "From here on it works.\nHvala!" in texts


def test_importing_a_folder_of_eml_files_threads_replies(
    fd: Frontdesk, settings: Settings, inbox: int, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for number, raw in enumerate(conversation()):
        (folder / f"{number:03}.eml").write_bytes(raw)
    (folder / "notes.txt").write_text("not mail")

    first, second = import_twice(fd, settings, inbox, folder)

    assert first == FIRST_RUN
    assert second == SECOND_RUN
    with fd.read() as session:
        [ani] = session.scalars(select(Ticket).where(Ticket.subject == "Ուշացած պատվեր")).all()
        assert len(session.scalars(select(Message).where(Message.ticket_id == ani.id)).all()) == 2


@pytest.mark.parametrize("readers", ["0", "2"])
def test_import_with_reader_processes_stores_in_order_so_quick_replies_thread(
    fd: Frontdesk, settings: Settings, inbox: int, tmp_path: Path, readers: str
) -> None:
    # Each reply follows right after the message it answers: read ahead in other
    # processes, they must still be stored after it.
    folder = tmp_path / "export"
    folder.mkdir()
    for n in range(40):
        sender = f"Customer {n} <customer{n}@example.org>"
        first = mail(1000 + n, sender=sender, subject=f"Պատվեր {n}")
        reply = mail(
            2000 + n, sender=sender, subject="?", in_reply_to=f"m{1000 + n}@mail.example.org"
        )
        (folder / f"{n:03}a.eml").write_bytes(first)
        (folder / f"{n:03}b.eml").write_bytes(reply)
    (folder / "999z.eml").write_bytes(b"\x00\xff not mail at all")

    done = run(
        "mail",
        "import",
        str(folder),
        "--inbox",
        str(inbox),
        "--readers",
        readers,
        env=env_for(settings),
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert counted(done.stdout) == (
        "stored 80 (40 new tickets), duplicates 0, bounces 0, ignored 0, refused 1, failed 0"
    )
    assert counts(fd) == (40, 80)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_import_takes_one_eml_file_and_refuses_what_is_not_mail_or_not_an_email_inbox(
    fd: Frontdesk, settings: Settings, inbox: int, tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "one.eml").write_bytes(mail(20))
    (tmp_path / "notes.txt").write_text("Dear diary")

    def mail_import(path: Path, inbox: int) -> Any:
        return run(
            "mail", "import", str(path), "--inbox", str(inbox), env=env_for(settings), cwd=tmp_path
        )

    one = mail_import(tmp_path / "one.eml", inbox)
    empty = mail_import(tmp_path / "empty", inbox)
    text = mail_import(tmp_path / "notes.txt", inbox)
    no_inbox = mail_import(tmp_path / "one.eml", 999)

    assert one.returncode == 0
    assert one.stdout.startswith("stored 1 (1 new tickets)")
    assert empty.returncode == 2
    assert "no .eml files" in empty.stderr
    assert text.returncode == 2
    assert "is not an mbox file" in text.stderr
    assert no_inbox.returncode == 2
    assert "no active email inbox 999" in no_inbox.stderr
    assert counts(fd) == (1, 1)
