"""A small asyncio HTTP/1.1 load client for the benchmark servers on loopback.

Each request opens its own connection and sends ``Connection: close``:
gunicorn's sync workers close the connection after every response anyway.
The client holds no parser state beyond one response, so 50 concurrent
clients cost the machine little next to the servers they measure.
"""

import asyncio
import json
import math
import statistics
import time
import uuid
from dataclasses import dataclass

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Request:
    """One HTTP request, encoded once and sent as many times as needed."""

    method: str
    path: str
    headers: tuple = ()
    body: bytes = b""

    def encode(self, port):
        lines = [
            f"{self.method} {self.path} HTTP/1.1",
            f"Host: {HOST}:{port}",
            "Connection: close",
            f"Content-Length: {len(self.body)}",
            *(f"{name}: {value}" for name, value in self.headers),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass(frozen=True)
class Response:
    """Status, body and latency in seconds of one request."""

    status: int
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)


async def send(port, raw):
    """Send an encoded request and read the whole response."""
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(raw)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    seconds = time.perf_counter() - start
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    if b"transfer-encoding: chunked" in head.lower():
        body = _dechunk(body)
    return Response(status, body, seconds)


def _dechunk(body):
    chunks = []
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        chunks.append(rest[:size])
        body = rest[size + 2 :]
    return b"".join(chunks)


def call(port, request):
    """Send one request and return its Response."""
    return asyncio.run(send(port, request.encode(port)))


@dataclass(frozen=True)
class LoadResult:
    """Latencies and statuses of one load run."""

    seconds: float
    latencies: list
    statuses: dict

    @property
    def requests_per_second(self):
        return len(self.latencies) / self.seconds

    def percentile(self, share):
        """Return the latency at a share (0..1) of sorted requests, nearest rank."""
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(share * len(ordered)))
        return ordered[rank - 1]


def run_load(port, requests, concurrency):
    """Send ``requests`` (a list of Request) from ``concurrency`` clients.

    Each client takes the next request from the shared list until none is
    left, so the request count is fixed and the run is bounded.
    """
    return asyncio.run(_run_load(port, [r.encode(port) for r in requests], concurrency))


async def _run_load(port, raws, concurrency):
    pending = iter(raws)
    latencies, statuses = [], {}

    async def client():
        for raw in pending:
            response = await send(port, raw)
            latencies.append(response.seconds)
            statuses[response.status] = statuses.get(response.status, 0) + 1

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return LoadResult(time.perf_counter() - start, latencies, statuses)


def median_of(results, measure):
    """Return the median of one measure over several LoadResults."""
    return statistics.median(measure(result) for result in results)


def multipart(fields, files):
    """Encode form fields and files as multipart/form-data.

    ``files`` maps a field name to (file name, content type, bytes). Returns
    the Content-Type header value and the body.
    """
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, content_type, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)
