#!/usr/bin/env bash
# Four Verdict validators on 127.0.0.1, for fault and state-sync tests.
# Usage: scripts/testnet.sh start|stop|status|reset
#        scripts/testnet.sh kill|stop-node|start-node|pause|resume N
#
# start   initialises the network once — every validator its own home, node
#         key and consensus key; genesis accounts on node 0; each validator
#         signs its own gentx; node 0 collects them (collect-gentxs); the
#         one genesis (the localnet's params, reference circuit and TEE
#         policy) goes to every node; peers from the gentx memos — then
#         starts the nodes and waits (bounded) until all four commit blocks.
# stop    stops every node.  status  heights and app hashes.  reset  stops
#         and deletes .testnet.
# kill N (SIGKILL), stop-node N (SIGTERM), start-node N, pause N (SIGSTOP),
# resume N (SIGCONT): one node, for the fault tests.
# join N  a new full node N (N >= VALIDATORS, no data) that joins by state
#         sync from nodes 0 and 1 (light-client verified against a trusted
#         recent header) and then follows the chain.
#
# The operator keys (validator, validator1..3) and the user keys (provider,
# provider2, provider3, buyer, challenger, monitor) live in node 0's test
# keyring, as in the localnet, so the demo (build/verdict-demo) runs against node 0
# (LOCALNET_HOME=.testnet/node0 CHAIN_ID=verdict-testnet-1 and node 0's
# ports); consensus keys stay in each node's home.
#
# Environment (all optional): VERDICTD, TESTNET_HOME (default .testnet),
# CHAIN_ID (verdict-testnet-1), VALIDATORS (4), BASE_PORT (27000: node i
# listens on BASE_PORT+10i for P2P, +1 RPC, +2 gRPC, +3 REST),
# SNAPSHOT_INTERVAL (20 blocks; state-sync snapshots), START_TIMEOUT (90 s),
# and the localnet's window settings (see scripts/localnet.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${VERDICTD:-build/verdictd}
TEESIM=${TEESIM:-$(dirname "$BIN")/verdict-teesim}
NET=${TESTNET_HOME:-.testnet}
CHAIN_ID=${CHAIN_ID:-verdict-testnet-1}
N=${VALIDATORS:-4}
BASE_PORT=${BASE_PORT:-27000}
SNAPSHOT_INTERVAL=${SNAPSHOT_INTERVAL:-20}
START_TIMEOUT=${START_TIMEOUT:-90}
CHALLENGE_WINDOW=${CHALLENGE_WINDOW:-15s}
PROOF_WINDOW=${PROOF_WINDOW:-20s}
AUDIT_RATE_PPM=${AUDIT_RATE_PPM:-0}
REPORT_WINDOW=${REPORT_WINDOW:-8s}
VOTING_PERIOD=${VOTING_PERIOD:-30s}
EXPEDITED_VOTING_PERIOD=${EXPEDITED_VOTING_PERIOD:-20s}
MIN_GAS_PRICES=${MIN_GAS_PRICES:-0.01uverd}
ZK_SHAPE=${ZK_SHAPE:-64-64-10}
CNN_ARCH=${CNN_ARCH:-1x32x32-6k5-16k5-120-84-10}
ZK_DIR=${ZK_DIR:-.localnet/zk}
DENOM=uverd
USERS="provider provider2 provider3 buyer challenger monitor monitor2 monitor3"
# shellcheck source=scripts/genesis-lib.sh
source scripts/genesis-lib.sh

home() { echo "$NET/node$1"; }
port() { # node kind
  local b=$((BASE_PORT + 10 * $1))
  case $2 in p2p) echo "$b" ;; rpc) echo $((b + 1)) ;; grpc) echo $((b + 2)) ;; api) echo $((b + 3)) ;; esac
}
kr() { echo --keyring-backend test --home "$(home "$1")"; }
valkey() { if [ "$1" = 0 ]; then echo validator; else echo "validator$1"; fi; }
pidfile() { echo "$(home "$1")/verdictd.pid"; }
running() { [ -f "$(pidfile "$1")" ] && kill -0 "$(cat "$(pidfile "$1")")" 2>/dev/null; }
status_json() { curl -s --max-time 2 "http://127.0.0.1:$(port "$1" rpc)/status" 2>/dev/null || true; }
height() { status_json "$1" | jq -r '.result.sync_info.latest_block_height // empty' 2>/dev/null || true; }

