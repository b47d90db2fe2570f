#!/usr/bin/env bash
# Shared by scripts/localnet.sh and scripts/testnet.sh (sourced): the
# genesis every Verdict test network starts from, and a node's config.
# Expects BIN, TEESIM, ZK_DIR, ZK_SHAPE, CNN_ARCH, MIN_GAS_PRICES and the window
# settings (CHALLENGE_WINDOW, PROOF_WINDOW, AUDIT_RATE_PPM, REPORT_WINDOW,
# VOTING_PERIOD, EXPEDITED_VOTING_PERIOD) in the environment.

set_toml() { # file section key value  (value written verbatim)
  local file=$1 section=$2 key=$3 value=$4
  awk -v s="[$section]" -v k="$key" -v v="$value" '
    /^\[/ { cur=$0 }
    (cur==s || (s=="[]" && cur=="")) && $1==k && $2=="=" { print k " = " v; next }
    { print }' "$file" > "$file.tmp" && mv "$file.tmp" "$file"
}

# zk_keys_current ID: keys for circuit ID exist in ZK_DIR and were made for
# the circuit this binary compiles (the fingerprint zk setup recorded).
# Compiling a circuit to fingerprint it takes seconds (the MiMC MLP ~4 s, the
# CNN more), so a match is remembered against the binary's own SHA-256 in
# <id>.bin.sha256: the same binary compiles the same circuit, and the next
# network started by it skips the compile.
zk_keys_current() {
  local id=$1
  [ -f "$ZK_DIR/$id.vk" ] && [ -f "$ZK_DIR/$id.pk" ] && [ -f "$ZK_DIR/$id.ccs.sha256" ] || return 1
  case $id in mlp3-* | cnn3-*) [ -f "$ZK_DIR/$id.ck" ] || return 1 ;; esac
  [ -n "${ZK_BIN_SHA:-}" ] || ZK_BIN_SHA=$(sha256sum "$BIN" | cut -d' ' -f1)
  [ -f "$ZK_DIR/$id.bin.sha256" ] && [ "$(cat "$ZK_DIR/$id.bin.sha256")" = "$ZK_BIN_SHA" ] && return 0
  [ "$(cat "$ZK_DIR/$id.ccs.sha256")" = "$("$BIN" zk fingerprint "$id" 2>/dev/null)" ] || return 1
  echo "$ZK_BIN_SHA" > "$ZK_DIR/$id.bin.sha256"
}

# genesis_accounts HOME DENOM AMOUNT KEY-JSON... : fund the keys whose
# `keys add --output json` files are given, AMOUNT each, in HOME's genesis:
# one bulk-add-genesis-account call (each verdictd call costs ~0.5 s).
genesis_accounts() {
  local home=$1 denom=$2 amount=$3
  shift 3
  jq -s --arg d "$denom" --arg a "$amount" '[.[] | {address: .address, coins: [{denom: $d, amount: $a}]}]' "$@" >"$home/accounts.json"
  "$BIN" genesis bulk-add-genesis-account "$home/accounts.json" --home "$home" >/dev/null
}

# key_address KEY-JSON: the address a `keys add --output json` file holds.
key_address() { jq -r .address "$1"; }

