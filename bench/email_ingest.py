"""Email intake throughput: raw RFC 5322 mail → stored ticket messages, on SQLite, beside the
floor of the standard library merely parsing the same bytes.

    uv run python bench/email_ingest.py [--messages 2000] [--time-limit 120]

Stages, each over the same generated messages:
  (a) stdlib `email.message_from_bytes`, compat32 and `policy.default` (the floor)
  (b) `parse_email` alone (MIME tree, decoded headers, body views, sanitised HTML)
  (c) `ingest()` in-process: parse, classify, trim quotes, thread, store (one transaction
      per message, raw message and attachments written to the attachment store)
  (d) `frontdesk mail import FOLDER --readers 1` as a subprocess on a fresh database: wall
      time, process start and schema check included; and the time the import reports
      for itself (reader start-up included, interpreter start not)
  (e) `frontdesk mail listen` (SMTP) on a fresh database, fed by --smtp-clients concurrent
      smtplib clients, each sending message after message on one connection like an MTA;
      wall time from the first connection to the last 250
"""

from __future__ import annotations

import argparse
import cProfile
import email
import pstats
import random
import re
import shutil
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime
from pathlib import Path

from _common import HOST, OtherLoad, Server, bench_env, free_port, ms, print_table

from frontdesk.channels.email.intake import ingest
from frontdesk.channels.email.parse import parse_email
from frontdesk.config import Settings
from frontdesk.db.engine import migrate
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.inboxes import create_inbox
from frontdesk.runtime import Frontdesk

TARGET = 600  # messages/s through the full pipeline on SQLite, 2 cores (the target)
DJANGO_HELPDESK = 58  # messages/s, django-helpdesk's email ingestion, for scale
SUPPORT = "support@example.com"

PEOPLE = [
    ("Անի Պետրոսյան", "hy"),
    ("Kavya Raman", "ta"),
    ("Ελένη Παππά", "el"),
    ("Jānis Bērziņš", "lv"),
    ("Maja Novak", "sl"),
    ("Sam Carter", "en"),
]
TEXTS = {
    "hy": ("Ուշացած պատվեր", "Պատվերս դեռ չի հասել։ Խնդրում եմ ստուգել, թե որտեղ է այն։"),
    "ta": ("தாமதமான ஆர்டர்", "என் அட்டையில் இருமுறை கட்டணம் எடுக்கப்பட்டது. உதவுங்கள்."),
    "el": ("Λάθος μέγεθος", "Έλαβα λάθος μέγεθος. Μπορώ να το αλλάξω; Ευχαριστώ πολύ 🙏"),
    "lv": ("Kavēts pasūtījums", "Mans pasūtījums vēl nav pienācis — lūdzu, palīdziet."),
    "sl": ("Zamuda naročila", "Moje naročilo še ni prispelo, prosim za pomoč."),
    "en": ("Broken zip", "The zip on my tent broke on the second night out. ⛺"),
}


