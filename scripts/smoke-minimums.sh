#!/usr/bin/env bash
# Proves the lower bounds in pyproject.toml: installs cobalt-sync with every direct dependency
# at its declared minimum (uv's `--resolution lowest-direct`) into a fresh venv, prints what was
# resolved, then runs what a user runs: the README's sandbox demo, a change taken through
# validate, plan --out (into a folder that does not exist yet), show, apply PLANFILE and a clean
# plan, `doctor` (jsonschema), an export, and one of the sandbox's HTML pages (starlette, uvicorn
# and jinja2).
# A minimum that no longer works fails here, not on a user's fresh install.
#
# Usage: bash scripts/smoke-minimums.sh   (from anywhere; needs the package index)
#        PYTHON=/path/to/python3.13 bash scripts/smoke-minimums.sh   (another interpreter)
set -euo pipefail
python=${PYTHON:-python3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# uv itself comes from the package index, pinned so a new resolver cannot move the floor.
python3 -m venv "$work/tools"
"$work/tools/bin/pip" install -q 'uv==0.13.9'
uv="$work/tools/bin/uv"

"$uv" venv -q --python "$(command -v "$python")" "$work/venv"
"$uv" pip install -q --python "$work/venv/bin/python" --resolution lowest-direct "$root"
echo "smoke-minimums: $("$work/venv/bin/python" --version), resolved (lowest direct):"
"$uv" pip freeze --python "$work/venv/bin/python" 2>/dev/null | grep -v '^cobalt-sync' | sed 's/^/  /'

cp -r "$root/examples" "$work/demo"
rm -rf "$work/demo/.cobalt-sandbox"
cd "$work/demo"
export PATH="$work/venv/bin:$PATH"
export SLACK_CLIENT_SECRET=demo-slack-secret HUBSPOT_CLIENT_SECRET=demo-hubspot-secret

expect() {  # expect CODE command...: run it, fail unless it exits CODE
  local want=$1 got=0
  shift
  "$@" >"$work/out" 2>&1 || got=$?
  if [ "$got" != "$want" ]; then
    cat "$work/out"
    echo "smoke-minimums: \`$*\` exited $got, expected $want" >&2
    exit 1
  fi
}

# The README's quick start.
expect 0 cobalt-sync --sandbox apply -f cobalt.yaml --auto-approve
expect 0 cobalt-sync --sandbox plan -f cobalt.yaml --detailed-exitcode

# A change (the README's: one more HubSpot scope), reviewed as a saved plan, then applied.
python3 - <<'EOF'
from pathlib import Path
path = Path("cobalt.yaml")
text = path.read_text()
old = "        - crm.objects.deals.read\n"
assert old in text, "examples/cobalt.yaml no longer lists crm.objects.deals.read"
path.write_text(text.replace(old, old + "        - crm.objects.deals.write\n", 1))
EOF
expect 0 cobalt-sync validate -f cobalt.yaml
expect 2 cobalt-sync --sandbox plan -f cobalt.yaml --detailed-exitcode
expect 0 cobalt-sync --sandbox plan -f cobalt.yaml --out plans/change.json
expect 0 cobalt-sync show plans/change.json
grep -q 'crm.objects.deals.write' "$work/out"
expect 0 cobalt-sync --sandbox apply plans/change.json --auto-approve
expect 0 cobalt-sync --sandbox plan -f cobalt.yaml --detailed-exitcode
expect 0 cobalt-sync schema --output "$work/cobalt.schema.json"
expect 0 cobalt-sync --sandbox doctor  # the org's replies checked against the vendor spec (jsonschema)
expect 0 cobalt-sync --sandbox export -o exported.yaml
expect 0 cobalt-sync validate -f exported.yaml

# The sandbox's own pages, served as `sandbox serve` serves them: a starlette app under uvicorn,
# rendered by jinja2.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cobalt-sync sandbox serve --port "$port" >"$work/serve.log" 2>&1 &
server=$!
python3 - "$port" <<'EOF' || { cat "$work/serve.log"; exit 1; }
import sys, time
import httpx
url = f"http://127.0.0.1:{sys.argv[1]}/_sandbox/"
for _ in range(100):
    try:
        page = httpx.get(url)
        break
    except httpx.TransportError:
        time.sleep(0.1)
else:
    raise SystemExit(f"the sandbox did not answer at {url}; see its log above")
assert page.status_code == 200 and "<html" in page.text.lower(), (page.status_code, page.text[:300])
EOF
kill "$server"
wait "$server" || true
server=
echo "smoke-minimums: demo, validate/plan/show/apply/doctor/export and the sandbox pages work at the minimums"
