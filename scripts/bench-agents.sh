#!/usr/bin/env bash
# `make bench-agents`: the agents measured end to end. Starts a fresh
# one-validator localnet of its own (home .localnet/bench, its own ports, so
# a running demo localnet is untouched), registers one provider whose agent
# the benchmark starts and stops, and runs cmd/verdict-bench-agents:
# submit-to-result latency and the provider's CPU per job with and without
# proving every job. The chain is stopped at the end. Extra arguments go to
# the benchmark (e.g. -jobs 200).
set -euo pipefail
cd "$(dirname "$0")/.."
export LOCALNET_HOME=${BENCH_HOME:-.localnet/bench/node}
export RPC_PORT=${BENCH_RPC_PORT:-26757} P2P_PORT=${BENCH_P2P_PORT:-26756} GRPC_PORT=${BENCH_GRPC_PORT:-9190} API_PORT=${BENCH_API_PORT:-1417}
export CHAIN_ID=verdict-bench-1
AGENT_PORT=${BENCH_AGENT_PORT:-26790}

./scripts/localnet.sh reset >/dev/null
./scripts/localnet.sh start
trap './scripts/localnet.sh stop >/dev/null 2>&1 || true' EXIT
BIN=${VERDICTD:-build/verdictd}
ZK_DIR=${ZK_DIR:-.localnet/zk}
ZK_SHAPE=${ZK_SHAPE:-64-64-10}
ZK_SCHEME=poseidon2
CIRCUIT=mlp2-$ZK_SHAPE
WORK=$LOCALNET_HOME/bench-files
mkdir -p "$WORK"
V=("$BIN" --home "$LOCALNET_HOME")
"${V[@]}" tx jobs register-provider bench-gpu "http://127.0.0.1:$AGENT_PORT" 2000000000uverd --classes inference --circuit-ids "$CIRCUIT" \
  --prices '{"class":"WORKLOAD_CLASS_INFERENCE","max_units_per_job":"1000000","max_open_units":"100000000","price_per_unit":{"denom":"uverd","amount":"100"}}' \
  --from provider -y -o json --gas auto --gas-adjustment 1.5 --gas-prices 0.01uverd >/dev/null
PROVIDER=$("${V[@]}" keys show provider -a)
deadline=$((SECONDS + 30))
until "${V[@]}" q jobs provider "$PROVIDER" >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || { echo "the provider's registration was not committed in 30 s" >&2; exit 1; }
  sleep 1
done
go build -o "$WORK/verdict-bench-agents" ./cmd/verdict-bench-agents
"$WORK/verdict-bench-agents" -bin "$BIN" -home "$LOCALNET_HOME" -node "tcp://127.0.0.1:$RPC_PORT" -grpc "127.0.0.1:$GRPC_PORT" \
  -zk-keys "$ZK_DIR" -shape "$ZK_SHAPE" -scheme "$ZK_SCHEME" -port "$AGENT_PORT" "$@"
