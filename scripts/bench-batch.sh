#!/usr/bin/env bash
# `make bench-batch`: batch jobs measured end to end. Starts a fresh
# one-validator localnet of its own (home .localnet/bench-batch, its own
# ports, so a running demo localnet is untouched), registers one provider
# that takes batches of up to 100,000 items, and runs
# cmd/verdict-bench-batch, which starts the provider agent: native inference
# against verified inferences per second through the agent and the chain,
# submit-to-FINALIZED latency, gas per inference, and a challenged item's
# proof check against a single job's. The chain is stopped at the end.
# Extra arguments go to the benchmark (e.g. -batches 40).
set -euo pipefail
cd "$(dirname "$0")/.."
export LOCALNET_HOME=${BENCH_HOME:-.localnet/bench-batch/node}
export RPC_PORT=${BENCH_RPC_PORT:-26767} P2P_PORT=${BENCH_P2P_PORT:-26766} GRPC_PORT=${BENCH_GRPC_PORT:-9191} API_PORT=${BENCH_API_PORT:-1418}
export CHAIN_ID=verdict-bench-batch-1
# the provider agent proves a disputed item with its key already loaded; a
# minute keeps a loaded 2-core machine from turning the benchmark into a loss
export PROOF_WINDOW=${PROOF_WINDOW:-60s}
AGENT_PORT=${BENCH_AGENT_PORT:-26791}
ITEMS=100000

source scripts/bench-lib.sh
bench_localnet
CIRCUIT=mlp2-$ZK_SHAPE
bench_provider bench-batch-gpu "http://127.0.0.1:$AGENT_PORT" "$CIRCUIT" \
  '{"class":"WORKLOAD_CLASS_INFERENCE","max_units_per_job":"'$ITEMS'","max_open_units":"100000000","max_items_per_job":"'$ITEMS'","price_per_unit":{"denom":"uverd","amount":"1"}}'
WORK=$LOCALNET_HOME/bench-files
mkdir -p "$WORK"
go build -o "$WORK/verdict-bench-batch" ./cmd/verdict-bench-batch
"$WORK/verdict-bench-batch" -bin "$BIN" -home "$LOCALNET_HOME" -node "tcp://127.0.0.1:$RPC_PORT" -grpc "127.0.0.1:$GRPC_PORT" \
  -zk-keys "$ZK_DIR" -shape "$ZK_SHAPE" -port "$AGENT_PORT" -items "$ITEMS" "$@"
