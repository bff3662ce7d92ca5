"""The hosted Connect page a `POST /connect-url` link opens, the stand-in provider consent page
its OAuth apps lead to, and the OAuth callback that connects the account.

Owns these pages; not Cobalt's code, a stand-in that behaves as the quickstart describes: the
page lists exactly the apps enabled for the org and environment of the session token, with the
account's connection state; Authorize goes to the provider's consent page showing the org's
client (its own client id and effective scopes, or Cobalt's default credentials); a key-based
app asks for its `auth_input_map` fields (never stored: a connection is recorded, not its
credentials). The session token in the URL scopes everything the page can see or change,
through to the callback: a consent whose session was revoked or expired connects nothing.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from cobalt_sync.sandbox.catalog import CatalogApp
from cobalt_sync.sandbox.consents import Consent
from cobalt_sync.sandbox.context import Session, live_session, sandbox_of
from cobalt_sync.sandbox.oauth_credentials import authorize_url, effective_client_id
from cobalt_sync.sandbox.problems import ApiProblem
from cobalt_sync.sandbox.store import Missing
from cobalt_sync.sandbox.web import PageError, form_of, message_page, page

# Colours come from the connect-url body; only plain CSS colour forms reach the stylesheet.
CSS_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}")
DEFAULT_CLIENT_PREFIX = "cobalt-default-"


def link_expired() -> PageError:
    return PageError(
        401,
        "This link has expired",
        "The Connect link you opened has expired or was revoked. Go back to the app that "
        "sent you here and open Connect again.",
    )


def session_or_expired(request: Request) -> Session:
    session = live_session(sandbox_of(request), request.path_params["token"])
    if session is None:
        raise link_expired()
    return session


def check_still_live(request: Request, consent: Consent) -> None:
    """A consent started from a Connect page lasts only as long as that page's session: a
    token revoked or expired since then ends on the expired page, nothing connected."""
    if consent.token is not None and live_session(sandbox_of(request), consent.token) is None:
        raise link_expired()


def properties(request: Request, session: Session) -> dict[str, Any]:
    stored = sandbox_of(request).store.token(session.token)
    props = json.loads(stored["props"]) if stored and stored["props"] else {}
    return props if isinstance(props, dict) else {}


def colour(props: dict[str, Any], name: str) -> str | None:
    value = props.get(name)
    return value if isinstance(value, str) and CSS_COLOUR.fullmatch(value) else None


def return_link(props: dict[str, Any]) -> str | None:
    value = props.get("redirect_url")
    if isinstance(value, str) and urlsplit(value).scheme in ("http", "https"):
        return value
    return None


def enabled_app(request: Request, session: Session) -> CatalogApp:
    """The app named in the path, if the session's org has it enabled (else 404 page)."""
    box = sandbox_of(request)
    slug = request.path_params["slug"]
    if slug not in box.catalog or slug not in box.store.enabled_apps(session.tenant.scope):
        raise PageError(404, "Not available", f"The app '{slug}' is not offered here.")
    return box.catalog[slug]


def app_rows(request: Request, session: Session) -> list[dict[str, Any]]:
    box = sandbox_of(request)
    account = box.store.get_account(session.tenant.scope, session.account_id)
    connected = {i["type"]: i for i in (account or {}).get("integrations", [])}
    rows = []
    for slug in box.store.enabled_apps(session.tenant.scope):
        app = box.catalog.get(slug)
        if app is None:
            continue
        link = connected.get(slug)
        rows.append(
            {
                "slug": slug,
                "name": app.name,
                "oauth": app.supports_oauth,
                "connected": link is not None,
                "connected_at": link["createdAt"] if link else None,
            }
        )
    return sorted(rows, key=lambda row: row["name"].lower())