init_net() {
  command -v jq >/dev/null || { echo "jq is required (apt-get install jq)" >&2; exit 1; }
  echo "initialising $N validators of $CHAIN_ID in $NET"
  local i
  # Operator keys: "validator" (node 0) and validator1..3, all in node 0's
  # test keyring with the users' keys (a test network's convenience: the
  # demo's governance votes need every validator); consensus keys stay in
  # each node's own home.
  for i in $(seq 0 $((N - 1))); do
    "$BIN" init "validator-$i" --chain-id "$CHAIN_ID" --default-denom "$DENOM" --home "$(home "$i")" >/dev/null 2>&1
    # shellcheck disable=SC2046
    "$BIN" keys add "$(valkey "$i")" $(kr 0) --output json >"$(home 0)/$(valkey "$i").key.json" 2>&1
  done
  local g0; g0="$(home 0)/config/genesis.json"
  local vals=() users=()
  for i in $(seq 0 $((N - 1))); do vals+=("$(home 0)/$(valkey "$i").key.json"); done
  genesis_accounts "$(home 0)" "$DENOM" 1000000000000 "${vals[@]}"
  for k in $USERS; do
    # shellcheck disable=SC2046
    "$BIN" keys add "$k" $(kr 0) --output json >"$(home 0)/$k.key.json" 2>&1
    users+=("$(home 0)/$k.key.json")
  done
  genesis_accounts "$(home 0)" "$DENOM" 100000000000 "${users[@]}"
  # Every validator signs its own gentx (its node's consensus key) against
  # the same accounts.
  mkdir -p "$(home 0)/config/gentx"
  for i in $(seq 0 $((N - 1))); do
    [ "$i" = 0 ] || cp "$g0" "$(home "$i")/config/genesis.json"
    "$BIN" genesis gentx "$(valkey "$i")" 100000000000$DENOM --chain-id "$CHAIN_ID" --moniker "validator-$i" \
      --ip 127.0.0.1 --p2p-port "$(port "$i" p2p)" --output-document "$(home 0)/config/gentx/gentx-$i.json" \
      --home "$(home "$i")" --keyring-dir "$(home 0)" --keyring-backend test >/dev/null 2>&1
  done
  "$BIN" genesis collect-gentxs --home "$(home 0)" >/dev/null 2>&1
  verdict_genesis "$(home 0)" "$(key_address "$(home 0)/monitor.key.json") $(key_address "$(home 0)/monitor2.key.json") $(key_address "$(home 0)/monitor3.key.json")"
  local peers
  peers=$(jq -r '[.app_state.genutil.gen_txs[].body.memo] | join(",")' "$g0")
  for i in $(seq 0 $((N - 1))); do
    [ "$i" = 0 ] || cp "$g0" "$(home "$i")/config/genesis.json"
    verdict_node_config "$(home "$i")" "$(port "$i" rpc)" "$(port "$i" p2p)" "$(port "$i" grpc)" "$(port "$i" api)"
    local c a
    c="$(home "$i")/config/config.toml"; a="$(home "$i")/config/app.toml"
    set_toml "$c" p2p persistent_peers "\"$peers\""
    set_toml "$c" p2p allow_duplicate_ip 'true'
    set_toml "$c" p2p pex 'false'
    set_toml "$a" state-sync snapshot-interval "$SNAPSHOT_INTERVAL"
    set_toml "$a" state-sync snapshot-keep-recent 2
  done
  echo "$N validators; peers $peers"
}

start_node() {
  local i=$1
  if running "$i"; then return; fi
  nohup "$BIN" start --home "$(home "$i")" --log_no_color >>"$(home "$i")/verdictd.log" 2>&1 &
  echo $! >"$(pidfile "$i")"
}

stop_node() { # i signal
  local i=$1 sig=${2:-TERM} pid
  running "$i" || { rm -f "$(pidfile "$i")"; return; }
  pid=$(cat "$(pidfile "$i")")
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$(pidfile "$i")"
}

