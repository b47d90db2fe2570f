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

source scripts/bench-lib.sh
bench_localnet
ZK_SCHEME=poseidon2
CIRCUIT=mlp2-$ZK_SHAPE
WORK=$LOCALNET_HOME/bench-files
mkdir -p "$WORK"
bench_provider bench-gpu "http://127.0.0.1:$AGENT_PORT" "$CIRCUIT" \
  '{"class":"WORKLOAD_CLASS_INFERENCE","max_units_per_job":"1000000","max_open_units":"100000000","price_per_unit":{"denom":"uverd","amount":"100"}}'
go build -o "$WORK/verdict-bench-agents" ./cmd/verdict-bench-agents
"$WORK/verdict-bench-agents" -bin "$BIN" -home "$LOCALNET_HOME" -node "tcp://127.0.0.1:$RPC_PORT" -grpc "127.0.0.1:$GRPC_PORT" \
  -zk-keys "$ZK_DIR" -shape "$ZK_SHAPE" -scheme "$ZK_SCHEME" -port "$AGENT_PORT" "$@"
