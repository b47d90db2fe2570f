#!/usr/bin/env bash
# Shared by scripts/demo.sh and scripts/demo-agents.sh (sourced, not run):
# settings, the fee ledger, balances gross of gas fees, and tx helpers that
# wait (bounded) for the block and fail loudly.
BIN=${VERDICTD:-build/verdictd}
HOME_DIR=${LOCALNET_HOME:-.localnet/node}
TEESIM=${TEESIM:-$(dirname "$BIN")/verdict-teesim}
TEE_DIR=$HOME_DIR/tee
V=("$BIN" --home "$HOME_DIR")
TX_TIMEOUT=${TX_TIMEOUT:-30}
ZK_SHAPE=${ZK_SHAPE:-64-64-10}
CNN_ARCH=${CNN_ARCH:-1x32x32-6k5-16k5-120-84-10}
ZK_DIR=${ZK_DIR:-.localnet/zk}
WORK=${DEMO_WORK:-$HOME_DIR/demo-files}
# The demo's circuit is version 2 of the reference MLP family (Poseidon2
# commitments); the localnet also registers version 1 (mlp-<shape>, MiMC).
ZK_SCHEME=poseidon2
CIRCUIT=mlp2-$ZK_SHAPE
CIRCUIT_V1=mlp-$ZK_SHAPE
CNN_CIRCUIT=cnn-$CNN_ARCH # the CNN family (version 2 commitments)
ZK=("$BIN" zk --scheme "$ZK_SCHEME")
mkdir -p "$WORK"

say()  { printf '\n\033[1m== %s\033[0m\n' "$*"; }
info() { printf '   %s\n' "$*"; }
die()  { printf '\nDEMO FAILED: %s\n' "$*" >&2; exit 1; }

GAS_PRICES=${GAS_PRICES:-0.01uverd}
FEES="$WORK/fees.tsv" # address <TAB> gas fee paid, one line per included tx
touch "$FEES"

addr() { "${V[@]}" keys show "$1" -a; }
# bal is an account's balance gross of the gas fees it paid (from the fee
# ledger), so every change the demo checks is Verdict's own accounting.
bal()  {
  local b paid
  b=$("${V[@]}" q bank balance "$1" uverd -o json | jq -r '.balance.amount')
  paid=$(awk -v a="$1" '$1==a {s+=$2} END {print s+0}' "$FEES")
  echo $((b + paid))
}
# fee_flags ARGS...: every tx pays gas at the node's minimum price; gas is
# estimated unless the command sets it.
fee_flags() {
  case " $* " in *" --gas "*) echo "--gas-prices $GAS_PRICES" ;; *) echo "--gas auto --gas-adjustment 1.5 --gas-prices $GAS_PRICES" ;; esac
}
# record_fee KEY TXJSON: note the fee an included tx paid.
record_fee() {
  local fee; fee=$(jq -r '[.tx.auth_info.fee.amount[]? | select(.denom=="uverd") | .amount | tonumber] | add // 0' <<<"$2")
  printf '%s\t%s\n' "$(addr "$1")" "$fee" >>"$FEES"
}
# community pool in whole uverd (the CLI prints DecCoins like "1600.000000000000000000uverd")
pool() { "${V[@]}" q distribution community-pool -o json | jq -r '[.pool[]? | select(endswith("uverd")) | split(".")[0] | tonumber] | add // 0'; }
job()  { "${V[@]}" q jobs job "$1" -o json | jq -c '.job'; }

# tx KEY ARGS... : sign with KEY, broadcast, wait (bounded) for the block,
# fail loudly on a non-zero code. Prints the tx JSON on success.
tx() {
  local from=$1; shift
  local out hash
  # shellcheck disable=SC2046
  out=$("${V[@]}" tx "$@" --from "$from" -y -o json $(fee_flags "$@") 2>&1) || die "could not broadcast: $out"
  out=$(sed -n '/^{/,$p' <<<"$out") # --gas auto prints the estimate first
  hash=$(jq -r '.txhash' <<<"$out")
  [ "$(jq -r '.code' <<<"$out")" = 0 ] || die "rejected by CheckTx: $(jq -r '.raw_log' <<<"$out")"
  local deadline=$((SECONDS + TX_TIMEOUT))
  while [ $SECONDS -lt $deadline ]; do
    if out=$("${V[@]}" q tx "$hash" -o json 2>/dev/null); then
      record_fee "$from" "$out"
      [ "$(jq -r '.code' <<<"$out")" = 0 ] || die "tx failed in block: $(jq -r '.raw_log' <<<"$out")"
      echo "$out"; return
    fi
    sleep 1
  done
  die "tx $hash not in a block after ${TX_TIMEOUT}s"
}

# tx_fail KEY WANT ARGS... : the tx must fail (in CheckTx or in the block)
# with WANT in its log.
tx_fail() {
  local from=$1 want=$2; shift 2
  local out hash log=""
  # A failing Msg fails gas estimation too: these txs set their gas.
  out=$("${V[@]}" tx "$@" --from "$from" -y -o json --gas 400000 --gas-prices "$GAS_PRICES" 2>&1) || true
  if [ "$(jq -r '.code' <<<"$out" 2>/dev/null)" = 0 ]; then
    hash=$(jq -r '.txhash' <<<"$out")
    local deadline=$((SECONDS + TX_TIMEOUT))
    while [ $SECONDS -lt $deadline ]; do
      if out=$("${V[@]}" q tx "$hash" -o json 2>/dev/null); then record_fee "$from" "$out"; break; fi
      sleep 1
    done
    [ "$(jq -r '.code' <<<"$out")" != 0 ] || die "tx succeeded but should have failed with '$want'"
  fi
  log=$(jq -r '.raw_log // empty' <<<"$out" 2>/dev/null || echo "$out")
  [ -n "$log" ] || log=$out
  grep -q -- "$want" <<<"$log" || die "tx failed, but not with '$want': $log"
  info "rejected as expected: ${log:0:160}"
}

expect_eq() { # what got want
  [ "$2" = "$3" ] || die "$1: got $2, want $3"
  info "ok: $1 = $2"
}

# vote_yes PROPOSAL: every validator key in the keyring votes yes (one on
# the localnet; all four on scripts/testnet.sh, where no single validator
# has the quorum).
vote_yes() {
  local k
  for k in $("${V[@]}" keys list --output json | jq -r '.[].name | select(startswith("validator"))'); do
    tx "$k" gov vote "$1" yes >/dev/null
  done
}

# fraud_slash BOND AGREED-PAYMENT: what a lost dispute takes (x/dispute
# FraudSlash): fraud_slash_multiple x the job's agreed payment, at most
# fraud_slash_bps of the bond.
fraud_slash() {
  local dp bps mult cap
  dp=$("${V[@]}" q dispute params -o json | jq -c .params)
  bps=$(jq -r .fraud_slash_bps <<<"$dp"); mult=$(jq -r .fraud_slash_multiple <<<"$dp")
  cap=$(($1 * bps / 10000))
  if [ $((mult * $2)) -lt "$cap" ]; then echo $((mult * $2)); else echo "$cap"; fi
}
