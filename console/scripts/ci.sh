#!/usr/bin/env bash
# CI for the staff console: API types agree with the server's schema, type-check, unit tests,
# build, then the end-to-end journeys in Debian's Chromium against a real server.
# Run from the repository's .ci/run after the Python suite (PostgreSQL and Redis are up).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
if ((${#missing[@]})); then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
npm ci --no-audit --no-fund --loglevel=error
scripts/gen-types.sh --check
npm run -s typecheck
npm run -s test
npm run -s build
npx playwright test
echo "console CI: $(( $(date +%s) - started ))s"
