"""App-settings backends: the sandbox's non-public routes, and the read-only manual backend
for real Cobalt (observes through the probe account, never writes while reading)."""

from __future__ import annotations

import pytest

from cobalt_sync.api import CobaltApi
from cobalt_sync.backends import (
    ManualAppSettings,
    ManualStepRequired,
    SandboxAppSettings,
)
from cobalt_sync.errors import ExitCode
from cobalt_sync.normalise import secret_fingerprint
from cobalt_sync.ownership import PROBE_ACCOUNT_ID
from tests.conftest import Sandbox


def test_sandbox_settings_enable_and_disable_apps(api: CobaltApi) -> None:
    settings = SandboxAppSettings(api)
    assert settings.mode == "api" and settings.can_write
    settings.set_enabled("hubspot", True)
    settings.set_enabled("slack", True)
    settings.set_enabled("slack", True)
    settings.set_enabled("slack", False)
    assert settings.list_enabled() == {"hubspot"}


def test_sandbox_settings_round_trip_oauth_credentials(api: CobaltApi) -> None:
    settings = SandboxAppSettings(api)
    assert settings.get_oauth("hubspot") is None  # on Cobalt's default client
    settings.put_oauth("hubspot", "client-1", "a-long-secret", ["crm.objects.contacts.read"])
    view = settings.get_oauth("hubspot")
    assert view is not None and view.mode == "custom" and view.client_id == "client-1"
    assert view.client_secret_fingerprint == secret_fingerprint("client-1", "a-long-secret")
    assert view.scopes == ("crm.objects.contacts.read",)
    settings.put_oauth("hubspot", "client-1", None, [])  # keep the stored secret
    kept = settings.get_oauth("hubspot")
    assert kept is not None and kept.client_secret_fingerprint == view.client_secret_fingerprint
    settings.delete_oauth("hubspot")
    settings.delete_oauth("hubspot")
    assert settings.get_oauth("hubspot") is None


def test_sandbox_settings_read_no_oauth_client_for_a_key_based_app(api: CobaltApi) -> None:
    keybased = next(
        slug
        for slug in ("stripe", "openai", "airtable", "sendgrid")
        if "keybased" in api.get_auth_structure(slug)
    )
    assert SandboxAppSettings(api).get_oauth(keybased) is None


def test_manual_settings_never_write_and_say_what_to_do(api: CobaltApi) -> None:
    settings = ManualAppSettings(api)
    assert settings.mode == "manual" and not settings.can_write
    with pytest.raises(ManualStepRequired) as caught:
        settings.set_enabled("hubspot", True)
    assert "dashboard" in str(caught.value) and caught.value.exit_code == ExitCode.REFUSED
    with pytest.raises(ManualStepRequired):
        settings.put_oauth("hubspot", "id", "secret", [])
    with pytest.raises(ManualStepRequired):
        settings.delete_oauth("hubspot")


def test_manual_settings_without_the_probe_read_best_effort(
    api: CobaltApi, sandbox: Sandbox
) -> None:
    api.enable_app("hubspot")
    before = sandbox.inspect()["counts"]
    settings = ManualAppSettings(api)
    assert settings.list_enabled() == {"hubspot"}
    oauth = settings.get_oauth("hubspot")
    assert oauth is not None and oauth.mode == "unknown" and oauth.client_id is None
    assert any("best effort" in note for note in settings.notes)
    assert sandbox.inspect()["counts"] == before  # reading created no probe account
    assert set(api.stats.by_status) <= {"200", "404"}


def test_manual_settings_observe_the_live_client_id_through_the_probe(api: CobaltApi) -> None:
    api.enable_app("hubspot")
    settings = ManualAppSettings(api)
    settings.ensure_probe()
    assert api.get_linked_account(PROBE_ACCOUNT_ID) is not None
    default = settings.get_oauth("hubspot")
    assert default is not None and default.client_id and default.client_id != "own-client"
    api.put_oauth_credentials("hubspot", "own-client", "a-long-secret", [])
    own = settings.get_oauth("hubspot")
    assert own is not None and own.mode == "unknown"
    assert own.client_id == "own-client"
    assert own.client_secret_fingerprint is None and own.scopes == ()
    assert own.callback_url is not None and own.callback_url.endswith("/api/v1/hubspot/callback")
    assert settings.list_enabled() == {"hubspot"}
    assert settings.notes == ()
    assert settings.get_oauth("slack") is None  # not enabled: no client in use
