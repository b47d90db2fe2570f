#!/usr/bin/env bash
# One-validator Verdict chain on 127.0.0.1, for the demo and the end-to-end
# tests. Usage: scripts/localnet.sh start|stop|status|reset
#
# start  initialises the chain once (keys validator, provider, provider2,
#        provider3, buyer, challenger, monitor, monitor2 and monitor3 in a
#        test keyring, all funded; the monitors registered as SLA monitors) and
#        starts verdictd in
#        the background; waits (bounded) for the first block.
# stop   stops the node.     status  prints height and addresses.
# reset  stops and deletes the chain data.
#
# Environment (all optional):
#   VERDICTD            binary (default: build/verdictd)
#   LOCALNET_HOME       node home (default: .localnet/node)
#   CHAIN_ID            (default: verdict-local-1)
#   RPC_PORT P2P_PORT GRPC_PORT API_PORT  (26657 26656 9090 1317)
#   CHALLENGE_WINDOW    x/jobs challenge window (default: 15s)
#   PROOF_WINDOW        x/dispute proof window (default: 20s)
#   AUDIT_RATE_PPM      x/dispute audit rate (default: 0, so demo balances are exact)
#   REPORT_WINDOW       x/slashingsla report window (default: 8s)
#                       (x/forwards: windows on a 60 s grid, 120 s long, so
#                       the demo's forward delivers in minutes, not hours)
#   VOTING_PERIOD       gov voting period (default: 10s: one validator votes at once)
#   MIN_GAS_PRICES      the node's minimum gas price (default: 0.01uverd; a
#                       zero-fee transaction is refused)
#   EXPEDITED_VOTING_PERIOD  gov expedited voting period, shorter (default: 5s)
#   ZK_SHAPE            reference MLP circuits registered in genesis, both
#                       versions (default: 64-64-10: mlp-… and mlp2-…)
#   CNN_ARCH            reference CNN circuit registered in genesis
#                       (default: 1x32x32-6k5-16k5-120-84-10, LeNet-5)
#   SLA_SHAPE           a small version 2 MLP circuit registered in genesis
#                       for the demo's SLA and TEE scenes (default: 16-16-4)
#   ZK_DIR              Groth16 keys, made once by `verdictd zk setup` and
#                       kept across resets (default: .localnet/zk)
#   START_TIMEOUT       seconds to wait for the first block (default: 60)
#   TEESIM              the simulated SEV-SNP guest (default: verdict-teesim
#                       next to VERDICTD). The localnet's x/attest policy
#                       trusts its TEST-ONLY root (go-sev-guest's published
#                       test keys) in place of AMD's, and allows its image's
#                       measurement; a real network must never do this.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${VERDICTD:-build/verdictd}
HOME_DIR=${LOCALNET_HOME:-.localnet/node}
TEESIM=${TEESIM:-$(dirname "$BIN")/verdict-teesim}
CHAIN_ID=${CHAIN_ID:-verdict-local-1}
RPC_PORT=${RPC_PORT:-26657}
P2P_PORT=${P2P_PORT:-26656}
GRPC_PORT=${GRPC_PORT:-9090}
API_PORT=${API_PORT:-1317}
CHALLENGE_WINDOW=${CHALLENGE_WINDOW:-15s}
PROOF_WINDOW=${PROOF_WINDOW:-20s}
AUDIT_RATE_PPM=${AUDIT_RATE_PPM:-0}
REPORT_WINDOW=${REPORT_WINDOW:-8s}
VOTING_PERIOD=${VOTING_PERIOD:-10s}
MIN_GAS_PRICES=${MIN_GAS_PRICES:-0.01uverd}
EXPEDITED_VOTING_PERIOD=${EXPEDITED_VOTING_PERIOD:-5s}
ZK_SHAPE=${ZK_SHAPE:-64-64-10}
CNN_ARCH=${CNN_ARCH:-1x32x32-6k5-16k5-120-84-10}
ZK_DIR=${ZK_DIR:-.localnet/zk}
START_TIMEOUT=${START_TIMEOUT:-60}
DENOM=uverd
KR=(--keyring-backend test --home "$HOME_DIR")
PIDFILE="$HOME_DIR/verdictd.pid"
LOG="$HOME_DIR/verdictd.log"
KEYS="validator provider provider2 provider3 buyer challenger monitor monitor2 monitor3"
# shellcheck source=scripts/genesis-lib.sh
source scripts/genesis-lib.sh