# verdict_genesis HOME "MONITOR-ADDRESS...": the windows, params, monitors,
# reference circuit and TEE policy of a test network, in HOME's genesis.
verdict_genesis() {
  local HOME_DIR=$1 monitors=$2 # monitors: addresses, space-separated
  # Short windows so the demo runs in seconds (production defaults are hours),
  # and no inflation nor community tax on gas fees, so the community pool
  # moves only by Verdict's protocol fees and slashes.
  local g="$HOME_DIR/config/genesis.json"
  jq --arg w "$CHALLENGE_WINDOW" --arg pw "$PROOF_WINDOW" --argjson ar "$AUDIT_RATE_PPM" \
     --arg rw "$REPORT_WINDOW" --arg mon "$monitors" --arg vp "$VOTING_PERIOD" --arg evp "$EXPEDITED_VOTING_PERIOD" '
    .app_state.jobs.params.challenge_window = $w
    | .app_state.slashingsla.params.report_window = $rw
    | .app_state.slashingsla.monitors = ($mon | split(" "))
    | .app_state.dispute.params.proof_window = $pw
    | .app_state.dispute.params.audit_rate_ppm = $ar
    | .app_state.jobs.params.default_prove_time = "5s"
    | .app_state.forwards.params.window_grid = "30s"
    | .app_state.forwards.params.window_lengths = ["60s"]
    | .app_state.jobs.params.max_job_duration = "120s"
    | .app_state.jobs.params.unbonding_period = "300s"
    | .app_state.jobs.params.max_session_duration = "600s"
    | .app_state.jobs.params.session_notice = "10s"
    | .app_state.gov.params.voting_period = $vp
    | .app_state.gov.params.expedited_voting_period = $evp
    | .app_state.mint.params.mint_denom = "uverd"
    | .app_state.distribution.params.community_tax = "0.000000000000000000"
    | .app_state.mint.minter.inflation = "0.000000000000000000"
    | .app_state.mint.params.inflation_min = "0.000000000000000000"
    | .app_state.mint.params.inflation_max = "0.000000000000000000"
    | .app_state.staking.params.bond_denom = "uverd"
  ' "$g" > "$g.tmp" && mv "$g.tmp" "$g"

  # The reference circuits: the three versions of the MLP family —
  # version 2 (Poseidon2, mlp2-<shape>; the demo's), version 1 (MiMC,
  # mlp-<shape>) and version 3 (the model committed in the proof,
  # mlp3-<shape>), all registered and provable — the CNN family's LeNet-5
  # under versions 2 and 3 (the demo's CNN scene proves version 3), and a
  # small version 2 MLP (mlp2-<SLA shape>: the demo's SLA and TEE scenes,
  # whose scheduling no other scene's provider may enter). Keys are made
  # once per circuit build (setup ~2 s, ~3 s, ~1 s, ~20 s, ~10 s and ~1 s)
  # and reused; each verifying key is validated and registered in genesis.
  # Networks started at the same time share ZK_DIR: one makes the keys
  # while the others wait, so no chain registers a key another overwrites.
  mkdir -p "$ZK_DIR"
  local lock id name desc
  exec {lock}>"$ZK_DIR/.setup.lock"
  flock -w 900 "$lock" || { echo "another key setup holds $ZK_DIR/.setup.lock" >&2; exit 1; }
  for id in "mlp2-$ZK_SHAPE" "mlp-$ZK_SHAPE" "mlp3-$ZK_SHAPE" "cnn-$CNN_ARCH" "cnn3-$CNN_ARCH" "mlp2-${SLA_SHAPE:-16-16-4}"; do
    case $id in
      mlp2-*) name="MLP ${id#mlp2-} (v2)"; desc="quantized MLP inference, int8, Poseidon2 commitments, zkml" ;;
      mlp3-*) name="MLP ${id#mlp3-} (v3)"; desc="quantized MLP inference, int8, the model committed in the proof (BSB22), Poseidon2 tensor commitments, zkml" ;;
      mlp-*) name="MLP ${id#mlp-} (v1)"; desc="quantized MLP inference, int8, MiMC commitments, zkml" ;;
      cnn3-*) name="CNN $CNN_ARCH (v3)"; desc="quantized conv + 2x2 average pool + dense, int8, the model committed in the proof (BSB22), zkml" ;;
      *) name="CNN $CNN_ARCH"; desc="quantized conv + 2x2 average pool + dense, int8, Poseidon2 commitments, zkml" ;;
    esac
    if ! zk_keys_current "$id"; then
      echo "making Groth16 keys for the $id circuit in $ZK_DIR (once per circuit build)"
      rm -f "$ZK_DIR/$id.bin.sha256"
      "$BIN" zk setup --circuit "$id" --out "$ZK_DIR"
      sha256sum "$BIN" | cut -d' ' -f1 > "$ZK_DIR/$id.bin.sha256"
    fi
    local ck=()
    case $id in mlp3-* | cnn3-*) ck=(--commitment-key "$ZK_DIR/$id.ck") ;; esac
    "$BIN" genesis add-genesis-circuit "$id" "$ZK_DIR/$id.vk" --home "$HOME_DIR" \
      --name "$name" --description "$desc" "${ck[@]}" 2>/dev/null
  done
  exec {lock}>&-
  # x/attest: the simulated SEV-SNP guest's TEST-ONLY root replaces AMD's
  # Milan root, and its image is the one allowed measurement.
  [ -x "$TEESIM" ] || { echo "no $TEESIM: run 'make build'" >&2; exit 1; }
  "$TEESIM" init "$HOME_DIR/tee"
  local tee; tee=$("$TEESIM" genesis "$HOME_DIR/tee")
  jq --argjson t "$tee" '
    .app_state.attest.policy.amd_roots = [$t.amd_root]
    | .app_state.attest.measurements = [$t.measurement]
  ' "$g" > "$g.tmp" && mv "$g.tmp" "$g"
  echo "x/attest trusts the TEST-ONLY SEV-SNP root of $TEESIM (localnet only)"
  "$BIN" genesis validate "$g" --home "$HOME_DIR" >/dev/null
}

# verdict_node_config HOME RPC P2P GRPC API: loopback ports, 1 s blocks,
# the minimum gas price, REST with Swagger, the client's defaults.
verdict_node_config() {
  local HOME_DIR=$1 RPC_PORT=$2 P2P_PORT=$3 GRPC_PORT=$4 API_PORT=$5
  local c="$HOME_DIR/config/config.toml" a="$HOME_DIR/config/app.toml" cl="$HOME_DIR/config/client.toml"
  set_toml "$c" rpc laddr "\"tcp://127.0.0.1:$RPC_PORT\""
  set_toml "$c" p2p laddr "\"tcp://127.0.0.1:$P2P_PORT\""
  set_toml "$c" rpc pprof_laddr '""'
  set_toml "$c" consensus timeout_commit '"1s"'
  set_toml "$c" consensus timeout_propose '"1s"'
  set_toml "$c" p2p addr_book_strict 'false'
  set_toml "$a" '' minimum-gas-prices "\"$MIN_GAS_PRICES\""
  set_toml "$a" api enable 'true'
  set_toml "$a" api swagger 'true'
  set_toml "$a" api address "\"tcp://127.0.0.1:$API_PORT\""
  set_toml "$a" grpc address "\"127.0.0.1:$GRPC_PORT\""
  set_toml "$cl" '' node "\"tcp://127.0.0.1:$RPC_PORT\""
  set_toml "$cl" '' chain-id "\"$CHAIN_ID\""
  set_toml "$cl" '' keyring-backend '"test"'
  set_toml "$cl" '' broadcast-mode '"sync"'
}
