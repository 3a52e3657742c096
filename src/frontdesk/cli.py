"""The `frontdesk` command."""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from frontdesk import __version__
from frontdesk.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from frontdesk.runtime import Frontdesk

app = typer.Typer(help="Frontdesk: every customer channel in one inbox.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")
mail_app = typer.Typer(help="The email channel: parse, import, listen.", no_args_is_help=True)
app.add_typer(mail_app, name="mail")
search_app = typer.Typer(
    help="Search: rebuild or catch up the index, try a query.", no_args_is_help=True
)
app.add_typer(search_app, name="search")


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"frontdesk {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # aiosmtpd logs every SMTP command of every session at INFO: more than the listener's
    # own work per message. Our listener logs each message's outcome itself.
    logging.getLogger("mail.log").setLevel(logging.WARNING)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None, typer.Option(help="Job worker threads in each process (0: none).")
    ] = None,
    processes: Annotated[
        int, typer.Option(min=1, help="Server processes sharing the port (one per core).")
    ] = 1,
) -> None:
    """Serve the web app and API; job workers run inside unless --workers 0."""
    import uvicorn

    from frontdesk.app import create_app
    from frontdesk.db.engine import migrate

    overrides: dict[str, object] = {}
    if workers is not None:
        overrides["embedded_workers"] = workers
    settings = _settings(**overrides)
    # Once, before any process starts: they would race each other to do it.
    if settings.auto_migrate:
        migrate(settings.resolved_database_url)
    settings.resolved_secret_key()
    settings = settings.model_copy(update={"auto_migrate": False})
    typer.echo(f"Frontdesk {__version__} on http://{host}:{port} ({_where(settings)})")
    if processes == 1:
        target: object = create_app(settings)
    else:
        # Each process builds its app from the environment.
        target = "frontdesk.app:create_app"
        os.environ["FRONTDESK_AUTO_MIGRATE"] = "false"
        if workers is not None:
            os.environ["FRONTDESK_EMBEDDED_WORKERS"] = str(workers)
    uvicorn.run(
        target,  # type: ignore[arg-type]
        factory=processes > 1,
        workers=processes,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
    )


@app.command()
def worker(
    threads: Annotated[int, typer.Option(help="Worker threads.")] = 2,
) -> None:
    """Run background jobs (deliveries and more) until SIGTERM; the job in hand finishes."""
    from frontdesk.automation.schedule import ensure_minute_tick
    from frontdesk.channels.services import start_services, stop_services
    from frontdesk.jobs.worker import WorkerPool
    from frontdesk.runtime import Frontdesk

    settings = _settings()
    fd = Frontdesk(settings)
    pool = WorkerPool(fd, threads)
    stopping: list[int] = []

    def _stop(signum: int, frame: object) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    ensure_minute_tick(fd)  # SLA warnings, promises, follow-ups, time rules
    pool.start()
    services = start_services(fd)
    typer.echo(f"worker: {threads} thread(s) on {_where(settings)}")
    while not stopping:
        signal.pause()
    typer.echo("worker: finishing the jobs in hand")
    stop_services(services)
    pool.stop()
    fd.close()


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from frontdesk.db.engine import migrate as run_migrations

    settings = _settings()
    run_migrations(settings.resolved_database_url)
    typer.echo(f"database is up to date ({_where(settings)})")


