"""Start, watch and stop the benchmark's server processes.

Every process starts in a session of its own, so stopping it signals that
process group only. Memory figures come from /proc (Linux): VmRSS is the
resident size now, VmHWM the peak resident size since the process started.
"""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")


class Service:
    """One server process tree, started by the benchmark and stopped by it."""

    def __init__(self, name, command, env, log_path):
        self.name = name
        self.log = open(log_path, "wb")  # pylint: disable=consider-using-with
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def pids(self):
        """Return the process id and those of all its descendants."""
        return [self.process.pid, *descendants(self.process.pid)]

    def memory(self):
        """Return (total VmRSS, largest VmHWM of one process) in bytes."""
        total, peak = 0, 0
        for pid in self.pids():
            status = _status(pid)
            total += status.get("VmRSS", 0)
            peak = max(peak, status.get("VmHWM", 0))
        return total, peak

    def peaks(self):
        """Return the VmHWM of every process in the tree, in bytes."""
        return [_status(pid).get("VmHWM", 0) for pid in self.pids()]

    def stop(self, timeout=30):
        """Send SIGTERM to the process group, then SIGKILL after ``timeout``."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def gunicorn(name, wsgi_app, port, workers, env, log_path):
    """Start gunicorn with sync workers on 127.0.0.1:port."""
    command = [
        PYTHON,
        "-m",
        "gunicorn",
        wsgi_app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--timeout",
        "120",
        "--pythonpath",
        f"{ROOT},{ROOT / 'scripts'}",
    ]
    return Service(name, command, env, log_path)


def qcluster(env, log_path):
    """Start the django-q2 cluster that runs the WebP jobs."""
    return Service("worker", [PYTHON, "manage.py", "qcluster"], env, log_path)


def wait_for_port(port, service, timeout=60):
    """Wait until something accepts connections on the port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited; see {service.log.name}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{service.name} did not listen on port {port} in {timeout} s")


def descendants(pid):
    """Return the ids of every live descendant of a process."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent(entry.name)
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _parent(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    # The command name in brackets may contain spaces; fields follow it.
    return int(stat.rsplit(")", 1)[1].split()[1])


def _status(pid):
    values = {}
    try:
        lines = Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines()
    except OSError:
        return values
    for line in lines:
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values
