"""Search at scale: index build rate, incremental lag, query latency, on SQLite and
PostgreSQL, beside floors measured in the same run.

    uv run python bench/search.py                         # 100 000 messages, both databases
    uv run python bench/search.py --messages 1000000      # the full size (several minutes)
    uv run python bench/search.py --backend sqlite --messages 20000

Messages are written straight into the tables (as an import would), in six languages and
four scripts, then indexed by the real indexer (`index_pending`), then queried through the
real `search()` as an admin: one common word, one rare word, two words, and a phrase.
Floors: the database's own tokenizer indexing the same raw text (FTS5 unicode61 insert on
SQLite; `to_tsvector('simple')` on PostgreSQL), and a bare MATCH/@@ for each query.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import OtherLoad, ms, percentile, print_table
from sqlalchemy import create_engine, func, insert, select, text

from frontdesk.channels.base import InboundMessage, Sender
from frontdesk.config import Settings
from frontdesk.db.engine import migrate
from frontdesk.domain.actors import SYSTEM
from frontdesk.domain.bootstrap import default_api_inbox
from frontdesk.domain.inbound import receive
from frontdesk.language import detector
from frontdesk.models import Contact, Message, SearchDocument, Ticket
from frontdesk.runtime import Frontdesk
from frontdesk.search.analysis import analyse, fold, normalise, split_words
from frontdesk.search.background import start_indexer
from frontdesk.search.indexer import index_pending
from frontdesk.search.service import search

DATA = Path(__file__).resolve().parent.parent / "tests" / "search" / "relevance"
LANGUAGES = ("en", "hy", "ta", "lv", "el", "sl")
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
START = datetime(2026, 1, 1, tzinfo=UTC)


def vocabulary() -> dict[str, list[str]]:
    """Words of each language, from the relevance set's articles, most frequent first."""
    words: dict[str, list[str]] = {}
    for language in LANGUAGES:
        items = json.loads((DATA / f"{language}.json").read_text())["articles"]
        found: list[str] = []
        for item in items:
            found += [w for w, _, _ in split_words(f"{item['title']} {item['body']}")]
        words[language] = list(dict.fromkeys(found))
    return words


def sentence(rng: random.Random, words: list[str]) -> str:
    # Zipf-like: a few words are in many messages (the common-word case), most are rare.
    count = rng.randint(8, 30)
    picks = [words[min(int(rng.paretovariate(1.1)) - 1, len(words) - 1)] for _ in range(count)]
    return " ".join(picks).capitalize() + "."


