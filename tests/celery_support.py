"""Real infrastructure for the Celery tests and the benchmark: a private redis-server on a spare
port, a local SMTP server (aiosmtpd) that counts what it accepted, and Celery worker subprocesses.

Nothing here touches the machine's shared Redis (6379): every server runs on a port picked free
and is stopped by whoever started it.
"""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = os.environ.get("REDIS_SERVER", "redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.05, message: str = "condition"):
    """Poll until predicate() is truthy; its value, or AssertionError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {message}.")
        time.sleep(interval)


def _stop(process: subprocess.Popen | None, sig=signal.SIGTERM, timeout: float = 10) -> None:
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)


class RedisServer:
    """`redis-server` in the foreground as a child process, no persistence; start/stop at will on
    the same port (the broker going down and coming back)."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self, timeout: float = 10) -> "RedisServer":
        if self.process is not None and self.process.poll() is None:
            return self
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        wait_until(self.ping, timeout, message=f"redis-server on port {self.port}")
        return self

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        _stop(self.process)
        self.process = None


class SmtpSink:
    """A local SMTP server (aiosmtpd) that accepts everything and counts the messages it accepted
    (answered 250 to), by their X-Glo-Act-Outbox header.

    data_reply / rcpt_reply make it refuse messages or recipients; with delay, it answers each
    message after that many seconds. With block_first, the first message is held at the end of DATA
    (the client is waiting for the server's answer) until release() is called, and is then refused:
    it never counts as accepted.
    """

    def __init__(self, port=None, block_first=False, delay: float = 0, data_reply=None, rcpt_reply=None):
        from aiosmtpd.controller import Controller

        self.port = port or free_port()
        self.block_first = block_first
        self.delay = delay  # seconds before answering each message: a slow server
        self.data_reply = data_reply  # e.g. "451 Try again later": refuse every message
        self.rcpt_reply = rcpt_reply  # e.g. "550 No such user": refuse every recipient
        self.blocked = threading.Event()  # the first message arrived and is being held
        self.released = threading.Event()
        self.messages = []  # (outbox id, recipients, accepted at: time.time())
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, ready_timeout=10)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        if self.block_first and not self.blocked.is_set():
            self.blocked.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "451 Requested action aborted: the test held this message"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content)
        with self._lock:
            self.messages.append((message.get("X-Glo-Act-Outbox"), list(envelope.rcpt_tos), time.time()))
        return "250 Message accepted for delivery"

    def start(self) -> "SmtpSink":
        self.controller.start()
        return self

    def release(self) -> None:
        self.released.set()

    def stop(self) -> None:
        self.released.set()
        with contextlib.suppress(Exception):
            self.controller.stop()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def per_outbox(self) -> Counter:
        with self._lock:
            return Counter(outbox_id for outbox_id, _rcpt, _at in self.messages)

    def wait_for(self, n: int, timeout: float) -> None:
        wait_until(lambda: self.count >= n, timeout, message=f"{n} e-mail(s) at the SMTP server (got {self.count})")


def database_url(settings_dict: dict) -> str:
    """A postgres:// URL for a Django connection's settings (e.g. the test database)."""
    auth = settings_dict["USER"] or ""
    if settings_dict.get("PASSWORD"):
        auth += f":{settings_dict['PASSWORD']}"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


class Worker:
    """`celery -A glo_act worker` as a subprocess, solo pool, logging to a temporary file."""

    def __init__(self, *, broker_url: str, database_url: str, smtp_port: int, name: str = "w", extra_env=None):
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("CELERY_", "EMAIL_", "PYTEST", "DJANGO_"))
        }
        self.env.update(
            DATABASE_URL=database_url,
            GLO_ACT_TESTING="1",
            DEBUG="0",
            DJANGO_SETTINGS_MODULE="glo_act.settings_test",
            CELERY_BROKER_URL=broker_url,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            EMAIL_USE_TLS="false",
            EMAIL_TIMEOUT="20",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            **(extra_env or {}),
        )
        self.name = f"{name}-{os.getpid()}-{free_port()}@%h"
        fd, self.log = tempfile.mkstemp(prefix="celery-worker-", suffix=".log")
        os.close(fd)
        self.process = None

    def start(self, timeout: float = 30) -> "Worker":
        self.launch()
        return self.wait_ready(timeout)

    def launch(self) -> "Worker":
        with open(self.log, "ab") as log:  # the child keeps its own copy of the descriptor
            self.process = self._popen(log)
        return self

    def _popen(self, log) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "glo_act", "worker", "--pool=solo", "--concurrency=1",
             "-Q", "celery", "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO",
             "-n", self.name],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 30) -> "Worker":
        try:
            wait_until(self._ready, timeout, interval=0.1, message="the Celery worker to be ready")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.output()}") from None
        return self

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"The Celery worker exited with {self.process.returncode}:\n{self.output()}")
        return " ready." in self.output()

    def output(self) -> str:
        return Path(self.log).read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: the worker dies at once, wherever it is, without acknowledging anything."""
        _stop(self.process, signal.SIGKILL)

    def stop(self) -> None:
        _stop(self.process, signal.SIGTERM)
        with contextlib.suppress(OSError):
            os.unlink(self.log)


@contextlib.contextmanager
def publishing_to(broker_url: str):
    """Make this process publish tasks to broker_url instead of running them eagerly; restore after."""
    from glo_act.celery import app

    def reset_pools():
        if app._pool is not None:
            with contextlib.suppress(Exception):
                app._pool.force_close_all()
        app._pool = None
        with contextlib.suppress(AttributeError, KeyError):
            app.__dict__["amqp"]._producer_pool = None

    # The app reads Django settings with the CELERY_ namespace: its keys carry the prefix.
    saved = {key: app.conf[key] for key in ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")}
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = broker_url  # Celery reads it before its own setting
    app.conf.update(CELERY_BROKER_URL=broker_url, CELERY_TASK_ALWAYS_EAGER=False)
    assert app.conf.broker_url == broker_url and not app.conf.task_always_eager
    reset_pools()
    try:
        yield app
    finally:
        reset_pools()
        app.conf.update(saved)
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
