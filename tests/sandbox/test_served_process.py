"""The sandbox as `cobalt-sync sandbox serve` runs it, in its own process: 300 MB bodies sent
to it (streamed, never held here) leave its memory under 150 MB, and a package whose files
disappear under it (a reinstall) changes nothing it serves."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_KEY
from tests.sandbox.conftest import API

KEY = {"x-api-key": TEST_KEY}
TOTAL = 300 * 1024 * 1024
CHUNK = b"x" * (1024 * 1024)
PEAK_LIMIT_KB = 150 * 1024
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


def serve(
    tmp_path: Path, env: dict[str, str] | None = None, *flags: str
) -> tuple[subprocess.Popen[bytes], str]:
    log = tmp_path / "sandbox.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "cobalt_sync", "sandbox", "serve", "--port", "0", *flags],
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        env=env,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = LISTENING.search(log.read_text(errors="replace"))
        if found:
            return process, found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the sandbox did not start:\n{log.read_text()}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    process, url = serve(tmp_path)
    yield process, url
    process.terminate()
    process.wait(timeout=15)


def peak_kb(pid: int) -> int:
    """The process's high-water resident memory (VmHWM), in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    assert found, status
    return int(found.group(1))


def stream(url: str, path: str, headers: dict[str, str]) -> tuple[str, int]:
    """POST 300 MB chunked to `path`, generated as it goes; stops when the sandbox closes
    the connection. → (the sandbox's reply as far as it came, bytes sent)."""
    host, port = url.removeprefix("http://").split(":")
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    reply = bytearray()
    sent = 0
    with socket.create_connection((host, int(port)), timeout=60) as conn:

        def read() -> None:
            try:
                while data := conn.recv(65536):
                    reply.extend(data)
            except OSError:
                pass

        reader = threading.Thread(target=read)
        reader.start()
        try:
            conn.sendall(
                f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{lines}"
                "Transfer-Encoding: chunked\r\n\r\n".encode()
            )
            while sent < TOTAL:
                conn.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                sent += len(CHUNK)
            conn.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the sandbox hung up after its 413: what we want
        reader.join(timeout=30)
    return reply.decode("latin-1"), sent


def connect_link(url: str) -> str:
    with httpx.Client(base_url=url + API, headers=KEY) as api:
        api.put("/application/15file/enable").raise_for_status()
        api.put("/linked-account", json={"account_id": "a1"}).raise_for_status()
        token = api.post("/session-token", json={"linked_account_id": "a1"}).json()["token"]
        hosted = api.post("/connect-url", json={}, headers={"authorization": f"Bearer {token}"})
    return str(hosted.json()["hosted_url"]).removeprefix(url)


def test_300_mb_bodies_leave_the_sandbox_under_150_mb(
    served: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, url = served
    form = {"content-type": "application/x-www-form-urlencoded"}
    json_body = {"content-type": "application/json"}
    attempts = [
        (f"{connect_link(url)}/apps/15file", form, "413"),  # a hosted form
        ("/_sandbox/seed", {**KEY, **json_body}, "413"),  # an admin route, keyed
        ("/_sandbox/seed", json_body, "401"),  # the same, without a key
        (f"{API}/linked-account", {**KEY, **json_body}, "413"),  # the vendor API
    ]
    for path, headers, status in attempts:
        reply, sent = stream(url, path, headers)
        assert reply.startswith(f"HTTP/1.1 {status}"), (path, reply[:300])
        assert sent < TOTAL, f"the sandbox read all 300 MB sent to {path}"
    peak = peak_kb(process.pid)
    assert peak < PEAK_LIMIT_KB, f"the sandbox peaked at {peak // 1024} MB"
    alive = httpx.get(f"{url}/_sandbox/inspect", headers=KEY)
    assert alive.status_code == 200 and alive.json()["counts"]["linked_accounts"] == 1


def test_pages_still_render_when_the_package_files_disappear(tmp_path: Path) -> None:
    """What `pip install -e .` under a running sandbox does to it, made certain: the
    sandbox runs from a copy of the package whose templates, stylesheet and catalog are
    then deleted. It read them at start, so every page still renders."""
    import cobalt_sync

    copy = tmp_path / "site"
    shutil.copytree(
        Path(cobalt_sync.__file__).parent,
        copy / "cobalt_sync",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    env = {**os.environ, "PYTHONPATH": str(copy)}
    where = subprocess.run(
        [sys.executable, "-c", "import cobalt_sync; print(cobalt_sync.__file__)"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip() == str(copy / "cobalt_sync" / "__init__.py")
    process, url = serve(tmp_path, env)
    try:
        package = copy / "cobalt_sync" / "sandbox"
        shutil.rmtree(package / "templates")
        shutil.rmtree(package / "static")
        (package / "catalog.json").unlink()
        link = connect_link(url)
        for path, text in [
            ("/_sandbox/", "Sign in"),
            ("/_sandbox/static/sandbox.css", "--accent"),
            (link, "15Five"),
            (f"{link}/apps/15file", 'type="password"'),
            (f"{API}/auth-structure/hubspot", "client_secret"),
        ]:
            page = httpx.get(url + path)
            assert page.status_code == 200, (path, page.text[:300])
            assert text in page.text, path
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_sandbox_serve_answers_the_hosts_it_is_told_about(tmp_path: Path) -> None:
    process, url = serve(tmp_path, None, "--allowed-host", "devbox.example")
    try:
        hosts = {
            host: httpx.get(f"{url}{API}/linked-account", headers={**KEY, "host": host})
            for host in ("devbox.example", "localhost", "evil.example")
        }
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert {host: r.status_code for host, r in hosts.items()} == {
        "devbox.example": 200,
        "localhost": 200,
        "evil.example": 421,
    }
