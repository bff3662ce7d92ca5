"""The route table: every endpoint the client calls, by method name, and the page size of
the listings. Plain data, so the first reads can be sent before the client is loaded."""

from __future__ import annotations

from dataclasses import dataclass

from cobalt_sync.api.types import Endpoint

ENDPOINTS: dict[str, Endpoint] = {
    # applications (read-only in Cobalt's public API)
    "list_applications": Endpoint("GET", "/application"),
    "get_application": Endpoint("GET", "/application/{slug}"),
    "get_auth_structure": Endpoint("GET", "/auth-structure/{slug}"),
    "get_oauth_url": Endpoint("GET", "/linked-account/integration/oauth-url/{slug}"),
    # app events
    "list_events": Endpoint("GET", "/application/event"),
    "get_event": Endpoint("GET", "/application/event/{event_id}"),
    "create_event": Endpoint("POST", "/application/event"),
    "update_event": Endpoint("PUT", "/application/event/{event_id}"),
    "delete_event": Endpoint("DELETE", "/application/event/{event_id}"),
    # linked accounts
    "list_linked_accounts": Endpoint("GET", "/linked-account"),
    "get_linked_account": Endpoint("GET", "/linked-account/{linked_account_id}"),
    "upsert_linked_account": Endpoint("PUT", "/linked-account"),
    "delete_linked_account": Endpoint("DELETE", "/linked-account/{linked_account_id}"),
    # webhooks (no uniqueness: re-read by URL before a POST is repeated)
    "list_webhooks": Endpoint("GET", "/webhook"),
    "create_webhook": Endpoint("POST", "/webhook"),
    "update_webhook": Endpoint("PUT", "/webhook/{id}"),
    "delete_webhook": Endpoint("DELETE", "/webhook/{id}"),
    # MCP servers (names not unique: re-read by name before a POST is repeated)
    "list_mcp_servers": Endpoint("GET", "/mcp-servers"),
    "create_mcp_server": Endpoint("POST", "/mcp-servers"),
    "get_mcp_server": Endpoint("GET", "/mcp-servers/{mcp_server_id}"),
    "update_mcp_server": Endpoint("PUT", "/mcp-servers/{mcp_server_id}"),
    "delete_mcp_server": Endpoint("DELETE", "/mcp-servers/{mcp_server_id}"),
    # environment variables: definitions are read-only; org-scope values are upserted
    "list_env_definitions": Endpoint("GET", "/env/definitions"),
    "list_env_values": Endpoint("GET", "/env/values/{scope}"),
    "set_env_value": Endpoint("POST", "/env/values"),
    "delete_env_value": Endpoint("DELETE", "/env/values/{value_id}"),
    # sessions and hosted Connect
    "create_session_token": Endpoint("POST", "/session-token"),
    "revoke_session_token": Endpoint("POST", "/session-token/revoke"),
    "create_connect_url": Endpoint("POST", "/connect-url"),
    # ===== NOT IN COBALT'S PUBLIC API: sandbox-defined contract, cobalt-api.md §3.2 =====
    "enable_app": Endpoint("PUT", "/application/{slug}/enable", public=False),
    "disable_app": Endpoint("DELETE", "/application/{slug}/enable", public=False),
    "get_oauth_credentials": Endpoint("GET", "/application/{slug}/oauth-credentials", public=False),
    "put_oauth_credentials": Endpoint("PUT", "/application/{slug}/oauth-credentials", public=False),
    "delete_oauth_credentials": Endpoint(
        "DELETE", "/application/{slug}/oauth-credentials", public=False
    ),
}
"""Every route the client calls, by method name. Paths are under `/api/v2/public`."""

# Linked accounts per listing request. Cobalt documents no maximum `limit` (cobalt-api.md
# §1.4) and a page costs one round trip whatever its size, so reading a 10,000-account org
# takes 10 requests instead of 100. A server that clamps `limit` still pages correctly: the
# envelope echoes the `limit` it used, and the following pages are asked at that size, so
# its `totalPages` and our page numbers count the same pages. 1000 is also the sandbox's cap.
DEFAULT_PAGE_SIZE = 1000

# A listing that claims more pages than this is not believed (each page is one request).
MAX_PAGES = 10_000


@dataclass(frozen=True)
class PagedRead:
    """A kind read as a paged listing, with a GET per key for what the first page did not
    show (`reading/paging.py` decides which): its manifest section, the two endpoints, the
    path parameter of the one and the id field of a listed object."""

    section: str
    listing: str
    one: str
    key_param: str
    id_field: str


@dataclass(frozen=True)
class SectionRead:
    """A read sent ahead when the manifest's draft declares entries in `section`, asked
    exactly as the kind will ask it: one call of `endpoint` (`paged`: its first page at the
    run's page size, as `CobaltApi.all_docs` asks), or with `per_key`, one per entry that
    holds `entry_field`, its key as that path parameter. `backend`: only with that
    app-settings backend (the sandbox's routes)."""

    section: str
    endpoint: str
    params: tuple[tuple[str, str], ...] = ()
    path_params: tuple[tuple[str, str], ...] = ()
    paged: bool = False
    per_key: str | None = None
    entry_field: str | None = None
    backend: str | None = None


@dataclass(frozen=True)
class ReadsAhead:
    """The reads every plan begins with, declared for the kinds that make them, as plain
    data: they go out before the kinds' modules (and pydantic) are loaded, ~130 ms of every
    run (tests/test_imports.py). `listings` are read by every plan; `app_settings` only where
    the app-settings routes exist (the `api` backend); `paged` by the declared keys."""

    listings: tuple[str, ...]
    app_settings: tuple[str, ...]
    paged: PagedRead
    by_section: tuple[SectionRead, ...] = ()


READS_AHEAD = ReadsAhead(
    listings=("list_events",),
    app_settings=("list_applications",),
    paged=PagedRead(
        section="linked_accounts",
        listing="list_linked_accounts",
        one="get_linked_account",
        key_param="linked_account_id",
        id_field="account_id",
    ),
    # The reads the newer kinds make once their section is declared: sent with the first
    # ones, so a plan of a manifest using them still takes one round trip, not two. Each
    # must match the kind's own request (tests/e2e/test_read_ahead.py counts them).
    by_section=(
        SectionRead("webhooks", "list_webhooks"),
        SectionRead("mcp_servers", "list_mcp_servers", paged=True),
        SectionRead(
            "environment_variables", "list_env_definitions", params=(("scope", "org"),), paged=True
        ),
        SectionRead(
            "environment_variables", "list_env_values", path_params=(("scope", "org"),), paged=True
        ),
        SectionRead(
            "apps", "get_oauth_credentials", per_key="slug", entry_field="oauth", backend="api"
        ),
    ),
)
