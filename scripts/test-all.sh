#!/usr/bin/env bash
# Runs every test suite of the repository (dependencies installed: see scripts/test-full.sh) and prints
# one closing line "N passed, N failed" summed over all suites.
set -uo pipefail
cd "$(dirname "$0")/.."
results_dir=$(mktemp -d)
# Every temp dir of this run (PostgreSQL, HAProxy configs) under one folder, so the cleanup stops only this
# run's HAProxy processes that a crashed test file could not stop, not those of a run beside it.
run_tmp=$(mktemp -d -t hpx-run-XXXXXX)
# As open as /tmp itself: embedded PostgreSQL runs as an unprivileged user when the tests run as root, and
# initdb reads the password file embedded-postgres leaves in TMPDIR.
chmod 1777 "$run_tmp"
export TMPDIR=$run_tmp
cleanup() {
  rm -rf "$results_dir"
  pkill -f "$run_tmp/haproxy-test-[^ ]*/haproxy.cfg" 2>/dev/null || true
  rm -rf "$run_tmp"
}
trap cleanup EXIT
status=0

run() { # name, command...
  local name=$1; shift
  echo "=== $name: $*"
  "$@" || status=1
}

run backend npx --prefix backend jest --config backend/jest.config.js --rootDir backend --json --outputFile "$results_dir/backend.json"
if [ -f jest.config.js ] && [ -d src ]; then
  run plugin npx jest --json --outputFile "$results_dir/plugin.json" --maxWorkers 2
fi
if [ -f tests/jest.config.js ]; then
  run e2e npx jest --config tests/jest.config.js --json --outputFile "$results_dir/e2e.json"
fi
if [ -f playwright.config.ts ]; then
  # Playwright's JSON report goes to a file (not stdout, which the list reporter uses); test-summary.js reads its stats.
  run browser env PLAYWRIGHT_JSON_OUTPUT_NAME="$results_dir/browser.json" npx playwright test --reporter=list,json
fi

node scripts/test-summary.js "$results_dir" || status=1
exit $status