@app.command()
def createadmin(
    email: Annotated[str, typer.Option(help="The admin's email address.")],
    password: Annotated[str, typer.Option(help="At least 10 characters.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
) -> None:
    """Create an admin agent (or make an existing agent admin with this password)."""
    from sqlalchemy import select

    from frontdesk.domain import agents
    from frontdesk.domain.actors import SYSTEM
    from frontdesk.domain.errors import DomainError
    from frontdesk.models import Agent

    fd = _ready_runtime()
    try:
        with fd.transaction() as tx:
            existing = tx.session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
            if existing is None:
                agents.create_agent(
                    tx, SYSTEM, email=email, name=name or email, role="admin", password=password
                )
            else:
                agents.update_agent(
                    tx, SYSTEM, existing.id, {"role": "admin", "password": password}
                )
    except DomainError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        fd.close()
    typer.echo(f"admin {email} is ready")


@token_app.command("create")
def token_create(
    agent: Annotated[str, typer.Option("--agent", help="Email of the agent the token acts as.")],
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "CLI token",
) -> None:
    """Print a new API token for an agent. It is shown once; only its hash is kept."""
    from sqlalchemy import select

    from frontdesk.domain import agents
    from frontdesk.domain.actors import SYSTEM
    from frontdesk.models import Agent

    fd = _ready_runtime()
    try:
        with fd.transaction() as tx:
            found = tx.session.scalar(select(Agent).where(Agent.email == agent.strip().lower()))
            if found is None:
                typer.echo(f"error: no agent with email {agent}", err=True)
                raise typer.Exit(1)
            _, secret = agents.create_token(tx, SYSTEM, found.id, name)
    finally:
        fd.close()
    typer.echo(secret)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load the data and exit.")] = False,
) -> None:
    """Load believable demo data in six languages, then serve."""
    from frontdesk.demo.load import DEMO_PASSWORD, load_demo

    settings = _settings()
    _ready_runtime().close()
    loaded = load_demo(settings)
    typer.echo("demo data loaded" if loaded else "tickets exist already; demo data not loaded")
    typer.echo(f"sign in as admin@example.com with password {DEMO_PASSWORD!r}")
    if not no_serve:
        serve(host=host, port=port, workers=None)


@mail_app.command("parse")
def mail_parse(
    files: Annotated[list[Path], typer.Argument(help="Raw email files (.eml).")],
) -> None:
    """Print what Frontdesk reads in each email file: one JSON object per line."""
    from frontdesk.channels.email.cli import parse_files

    raise typer.Exit(parse_files(files))


@mail_app.command("import")
def mail_import(
    path: Annotated[Path, typer.Argument(help="A folder of .eml files, a Maildir or an mbox.")],
    inbox: Annotated[int, typer.Option("--inbox", help="The email inbox's id.")],
    readers: Annotated[
        int | None,
        typer.Option(
            min=0, help="Processes parsing ahead of the one storing (default: cores - 1)."
        ),
    ] = None,
) -> None:
    """Store the messages of a folder, Maildir or mbox on an email inbox (safe to repeat)."""
    from frontdesk.channels.email.cli import import_mailbox

    if readers is None:
        readers = (os.cpu_count() or 1) - 1
    fd = _ready_runtime()
    try:
        code = import_mailbox(fd, path, inbox, readers)
    finally:
        fd.close()
    raise typer.Exit(code)


@mail_app.command("listen")
def mail_listen(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: from FRONTDESK_SMTP_LISTEN).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 2525).")] = None,
    lmtp: Annotated[bool, typer.Option("--lmtp", help="Speak LMTP instead of SMTP.")] = False,
    readers: Annotated[
        int | None,
        typer.Option(min=0, help="Processes reading the messages (default: cores - 1)."),
    ] = None,
) -> None:
    """Receive mail for the email inboxes over SMTP (or LMTP) until SIGTERM or Ctrl-C."""
    from frontdesk.channels.email.listener import MailListener, parse_listen_address
    from frontdesk.runtime import Frontdesk

    settings = _settings()
    default_host, default_port = parse_listen_address(settings.smtp_listen or "127.0.0.1:2525")
    fd = Frontdesk(settings)
    listener = MailListener(
        fd,
        default_host if host is None else host,
        default_port if port is None else port,
        lmtp=lmtp or settings.smtp_listen_lmtp,
        readers=(os.cpu_count() or 1) - 1 if readers is None else readers,
    )
    stopping: list[int] = []

    def _stop(signum: int, frame: object) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        listener.start()
    except RuntimeError as exc:
        fd.close()
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"mail: listening for {listener.protocol} on {listener.host}:{listener.port} "
        f"({_where(settings)})"
    )
    while not stopping:
        signal.pause()
    typer.echo("mail: stopping; answering the messages in hand")
    listener.stop()
    fd.close()


@search_app.command("reindex")
def search_reindex() -> None:
    """Drop the search index and build it again from everything, with a progress bar."""
    from frontdesk.search.cli import run_reindex

    fd = _ready_runtime()
    try:
        code = run_reindex(fd)
    finally:
        fd.close()
    raise typer.Exit(code)


@search_app.command("index")
def search_index() -> None:
    """Index what changed since the last run (the workers do this every second)."""
    from frontdesk.search.cli import run_index

    fd = _ready_runtime()
    try:
        code = run_index(fd)
    finally:
        fd.close()
    raise typer.Exit(code)


@search_app.command("query")
def search_query(
    text: Annotated[str, typer.Argument(help='What to look for: words, "phrases", -not, pre*')],
    limit: Annotated[int, typer.Option(help="How many hits.")] = 10,
) -> None:
    """Print the best hits for a query (as an admin sees them), one JSON object per line."""
    from frontdesk.search.cli import run_query

    fd = _ready_runtime()
    try:
        code = run_query(fd, text, limit)
    finally:
        fd.close()
    raise typer.Exit(code)


def _ready_runtime() -> Frontdesk:
    from frontdesk.db.engine import migrate as run_migrations
    from frontdesk.runtime import Frontdesk

    settings = _settings()
    run_migrations(settings.resolved_database_url)
    return Frontdesk(settings)


def _where(settings: Settings) -> str:
    url = settings.resolved_database_url
    return url.split("@")[-1] if "@" in url else url


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