def seed(fd: Frontdesk, messages: int, rng: random.Random) -> dict[str, list[str]]:
    vocab = vocabulary()
    with fd.transaction() as tx:
        inbox = default_api_inbox(tx).id
    per_ticket, per_contact = 5, 4
    tickets = max(1, messages // per_ticket)
    contacts = max(1, tickets // per_contact)
    with fd.write_session() as session:
        session.execute(
            insert(Contact),
            [
                {"name": f"Customer {i}", "created_at": START, "updated_at": START}
                for i in range(contacts)
            ],
        )
        first_contact = session.scalar(select(func.min(Contact.id))) or 1
    chunk = 20_000
    for offset in range(0, tickets, chunk):
        rows = []
        for i in range(offset, min(tickets, offset + chunk)):
            language = LANGUAGES[i % len(LANGUAGES)]
            at = START + timedelta(seconds=i)
            rows.append(
                {
                    "subject": sentence(rng, vocab[language])[:80],
                    "status": "open",
                    "priority": "normal",
                    "inbox_id": inbox,
                    "contact_id": first_contact + i % contacts,
                    "language": language,
                    "custom_fields": {},
                    "token": f"{i:020x}",
                    "created_at": at,
                    "updated_at": at,
                }
            )
        with fd.write_session() as session:
            session.execute(insert(Ticket), rows)
    with fd.read() as session:
        first_ticket = session.scalar(select(func.min(Ticket.id))) or 1
    for offset in range(0, messages, chunk):
        rows = []
        for i in range(offset, min(messages, offset + chunk)):
            ticket = i % tickets
            language = LANGUAGES[ticket % len(LANGUAGES)]
            rows.append(
                {
                    "ticket_id": first_ticket + ticket,
                    "inbox_id": inbox,
                    "channel": "api",
                    "direction": "in",
                    "is_internal": False,
                    "author_contact_id": first_contact + ticket % contacts,
                    "text": sentence(rng, vocab[language]),
                    "delivery_status": "received",
                    "is_auto": False,
                    "meta": {},
                    "created_at": START + timedelta(seconds=i),
                }
            )
        with fd.write_session() as session:
            session.execute(insert(Message), rows)
    return vocab


def build(fd: Frontdesk, messages: int) -> float:
    started = time.perf_counter()
    written = 0
    last = started
    while True:
        done = index_pending(fd, batch=1000, max_batches=20)
        written += done
        if time.perf_counter() - last > 10:
            last = time.perf_counter()
            print(f"  … {written} documents, {written / (last - started):.0f}/s", flush=True)
        if not done:
            break
    if not fd.settings.is_sqlite:
        with fd.write_session() as session:  # as index_pending does after a bulk load
            session.execute(text("ANALYZE search_documents"))
    return time.perf_counter() - started


def floor_build(fd: Frontdesk, texts: list[str]) -> float:
    """The database's own tokenizer over the same raw text, no analysis of ours."""
    with fd.write_session() as session:
        started = time.perf_counter()
        if fd.settings.is_sqlite:
            session.execute(text("CREATE VIRTUAL TABLE floor_fts USING fts5(body)"))
            session.execute(
                text("INSERT INTO floor_fts(body) VALUES (:b)"), [{"b": t} for t in texts]
            )
        else:
            session.execute(text("CREATE TABLE floor_ts (id serial, v tsvector)"))
            session.execute(
                text("INSERT INTO floor_ts(v) VALUES (to_tsvector('simple', :b))"),
                [{"b": t} for t in texts],
            )
            session.execute(text("CREATE INDEX ON floor_ts USING gin (v)"))
        return time.perf_counter() - started


def queries(
    vocab: dict[str, list[str]], rng: random.Random, fd: Frontdesk, n: int
) -> dict[str, list[str]]:
    with fd.read() as session:
        samples = list(session.scalars(select(Message.text).order_by(func.random()).limit(n)))
    common = [vocab[lang][0] for lang in LANGUAGES] + [vocab[lang][1] for lang in LANGUAGES]
    out: dict[str, list[str]] = {
        "one common word": [],
        "one rare word": [],
        "two words": [],
        "phrase": [],
    }
    for i in range(n):
        lang = LANGUAGES[i % len(LANGUAGES)]
        words = vocab[lang]
        out["one common word"].append(common[i % len(common)])
        out["one rare word"].append(words[rng.randrange(len(words) // 2, len(words))])
        out["two words"].append(
            f"{words[rng.randrange(0, 30)]} {words[rng.randrange(0, len(words))]}"
        )
        sample = [w for w, _, _ in split_words(samples[i % len(samples)])]
        start = rng.randrange(0, max(1, len(sample) - 3))
        out["phrase"].append('"' + " ".join(sample[start : start + 3]) + '"')
    return out


def run_queries(fd: Frontdesk, batches: dict[str, list[str]]) -> list[list[object]]:
    rows: list[list[object]] = []
    for name, texts in batches.items():
        times, counts = [], []
        for q in texts:
            with fd.read() as session:
                started = time.perf_counter()
                hits = search(session, SYSTEM, q, types=("ticket",), limit=20)
                times.append(time.perf_counter() - started)
                counts.append(len(hits))
        floor = floor_queries(fd, texts)
        rows.append(
            [
                name,
                len(texts),
                ms(percentile(times, 50)),
                ms(percentile(times, 95)),
                ms(percentile(times, 99)),
                f"{statistics.mean(counts):.1f}",
                ms(percentile(floor, 95)),
            ]
        )
    return rows


def floor_queries(fd: Frontdesk, texts: list[str]) -> list[float]:
    """A bare query on the floor index, newest 20 hits, no ranking, no permissions."""
    times = []
    for q in texts:
        words = [fold(normalise(w)) for w, _, _ in split_words(q)]
        if not words:
            continue
        with fd.read() as session:
            started = time.perf_counter()
            if fd.settings.is_sqlite:
                match = " ".join('"' + w + '"' for w in words)
                if q.startswith('"'):
                    match = '"' + " ".join(words) + '"'
                session.execute(
                    text(
                        "SELECT rowid FROM floor_fts WHERE floor_fts MATCH :m "
                        "ORDER BY rowid DESC LIMIT 20"
                    ),
                    {"m": match},
                ).all()
            else:
                op = " <-> " if q.startswith('"') else " & "
                tsq = op.join("'" + w.replace("'", "''") + "'" for w in words)
                session.execute(
                    text(
                        "SELECT id FROM floor_ts WHERE v @@ CAST(:q AS tsquery) "
                        "ORDER BY id DESC LIMIT 20"
                    ),
                    {"q": tsq},
                ).all()
            times.append(time.perf_counter() - started)
    return times


def lag(
    fd: Frontdesk, count: int, vocab: dict[str, list[str]], rng: random.Random
) -> tuple[float, float, float, float]:
    """receive() throughput without and with the background indexer running, and how long
    after its commit a message became searchable."""

    def send(n: int, tag: str) -> float:
        started = time.perf_counter()
        for i in range(n):
            language = LANGUAGES[i % len(LANGUAGES)]
            with fd.transaction() as tx:
                inbox = default_api_inbox(tx).id
                receive(
                    tx,
                    InboundMessage(
                        inbox_id=inbox,
                        sender=Sender("email", f"{tag}{i}@example.org", ""),
                        subject="Lag",
                        text=sentence(rng, vocab[language]),
                    ),
                )
        return n / (time.perf_counter() - started)

    index_pending(fd)
    alone = send(count, "alone")
    index_pending(fd)
    since = datetime.now(UTC)
    stop = start_indexer(fd, delay=0)
    try:
        beside = send(count, "beside")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with fd.read() as session:
                missing = session.scalar(
                    select(func.count())
                    .select_from(Message)
                    .where(
                        Message.created_at >= since,
                        ~select(SearchDocument.id)
                        .where(
                            SearchDocument.kind == "message", SearchDocument.ref_id == Message.id
                        )
                        .exists(),
                    )
                )
            if not missing:
                break
            time.sleep(0.1)
    finally:
        stop()
    with fd.read() as session:
        rows = session.execute(
            select(Message.created_at, SearchDocument.indexed_at)
            .join(
                SearchDocument,
                (SearchDocument.kind == "message") & (SearchDocument.ref_id == Message.id),
            )
            .where(Message.created_at >= since)
        ).all()
    lags = [(indexed - created).total_seconds() for created, indexed in rows]
    return alone, beside, percentile(lags, 50), percentile(lags, 95)


def run(backend: str, args: argparse.Namespace, workdir: Path) -> None:
    rng = random.Random(7)
    kept = args.data_dir is not None
    marker = workdir / f"{backend}-{args.messages}.built"
    reuse = kept and marker.exists()
    cleanup = None
    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'search-{args.messages}.db'}"
    else:
        name = f"frontdesk_bench_search_{args.messages if kept else int(time.time())}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not reuse:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        cleanup = None if kept else drop

    try:
        migrate(url)
        settings = Settings(
            data_dir=workdir / backend,
            database_url=url,
            secret_key="b" * 40,
            search_index_seconds=1.0,
        )
        fd = Frontdesk(settings)
        load = OtherLoad()
        if reuse:
            # A kept data set: its index was built by an earlier run; measure queries only.
            print(f"\n[{backend}] reusing the {args.messages}-message data set in {workdir}")
            batches = queries(vocabulary(), rng, fd, args.queries)
            print_table(
                f"[{backend}] query latency through search(), ms (target p95 < 50)",
                ["query", "n", "p50", "p95", "p99", "hits", "floor p95"],
                run_queries(fd, batches),
            )
            print(f"[{backend}] {load.note()}")
            fd.close()
            return
        started = time.perf_counter()
        vocab = seed(fd, args.messages, rng)
        seeded = time.perf_counter() - started
        with fd.read() as session:
            total_docs = (
                (session.scalar(select(func.count()).select_from(Message)) or 0)
                + (session.scalar(select(func.count()).select_from(Ticket)) or 0)
                + (session.scalar(select(func.count()).select_from(Contact)) or 0)
            )
            texts = list(session.scalars(select(Message.text)))
        print(
            f"\n[{backend}] seeded {args.messages} messages in {seeded:.1f} s; "
            f"indexing {total_docs} documents"
        )
        built = build(fd, args.messages)
        floor = floor_build(fd, texts)
        analysis_started = time.perf_counter()
        for t in texts[:20000]:
            analyse(t, "en")
        analysis = (time.perf_counter() - analysis_started) / min(len(texts), 20000)
        print_table(
            f"[{backend}] index build ({args.messages} messages)",
            ["what", "documents", "seconds", "documents/s"],
            [
                [
                    "frontdesk index_pending()",
                    total_docs,
                    f"{built:.1f}",
                    f"{total_docs / built:.0f}",
                ],
                [
                    "floor: database tokenizer on raw text",
                    len(texts),
                    f"{floor:.1f}",
                    f"{len(texts) / floor:.0f}",
                ],
                ["(analysis alone, per message)", "", "", f"{1 / analysis:.0f}"],
            ],
        )
        batches = queries(vocab, rng, fd, args.queries)
        print_table(
            f"[{backend}] query latency through search(), ms (target p95 < 50)",
            ["query", "n", "p50", "p95", "p99", "hits", "floor p95"],
            run_queries(fd, batches),
        )
        alone, beside, lag50, lag95 = lag(fd, args.lag_messages, vocab, rng)
        print_table(
            f"[{backend}] incremental indexing "
            f"(indexer every {settings.search_index_seconds:.0f} s)",
            ["figure", "value"],
            [
                ["receive() messages/s, indexer stopped", f"{alone:.0f}"],
                ["receive() messages/s, indexer running", f"{beside:.0f}"],
                ["commit → searchable p50 (s)", f"{lag50:.2f}"],
                ["commit → searchable p95 (s)", f"{lag95:.2f}"],
            ],
        )
        print(f"[{backend}] {load.note()}")
        fd.close()
        if kept:
            marker.touch()
    finally:
        if cleanup is not None:
            cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--lag-messages", type=int, default=300)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep the data set here (PostgreSQL: a database named by size) and, when it "
        "was built before, measure queries only",
    )
    args = parser.parse_args()
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    detector().detect("Kur ir mans sūtījums? Where is my parcel?")
    detector().model()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"language detector ({', '.join(detector().languages)}): process peak RSS "
        f"{after / 1024:.0f} MB, of which the detector added {(after - before) / 1024:.0f} MB"
    )
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    if args.data_dir is not None:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        for backend in backends:
            run(backend, args, args.data_dir)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            run(backend, args, Path(tmp))


if __name__ == "__main__":
    main()
