"""Plans and reports built by hand for the renderer tests: every feature a renderer shows
(creates, nested updates, deletes, secrets, tags, notes, unmanaged, warnings, refusals,
hostile keys) and the 10,000-change plan."""

from __future__ import annotations

from cobalt_sync.applying.report import ApplyReport, Outcome, Status
from cobalt_sync.plan import (
    Action,
    Change,
    DashboardStep,
    EntryNote,
    FieldChange,
    Plan,
    Source,
    StepStatus,
    Unmanaged,
)
from cobalt_sync.planning.planner import change_sort_key

# The kinds these plans say were read: fixed here, so that adding a kind to the registry does
# not rewrite every golden file.
GOLDEN_KINDS = ("apps", "oauth_credentials", "events", "linked_accounts")

HOSTILE_KEY = (
    "Evil | `x` <script>alert(1)</script>\n@admin **bold** [link](http://e.vil) \x1b[31mred"
)


def sorted_plan(changes: list[Change], **rest: object) -> Plan:
    """A Plan whose changes are in execution order, as the planner makes them."""
    ordered = tuple(sorted(changes, key=change_sort_key))
    rest.setdefault("kinds", GOLDEN_KINDS)
    return Plan(changes=ordered, **rest)  # type: ignore[arg-type]


def full_plan() -> Plan:
    """Creates, updates with nested paths, a delete, a secret, tags, notes, unmanaged."""
    long_text = "Lorem ipsum dolor sit amet, " * 6
    changes = [
        Change(
            "apps",
            "hubspot",
            Action.CREATE,
            (FieldChange("enabled", None, True, op="add"),),
            source=Source("cobalt.yaml", 5),
        ),
        Change(
            "apps",
            "intercom",
            Action.DELETE,
            notes=("pruned: not in the manifest",),
            source=Source("cobalt.yaml", 2),
        ),
        Change(
            "oauth_credentials",
            "slack",
            Action.UPDATE,
            (
                FieldChange("client_id", "old-client", "new-client"),
                FieldChange("client_secret", sensitive=True),
                FieldChange("scopes", ["chat:write"], ["chat:write", "users:read"]),
            ),
            tags=("reauthorize",),
            notes=("existing connections must re-authorize",),
            source=Source("cobalt.yaml", 9),
        ),
        Change(
            "events",
            "Invoice Paid",
            Action.CREATE,
            (
                FieldChange("schema.amount", None, 10, op="add"),
                FieldChange("schema.currency", None, "EUR", op="add"),
                FieldChange("schema.memo", None, long_text, op="add"),
            ),
            tags=("additive",),
        ),
        Change(
            "events",
            "New Contact Created",
            Action.UPDATE,
            (
                FieldChange("schema.contact.email", "a@example.com", "b@example.com"),
                FieldChange("schema.contact.phone", None, {"country": "+44", "n": 1}, op="add"),
                FieldChange("schema.legacy", True, None, op="remove"),
            ),
            tags=("breaking",),
            notes=("workflows reading schema.legacy may fail",),
            source=Source("cobalt.yaml", 21),
        ),
        Change(
            "linked_accounts",
            "acme-test",
            Action.CREATE,
            (
                FieldChange("name", None, "Acme (test)", op="add"),
                FieldChange("udf", None, {"managed_by": "cobalt-sync"}, op="add"),
            ),
        ),
    ]
    unmanaged = (
        Unmanaged("apps", (), 0),
        Unmanaged("events", tuple(f"Legacy Event {i:02d}" for i in range(12)), 14),
        Unmanaged("linked_accounts", ("cust-1", "cust-2", "cust-3"), 250),
    )
    return sorted_plan(
        changes,
        environment="test",
        unmanaged=unmanaged,
        warnings=(
            "events/Order Shipped: 2 live objects share this key; cobalt-sync will not guess "
            "which one is meant and leaves them alone.",
        ),
        unchanged_notes=(
            EntryNote(
                "oauth_credentials",
                "zendesk",
                "the client secret cannot be read from Cobalt, so a rotated secret is not "
                "detected: set it in the dashboard when you rotate it",
            ),
            EntryNote("environment_variables", "API_TOKEN", "the definition is encrypted"),
        ),
        manifest_hash="sha256:" + "a" * 64,
        live_fingerprint="sha256:" + "b" * 64,
    )


