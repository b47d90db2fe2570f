#!/usr/bin/env bash
# `make bench-tx`: committed tx/s of bank MsgSend, MsgSubmitJob and
# MsgPostResult on a fresh one-validator localnet of its own (home
# .localnet/bench-tx, its own ports; a running demo localnet is untouched),
# each as a ratio to bank send, with the node's CPU and gas per transaction
# (cmd/verdict-bench-tx). PPROF=1 also serves the node's pprof on
# 127.0.0.1:6061 for profiling under the load; INDEX_EVENTS limits the
# events the node's transaction index keeps (app.toml index-events). Extra arguments go to the
# benchmark (e.g. -n 5000). The chain is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export LOCALNET_HOME=${BENCH_TX_HOME:-.localnet/bench-tx/node}
export RPC_PORT=${BENCH_TX_RPC_PORT:-26857} P2P_PORT=${BENCH_TX_P2P_PORT:-26856} GRPC_PORT=${BENCH_TX_GRPC_PORT:-9290} API_PORT=${BENCH_TX_API_PORT:-1517}
export CHAIN_ID=verdict-bench-tx-1
BIN=${VERDICTD:-build/verdictd}

./scripts/localnet.sh reset >/dev/null
if [ -n "${PPROF:-}" ] || [ -n "${INDEX_EVENTS:-}" ]; then
  # initialise, then change the node's config before the start: PPROF=1
  # serves pprof (loopback only); INDEX_EVENTS (e.g. '"message.action"')
  # sets app.toml's index-events, the events CometBFT's transaction index
  # keeps beside every tx hash (empty, the localnet's default: all of them).
  ./scripts/localnet.sh start >/dev/null && ./scripts/localnet.sh stop >/dev/null
  [ -z "${PPROF:-}" ] || sed -i 's|^pprof_laddr = .*|pprof_laddr = "127.0.0.1:6061"|' "$LOCALNET_HOME/config/config.toml"
  [ -z "${INDEX_EVENTS:-}" ] || sed -i "s|^index-events = .*|index-events = [$INDEX_EVENTS]|" "$LOCALNET_HOME/config/app.toml"
fi
./scripts/localnet.sh start
trap './scripts/localnet.sh stop >/dev/null 2>&1 || true' EXIT
mkdir -p "$LOCALNET_HOME/bench"
go build -o "$LOCALNET_HOME/bench/verdict-bench-tx" ./cmd/verdict-bench-tx
"$LOCALNET_HOME/bench/verdict-bench-tx" -home "$LOCALNET_HOME" -node "tcp://127.0.0.1:$RPC_PORT" -grpc "127.0.0.1:$GRPC_PORT" "$@"
