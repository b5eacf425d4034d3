#!/usr/bin/env bash
# Time `seed_demo --residents N` (default 100,000) on a fresh PostgreSQL database, then a second
# run (which must add nothing).   bench/seed_demo.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/_venv.sh
bin/services >/dev/null
N="${1:-100000}"
DB=yd_bench_seed
dropdb -h 127.0.0.1 -U postgres --if-exists "$DB"
createdb -h 127.0.0.1 -U postgres "$DB"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export DEV_KEYS=1  # not a deployment: development keys are fine
python manage.py migrate --noinput -v0
now() { python -c 'import time; print(time.time())'; }
for run in first second; do
  start=$(now)
  python manage.py seed_demo --residents "$N" > /tmp/yd_seed_demo.log
  end=$(now)
  sed -n 1,3p /tmp/yd_seed_demo.log
  python -c "print('seed_demo --residents $N, $run run: %.1f s' % ($end - $start))"
done
psql -h 127.0.0.1 -U postgres -d "$DB" -Atc "select level, count(*) from grids_gridunit group by level order by 1; select 'verified residences', count(*) from residents_residence where status='verified';"