def generate(count: int, folder: Path, seed: int = 7) -> list[bytes]:
    """`count` messages: ~35 % open a ticket, the rest answer an earlier message of their
    sender by In-Reply-To with the history quoted; ~20 % carry a small attachment, ~40 %
    an HTML alternative. Written to `folder` as NNNNNN.eml and returned."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    threads: list[tuple[int, str, str, str, str]] = []  # person, lang, subject, last id, text
    messages: list[bytes] = []
    for i in range(count):
        mail = EmailMessage(policy=SMTP)
        if not threads or rng.random() < 0.35:
            person = rng.randrange(10_000)
            name, lang = PEOPLE[person % len(PEOPLE)]
            subject, text = TEXTS[lang]
            subject = f"{subject} {person}"
            body = f"{text}\n\nOrder {rng.randrange(10_000, 99_999)}.\n{name}\n"
            in_reply_to = None
        else:
            k = rng.randrange(len(threads))
            person, lang, subject, in_reply_to, previous = threads[k]
            name = PEOPLE[person % len(PEOPLE)][0]
            subject = f"Re: {subject}"
            quoted = "\n".join(f"> {line}" for line in previous.splitlines())
            body = (
                f"{TEXTS[lang][1]} ({i})\n\n"
                f"On {format_datetime(start)}, Aurora Support <{SUPPORT}> wrote:\n{quoted}\n"
            )
        message_id = f"m{i}.{seed}@mail{person % 50}.example.org"
        mail["From"] = f"{name} <c{person}@mail{person % 50}.example.org>"
        mail["To"] = f"Aurora Support <{SUPPORT}>"
        mail["Subject"] = subject
        mail["Date"] = format_datetime(start + timedelta(seconds=i))
        mail["Message-ID"] = f"<{message_id}>"
        if in_reply_to:
            mail["In-Reply-To"] = f"<{in_reply_to}>"
            mail["References"] = f"<{in_reply_to}>"
        mail.set_content(body)
        if rng.random() < 0.4:
            html = "".join(f"<p>{line}</p>" for line in body.splitlines() if line)
            mail.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
        if rng.random() < 0.2:
            data = rng.randbytes(rng.randrange(2_000, 8_000))
            mail.add_attachment(data, maintype="image", subtype="png", filename=f"photo-{i}.png")
        raw = mail.as_bytes()
        (folder / f"{i:06}.eml").write_bytes(raw)
        messages.append(raw)
        thread = (person, lang, subject.removeprefix("Re: "), message_id, body.split("\n\n")[0])
        if in_reply_to is None:
            threads.append(thread)
        else:
            threads[k] = thread
    return messages


def timed(
    messages: list[bytes], op: Callable[[bytes], object], limit: float
) -> tuple[int, float, float]:
    """(messages done, wall seconds, CPU seconds) for op over `messages`, stopping after
    `limit` seconds."""
    deadline = time.perf_counter() + limit
    start, cpu = time.perf_counter(), time.process_time()
    done = 0
    for raw in messages:
        op(raw)
        done += 1
        if time.perf_counter() > deadline:
            break
    return done, time.perf_counter() - start, time.process_time() - cpu


def fresh_runtime(data: Path, template: Path) -> tuple[Settings, int]:
    data.mkdir()
    shutil.copy(template, data / "frontdesk.db")
    settings = Settings(data_dir=data, secret_key="x" * 40, embedded_workers=0)
    fd = Frontdesk(settings)
    with fd.transaction() as tx:
        inbox = create_inbox(
            tx, SYSTEM, name="Support", kind="email", config={"address": SUPPORT}, team_id=None
        ).id
    fd.close()
    return settings, inbox


def smtp_feed(port: int, messages: list[bytes], clients: int) -> float:
    """Send every message to the listener over `clients` connections at once, each taking
    the next message when its last one was answered; returns the wall time."""
    pending = iter(enumerate(messages))
    lock = threading.Lock()
    failures: list[str] = []

    def client() -> None:
        with smtplib.SMTP(HOST, port, timeout=120) as smtp:
            while True:
                with lock:
                    item = next(pending, None)
                if item is None:
                    return
                i, raw = item
                try:
                    smtp.sendmail(f"bench-{i}@example.net", [SUPPORT], raw)
                except smtplib.SMTPException as exc:
                    failures.append(f"message {i}: {exc}")

    start = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if failures:
        raise SystemExit(f"{len(failures)} messages refused, first: {failures[0]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000, help="messages to generate")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per stage")
    parser.add_argument("--profile", action="store_true", help="cProfile stage (c)")
    parser.add_argument("--smtp-clients", type=int, default=8, help="concurrent SMTP clients")
    args = parser.parse_args()

    load = OtherLoad()
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="frontdesk-bench-") as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "mail"
        folder.mkdir()
        messages = generate(args.messages, folder)
        size = sum(len(m) for m in messages)
        template = tmp / "template.db"
        migrate(f"sqlite:///{template}")

        def row(label: str, done: int, wall: float, cpu: float | None, floor: float) -> None:
            rate = done / wall
            rows.append(
                [
                    label,
                    done,
                    f"{rate:,.0f}",
                    ms(wall / done),
                    "-" if cpu is None else ms(cpu / done),
                    f"{floor / rate:.1f}x" if floor else "1.0x",
                ]
            )

        limit = args.time_limit
        done, wall, cpu = timed(messages, email.message_from_bytes, limit)
        floor = done / wall
        row("(a) stdlib message_from_bytes, compat32 [floor]", done, wall, cpu, 0)
        done, wall, cpu = timed(
            messages, lambda raw: email.message_from_bytes(raw, policy=default), limit
        )
        row("(a) stdlib message_from_bytes, policy.default", done, wall, cpu, floor)
        done, wall, cpu = timed(messages, parse_email, limit)
        row("(b) parse_email", done, wall, cpu, floor)

        settings, inbox = fresh_runtime(tmp / "in-process", template)
        fd = Frontdesk(settings)
        outcomes: dict[str, int] = {}

        def store(raw: bytes) -> None:
            outcome = ingest(fd, inbox, raw).outcome
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        done, wall, cpu = timed(messages, store, limit)
        if profiler:
            profiler.disable()
        fd.close()
        full_rate = done / wall
        row("(c) ingest() in-process, SQLite", done, wall, cpu, floor)

        settings, inbox = fresh_runtime(tmp / "subprocess", template)
        frontdesk = str(Path(sys.executable).parent / "frontdesk")
        command = [frontdesk, "mail", "import", str(folder), "--readers", "1"]
        env = bench_env(FRONTDESK_DATA_DIR=str(settings.data_dir), FRONTDESK_SECRET_KEY="x" * 40)
        start = time.perf_counter()
        finished = subprocess.run(
            [*command, "--inbox", str(inbox)],
            env=env,
            capture_output=True,
            text=True,
            timeout=max(limit * 3, 600),
            check=False,
        )
        wall = time.perf_counter() - start
        if finished.returncode != 0:
            raise SystemExit(f"mail import failed:\n{finished.stdout}\n{finished.stderr[-3000:]}")
        row("(d) frontdesk mail import --readers 1 (wall)", len(messages), wall, None, floor)
        # What the import itself reports: without the interpreter's start and schema check
        # (about a second here), which a bench of a few thousand messages would count
        # against throughput.
        said = re.search(r"in ([\d.]+) s \(", finished.stdout)
        if said is None:
            raise SystemExit(f"mail import printed no time:\n{finished.stdout}")
        import_seconds = float(said.group(1))
        import_rate = len(messages) / import_seconds
        row("(d) the same, as the import timed itself", len(messages), import_seconds, None, floor)

        settings, _ = fresh_runtime(tmp / "listener", template)
        env = bench_env(FRONTDESK_DATA_DIR=str(settings.data_dir), FRONTDESK_SECRET_KEY="x" * 40)
        port = free_port()
        listen = [frontdesk, "mail", "listen", "--port", str(port)]
        with Server(listen, port, env, tmp / "listener.log", health=None) as listener:
            started = listener.cpu()  # its start-up is not the messages' work
            wall = smtp_feed(port, messages, args.smtp_clients)
            cpu = listener.cpu() - started
        with sqlite3.connect(settings.data_dir / "frontdesk.db") as db:
            listened = db.execute("SELECT count(*) FROM messages").fetchone()[0]
        listen_rate = len(messages) / wall
        row(
            f"(e) frontdesk mail listen, {args.smtp_clients} SMTP clients (wall)",
            len(messages),
            wall,
            cpu,
            floor,
        )
        others = load.note()

    print(
        f"\n{len(messages)} generated messages, {size / len(messages) / 1024:.1f} KB on average "
        f"({size / 1024 / 1024:.1f} MB): ~35 % new tickets, the rest replies by In-Reply-To "
        "with quoted history; ~20 % with an attachment, ~40 % with HTML; 6 languages"
    )
    print_table(
        "Email intake on SQLite (WAL); (c) stores one message at a time, (d) and (e) let "
        "messages arriving together share a transaction",
        ["stage", "messages", "msg/s", "ms/msg (wall)", "CPU ms/msg", "time vs floor"],
        rows,
    )
    print(f"ingest() outcomes: {outcomes}")
    print(f"mail import said: {finished.stdout.strip()}")
    print(f"mail listen stored {listened} of {len(messages)} messages")
    for label, rate in (("(d) mail import", import_rate), ("(e) mail listen", listen_rate)):
        verdict = "meets" if rate >= TARGET else "misses"
        print(
            f"target: >= {TARGET} msg/s through the full pipeline on SQLite, 2 cores: "
            f"{label} {verdict} it at {rate:,.0f} msg/s"
        )
    print(f"(c) in-process, one at a time: {full_rate:,.0f} msg/s")
    print(f"for scale: django-helpdesk ingests {DJANGO_HELPDESK} msg/s")
    print("floor: the standard library parsing the same bytes, nothing decoded or stored")
    print(others)
    if profiler:
        print("\ncProfile of stage (c), top 30 by cumulative time:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
