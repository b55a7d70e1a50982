#!/usr/bin/env bash
# `make clients-check`: the Go, Rust and TypeScript examples against a live `cordwire serve` of the
# demo chute (free ports, a throwaway key database, the dev key it prints), then the Python client's
# tests. The server starts first so that Triton loads its models while the examples compile.
# TypeScript (clients/ts, packages from `npm ci`): the generated client's example and checks, the
# official openai SDK's checks, and the calling guide's fetch snippets.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CARGO_JOBS=${CARGO_JOBS:-2}
READY_TIMEOUT=${READY_TIMEOUT:-600}

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -INT "$server_pid" 2>/dev/null || true
    # Up to 15 s for a clean shutdown (it stops its Triton child), then force.
    for _ in $(seq 30); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
http_port=$(free_port)
grpc_port=$(free_port)
while [ "$grpc_port" = "$http_port" ]; do grpc_port=$(free_port); done

echo "== cordwire serve (demo chute) on HTTP :$http_port, gRPC :$grpc_port"
# A per-key rate limit far above what the examples send, so that the TypeScript checks can get a
# real 429 (with Retry-After) by spending the bucket of a key of their own.
CORDWIRE_KEYS_DB="$work/keys.db" .venv/bin/cordwire serve --http-port "$http_port" --grpc-port "$grpc_port" \
  --rate-limit 20 --burst 40 >"$work/serve.log" 2>&1 &
server_pid=$!

echo "== building the Go example"
start=$SECONDS
(cd clients/go && go build -o "$work/go-example" ./cmd/example)
echo "   built in $((SECONDS - start)) s"
echo "== building the Rust example"
start=$SECONDS
cargo build -q -j "$CARGO_JOBS" --locked --manifest-path clients/rust/Cargo.toml --example chat
echo "   built in $((SECONDS - start)) s"
echo "== type-checking (tsc --noEmit, strict) and building the TypeScript client, examples, checks"
echo "   Node $(node --version), npm $(npm --version)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' || {
  echo "clients/ts needs Node 18 or later" >&2; exit 1; }
start=$SECONDS
(cd clients/ts && npm run -s typecheck && npm run -s build)
echo "   built in $((SECONDS - start)) s"
echo "== TypeScript client unit tests (offline)"
(cd clients/ts && npm test -s) | sed "s/^/   [ts] /"
rust_example=$(cargo metadata -q --format-version 1 --no-deps --manifest-path clients/rust/Cargo.toml |
  "$PY" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/examples/chat

echo "== waiting for the server to be ready"
deadline=$((SECONDS + READY_TIMEOUT))
until curl -fsS -o /dev/null "http://127.0.0.1:$http_port/healthz" 2>/dev/null; do
  if ! kill -0 "$server_pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
    echo "cordwire serve did not become ready; its log:" >&2
    cat "$work/serve.log" >&2
    exit 1
  fi
  sleep 1
done
# The first start on an empty key database prints the development key, indented, on its own line.
key=$(grep -m1 -oE '^  cw_[A-Za-z0-9_-]+$' "$work/serve.log" | tr -d ' ') || {
  echo "no development key in the server's output" >&2; cat "$work/serve.log" >&2; exit 1; }

# Each example must exit 0 and print a non-empty completion and a non-empty streamed text.
check_output() {
  local name=$1 out=$2
  printf '%s\n' "$out" | sed "s/^/   [$name] /"
  grep -qE '^completion: .*[^ ]' <<<"$out" && grep -qE '^streamed: .*[^ ]' <<<"$out" || {
    echo "$name example printed no completion" >&2; exit 1; }
}
echo "== Go example"
check_output go "$("$work/go-example" -target "127.0.0.1:$grpc_port" -api-key "$key")"
echo "== Rust example"
check_output rust "$("$rust_example" --target "http://127.0.0.1:$grpc_port" --api-key "$key")"

base_url="http://127.0.0.1:$http_port"
ts=$PWD/clients/ts/dist
# Each 429 check spends the whole bucket of a key of its own.
client_429_key=$(CORDWIRE_KEYS_DB="$work/keys.db" .venv/bin/cordwire keys create --name ts-client-429 2>/dev/null | tail -1)
openai_429_key=$(CORDWIRE_KEYS_DB="$work/keys.db" .venv/bin/cordwire keys create --name ts-openai-429 2>/dev/null | tail -1)
echo "== TypeScript example (generated client, HTTP/JSON)"
check_output ts "$(node "$ts/examples/chat.js" --base-url "$base_url" --api-key "$key")"
echo "== TypeScript generated client checks"
node "$ts/checks/client.js" --base-url "$base_url" --api-key "$key" --limited-key "$client_429_key" |
  sed "s/^/   [ts] /"
echo "== openai npm SDK checks"
node "$ts/checks/openai-sdk.js" --base-url "$base_url" --api-key "$key" --limited-key "$openai_429_key" |
  sed "s/^/   [openai] /"
echo "== the calling guide's TypeScript snippets (seed), and the README's fixed streaming one"
# Each must exit 0 and print something; the image one must leave a PNG behind.
for snippet in seed/basic seed/streaming examples/fetch-stream seed/image; do
  out=$(cd "$work" && CORDWIRE_BASE_URL="$base_url" CORDWIRE_API_KEY="$key" node "$ts/$snippet.js")
  printf '%s\n' "${out:0:300}" | sed "s|^|   [$snippet] |"
  [ -n "${out//[[:space:]]/}" ] || { echo "$snippet printed nothing" >&2; exit 1; }
done
[ "$(head -c 4 "$work/generated_image.png" | tail -c 3)" = PNG ] || { echo "seed/image wrote no PNG" >&2; exit 1; }

echo "== Python client tests"
"$PY" -m pytest -q tests/client
