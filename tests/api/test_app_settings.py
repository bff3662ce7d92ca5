"""App-settings backends: the sandbox's non-public routes, and the read-only manual backend
for real Cobalt (observes through a linked account, never writes, never guesses)."""

from __future__ import annotations

from typing import Any

import pytest

from cobalt_sync.api import CobaltApi
from cobalt_sync.backends import ManualAppSettings, NotObservable, SandboxAppSettings
from cobalt_sync.errors import ExitCode, ManualStepRequired
from cobalt_sync.kinds.app_settings import enable_app, put_oauth_credentials
from cobalt_sync.kinds.linked_accounts import upsert_account
from cobalt_sync.kinds.ownership import PROBE_ACCOUNT_ID
from cobalt_sync.kinds.rules import secret_fingerprint
from cobalt_sync.reply_shapes import ReplyShape
from tests.conftest import Sandbox

OBJECT: ReplyShape[dict[str, Any]] = ReplyShape(dict[str, Any])


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
        if "keybased" in api.request("get_auth_structure", OBJECT, path_params={"slug": slug})
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


def test_manual_settings_without_a_linked_account_observe_nothing_and_say_why(
    api: CobaltApi, sandbox: Sandbox
) -> None:
    enable_app(api, "hubspot")
    before = sandbox.inspect()["counts"]
    settings = ManualAppSettings(api)
    settings.begin_read(["customer-1"])
    with pytest.raises(NotObservable) as apps:
        settings.list_enabled()
    assert "no linked account" in apps.value.reason
    with pytest.raises(NotObservable):
        settings.get_oauth("hubspot")
    assert sandbox.inspect()["counts"] == before  # reading created nothing
    assert set(api.stats.by_status) <= {"200", "404"}


def test_manual_settings_read_client_id_and_scopes_through_a_declared_account(
    api: CobaltApi,
) -> None:
    enable_app(api, "hubspot")
    upsert_account(api, "customer-1", "Customer", {})
    settings = ManualAppSettings(api)
    settings.begin_read(["customer-1"])
    default = settings.get_oauth("hubspot")
    assert default is not None and default.client_id and default.client_id != "own-client"
    put_oauth_credentials(api, "hubspot", "own-client", "a-long-secret", ["crm.objects.deals.read"])
    own = settings.get_oauth("hubspot")
    assert own is not None and own.mode == "unknown"
    assert own.client_id == "own-client"
    assert own.client_secret_fingerprint is None
    # The consent URL carries the effective scopes: declared and mandatory.
    assert own.scopes is not None and "crm.objects.deals.read" in own.scopes
    assert own.callback_url is not None and own.callback_url.endswith("/api/v1/hubspot/callback")
    assert settings.list_enabled() == {"hubspot"}
    with pytest.raises(NotObservable) as hidden:
        settings.get_oauth("slack")  # not enabled: Cobalt shows no consent URL
    assert "not enabled" in hidden.value.reason


def test_manual_settings_fall_back_to_an_existing_probe_account(api: CobaltApi) -> None:
    enable_app(api, "hubspot")
    upsert_account(api, PROBE_ACCOUNT_ID, "cobalt-sync probe", {})
    settings = ManualAppSettings(api)
    settings.begin_read([])
    assert settings.reader == PROBE_ACCOUNT_ID
    assert settings.list_enabled() == {"hubspot"}


def test_manual_settings_read_through_any_existing_account_when_none_is_declared(
    api: CobaltApi, sandbox: Sandbox
) -> None:
    enable_app(api, "hubspot")
    upsert_account(api, "customer-7", "A customer", {})
    before = sandbox.inspect()["counts"]
    settings = ManualAppSettings(api)
    settings.begin_read(["not-created-yet"])  # a declared account apply has not created
    assert settings.reader == "customer-7"
    assert settings.list_enabled() == {"hubspot"}
    assert sandbox.inspect()["counts"] == before  # read through it, nothing created


def test_sandbox_settings_name_the_manual_backend_on_a_real_cobalt_profile(
    cobalt_api: CobaltApi,
) -> None:
    settings = SandboxAppSettings(cobalt_api)
    for read in (settings.list_enabled, lambda: settings.get_oauth("hubspot")):
        with pytest.raises(Exception) as caught:
            read()
        assert "--app-settings manual" in (caught.value.hint or "")  # type: ignore[attr-defined]
        assert caught.value.exit_code == ExitCode.API  # type: ignore[attr-defined]
