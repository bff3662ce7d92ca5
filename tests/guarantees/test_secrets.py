"""No secret of any kind in any output or file: every spelling of each sample secret is
searched for in stdout and stderr (text, JSON, Markdown; `-v` and `--debug`), saved plans,
exports, error paths where the server quotes requests back, and in every file the sandbox
writes while serving."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cobalt_sync.sandbox.server import SandboxServer
from tests.conftest import Sandbox
from tests.guarantees.support import KIND_NAMES, Org, cli_env, samples, spellings, use_env

WRITES = r"^(POST|PUT|PATCH|DELETE) "
# Another helper's work (issue 19, item 8): the sandbox keeps webhook header values in clear.
def secrets_of(kind: str) -> list[str]:
    found = list(samples(kind).secrets.values())
    if not found:
        pytest.skip(f"{kind} holds no secret")
    return found


def assert_clean(kind: str, texts: dict[str, str]) -> None:
    for secret in secrets_of(kind):
        for spelling in spellings(secret):
            for label, text in texts.items():
                assert spelling not in text, f"{kind}: {spelling!r} in {label}"


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_no_secret_of_the_kind_in_any_output(org: Org, kind: str) -> None:
    secrets_of(kind)
    sample = samples(kind)
    said: dict[str, str] = {}

    def run(*args: str) -> int:
        result = org.cli(*args)
        said[" ".join(args)] = result.output
        return result.exit_code

    manifest = str(org.manifest(sample.create))
    for flags in ((), ("-v",), ("--debug",)):
        for fmt in ("text", "json", "markdown"):
            run(*flags, "plan", "-f", manifest, "--format", fmt)
    saved = org.directory / "plan.json"
    run("plan", "-f", manifest, "--out", str(saved))
    if run("-v", "--debug", "apply", str(saved), "--auto-approve") == 7:
        org.take_steps(kind)
        run("-v", "--debug", "apply", "-f", manifest, "--auto-approve", "--format", "json")
    for field, fragment in sample.updates.items():
        changed = str(org.manifest(fragment))
        run("-v", "plan", "-f", changed, "--format", "markdown")
        if run("--debug", "apply", "-f", changed, "--auto-approve") == 7:
            org.take_steps(kind, field)
    exported = org.directory / "exported.yaml"
    run("--debug", "export", "-o", str(exported))
    # Error paths: every write refused (the reads answered), the refusal quoting the
    # request back, key and body; from an org the sample is not in yet.
    org.box.reset()
    org.take_steps(kind)
    org.box.faults(echo_secrets_in_errors=True, error_rate=1.0, route=WRITES)
    for flags in (("-v",), ("--debug",)):
        for fmt in ("text", "json"):
            code = run(*flags, "apply", "-f", manifest, "--auto-approve", "--format", fmt)
            assert code in (4, 6, 7), f"{kind}: a refused write exited {code}"
    org.box.faults(echo_secrets_in_errors=False, error_rate=0.0, route=None)
    assert "body=" in "".join(said.values()), "no write was quoted back"
    said[saved.name] = saved.read_text()
    said[exported.name] = exported.read_text()
    assert_clean(kind, said)


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sandbox-state")


@pytest.fixture(scope="module")
def stateful_server(state_dir: Path) -> Iterator[SandboxServer]:
    """One served sandbox for the module, keeping its state in files (reset per test)."""
    with SandboxServer(state_path=state_dir / "sandbox.sqlite3") as server:
        yield server


@pytest.fixture
def stateful_org(
    stateful_server: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Org]:
    box = Sandbox(stateful_server)
    box.reset()
    env = cli_env(box)
    use_env(monkeypatch, env)
    yield Org(box, env, tmp_path)
    box.admin.close()


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_no_secret_of_the_kind_in_files_the_sandbox_writes(
    stateful_org: Org, state_dir: Path, kind: str
) -> None:
    secrets = secrets_of(kind)
    sample = samples(kind)
    stateful_org.converge(stateful_org.manifest(sample.create), kind)
    for field, fragment in sample.updates.items():
        stateful_org.converge(stateful_org.manifest(fragment), kind, field=field)
    written = [path for path in sorted(state_dir.rglob("*")) if path.is_file()]
    assert written, "the sandbox wrote no file"
    for path in written:
        data = path.read_bytes()
        for secret in secrets:
            for spelling in spellings(secret):
                assert spelling.encode() not in data, f"{kind}: {spelling!r} in {path.name}"
