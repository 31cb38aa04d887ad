#!/usr/bin/env bash
# The dashboard's end-to-end browser tests (CTest's dashboard_e2e):
#   run.sh <path to the promptjang binary> <artifacts dir> [test files...]
# Needs node (>= 20), npm and Debian's chromium; fails when any is missing.
# Screenshots and server logs go to the artifacts dir.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ $# -lt 2 ]; then
  echo "usage: $0 <promptjang binary> <artifacts dir> [test files...]" >&2
  exit 2
fi
bin="$(realpath "$1")"
artifacts="$2"
shift 2

chromium="${PJ_E2E_CHROMIUM:-/usr/bin/chromium}"
fail() { echo "dashboard_e2e: $*" >&2; exit 1; }
command -v node >/dev/null || fail "node is missing (apt-get install nodejs npm)"
command -v npm >/dev/null || fail "npm is missing (apt-get install npm)"
[ -x "$chromium" ] || fail "no chromium at $chromium (apt-get install chromium)"
[ -x "$bin" ] || fail "no promptjang binary at $bin"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || fail "node $(node --version) is too old (20 or newer)"

cd "$here"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
  touch node_modules
fi

mkdir -p "$artifacts"
artifacts="$(realpath "$artifacts")"
rm -f "$artifacts"/*.png "$artifacts"/*.log

if [ $# -eq 0 ]; then set -- ./*.test.mjs; fi
export PJ_E2E_BINARY="$bin" PJ_E2E_ARTIFACTS="$artifacts" PJ_E2E_CHROMIUM="$chromium"
exec node --test --test-concurrency=1 --test-timeout=120000 --test-force-exit "$@"
