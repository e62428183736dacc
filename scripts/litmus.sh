#!/usr/bin/env bash
# Runs the litmus WebDAV compliance suite (Debian package `litmus`) against /dav/ of a fresh kernel with the
# files plugin: basic, copymove, props, locks and http. Exits non-zero on any failure (or when litmus is missing).
#   bash scripts/litmus.sh            LITMUS_TESTS="basic props" to run fewer suites
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v litmus >/dev/null 2>&1; then
  echo "litmus is not installed (apt-get install -y litmus)" >&2
  exit 2
fi

out=$(mktemp)
log=$(mktemp)
node --import tsx --conditions=source scripts/litmus-server.ts >"$out" 2>"$log" &
server=$!
cleanup() {
  kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -f "$out" "$log"
}
trap cleanup EXIT

# Booting a fresh embedded database (initdb, migrations) takes 30 s or more on a busy machine.
for _ in $(seq 1 360); do
  grep -q '^READY ' "$out" && break
  if ! kill -0 "$server" 2>/dev/null; then break; fi
  sleep 0.5
done
line=$(grep '^READY ' "$out" | head -1)
if [ -z "$line" ]; then
  echo "the litmus server did not start:" >&2
  cat "$log" >&2
  exit 1
fi
read -r _ url user token <<<"$line"

echo "== litmus against $url"
results=$(mktemp -d)
(cd "$results" && TESTS="${LITMUS_TESTS:-basic copymove props locks http}" litmus "$url" "$user" "$token")
status=$?
# litmus writes a debug log of every request to ./debug.log; keep it when something failed.
if [ $status -ne 0 ] && [ -f "$results/debug.log" ]; then
  cp "$results/debug.log" "${TMPDIR:-/tmp}/litmus-debug.log" && echo "litmus: request log in ${TMPDIR:-/tmp}/litmus-debug.log"
fi
rm -rf "$results"
if [ -s "$log" ]; then
  echo "== server log (warnings and errors)"
  tail -n 50 "$log"
fi
exit $status
