"""Scenario 6, secrets: a canary OAuth client secret and a canary API key, set through the
environment, appear in no stdout, stderr, -v or --debug log, saved plan, export, JSON or
Markdown output, across every command and error path, including servers that quote requests
back in their errors. TLS verification is always on, and the key goes over plain HTTP only
to loopback addresses: any other http:// URL is refused before a connection is attempted.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from cobalt_sync.sandbox.server import SandboxServer
from tests.conftest import TEST_KEY, CliResult, Sandbox, invoke
from tests.reliability.hostile_api import HostileApp, HostileSettings, Recorder, serve
from tests.reliability.support import run_cli

CANARY_KEY = "tk_canary7d41e09b"
UNKNOWN_KEY = "tk_unknowncanary55c2a8"
CANARY_SECRET = "CANARY-client-secret-8e41b7"
ROTATED_SECRET = "CANARY-rotated-secret-02fd3c"
CANARIES = (CANARY_KEY, UNKNOWN_KEY, CANARY_SECRET, ROTATED_SECRET)

MANIFEST = """\
version: 1
environment: test
apps:
  slack:
    oauth:
      client_id: slack-client-canary
      client_secret: ${SLACK_SECRET}
      scopes: [chat:write]
  hubspot: {enabled: true}
events:
  Canary Event:
    schema: {id: 1}
linked_accounts:
  canary-1: {name: Canary}
"""


@pytest.fixture(scope="module")
def canary_server() -> Iterator[SandboxServer]:
    with SandboxServer(host="127.0.0.1", port=0, api_keys=[CANARY_KEY]) as server:
        yield server


@pytest.fixture
def world(
    canary_server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    import httpx

    admin = httpx.Client(
        base_url=canary_server.url + "/_sandbox", timeout=30, headers={"x-api-key": CANARY_KEY}
    )
    admin.post("/reset").raise_for_status()
    for name, value in {
        "COBALT_API_URL": canary_server.url,
        "COBALT_API_KEY": CANARY_KEY,
        "COBALT_MAX_RPS": "0",
        "COBALT_RETRY_BACKOFF": "0",
        "SLACK_SECRET": CANARY_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("COBALT_APP_SETTINGS", raising=False)
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(MANIFEST)
    yield {"admin": admin, "manifest": manifest, "dir": tmp_path, "url": canary_server.url}
    admin.close()


class Transcript:
    """Everything a user or a CI log could see; checked for every canary at the end."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []

    def run(self, *args: str) -> CliResult:
        result = invoke(*args)
        self.texts.append((" ".join(args), result.output))
        return result

    def file(self, path: Path) -> None:
        self.texts.append((str(path), path.read_text(encoding="utf-8", errors="replace")))

    def assert_clean(self) -> None:
        assert self.texts
        for label, text in self.texts:
            for canary in CANARIES:
                for spelling in (canary, canary[:-4], canary.encode().hex()):
                    assert spelling not in text, f"{canary!r} leaked in `{label}`"


def fingerprint(client_id: str, secret: str) -> str:
    return "sha256:" + hashlib.sha256(f"{client_id}:{secret}".encode()).hexdigest()[:16]


def every_verbosity(transcript: Transcript, *args: str) -> list[CliResult]:
    return [transcript.run(*flags, *args) for flags in ((), ("-v",), ("--debug",))]