def diffs_plan() -> Plan:
    """The values a one-line diff used to hide: a long scope list with one scope added and
    one removed, a one-character edit deep in a long string, a large nested sample with one
    changed leaf, a type change and a large object added whole."""
    scopes = [f"crm.objects.{name}.read" for name in ("companies", "contacts", "deals", "owners")]
    sample = {f"line_{i:02d}": {"sku": f"SKU-{i}", "qty": i} for i in range(20)}
    edited = {**sample, "line_07": {"sku": "SKU-7", "qty": 70}}
    text = "Sent when an invoice is paid in full; " * 4
    return sorted_plan(
        [
            Change(
                "oauth_credentials",
                "hubspot",
                Action.UPDATE,
                (
                    FieldChange(
                        "scopes",
                        scopes,
                        [*scopes[:2], "crm.objects.deals.write", *scopes[3:]],
                    ),
                ),
                tags=("reauthorize",),
            ),
            Change(
                "events",
                "Invoice Paid",
                Action.UPDATE,
                (
                    FieldChange("description", text, text[:120] + "I" + text[121:]),
                    FieldChange("sample.lines", sample, edited),
                    FieldChange("sample.tags", "vip", ["vip", "b2b"]),
                    FieldChange(
                        "sample.customer", None, {"id": 1, "tiers": list(range(40))}, op="add"
                    ),
                ),
            ),
        ],
        environment="test",
    )


def empty_plan(unmanaged: int = 3) -> Plan:
    keys = tuple(f"cust-{i}" for i in range(unmanaged))
    return Plan(
        kinds=GOLDEN_KINDS,
        environment="production",
        unmanaged=(Unmanaged("linked_accounts", keys, unmanaged),) if unmanaged else (),
        unchanged_notes=(
            (EntryNote("oauth_credentials", "slack", "scope chat:write is mandatory for slack"),)
            if unmanaged
            else ()
        ),
        manifest_hash="sha256:" + "c" * 64,
        live_fingerprint="sha256:" + "d" * 64,
    )


def refused_plan() -> Plan:
    deletes = [Change("events", f"Old Event {i:02d}", Action.DELETE) for i in range(12)]
    return sorted_plan(
        deletes,
        environment="test",
        mass_delete=("12 deletes exceed the limit of 10 per apply",),
        manifest_hash="sha256:" + "e" * 64,
        live_fingerprint="sha256:" + "f" * 64,
    )


def hostile_plan() -> Plan:
    fields = (
        FieldChange("schema.`|<b>`", "```", "</details>\n<img src=x>", op="change"),
        FieldChange("schema.x\x1b[2J", None, "@everyone", op="add"),
    )
    return Plan(
        kinds=GOLDEN_KINDS,
        environment="test",
        changes=(
            Change(
                "events",
                HOSTILE_KEY,
                Action.UPDATE,
                fields,
                notes=("<b>hi</b> | x",),
                source=Source("envs/a (b)/[c] `d`.yaml", 3),
            ),
        ),
        unmanaged=(Unmanaged("events", (HOSTILE_KEY,), 1),),
        warnings=(f"events/{HOSTILE_KEY}: odd",),
    )


def big_plan(count: int, fields_per_change: int = 3) -> Plan:
    """`count` event updates with a few nested fields each (the 10,000-change case)."""
    changes = [
        Change(
            "events",
            f"Event {i:05d}",
            Action.UPDATE,
            tuple(
                FieldChange(f"schema.field_{j}.value", f"old {i}-{j}", f"new {i}-{j}")
                for j in range(fields_per_change)
            ),
            tags=("additive",),
        )
        for i in range(count)
    ]
    return sorted_plan(changes, environment="test", manifest_hash="sha256:" + "1" * 64)


