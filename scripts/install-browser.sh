#!/usr/bin/env bash
# Installs what the sandbox's browser tests (pytest -m browser) need: Debian's chromium, driven
# by Playwright for Python from the `test` extra. Idempotent: does nothing when both are there.
# Never runs `playwright install`, which would download a browser build of its own.
set -euo pipefail

if [ ! -x /usr/bin/chromium ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: no apt-get here; install chromium yourself (browser tests will skip)" >&2
    exit 0
  fi
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

if ! python -c "import playwright" >/dev/null 2>&1; then
  python -m pip install -q "playwright>=1.40"
fi

echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
