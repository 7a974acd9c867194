#!/usr/bin/env bash
# Rasa story tests (tests/test_stories.yml) against a trained model, with a
# real action server on a temporary database. Usage: story_test.sh MODEL
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-models/regiecoach-ci.tar.gz}
tmp=$(mktemp -d)
port=${STORY_TEST_ACTIONS_PORT:-5155}
export PYTHONPATH=$PWD SANIC_HOST=127.0.0.1 ACTIONS_PORT=$port ACTIONS_URL=http://127.0.0.1:$port/webhook
# The action server refuses calls without this token; Rasa sends it (endpoints.yml).
export REGIECOACH_ACTIONS_TOKEN=$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')
export REGIECOACH_DB=$tmp/app.db REGIECOACH_DATA_DIR=$tmp RASA_TRACKER_DB=$tmp/tracker.db
# A fixed clock keeps date answers in the stories valid.
export REGIECOACH_NOW=${REGIECOACH_NOW:-2026-11-22T09:00:00+00:00}
.venv/bin/python -m bot.action_server > "$tmp/actions.log" 2>&1 &
actions_pid=$!
trap 'kill $actions_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
  sleep 0.5
done
.venv/bin/rasa test core --model "$model" --stories tests/test_stories.yml --endpoints endpoints.yml \
  --out "$tmp/results" --fail-on-prediction-errors || { cat "$tmp/results/failed_test_stories.yml" 2>/dev/null; exit 1; }
echo "Story tests passed."
