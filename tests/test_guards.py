"""Connection deadlines against a real uvicorn server on a loopback port: slow clients are cut off, normal ones are not."""
from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn

from conftest_app import free_port
from qa.server.guards import RequestDeadlines

HEADER_TIMEOUT = 0.6
BODY_TIMEOUT = 1.5


async def echo_app(scope, receive, send):
    """Answers with the number of body bytes it read; ``/slow-answer`` takes 2 s (longer than every deadline)."""
    if scope["type"] != "http":
        return
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    if scope["path"] == "/slow-answer":
        import asyncio

        await asyncio.sleep(2.0)
    body = str(size).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def server_port():
    port = free_port()
    config = uvicorn.Config(
        echo_app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
        http=RequestDeadlines.configured(HEADER_TIMEOUT, BODY_TIMEOUT),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(timeout=5)


def read_response(sock: socket.socket) -> bytes:
    """One whole response (its headers and its Content-Length of body) from a kept-alive connection."""
    sock.settimeout(3)
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < int(
        data.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0]
    ):
        chunk = sock.recv(4096)
        assert chunk, f"the connection closed after {data!r}"
        data += chunk
    return data


def read_all(sock: socket.socket, limit: float = 5.0) -> bytes:
    """Everything the server sends until it closes the connection (or ``limit`` seconds pass)."""
    sock.settimeout(limit)
    chunks = []
    try:
        while chunk := sock.recv(4096):
            chunks.append(chunk)
    except (socket.timeout, ConnectionResetError):
        pass
    return b"".join(chunks)


def drip(sock: socket.socket, data: bytes, every: float) -> float:
    """Send ``data`` one byte at a time, ``every`` seconds apart, until done or the server closes; the time taken."""
    started = time.monotonic()
    for byte in data:
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            break
        time.sleep(every)
    return time.monotonic() - started


def test_a_client_sending_its_headers_a_byte_at_a_time_gets_408_and_is_closed(server_port):
    with socket.create_connection(("127.0.0.1", server_port)) as sock:
        started = time.monotonic()
        drip(sock, b"GET / HTTP/1.1\r\nHost: x\r\n", every=0.2)  # 5 s at this pace, were it let through
        reply = read_all(sock)
        assert reply.startswith(b"HTTP/1.1 408"), reply
        assert time.monotonic() - started < HEADER_TIMEOUT + 1.5


def test_a_client_sending_its_body_a_byte_at_a_time_is_cut_off(server_port):
    with socket.create_connection(("127.0.0.1", server_port)) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n")
        started = time.monotonic()
        drip(sock, b"x" * 40, every=0.1)
        reply = read_all(sock)
        assert reply.startswith(b"HTTP/1.1 408"), reply
        assert time.monotonic() - started < BODY_TIMEOUT + 1.5


def test_an_idle_connection_is_closed_without_a_reply(server_port):
    with socket.create_connection(("127.0.0.1", server_port)) as sock:
        started = time.monotonic()
        assert read_all(sock) == b""
        assert time.monotonic() - started < BODY_TIMEOUT + 1.0


def test_a_prompt_request_whose_answer_takes_longer_than_every_deadline_is_answered(server_port):
    with socket.create_connection(("127.0.0.1", server_port)) as sock:
        sock.sendall(b"POST /slow-answer HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
        reply = read_all(sock, limit=6)
    assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(b"5")


def test_keep_alive_requests_each_get_their_own_deadline(server_port):
    with socket.create_connection(("127.0.0.1", server_port)) as sock:
        for _ in range(3):  # together longer than the header deadline, each well within it
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(sock).startswith(b"HTTP/1.1 200")
            time.sleep(HEADER_TIMEOUT / 2)
