#!/usr/bin/env bash
# Installs the headless browser the dashboard's browser tests drive (tests/ZkDiscovery.Dashboard.Tests): Debian's
# `chromium` package, only when /usr/bin/chromium is missing. Playwright (from NuGet) drives it; Playwright's own
# browser download is never used. Safe to run again: it does nothing once chromium is there.
# Used by eng/test.sh next to eng/install-zookeeper.sh.
# Skipped when ZKD_CHROMIUM names a browser binary that exists, or when ZKD_SKIP_BROWSER=1.
# Where no browser can be installed (no apt-get, no root, no package) it warns and exits 0: the browser tests then
# skip and say why.
set -euo pipefail

if [[ -n "${ZKD_SKIP_BROWSER:-}" ]]; then
  exit 0
fi
if [[ -n "${ZKD_CHROMIUM:-}" && -x "${ZKD_CHROMIUM}" ]]; then
  exit 0
fi
if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi

warn() {
  echo "warning: $*" >&2
  echo "warning: the dashboard's browser tests will be skipped." >&2
  exit 0
}

command -v apt-get >/dev/null 2>&1 || warn "chromium is missing and apt-get is not available; install chromium (or set ZKD_CHROMIUM)."

sudo=()
if (( EUID != 0 )); then
  command -v sudo >/dev/null 2>&1 || warn "installing chromium needs root (run as root, or install sudo)."
  sudo=(sudo)
fi

echo "Installing chromium from Debian packages..." >&2
"${sudo[@]}" apt-get update || warn "apt-get update failed."
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || warn "apt-get install chromium failed."

[[ -x /usr/bin/chromium ]] || warn "/usr/bin/chromium is still missing after installing the chromium package."
