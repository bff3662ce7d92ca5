"""Adding a kind, as the README's recipe says, in a copy of the package: the kind's module,
its line in the registry and its routes (its emulation is the fourth file; this kind is
never read by these runs, so the sandbox needs none). Then:

- a plan saved by the package *before* the kind was added still applies with the package
  after it (the manifest hash covers only the kinds a manifest declares);
- `validate` counts the new kind's objects, `schema` has its section and `prune:` takes it,
  all derived from the registry: no list of kinds was edited anywhere else.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cobalt_sync"

WIDGETS = '''"""widgets: a kind made by tests/test_adding_a_kind.py, modelled on mcp_servers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from cobalt_sync.kinds.base import ResourceKind, RunContext
from cobalt_sync.kinds.fields import Identifier, SectionModel
from cobalt_sync.reply_shapes import REPLY_CONFIG, ReplyShape
from cobalt_sync.resource import KindState, Resource

if TYPE_CHECKING:
    from cobalt_sync.kinds.base import Declared

KIND = "widgets"


class WidgetConfig(SectionModel):
    """A widget, keyed by its name."""

    colour: str


class WireWidget(BaseModel):
    model_config = REPLY_CONFIG

    name: str
    colour: str


_WIDGET: ReplyShape[WireWidget] = ReplyShape(WireWidget)


class WidgetsKind(ResourceKind):
    name = KIND
    section = KIND
    entry_model = WidgetConfig
    section_key = Identifier
    section_doc = "Widgets by name."
    apply_rank = 70

    def desired(self, manifest: Declared) -> Iterable[Resource]:
        for name, widget in manifest.section(KIND).items():
            yield Resource(KIND, name, {"colour": widget.colour})

    def read(self, ctx: RunContext, declared: KindState) -> KindState:
        state = KindState()
        for widget in ctx.api.all_docs("list_widgets", _WIDGET):
            state.add(Resource(KIND, widget.name, {"colour": widget.colour}))
        return state

    def create(self, ctx: RunContext, want: Resource) -> None:
        body: dict[str, Any] = {"name": want.key, **want.attrs}
        ctx.api.create_once("create_widget", _WIDGET, body, lambda: None)
'''

ROUTES = '''
ENDPOINTS["list_widgets"] = Endpoint("GET", "/widgets")
ENDPOINTS["create_widget"] = Endpoint("POST", "/widgets")
'''

MANIFEST = """\
version: 1
environment: test
events:
  Invoice Paid:
    schema: {invoice_id: inv_1, amount: 10}
linked_accounts:
  acme: {name: Acme}
"""


@pytest.fixture(scope="module")
def with_widgets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package with the kind added: the kind's module, one registry line and
    its routes."""
    root = tmp_path_factory.mktemp("added")
    copy = root / "cobalt_sync"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "kinds" / "widgets.py").write_text(WIDGETS)
    registry = copy / "kinds" / "__init__.py"
    text = registry.read_text()
    text = text.replace(
        "from cobalt_sync.kinds.webhooks import WebhooksKind\n",
        "from cobalt_sync.kinds.webhooks import WebhooksKind\n"
        "from cobalt_sync.kinds.widgets import WidgetsKind\n",
    )
    assert "    EnvironmentVariablesKind(),\n)" in text, "the registry's list changed shape"
    text = text.replace(
        "    EnvironmentVariablesKind(),\n)",
        "    EnvironmentVariablesKind(),\n    WidgetsKind(),\n)",
    )
    registry.write_text(text)
    routes = copy / "api" / "routes.py"
    routes.write_text(routes.read_text() + ROUTES)
    return root


def run(
    args: list[str], cwd: Path, package_root: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COBALT_")}
    if package_root is not None:
        env["PYTHONPATH"] = str(package_root)
    return subprocess.run(
        [sys.executable, "-m", "cobalt_sync", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_copy_has_the_kind(with_widgets: Path, tmp_path: Path) -> None:
    probe = "import cobalt_sync.kinds as k; print(k.KIND_ORDER[-1], k.__file__)"
    env = {**os.environ, "PYTHONPATH": str(with_widgets)}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,  # not the checkout: its own cobalt_sync/ would come first
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split()[0] == "widgets"
    assert done.stdout.split()[1].startswith(str(with_widgets))


def test_a_plan_saved_before_a_kind_was_added_still_applies(
    with_widgets: Path, tmp_path: Path
) -> None:
    (tmp_path / "cobalt.yaml").write_text(MANIFEST)
    saved = run(["--sandbox", "plan", "--out", "plan.json"], tmp_path)
    assert saved.returncode == 0, saved.stderr
    applied = run(["--sandbox", "apply", "plan.json", "--auto-approve"], tmp_path, with_widgets)
    assert applied.returncode == 0, applied.stderr
    again = run(["--sandbox", "plan", "--detailed-exitcode"], tmp_path, with_widgets)
    assert again.returncode == 0, again.stdout + again.stderr


def test_the_registry_alone_puts_a_new_kind_in_validate_schema_and_prune(
    with_widgets: Path, tmp_path: Path
) -> None:
    (tmp_path / "cobalt.yaml").write_text(
        MANIFEST + "widgets:\n  blue-one: {colour: blue}\nprune: [widgets]\n"
    )
    valid = run(["validate"], tmp_path, with_widgets)
    assert valid.returncode == 0, valid.stderr
    assert "1 widget" in valid.stdout
    schema = json.loads(run(["schema"], tmp_path, with_widgets).stdout)
    assert schema["properties"]["widgets"]["description"] == "Widgets by name."
    assert "widgets" in json.dumps(schema["properties"]["prune"])
    typo = (tmp_path / "cobalt.yaml").read_text().replace("colour: blue", "color: blue")
    (tmp_path / "cobalt.yaml").write_text(typo)
    refused = run(["validate"], tmp_path, with_widgets)
    assert refused.returncode == 3
    assert "widgets.blue-one" in refused.stderr