need_jq() {
  command -v jq >/dev/null && return
  echo "installing jq (Debian package)"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq >/dev/null && apt-get install -y -qq jq >/dev/null
  else sudo apt-get update -qq >/dev/null && sudo apt-get install -y -qq jq >/dev/null; fi
}

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

init_chain() {
  need_jq
  echo "initialising chain $CHAIN_ID in $HOME_DIR"
  "$BIN" init verdict-local --chain-id "$CHAIN_ID" --default-denom "$DENOM" --home "$HOME_DIR" >/dev/null 2>&1
  for k in $KEYS; do
    "$BIN" keys add "$k" "${KR[@]}" --output json >"$HOME_DIR/$k.key.json" 2>&1
  done
  genesis_accounts "$HOME_DIR" "$DENOM" 1000000000000 "$HOME_DIR/validator.key.json"
  local users=()
  for k in ${KEYS#validator }; do users+=("$HOME_DIR/$k.key.json"); done
  genesis_accounts "$HOME_DIR" "$DENOM" 100000000000 "${users[@]}"
  "$BIN" genesis gentx validator 100000000000$DENOM --chain-id "$CHAIN_ID" "${KR[@]}" >/dev/null 2>&1
  "$BIN" genesis collect-gentxs --home "$HOME_DIR" >/dev/null 2>&1

  # three registered SLA monitors: one reports by CLI in the demo, the
  # others are the monitor agents' keys (the agents scene's, the serving
  # scene's)
  verdict_genesis "$HOME_DIR" "$(key_address "$HOME_DIR/monitor.key.json") $(key_address "$HOME_DIR/monitor2.key.json") $(key_address "$HOME_DIR/monitor3.key.json")"
  verdict_node_config "$HOME_DIR" "$RPC_PORT" "$P2P_PORT" "$GRPC_PORT" "$API_PORT"
}

height() {
  curl -s --max-time 2 "http://127.0.0.1:$RPC_PORT/status" | jq -r '.result.sync_info.latest_block_height // empty' 2>/dev/null || true
}

start() {
  [ -x "$BIN" ] || { echo "no binary at $BIN: run 'make build' first" >&2; exit 1; }
  if running; then echo "already running (pid $(cat "$PIDFILE"))"; return; fi
  [ -f "$HOME_DIR/config/genesis.json" ] || init_chain
  echo "starting verdictd (log: $LOG)"
  nohup "$BIN" start --home "$HOME_DIR" --log_no_color >"$LOG" 2>&1 &
  echo $! >"$PIDFILE"
  local deadline=$((SECONDS + START_TIMEOUT))
  while [ $SECONDS -lt $deadline ]; do
    local h; h=$(height)
    if [ -n "$h" ] && [ "$h" -ge 1 ]; then echo "chain is producing blocks (height $h)"; return; fi
    running || { echo "verdictd exited; last log lines:" >&2; tail -20 "$LOG" >&2; exit 1; }
    sleep 1
  done
  echo "no block after ${START_TIMEOUT}s; last log lines:" >&2
  tail -20 "$LOG" >&2
  exit 1
}

stop() {
  if running; then
    local pid; pid=$(cat "$PIDFILE")
    kill "$pid"
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    echo "stopped"
  else
    echo "not running"
  fi
  rm -f "$PIDFILE"
}

status() {
  if running; then echo "running (pid $(cat "$PIDFILE")), height $(height)"; else echo "not running"; fi
  for k in $KEYS; do
    [ -f "$HOME_DIR/config/genesis.json" ] && echo "$k: $("$BIN" keys show "$k" -a "${KR[@]}" 2>/dev/null)"
  done
  echo "rpc 127.0.0.1:$RPC_PORT  grpc 127.0.0.1:$GRPC_PORT  rest 127.0.0.1:$API_PORT"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  reset) stop; rm -rf "$HOME_DIR"; echo "reset $HOME_DIR" ;;
  *) echo "usage: $0 start|stop|status|reset" >&2; exit 2 ;;
esac
