"""open_connection: the key only from COBALT_API_KEY, the URL from the options, an explicit
app-settings backend, the embedded sandbox, and the tuning variables — all as bad input (exit
3) with a hint when wrong, and never the key in a message or the target description."""

from __future__ import annotations

from pathlib import Path

import pytest

from cobalt_sync.backends import ManualAppSettings, SandboxAppSettings
from cobalt_sync.errors import ExitCode, InputError, InsecureUrlError
from cobalt_sync.kinds.events import list_events
from cobalt_sync.kinds.linked_accounts import get_account, list_accounts, upsert_account
from cobalt_sync.options import GlobalOptions
from cobalt_sync.reading.connect import open_connection, read_tuning
from tests.conftest import TEST_KEY, Sandbox

SECRET_KEY = "pk_live_0123456789abcdef"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "COBALT_API_KEY",
        "COBALT_MAX_RPS",
        "COBALT_RETRY_BACKOFF",
        "COBALT_TIMEOUT",
        "COBALT_PAGE_SIZE",
    ):
        monkeypatch.delenv(name, raising=False)


def open_with(**options: object) -> InputError:
    with pytest.raises(InputError) as caught, open_connection(GlobalOptions(**options)):  # type: ignore[arg-type]
        pass
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    return caught.value


def test_a_missing_key_is_bad_input_with_a_hint() -> None:
    error = open_with(api_url="https://app.refold.ai")
    assert "COBALT_API_KEY" in str(error)
    assert error.hint is not None and "tk_" in error.hint and "pk_" in error.hint


def test_a_loopback_url_uses_the_sandbox_routes(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBALT_API_KEY", TEST_KEY)
    with open_connection(GlobalOptions(api_url=sandbox.url)) as connection:
        assert isinstance(connection.settings, SandboxAppSettings)
        assert connection.environment == "test"
        # Not called a sandbox: any server can listen on loopback (only --sandbox is one).
        assert connection.target == f"{sandbox.url} (test key)"
        assert list_events(connection.api) == []


def test_cobalts_own_host_uses_the_manual_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COBALT_API_KEY", SECRET_KEY)
    with open_connection(GlobalOptions(api_url="https://api.gocobalt.io")) as connection:
        assert isinstance(connection.settings, ManualAppSettings)
        assert connection.environment == "production"
        assert connection.target == "Cobalt at https://api.gocobalt.io (production key)"
        assert SECRET_KEY not in connection.target + repr(connection)


def test_the_default_url_is_cobalts_production_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COBALT_API_KEY", SECRET_KEY)
    with open_connection(GlobalOptions()) as connection:
        assert connection.api.base_url == "https://app.refold.ai"
        assert isinstance(connection.settings, ManualAppSettings)


def test_an_unknown_host_needs_an_explicit_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COBALT_API_KEY", TEST_KEY)
    error = open_with(api_url="https://cobalt-emulator.internal.example")
    assert "--app-settings" in (error.hint or "")
    with open_connection(
        GlobalOptions(api_url="https://cobalt-emulator.internal.example", app_settings="api")
    ) as connection:
        assert isinstance(connection.settings, SandboxAppSettings)


def test_an_explicit_backend_wins_over_the_url(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBALT_API_KEY", TEST_KEY)
    with open_connection(GlobalOptions(api_url=sandbox.url, app_settings="manual")) as connection:
        assert isinstance(connection.settings, ManualAppSettings)


def test_sandbox_and_api_url_together_are_bad_input() -> None:
    error = open_with(sandbox=True, api_url="http://127.0.0.1:8787")
    assert "--sandbox" in str(error) and "--api-url" in str(error)


def test_plain_http_to_a_remote_host_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COBALT_API_KEY", SECRET_KEY)
    with (
        pytest.raises(InsecureUrlError),
        open_connection(GlobalOptions(api_url="http://app.refold.ai")),
    ):
        pass


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COBALT_MAX_RPS", "fast"),
        ("COBALT_MAX_RPS", "-1"),
        ("COBALT_RETRY_BACKOFF", "nan"),
        ("COBALT_TIMEOUT", "0"),
        ("COBALT_PAGE_SIZE", "0"),
        ("COBALT_PAGE_SIZE", "1e3"),
        ("COBALT_PAGE_SIZE", "10.5"),
        ("COBALT_PAGE_SIZE", "-5"),
        ("COBALT_PAGE_SIZE", "many"),
    ],
)
def test_a_bad_tuning_variable_is_named(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBALT_API_KEY", TEST_KEY)
    monkeypatch.setenv(name, value)
    error = open_with(api_url="http://127.0.0.1:8787")
    assert name in str(error)


def test_tuning_defaults_and_zero_rps_means_unpaced() -> None:
    defaults = read_tuning({})
    assert (defaults.requests_per_second, defaults.backoff, defaults.timeout) == (20.0, 0.2, 30.0)
    tuned = read_tuning({"COBALT_MAX_RPS": "0", "COBALT_RETRY_BACKOFF": "0", "COBALT_TIMEOUT": "5"})
    assert (tuned.requests_per_second, tuned.backoff, tuned.timeout) == (None, 0.0, 5.0)
    assert (
        defaults.page_size == 1000 and read_tuning({"COBALT_PAGE_SIZE": " 250 "}).page_size == 250
    )


def test_page_size_sets_how_many_accounts_one_listing_request_reads(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.post("seed", key=TEST_KEY, linked_accounts=20)
    monkeypatch.setenv("COBALT_API_KEY", TEST_KEY)
    monkeypatch.setenv("COBALT_MAX_RPS", "0")
    monkeypatch.setenv("COBALT_PAGE_SIZE", "7")
    with open_connection(GlobalOptions(api_url=sandbox.url)) as connection:
        accounts = list_accounts(connection.api)
        assert len({account.account_id for account in accounts}) == 20
        assert connection.api.stats.total == 3  # ceil(20 / 7) pages


def test_sandbox_flag_runs_an_embedded_sandbox_with_its_default_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_connection(GlobalOptions(sandbox=True)) as connection:
        assert connection.target.startswith("embedded sandbox at http://127.0.0.1:")
        assert isinstance(connection.settings, SandboxAppSettings)
        upsert_account(connection.api, "kept", None, {})
    assert (tmp_path / ".cobalt-sandbox").is_dir()
    with open_connection(GlobalOptions(sandbox=True)) as connection:
        assert get_account(connection.api, "kept") is not None  # state persisted