def test_no_canary_on_the_happy_paths(world: dict[str, Any], monkeypatch: Any) -> None:
    manifest, directory = str(world["manifest"]), world["dir"]
    seen = Transcript()
    every_verbosity(seen, "validate", "-f", manifest)
    for fmt in ("text", "json", "markdown"):
        every_verbosity(seen, "plan", "-f", manifest, "--format", fmt)
    assert seen.run("plan", "-f", manifest, "--out", str(directory / "p.json")).exit_code == 0
    seen.file(directory / "p.json")
    applied = seen.run("--debug", "-v", "apply", str(directory / "p.json"), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    # The canary really went through: the sandbox holds exactly its fingerprint.
    org = world["admin"].get("/inspect").json()
    stored = org["oauth"]["slack"]["client_secret_fingerprint"]
    assert stored == fingerprint("slack-client-canary", CANARY_SECRET)

    monkeypatch.setenv("SLACK_SECRET", ROTATED_SECRET)
    for fmt in ("text", "json", "markdown"):
        every_verbosity(seen, "plan", "-f", manifest, "--format", fmt)
    rotated = seen.run("--debug", "apply", "-f", manifest, "--auto-approve", "--format", "json")
    assert rotated.exit_code == 0, rotated.output
    every_verbosity(seen, "export")
    assert seen.run("export", "-o", str(directory / "exported.yaml")).exit_code == 0
    seen.file(directory / "exported.yaml")
    every_verbosity(seen, "check", "-f", manifest)
    seen.run("schema")
    seen.assert_clean()


def test_no_canary_on_error_paths(world: dict[str, Any], monkeypatch: Any) -> None:
    manifest = str(world["manifest"])
    admin = world["admin"]
    seen = Transcript()
    admin.post("/faults", json={"echo_secrets_in_errors": True}).raise_for_status()

    # A key the server does not know: 401, and the server quotes the key back.
    monkeypatch.setenv("COBALT_API_KEY", UNKNOWN_KEY)
    for args in (("plan", "-f", manifest), ("apply", "-f", manifest, "--auto-approve"),
                 ("export",), ("check", "-f", manifest)):
        for result in every_verbosity(seen, *args):
            assert result.exit_code == 4, result.output
    monkeypatch.setenv("COBALT_API_KEY", CANARY_KEY)

    # Every request failing: retries exhausted, exit 4.
    admin.post("/faults", json={"error_rate": 1.0}).raise_for_status()
    for args in (("plan", "-f", manifest), ("apply", "-f", manifest, "--auto-approve")):
        for result in every_verbosity(seen, *args):
            assert result.exit_code == 4, result.output
    admin.post("/faults", json={"error_rate": 0.0}).raise_for_status()

    # A duplicate event planted behind our back: the refusal carries the echoed key.
    admin.post("/seed", json={"duplicate_events": ["Canary Event"]}).raise_for_status()
    for result in every_verbosity(seen, "apply", "-f", manifest, "--auto-approve"):
        assert result.exit_code in (0, 4, 5, 6), result.output
    seen.assert_clean()


def test_no_canary_when_a_server_quotes_request_bodies(
    world: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    settings = HostileSettings(mode="echo-errors", phase="writes")
    with serve(HostileApp(settings, Recorder())) as url:
        monkeypatch.setenv("COBALT_API_URL", url)
        seen = Transcript()
        for fmt in ("text", "json", "markdown"):
            for result in every_verbosity(
                seen, "apply", "-f", str(world["manifest"]), "--auto-approve", "--format", fmt
            ):
                assert result.exit_code in (4, 6), result.output
                assert "could not process request" in result.output  # the echo is shown…
        seen.assert_clean()  # …with the secrets masked


@pytest.mark.parametrize(
    "value",
    ["scopes: ${SLACK_SECRET}", "client_id: [${SLACK_SECRET}]", "unknown_field: ${SLACK_SECRET}"],
)
def test_no_canary_in_manifest_problems(world: dict[str, Any], value: str) -> None:
    broken = MANIFEST.replace("scopes: [chat:write]", value)
    path = world["dir"] / "broken.yaml"
    path.write_text(broken)
    seen = Transcript()
    for result in every_verbosity(seen, "validate", "-f", str(path)):
        assert result.exit_code == 3, result.output
    for result in every_verbosity(seen, "plan", "-f", str(path)):
        assert result.exit_code == 3, result.output
    seen.assert_clean()


def test_literal_secret_warning_does_not_repeat_it(world: dict[str, Any]) -> None:
    path = world["dir"] / "literal.yaml"
    path.write_text(MANIFEST.replace("${SLACK_SECRET}", CANARY_SECRET))
    seen = Transcript()
    result = seen.run("validate", "-f", str(path))
    assert result.exit_code == 0 and "warning" in result.stderr.lower()
    production = world["dir"] / "literal-prod.yaml"
    production.write_text(path.read_text().replace("environment: test", "environment: production"))
    assert seen.run("validate", "-f", str(production)).exit_code == 3
    seen.assert_clean()


# --- transport security ------------------------------------------------------------------


def self_signed(directory: Path) -> dict[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}


# Every spelling of "turn verification off" we could imagine someone trying.
DISABLE_ATTEMPTS = {
    "COBALT_INSECURE": "1", "COBALT_TLS_VERIFY": "0", "COBALT_VERIFY_SSL": "false",
    "COBALT_SSL_VERIFY": "0", "COBALT_SKIP_TLS_VERIFY": "true", "PYTHONHTTPSVERIFY": "0",
    "CURL_CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": "", "SSL_CERT_FILE": "",
}


@pytest.mark.parametrize("attempt", [False, True], ids=["default", "with-disable-variables"])
def test_self_signed_https_is_refused(tmp_path: Path, attempt: bool) -> None:
    (tmp_path / "cobalt.yaml").write_text(MANIFEST)
    recorder = Recorder()
    with serve(HostileApp(HostileSettings(mode="html"), recorder), "https",
               **self_signed(tmp_path)) as url:
        extra = DISABLE_ATTEMPTS if attempt else {}
        for host_url in (url, url.replace("127.0.0.1", "localhost")):
            env = {"COBALT_API_URL": host_url, "COBALT_API_KEY": CANARY_KEY,
                   "SLACK_SECRET": CANARY_SECRET, "COBALT_RETRY_BACKOFF": "0",
                   "COBALT_APP_SETTINGS": "api", **extra}
            result = run_cli(["plan", "-f", "cobalt.yaml"], clean(env), cwd=tmp_path)
            assert result.exit_code == 4, result.output
            assert "certificate" in result.stderr.lower()
            assert "Traceback" not in result.output
            assert CANARY_KEY not in result.output
    assert recorder.requests == [], "an HTTP request got through an unverified TLS handshake"


def test_no_switch_to_disable_tls_verification_exists() -> None:
    """The source has no way to turn verification off for the API client."""
    root = Path(__file__).resolve().parents[2] / "cobalt_sync"
    offenders = []
    for path in root.rglob("*.py"):
        if "sandbox" in path.parts:
            continue
        text = path.read_text()
        for needle in ("verify=False", "CERT_NONE", "check_hostname = False", "INSECURE",
                       "_create_unverified_context"):
            if needle in text:
                offenders.append(f"{path.relative_to(root)}: {needle}")
    assert offenders == []


@pytest.mark.parametrize(
    "url",
    [
        "http://example.invalid",
        "http://localhost.invalid",
        "http://127.0.0.1.invalid:8787",
        "http://user:secret@localhost:8787",
        "ftp://localhost/",
    ],
)
def test_plain_http_only_to_loopback(tmp_path: Path, url: str) -> None:
    """Refused before any connection: these names do not resolve, so a connection attempt
    would show up as a network error (exit 4), not as this refusal (exit 3)."""
    (tmp_path / "cobalt.yaml").write_text(MANIFEST)
    env = {"COBALT_API_URL": url, "COBALT_API_KEY": CANARY_KEY, "SLACK_SECRET": CANARY_SECRET,
           "COBALT_APP_SETTINGS": "api"}
    for args in (["plan"], ["apply", "--auto-approve"], ["export"], ["check"]):
        result = run_cli([*args, *(["-f", "cobalt.yaml"] if args[0] != "export" else [])],
                         clean(env), cwd=tmp_path)
        assert result.exit_code == 3, (args, result.output)
        assert "Traceback" not in result.output
        assert CANARY_KEY not in result.output and "secret@" not in result.output


def clean(env: dict[str, str]) -> dict[str, str]:
    from tests.reliability.support import clean_env

    return clean_env(**env)


@pytest.mark.parametrize(
    "bad_key",
    [f"{CANARY_KEY} trailing", f"xx{CANARY_KEY[2:]}", f"{CANARY_KEY}\u00e9"],
    ids=["space", "wrong-prefix", "non-ascii"],
)
def test_malformed_key_is_not_repeated(
    world: dict[str, Any], monkeypatch: Any, bad_key: str
) -> None:
    monkeypatch.setenv("COBALT_API_KEY", bad_key)
    seen = Transcript()
    for result in every_verbosity(seen, "plan", "-f", str(world["manifest"])):
        assert result.exit_code in (3, 4), result.output
        assert bad_key not in result.output
    seen.assert_clean()


# A secret holding what JSON escapes (a quote, a backslash), a non-ASCII letter and an emoji:
# a client sending UTF-8 as is writes it `CANARY\"é-222\\😀`, which an ASCII-escaped needle
# never matched.
TRICKY_SECRET = 'CANARY"é-222\\😀'


def tricky_spellings(secret: str) -> list[str]:
    units = secret.encode("utf-16-be")
    every_u = "".join(f"\\u{units[i:i + 2].hex()}" for i in range(0, len(units), 2))
    return [
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(json.dumps(secret, ensure_ascii=False), ensure_ascii=False)[1:-1],
        every_u,
        quote(secret, safe=""),
        "CANARY",  # whatever the spelling, its plain part must not be left standing
    ]


def test_a_secret_with_quotes_and_non_ascii_is_masked_when_the_sandbox_quotes_it_back(
    cli: Any, sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The served sandbox refuses every write of an environment variable's value and quotes
    the request back (key and body); the value holds a quote, a backslash, `é` and an emoji.
    No spelling of it reaches stdout, stderr, `-v` or `--debug` output, in any format."""
    sandbox.post("dashboard/env/definitions", key=TEST_KEY, name="CRM_TOKEN", encrypted=True)
    monkeypatch.setenv("CRM_TOKEN", TRICKY_SECRET)
    manifest = tmp_path / "cobalt.yaml"
    manifest.write_text(
        "version: 1\nenvironment: test\nenvironment_variables:\n  CRM_TOKEN: ${CRM_TOKEN}\n"
    )
    # Only the value's write (POST /env/values) fails; its reads (/env/values/org) do not.
    sandbox.faults(echo_secrets_in_errors=True, error_rate=1.0, route=r"/env/values$")
    outputs: list[str] = []
    for flags in ((), ("-v",), ("--debug",)):
        for fmt in ("text", "json", "markdown"):
            result = cli(*flags, "apply", "-f", str(manifest), "--auto-approve", "--format", fmt)
            assert result.exit_code in (4, 6), result.output
            outputs.append(result.output)
    said = "\n".join(outputs)
    assert "echo x-api-key=[REDACTED] body=" in said  # the server did quote the request
    for spelling in tricky_spellings(TRICKY_SECRET):
        assert spelling not in said, spelling
