"""The packaged app catalog and "did you mean" over slugs, names and aliases."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from cobalt_sync.catalog import load_catalog, suggest


def test_catalog_is_package_data_with_every_app() -> None:
    text = resources.files("cobalt_sync").joinpath("catalog.json").read_text(encoding="utf-8")
    slugs = [app["slug"] for app in json.loads(text)["apps"]]
    assert load_catalog().slugs() == sorted(slugs)
    assert len(slugs) > 100


def test_auth_types() -> None:
    catalog = load_catalog()
    slack, stripe, mailchimp = catalog.get("slack"), catalog.get("stripe"), catalog.get("mailchimp")
    assert slack is not None and slack.supports_oauth
    assert stripe is not None and not stripe.supports_oauth
    assert stripe.auth_type_label == "keybased"
    assert mailchimp is not None and mailchimp.supports_oauth  # oauth2 and keybased
    assert catalog.get("slak") is None


@pytest.mark.parametrize(
    ("word", "slug"),
    [
        ("slak", "slack"),
        ("Slack", "slack"),
        ("HubSpot", "hubspot"),
        ("hubspt", "hubspot"),
        ("ActiveCampaign", "active_campaign"),
        ("Customer.io", "customer_io"),
        ("Pardot", "salesforce_pardot"),
        ("salesforce-pardot", "salesforce_pardot"),
    ],
)
def test_suggest_an_app(word: str, slug: str) -> None:
    assert load_catalog().suggest(word) == slug


def test_no_suggestion_for_nonsense() -> None:
    assert load_catalog().suggest("qwertyuiop") is None


def test_suggest_among_words() -> None:
    assert suggest("evnets", ["apps", "events", "linked_accounts"]) == "events"
    assert suggest("zzz", ["apps", "events"]) is None
