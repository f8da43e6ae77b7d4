"""Helpers for tests that run the server or the job worker as child processes.

The children use the test settings, the test database of this process and
its storage folder, so they see the rows and files the test made.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection


def database_url():
    """Return a DATABASE_URL for the test database this process uses."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database["HOST"] or "localhost"
    port = f":{database['PORT']}" if database["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(database['NAME'])}"


def child_env(media_root, **extra):
    """Return the environment for a child process sharing this test's data."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "app.settings.test",
        "MEDIA_ROOT": str(media_root),
        "DATABASE_URL": database_url(),
        **extra,
    }


def start(arguments, env, log_path):
    """Start a Python child process in the project folder, logging to a file."""
    with open(log_path, "wb") as log:
        return subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, *arguments],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop(process, timeout=30):
    """Stop a child with SIGTERM, as a service manager would, and return its code."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def free_port():
    """Return the port from TEST_SERVER_PORT, or one the system has free."""
    if os.environ.get("TEST_SERVER_PORT"):
        return int(os.environ["TEST_SERVER_PORT"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, process, timeout=30):
    """Wait until a child process accepts connections on a loopback port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Server exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"Server did not listen on port {port} in {timeout} s")


def read_log(log_path):
    return Path(log_path).read_text(encoding="utf-8", errors="replace")
