"""A throwaway PostgreSQL cluster in a folder, reached on a Unix socket: for the scale-out tests and for
trying the lake and the shared Dagster instance on one machine (production uses a managed server).

    python -m pipelines.local_postgres start FOLDER   # prints the connection string of database postgres
    python -m pipelines.local_postgres stop FOLDER

The server listens on no TCP port (only on `FOLDER/socket`), so clusters of several users or test
workers never collide. PostgreSQL refuses to run as root: as root the cluster belongs to `nobody`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"
# Debian keeps the server programs out of PATH, in a folder per major version
DEBIAN_BINARIES = Path("/usr/lib/postgresql")
SERVER_USER_AS_ROOT = "nobody"


def server_binaries() -> Path:
    """Return the folder holding initdb and pg_ctl (FileNotFoundError when PostgreSQL is not installed)."""
    versions = sorted(DEBIAN_BINARIES.glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise FileNotFoundError(
        "PostgreSQL's initdb is not installed: `make postgres` installs it (Debian's postgresql package)"
    )


def _as_server_user(command: list[str]) -> list[str]:
    """Return `command` run as the user who may own the cluster (root hands it to `nobody`)."""
    return ["runuser", "-u", SERVER_USER_AS_ROOT, "--", *command] if os.geteuid() == 0 else command


@dataclass(frozen=True)
class LocalPostgres:
    """A cluster kept in `folder`: its data in `data/`, its socket in `socket/`, its log in `server.log`."""

    folder: Path

    @property
    def socket_dir(self) -> Path:
        """Return the folder of the server's Unix socket (the `host` of a connection string)."""
        return self.folder / "socket"

    def dsn(self, database: str = "postgres") -> str:
        """Return a libpq connection string to `database` as the superuser (trusted: no password)."""
        return f"dbname={database} host={self.socket_dir} user={SUPERUSER}"

    def url(self, database: str = "postgres") -> str:
        """Return a URL to `database` for Dagster's postgres_url (SQLAlchemy with psycopg2)."""
        return f"postgresql+psycopg2://{SUPERUSER}@/{database}?host={self.socket_dir}"

    def _run(self, *command: str) -> None:
        subprocess.run(
            _as_server_user([str(server_binaries() / command[0]), *command[1:]]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def start(self) -> None:
        """Create the cluster if it is not there, then start it and wait until it accepts connections."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam(SERVER_USER_AS_ROOT)
            for path in (self.folder, self.socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
            self.folder.chmod(0o711)  # the server user must reach its folder inside root's
        data = self.folder / "data"
        if not (data / "PG_VERSION").exists():
            self._run(
                "initdb",
                "--pgdata",
                str(data),
                "--username",
                SUPERUSER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            )
        # a throwaway cluster: no TCP, and no waiting for the disk (the server itself is never killed)
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "start",
            "--pgdata",
            str(data),
            "--wait",
            "--log",
            str(self.folder / "server.log"),
            "-o",
            options,
        )

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions end); nothing happens when it is not running."""
        data = self.folder / "data"
        if (data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "--pgdata", str(data), "--wait", "--mode", "fast")

    def create_database(self, name: str) -> str:
        """Create database `name` (a plain identifier) and return its connection string."""
        if not name.isidentifier():
            raise ValueError(f"database name {name!r}: letters, digits and underscores only")
        subprocess.run(
            [
                str(server_binaries() / "psql"),
                "--quiet",
                "--no-psqlrc",
                "-v",
                "ON_ERROR_STOP=1",
                "--dbname",
                self.dsn(),
                "--command",
                f'create database "{name}"',
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return self.dsn(name)


def main(argv: list[str]) -> int:
    """Start or stop the cluster in a folder: `start FOLDER` prints the connection string."""
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    cluster = LocalPostgres(Path(argv[1]).resolve())
    if argv[0] == "start":
        cluster.start()
        print(cluster.dsn())
    else:
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