def mixed_report() -> ApplyReport:
    plan = full_plan()
    by_key = {c.key: c for c in plan.changes}
    outcomes = (
        # Deliberately out of plan order: apply finishes changes concurrently.
        Outcome(by_key["acme-test"], Status.SKIPPED, "depends on failed events/Invoice Paid"),
        Outcome(by_key["hubspot"], Status.DONE, seconds=0.4),
        Outcome(by_key["slack"], Status.DONE),
        Outcome(by_key["Invoice Paid"], Status.FAILED, "Cobalt answered 422: invalid payload"),
        Outcome(by_key["New Contact Created"], Status.DONE),
        Outcome(by_key["intercom"], Status.DONE),
    )
    remaining = (by_key["Invoice Paid"], by_key["acme-test"])
    steps = dashboard_plan().dashboard_steps[:2]
    return ApplyReport(
        plan=plan, outcomes=outcomes, remaining=remaining, verified=False, dashboard_steps=steps
    )


def dashboard_plan() -> Plan:
    """Real Cobalt: an API change, then dashboard steps (one observed, one not observable)."""
    event = Change(
        "events",
        "Order Placed",
        Action.CREATE,
        (FieldChange("schema.id", None, 1, op="add"),),
        source=Source("cobalt.yaml", 14),
    )
    oauth = Change(
        "oauth_credentials",
        "hubspot",
        Action.UPDATE,
        (
            FieldChange("client_id", "cobalt-default-hubspot", "hub-client-1"),
            FieldChange("scopes", [], ["crm.objects.contacts.read"]),
        ),
        tags=("reauthorize",),
        notes=("scope oauth is mandatory for hubspot",),
        source=Source("cobalt.yaml", 6),
    )
    enable = Change(
        "apps",
        "slack",
        Action.CREATE,
        (FieldChange("enabled", None, True, op="add"),),
        source=Source("cobalt.yaml", 10),
    )
    enable_hubspot = Change("apps", "hubspot", Action.CREATE, source=Source("cobalt.yaml", 5))
    hidden = "not observable: no linked account exists yet to read it through"
    steps = (
        DashboardStep(
            oauth,
            "Apps → Hubspot → Settings → Credentials",
            '"Use your own credentials": client id `hub-client-1`, scopes '
            "`crm.objects.contacts.read`, the client secret from $HUBSPOT_CLIENT_SECRET; save",
        ),
        DashboardStep(
            enable,
            "Apps → Slack",
            "enable the app (Go Live)",
            StepStatus.UNVERIFIED,
            hidden,
        ),
        DashboardStep(
            enable_hubspot,
            "Apps → Hubspot",
            "enable the app (Go Live)",
            StepStatus.UNVERIFIED,
            hidden,
        ),
    )
    return Plan(
        kinds=GOLDEN_KINDS,
        environment="production",
        changes=(event,),
        dashboard_steps=steps,
        notes=("linked_accounts: 1 account created by cobalt-sync is no longer in the manifest",),
        manifest_hash="sha256:" + "2" * 64,
        live_fingerprint="sha256:" + "3" * 64,
    )


def clean_report() -> ApplyReport:
    plan = full_plan()
    outcomes = tuple(Outcome(c, Status.DONE) for c in plan.changes)
    return ApplyReport(plan=plan, outcomes=outcomes, verified=True)


def empty_report() -> ApplyReport:
    return ApplyReport(plan=empty_plan(0), verified=True)


def interrupted_report() -> ApplyReport:
    """Ctrl-C after two writes: one still in flight past the grace period, the rest never
    started; no verification re-read."""
    plan = full_plan()
    changes = list(plan.changes)
    outcomes = (
        Outcome(changes[0], Status.DONE, seconds=0.2),
        Outcome(changes[1], Status.DONE, seconds=0.3),
        Outcome(
            changes[2],
            Status.NOT_RUN,
            "in flight when apply was interrupted: may or may not have landed",
        ),
        *(Outcome(c, Status.NOT_RUN, "not started: apply was interrupted") for c in changes[3:]),
    )
    return ApplyReport(plan=plan, outcomes=outcomes, interrupted="SIGINT")