async def connect_page(request: Request) -> Response:
    session = session_or_expired(request)
    props = properties(request, session)
    box = sandbox_of(request)
    account = box.store.get_account(session.tenant.scope, session.account_id)
    if account is None:
        raise PageError(401, "This link has expired", "The account of this link is gone.")
    return page(
        request,
        "connect.html",
        token=session.token,
        product=props.get("name") if isinstance(props.get("name"), str) else None,
        themed=colour(props, "color") is not None or colour(props, "bgColor") is not None,
        account=account,
        apps=app_rows(request, session),
        connected=app_name(request, request.query_params.get("connected")),
        error=request.query_params.get("error"),
        error_app=app_name(request, request.query_params.get("app")),
        return_to=return_link(props),
    )


def app_name(request: Request, slug: str | None) -> str | None:
    """The display name for a slug echoed back in a redirect (unknown slugs are not shown)."""
    app = sandbox_of(request).catalog.get(slug or "")
    return app.name if app else None


async def theme(request: Request) -> Response:
    """The page's colours from the connect-url body, as a stylesheet (the CSP allows no inline
    style); an invalid colour is left out rather than passed into CSS."""
    session = session_or_expired(request)
    props = properties(request, session)
    rules = []
    if accent := colour(props, "color"):
        rules.append(f"--accent: {accent};")
    if background := colour(props, "bgColor"):
        rules.append(f"--page: {background};")
    css = ":root { " + " ".join(rules) + " }\n"
    return Response(css, media_type="text/css", headers={"cache-control": "no-store"})


async def open_app(request: Request) -> Response:
    """Authorize (OAuth: off to the provider's consent page) or the key-based form."""
    session = session_or_expired(request)
    app = enabled_app(request, session)
    if app.supports_oauth:
        try:
            effective_client_id(request, session.tenant, app)
        except ApiProblem:
            raise PageError(
                409,
                "Not ready yet",
                f"{app.name} has no OAuth client configured for this organisation yet. "
                "Ask the app's owner to set one in the Cobalt dashboard.",
            ) from None
        state = sandbox_of(request).consents.begin(
            session.tenant.scope, session.account_id, app.slug, session.token
        )
        return RedirectResponse(authorize_url(request, session.tenant, app, state), 303)
    return key_form(request, session, app, values={}, errors={})


def key_form(
    request: Request,
    session: Session,
    app: CatalogApp,
    values: dict[str, str],
    errors: dict[str, str],
) -> Response:
    fields = [
        {**spec, "value": "" if spec["type"] == "password" else values.get(spec["name"], "")}
        for spec in app.auth_input_map()
    ]
    return page(
        request,
        "key_form.html",
        400 if errors else 200,
        token=session.token,
        app=app,
        fields=fields,
        errors=errors,
    )


async def submit_key_form(request: Request) -> Response:
    session = session_or_expired(request)
    app = enabled_app(request, session)
    form = await form_of(request, session.token)
    if app.supports_oauth:
        raise PageError(400, "Wrong form", f"{app.name} connects through OAuth, not a form.")
    errors = {
        spec["name"]: f"{spec['label']} is required"
        for spec in app.auth_input_map()
        if spec["required"] and not form.get(spec["name"], "").strip()
    }
    if errors:
        return key_form(request, session, app, form, errors)
    connect(request, session, app)  # the credentials themselves are not kept
    return back_to_connect(session, connected=app.slug)


def connect(request: Request, session: Session, app: CatalogApp) -> None:
    try:
        sandbox_of(request).store.connect_app(
            session.tenant.scope, session.account_id, app.slug, app.name
        )
    except Missing:
        raise PageError(401, "This link has expired", "The account of this link is gone.") from None


async def disconnect(request: Request) -> Response:
    session = session_or_expired(request)
    app = enabled_app(request, session)
    await form_of(request, session.token)
    sandbox_of(request).store.disconnect_app(session.tenant.scope, session.account_id, app.slug)
    return back_to_connect(session)


def back_to_connect(session: Session, **query: str) -> RedirectResponse:
    suffix = f"?{urlencode(query)}" if query else ""
    return RedirectResponse(f"/connect/{session.token}{suffix}", 303)


