#!/usr/bin/env bash
# The Verdict main job, driven only by the verdictd CLI against the localnet:
# a provider registers, a buyer submits a job, the provider posts a result,
# the challenge window passes with no challenge, the job is FINALIZED and
# every balance moves exactly as the protocol says.
# Needs a running localnet (scripts/localnet.sh start); `make demo` does both.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${VERDICTD:-build/verdictd}
HOME_DIR=${LOCALNET_HOME:-.localnet/node}
V=("$BIN" --home "$HOME_DIR")
TX_TIMEOUT=${TX_TIMEOUT:-30}

say()  { printf '\n\033[1m== %s\033[0m\n' "$*"; }
info() { printf '   %s\n' "$*"; }
die()  { printf '\nDEMO FAILED: %s\n' "$*" >&2; exit 1; }

addr() { "${V[@]}" keys show "$1" -a; }
bal()  { "${V[@]}" q bank balance "$1" uverd -o json | jq -r '.balance.amount'; }
# community pool in whole uverd (the CLI prints DecCoins like "1600.000000000000000000uverd")
pool() { "${V[@]}" q distribution community-pool -o json | jq -r '[.pool[]? | select(endswith("uverd")) | split(".")[0] | tonumber] | add // 0'; }
job()  { "${V[@]}" q jobs job "$1" -o json | jq -c '.job'; }

# tx KEY ARGS... : sign with KEY, broadcast, wait (bounded) for the block,
# fail loudly on a non-zero code. Prints the tx JSON on success.
tx() {
  local from=$1; shift
  local out hash
  out=$("${V[@]}" tx "$@" --from "$from" -y -o json 2>&1) || die "could not broadcast: $out"
  hash=$(jq -r '.txhash' <<<"$out")
  [ "$(jq -r '.code' <<<"$out")" = 0 ] || die "rejected by CheckTx: $(jq -r '.raw_log' <<<"$out")"
  local deadline=$((SECONDS + TX_TIMEOUT))
  while [ $SECONDS -lt $deadline ]; do
    if out=$("${V[@]}" q tx "$hash" -o json 2>/dev/null); then
      [ "$(jq -r '.code' <<<"$out")" = 0 ] || die "tx failed in block: $(jq -r '.raw_log' <<<"$out")"
      echo "$out"; return
    fi
    sleep 1
  done
  die "tx $hash not in a block after ${TX_TIMEOUT}s"
}

expect_eq() { # what got want
  [ "$2" = "$3" ] || die "$1: got $2, want $3"
  info "ok: $1 = $2"
}

PROVIDER=$(addr provider); BUYER=$(addr buyer)
PRICE=100; MAX_PRICE=150; UNITS=1000; USED=800
FEE_BPS=$("${V[@]}" q jobs params -o json | jq -r '.params.protocol_fee_bps')
WINDOW=$("${V[@]}" q jobs params -o json | jq -r '.params.challenge_window')

say "1. Who is who"
info "provider $PROVIDER"
info "buyer    $BUYER"
info "Transactions here pay no gas fee (the localnet's minimum gas price is 0),"
info "so every balance change below is Verdict's own accounting."

say "2. The provider registers, locking a bond of 1,000,000,000 uverd (the minimum)"
if "${V[@]}" q jobs provider "$PROVIDER" >/dev/null 2>&1; then
  info "already registered (demo ran before on this chain)"
else
  tx provider jobs register-provider gpu-node-1 https://gpu-node-1.verdict.local:8443 1000000000uverd \
    --region eu-west --classes inference \
    --prices "{\"class\":\"WORKLOAD_CLASS_INFERENCE\",\"price_per_unit\":{\"denom\":\"uverd\",\"amount\":\"$PRICE\"}}" \
    --hardware '{"accelerator_model":"L4","accelerator_count":1,"memory_mb":24576}' \
    --declared-latency-ms 20 --declared-bandwidth-mbps 1000 >/dev/null
fi
"${V[@]}" q jobs provider "$PROVIDER" -o json | jq '.provider | {operator, moniker, status, bond, prices}'

P0=$(bal "$PROVIDER"); B0=$(bal "$BUYER"); C0=$(pool)
say "3. The buyer submits an inference job: $UNITS units at most $MAX_PRICE uverd each"
info "The module escrows max price x units = $((MAX_PRICE * UNITS)) uverd now."
info "No provider is named, so the scheduler assigns the cheapest eligible one."
MODEL=$(printf 'demo model weights' | sha256sum | cut -c1-64)
INPUT=$(printf 'demo input tensor' | sha256sum | cut -c1-64)
OUT=$(tx buyer jobs submit-job inference "$MODEL" "$INPUT" $UNITS ${MAX_PRICE}uverd 90s --input-uri ipfs://demo-input)
JOB=$(jq -r '[.events[] | select(.type=="verdict.jobs.v1.EventJobSubmitted") | .attributes[] | select(.key=="job_id") | .value][0] | fromjson? // .' <<<"$OUT" | tr -d '"')
[ -n "$JOB" ] || die "no job id in the submit events"
job "$JOB" | jq '{id, status, provider, escrow, price_per_unit}'
expect_eq "job status" "$(job "$JOB" | jq -r .status)" JOB_STATUS_ASSIGNED
expect_eq "assigned provider" "$(job "$JOB" | jq -r .provider)" "$PROVIDER"
expect_eq "buyer balance after escrow" "$(bal "$BUYER")" "$((B0 - MAX_PRICE * UNITS))"

say "4. The provider runs the job and posts its result: $USED of $UNITS units used"
RESULT=$(printf 'demo output' | sha256sum | cut -c1-64)
tx provider jobs post-result "$JOB" "$RESULT" $USED --output-uri ipfs://demo-output >/dev/null
job "$JOB" | jq '{id, status, window_end, result: {units_used: .result.units_used}}'
expect_eq "job status" "$(job "$JOB" | jq -r .status)" JOB_STATUS_RESULT_POSTED

say "5. Nobody challenges: waiting out the $WINDOW challenge window"
deadline=$((SECONDS + 90))
until [ "$(job "$JOB" | jq -r .status)" = JOB_STATUS_FINALIZED ]; do
  [ $SECONDS -lt $deadline ] || die "job not finalized 90s after its result"
  sleep 2
done
job "$JOB" | jq '{id, status, settlement}'

say "6. The money, exactly"
PAY=$((PRICE * USED)); FEE=$((PAY * FEE_BPS / 10000)); REFUND=$((MAX_PRICE * UNITS - PAY))
info "payment = price $PRICE x units used $USED = $PAY uverd"
info "protocol fee = $FEE_BPS bps of the payment = $FEE uverd -> community pool"
info "provider gets $PAY - $FEE = $((PAY - FEE)) uverd; buyer gets back $REFUND of its escrow"
expect_eq "provider balance change" "$(( $(bal "$PROVIDER") - P0 ))" "$((PAY - FEE))"
expect_eq "buyer balance change (escrow out, refund in)" "$(( $(bal "$BUYER") - B0 ))" "$(( -PAY ))"
expect_eq "community pool change" "$(( $(pool) - C0 ))" "$FEE"

say "7. The module still holds exactly the open escrows plus the bonds"
"${V[@]}" q jobs accounting -o json | jq .
expect_eq "accounting balanced" "$("${V[@]}" q jobs accounting -o json | jq -r .balanced)" true

say "Demo complete: job $JOB FINALIZED, balances exact."