start() {
  [ -x "$BIN" ] || { echo "no binary at $BIN: run 'make build' first" >&2; exit 1; }
  [ -f "$(home 0)/config/genesis.json" ] || init_net
  local i
  for i in $(seq 0 $((N - 1))); do start_node "$i"; done
  local deadline=$((SECONDS + START_TIMEOUT)) ok
  while [ $SECONDS -lt $deadline ]; do
    ok=1
    for i in $(seq 0 $((N - 1))); do
      local h; h=$(height "$i")
      if [ -z "$h" ] || [ "$h" -lt 2 ]; then ok=0; fi
      running "$i" || { echo "node $i exited; last log lines:" >&2; tail -20 "$(home "$i")/verdictd.log" >&2; exit 1; }
    done
    if [ $ok = 1 ]; then echo "all $N validators are committing blocks (height $(height 0))"; return; fi
    sleep 1
  done
  echo "the network did not reach height 2 in ${START_TIMEOUT}s" >&2
  for i in $(seq 0 $((N - 1))); do echo "node $i: height $(height "$i")" >&2; tail -5 "$(home "$i")/verdictd.log" >&2; done
  exit 1
}

# the validators and every node that joined
all_nodes() { local d; for d in "$NET"/node*; do [ -d "$d" ] && echo "${d##*/node}"; done | sort -n; }

stop() { local i; for i in $(all_nodes); do stop_node "$i"; done; echo "stopped"; }

join() {
  local j=$1 h trust_h trust_hash
  [ "$j" -ge "$N" ] || { echo "node $j is a validator" >&2; exit 2; }
  [ ! -d "$(home "$j")" ] || { echo "node $j exists" >&2; exit 2; }
  "$BIN" init "full-$j" --chain-id "$CHAIN_ID" --default-denom "$DENOM" --home "$(home "$j")" >/dev/null 2>&1
  cp "$(home 0)/config/genesis.json" "$(home "$j")/config/genesis.json"
  verdict_node_config "$(home "$j")" "$(port "$j" rpc)" "$(port "$j" p2p)" "$(port "$j" grpc)" "$(port "$j" api)"
  local c; c="$(home "$j")/config/config.toml"
  set_toml "$c" p2p persistent_peers "\"$(jq -r '[.app_state.genutil.gen_txs[].body.memo] | join(",")' "$(home 0)/config/genesis.json")\""
  set_toml "$c" p2p allow_duplicate_ip 'true'
  set_toml "$c" p2p pex 'false'
  # trust a header a little behind the tip of node 0 (its RPC is the
  # trusted source here; a real operator takes it from several)
  h=$(height 0)
  trust_h=$((h > 5 ? h - 5 : 1))
  trust_hash=$(curl -s --max-time 5 "http://127.0.0.1:$(port 0 rpc)/block?height=$trust_h" | jq -r .result.block_id.hash)
  set_toml "$c" statesync enable 'true'
  set_toml "$c" statesync rpc_servers "\"127.0.0.1:$(port 0 rpc),127.0.0.1:$(port 1 rpc)\""
  set_toml "$c" statesync trust_height "$trust_h"
  set_toml "$c" statesync trust_hash "\"$trust_hash\""
  set_toml "$c" statesync trust_period '"168h0m0s"'
  echo "node $j joins by state sync (trusted height $trust_h)"
  start_node "$j"
}

status() {
  local i h
  for i in $(all_nodes); do
    if running "$i"; then
      h=$(height "$i")
      echo "node $i: running, height $h, app hash $(status_json "$i" | jq -r .result.sync_info.latest_app_hash), rpc 127.0.0.1:$(port "$i" rpc) grpc 127.0.0.1:$(port "$i" grpc)"
    else
      echo "node $i: stopped"
    fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  reset) stop; rm -rf "$NET"; echo "reset $NET" ;;
  kill) stop_node "$2" KILL ;;
  stop-node) stop_node "$2" TERM ;;
  start-node) start_node "$2" ;;
  pause) kill -STOP "$(cat "$(pidfile "$2")")" ;;
  resume) kill -CONT "$(cat "$(pidfile "$2")")" ;;
  join) join "$2" ;;
  *) echo "usage: $0 start|stop|status|reset | kill|stop-node|start-node|pause|resume|join N" >&2; exit 2 ;;
esac