# --- the stand-in provider ----------------------------------------------------------------


def consent_context(request: Request) -> dict[str, Any]:
    """What the provider shows: the app, the requesting client and the scopes asked for."""
    slug = request.path_params["slug"]
    app = sandbox_of(request).catalog.get(slug)
    query = request.query_params
    state = query.get("state", "")
    consent = sandbox_of(request).consents.peek(state)
    if app is None or consent is None or consent.slug != slug:
        raise PageError(
            400,
            "Authorization request not valid",
            "This consent page was not opened from a current Connect or OAuth URL (or it "
            "expired). Start again from the app.",
        )
    check_still_live(request, consent)
    client_id = query.get("client_id", "")
    default = client_id == f"{DEFAULT_CLIENT_PREFIX}{slug}"
    return {
        "app": app,
        "client_id": client_id,
        "default_client": default,
        "scopes": [s for s in query.get("scope", "").split(" ") if s],
        "state": state,
        "redirect_uri": query.get("redirect_uri", ""),
    }


async def consent_page(request: Request) -> Response:
    return page(request, "consent.html", **consent_context(request))


async def consent_decision(request: Request) -> Response:
    slug = request.path_params["slug"]
    base = str(request.base_url).rstrip("/")
    query_state = request.query_params.get("state", "")
    form = await form_of(request, f"consent|{query_state}")
    state = form.get("state", "")
    consent = sandbox_of(request).consents.peek(state)
    if state != query_state or consent is None or consent.slug != slug:
        raise PageError(400, "Authorization request not valid", "Start again from the app.")
    check_still_live(request, consent)
    # A provider redirects only to the registered redirect URI: ours, never one from the form.
    callback = f"{base}/api/v1/{slug}/callback"
    if form.get("decision") == "allow":
        target = {"code": secrets.token_urlsafe(16), "state": state}
    else:
        target = {"error": "access_denied", "state": state}
    return RedirectResponse(f"{callback}?{urlencode(target)}", 303)


async def oauth_callback(request: Request) -> Response:
    """Where the provider sends the browser back: connect (or not), then back to Connect."""
    box = sandbox_of(request)
    consent = box.consents.finish(request.query_params.get("state", ""))
    slug = request.path_params["slug"]
    if consent is None or consent.slug != slug or slug not in box.catalog:
        return message_page(
            request,
            400,
            "Authorization not completed",
            "This authorization is unknown or already used. Start again from the app.",
        )
    check_still_live(request, consent)
    app = box.catalog[slug]
    error = request.query_params.get("error")
    if error is None and request.query_params.get("code"):
        try:
            box.store.connect_app(consent.scope, consent.account_id, slug, app.name)
        except Missing:
            return message_page(request, 410, "Account gone", "The linked account was deleted.")
    if consent.token is None:
        if error:
            return message_page(request, 200, f"{app.name} not connected", f"Denied: {error}.")
        return message_page(request, 200, f"{app.name} connected", "You can close this window.")
    query = {"error": error, "app": slug} if error else {"connected": slug}
    return RedirectResponse(f"/connect/{consent.token}?{urlencode(query)}", 303)


ROUTES = [
    Route("/connect/{token}", connect_page, methods=["GET"]),
    Route("/connect/{token}/theme.css", theme, methods=["GET"]),
    Route("/connect/{token}/apps/{slug}", open_app, methods=["GET"]),
    Route("/connect/{token}/apps/{slug}", submit_key_form, methods=["POST"]),
    Route("/connect/{token}/apps/{slug}/disconnect", disconnect, methods=["POST"]),
    Route("/oauth/{slug}/authorize", consent_page, methods=["GET"]),
    Route("/oauth/{slug}/authorize", consent_decision, methods=["POST"]),
    Route("/api/v1/{slug}/callback", oauth_callback, methods=["GET"]),
]
