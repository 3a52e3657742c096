"""A throwaway Dovecot IMAP server for tests: its own config, users, mail and logs in a
temporary directory, listening on a free port of 127.0.0.1, stopped afterwards.

Each test asks for its own account (`new_account()`, made before Dovecot starts), so tests
share one server but never each other's mail.
"""

from __future__ import annotations

import getpass
import os
import pwd
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.servers import PATIENCE_SECONDS, free_port, wait_until

ACCOUNTS = 60
DOVECOT = shutil.which("dovecot") or next(
    (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)), None
)


@dataclass
class Account:
    host: str
    port: int
    username: str
    password: str
    tls_port: int | None = None  # IMAPS, when openssl could make a certificate

    def imap_config(self, **more: Any) -> dict[str, Any]:
        """The `imap` part of an email inbox's config that reads this account."""
        return {
            "host": self.host,
            "port": self.port,
            "security": "none",
            "username": self.username,
            "password": self.password,
            **more,
        }


@dataclass
class Dovecot:
    root: Path
    port: int  # plain IMAP, and STARTTLS when there is a certificate
    process: subprocess.Popen[bytes]
    tls_port: int | None = None
    certificate: Path | None = None  # self-signed, for 127.0.0.1
    _accounts: int = field(default=0)

    @property
    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def new_account(self) -> Account:
        """An account of its own (with an empty mailbox) for one test."""
        self._accounts += 1
        assert self._accounts <= ACCOUNTS, f"only {ACCOUNTS} accounts were made"
        username = f"support{self._accounts}"
        return Account(
            "127.0.0.1", self.port, username, _password(self.root, username), self.tls_port
        )


def _password(root: Path, username: str) -> str:
    for line in (root / "users").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name == username:
            return rest.split(":")[0].removeprefix("{PLAIN}")
    raise KeyError(username)


def _make_accounts(root: Path) -> None:
    uid, gid = _mail_ids()
    lines = []
    for n in range(1, ACCOUNTS + 1):
        home = root / "mail" / f"support{n}"
        home.mkdir(parents=True, exist_ok=True)
        os.chown(home, uid, gid)
        lines.append(f"support{n}:{{PLAIN}}{secrets.token_urlsafe(12)}::::{home}::\n")
    (root / "users").write_text("".join(lines))


def _mail_ids() -> tuple[int, int]:
    """Whose the mail is: Dovecot never accesses mail as root, so as root it is nobody's."""
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid


def _certificate(root: Path) -> Path | None:
    """A self-signed certificate for 127.0.0.1 (key beside it), or None without openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = root / "cert.pem", root / "key.pem"
    args = "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1"
    args += " -addext subjectAltName=IP:127.0.0.1"
    subprocess.run(
        [openssl, *args.split(), "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert


def _config(
    root: Path, port: int, tls_port: int | None, cert: Path | None, introspection_url: str | None
) -> str:
    me = getpass.getuser()
    unprivileged = os.geteuid() != 0
    ssl = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{root}/key.pem" if cert else "ssl = no"
    return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login{" xoauth2 oauthbearer" if introspection_url else ""}
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mailbox_idle_check_interval = 1 secs
first_valid_uid = 0
mail_uid = {_mail_ids()[0]}
mail_gid = {_mail_ids()[1]}
first_valid_gid = 0
{f"default_login_user = {me}" if unprivileged else ""}
{f"default_internal_user = {me}" if unprivileged else ""}
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {root}/users
}}
{_oauth2_passdb(root, introspection_url) if introspection_url else ""}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port if cert and tls_port else 0}
  }}
  {"chroot =" if unprivileged else ""}
}}
service anvil {{
  chroot =
  # No growing delay after the failed logins that tests make on purpose.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def _oauth2_passdb(root: Path, introspection_url: str) -> str:
    """XOAUTH2 and OAUTHBEARER logins checked by asking the OAuth2 provider about the
    token (RFC 7662 introspection); the token's `username` must be the login name."""
    (root / "oauth2.conf.ext").write_text(
        f"introspection_mode = post\n"
        f"introspection_url = {introspection_url}\n"
        "force_introspection = yes\n"
        "username_attribute = username\n"
        "active_attribute = active\n"
        "active_value = true\n"
    )
    return f"""passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/oauth2.conf.ext
}}"""


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            return conn.recv(64).startswith(b"* OK")
    except OSError:
        return False


@contextmanager
def dovecot(root: Path, *, introspection_url: str | None = None) -> Iterator[Dovecot]:
    """Start Dovecot in the foreground under `root`; stop it (this process only) after.
    With `introspection_url`, accounts also log in with XOAUTH2 / OAUTHBEARER tokens that
    the OAuth2 provider there vouches for."""
    assert DOVECOT is not None, "dovecot is not installed"
    for attempt in range(3):  # another program may take the free port before Dovecot does
        port, tls_port = free_port(), free_port()
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        _make_accounts(root)
        cert = _certificate(root)
        conf = root / "dovecot.conf"
        conf.write_text(_config(root, port, tls_port, cert, introspection_url))
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(conf)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        server = Dovecot(root, port, process, tls_port if cert else None, cert)
        try:
            wait_until(
                lambda port=port, process=process: _answers(port) or process.poll() is not None,
                "Dovecot to answer",
                PATIENCE_SECONDS,
            )
        except AssertionError:
            _stop(process)
            raise
        if process.poll() is None:
            break
        output = process.stdout.read().decode(errors="replace") if process.stdout else ""
        if attempt == 2 or "in use" not in output + server.log:
            raise AssertionError(f"Dovecot did not start:\n{output}\n{server.log}")
    try:
        yield server
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)
    if process.stdout is not None:
        process.stdout.close()
