#!/usr/bin/env bash
# Regenerate src/api/schema.d.ts from the server's own schema (manage.py spectacular).
# With --check, fail when the committed types differ from what the schema gives now.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(cd .. && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The schema does not depend on the database: the embedded default (SQLite) is enough.
(cd "$root" && env -u DATABASE_URL -u REDIS_URL python manage.py spectacular --format openapi-json --file "$tmp/openapi.json")
npx --no-install openapi-typescript "$tmp/openapi.json" -o "$tmp/schema.d.ts" >/dev/null
if [[ "${1:-}" == "--check" ]]; then
  if ! diff -u src/api/schema.d.ts "$tmp/schema.d.ts" > "$tmp/diff"; then
    head -40 "$tmp/diff"
    echo "console: src/api/schema.d.ts differs from the server's schema; run console/scripts/gen-types.sh" >&2
    exit 1
  fi
  echo "console: API types match the server's schema"
else
  cp "$tmp/schema.d.ts" src/api/schema.d.ts
  echo "console: wrote src/api/schema.d.ts"
fi
