#!/usr/bin/env bash
# The Verdict main job, driven only by the verdictd CLI against the localnet:
# a provider registers, a buyer submits a job, the provider posts a result,
# the challenge window passes with no challenge, the job is FINALIZED and
# every balance moves exactly as the protocol says. Then three disputes
# settled by real Groth16 proofs of the reference quantized MLP (version 2
# circuit, Poseidon2 commitments):
#   A. an honest provider is challenged and vindicated by its proof;
#   B. a provider posts a wrong output, cannot prove it, and is slashed when
#      the proof deadline passes;
#   C. a challenger proves the correct output and wins at once.
# Then reputation and graded SLA slashing: two providers compete for jobs
# with SLA terms; the cheaper one degrades (a monitor measures p99 latency
# over the bound), gets a slash graded by how far over it was, and loses the
# next assignment to the other — visible through RankProviders.
# Then TEE attestation: a provider attests an SEV-SNP guest (signed by the
# localnet's simulated guest, whose TEST-ONLY root the localnet trusts),
# takes a require_tee job, posts an enclave-signed result and gets the
# shorter challenge window; governance removes the image's measurement and
# the provider loses the TEE benefits at once.
# Then forward compute: a provider sells a delivery window below its list
# price, a buyer buys part of it, two jobs run against the position at the
# forward price, the seller pauses, and at the window's end the undelivered
# units are refunded with the non-delivery penalty.
# Then D: a CNN (LeNet-5) job, challenged and settled by the provider's proof.
# Then the agents (scripts/demo-agents.sh): provider agents, a watcher and an
# SLA monitor run, challenge, prove and report with no human step.
# Needs a running localnet (scripts/localnet.sh start); `make demo` does both.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/demo-lib.sh
source scripts/demo-lib.sh


PROVIDER=$(addr provider); BUYER=$(addr buyer); CHALLENGER=$(addr challenger)
PRICE=100; MAX_PRICE=150; UNITS=1000; USED=800
FEE_BPS=$("${V[@]}" q jobs params -o json | jq -r '.params.protocol_fee_bps')
WINDOW=$("${V[@]}" q jobs params -o json | jq -r '.params.challenge_window')

say "1. Who is who"
info "provider $PROVIDER"
info "buyer    $BUYER"
info "Every transaction pays gas at the node's minimum gas price ($GAS_PRICES); balances"
info "below are counted gross of those fees, so every change is Verdict's own accounting."

say "2. The provider registers for the $CIRCUIT circuit, locking a bond of 2,000,000,000 uverd"
if "${V[@]}" q jobs provider "$PROVIDER" >/dev/null 2>&1; then
  info "already registered (demo ran before on this chain)"
else
  tx provider jobs register-provider gpu-node-1 https://gpu-node-1.verdict.local:8443 2000000000uverd \
    --region eu-west --classes inference --circuit-ids "$CIRCUIT,$CIRCUIT_V1,$CNN_CIRCUIT" \
    --prices "{\"class\":\"WORKLOAD_CLASS_INFERENCE\",\"max_units_per_job\":\"1000000\",\"max_open_units\":\"100000000\",\"price_per_unit\":{\"denom\":\"uverd\",\"amount\":\"$PRICE\"}}" \
    --hardware '{"accelerator_model":"L4","accelerator_count":1,"memory_mb":24576}' \
    --declared-latency-ms 20 --declared-bandwidth-mbps 1000 >/dev/null
fi
"${V[@]}" q jobs provider "$PROVIDER" -o json | jq '.provider | {operator, moniker, status, bond, prices, circuit_ids}'
"${V[@]}" q dispute circuit "$CIRCUIT" -o json | jq '.circuit | {id, name, proof_system, vk_hash, public_inputs}'

# The workload: one example model of the circuit's shape (the buyer's), and
# an input per job. Commitments are Poseidon2 hashes (version 2), as the
# circuit computes them.
IN_SIZE=${ZK_SHAPE%%-*}
"$BIN" zk example-model "$WORK/model.vmdl" --shape "$ZK_SHAPE" --seed demo
for j in main a b c; do "$BIN" zk example-input "$WORK/input-$j.vten" --size "$IN_SIZE" --seed "demo-$j"; done
MODEL=$("${ZK[@]}" commit "$WORK/model.vmdl" 2>/dev/null)

P0=$(bal "$PROVIDER"); B0=$(bal "$BUYER"); C0=$(pool)
say "3. The buyer submits an inference job: $UNITS units at most $MAX_PRICE uverd each"
info "The module escrows max price x units = $((MAX_PRICE * UNITS)) uverd now."
info "No provider is named, so the scheduler assigns the cheapest eligible one."
INPUT=$("${ZK[@]}" commit "$WORK/input-main.vten" 2>/dev/null)
info "model commitment $MODEL"
info "input commitment $INPUT"
submit() { # input-commitment -> job id
  local out id
  out=$(tx buyer jobs submit-job inference "$MODEL" "$1" $UNITS ${MAX_PRICE}uverd 90s --circuit-id "$CIRCUIT" --input-uri ipfs://demo-input)
  id=$(jq -r '[.events[] | select(.type=="verdict.jobs.v1.EventJobSubmitted") | .attributes[] | select(.key=="job_id") | .value][0] | fromjson? // .' <<<"$out" | tr -d '"')
  [ -n "$id" ] || die "no job id in the submit events"
  echo "$id"
}
JOB=$(submit "$INPUT")
job "$JOB" | jq '{id, status, provider, escrow, price_per_unit}'
expect_eq "job status" "$(job "$JOB" | jq -r .status)" JOB_STATUS_ASSIGNED
expect_eq "assigned provider" "$(job "$JOB" | jq -r .provider)" "$PROVIDER"
expect_eq "buyer balance after escrow" "$(bal "$BUYER")" "$((B0 - MAX_PRICE * UNITS))"

say "4. The provider runs the job and posts its result: $USED of $UNITS units used"
RESULT=$("${ZK[@]}" infer "$WORK/model.vmdl" "$WORK/input-main.vten" --out "$WORK/output-main.vten" 2>/dev/null)
info "output commitment $RESULT (native inference of the model on the input)"
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

# ---------------------------------------------------------------------------
# Disputes. Each is settled on-chain by a Groth16 proof whose public inputs
# the chain builds itself from the job (model, input, output commitments and
# the job id).
DP=$("${V[@]}" q dispute params -o json | jq -c .params)
SHARE=$(jq -r .reward_share_bps <<<"$DP"); SLASH_BPS=$(jq -r .fraud_slash_bps <<<"$DP")
CREWARD=$(jq -r .challenger_reward_bps <<<"$DP"); PW=$(jq -r .proof_window <<<"$DP")
PAY=$((PRICE * USED)); FEE=$((PAY * FEE_BPS / 10000))
dispute() { "${V[@]}" q dispute dispute "$1" -o json | jq -c .dispute; }
pbond() { "${V[@]}" q jobs provider "$PROVIDER" -o json | jq -r .provider.bond.amount; }
post() { # job result-commitment
  tx provider jobs post-result "$1" "$2" $USED --output-uri ipfs://demo-output >/dev/null
  expect_eq "job $1 status" "$(job "$1" | jq -r .status)" JOB_STATUS_RESULT_POSTED
}
prove() { # who job input -> proof hex (progress on stderr)
  info "$1 proves job $2 off-chain with 'verdictd zk prove' (only the verifying key is on-chain):" >&2
  "${ZK[@]}" prove --keys "$ZK_DIR" "$WORK/model.vmdl" "$3" --job-id "$2" 2> >(sed 's/^/      /' >&2)
}
settled() { # job -> wait (bounded) until the dispute is not OPEN
  local deadline=$((SECONDS + 90))
  until [ "$(dispute "$1" | jq -r .status)" != DISPUTE_STATUS_OPEN ]; do
    [ $SECONDS -lt $deadline ] || die "dispute of job $1 still open 90s later"
    sleep 2
  done
}

say "8. Dispute A: an honest provider is challenged and proves its result"
JA=$(submit "$("${ZK[@]}" commit "$WORK/input-a.vten" 2>/dev/null)")
# balances before the post (it moves no coins): the challenge then follows
# the post at once, well inside even a short challenge window
P0=$(bal "$PROVIDER"); B0=$(bal "$BUYER"); X0=$(bal "$CHALLENGER"); C0=$(pool)
post "$JA" "$("${ZK[@]}" infer "$WORK/model.vmdl" "$WORK/input-a.vten" 2>/dev/null)"
tx challenger dispute challenge "$JA" >/dev/null
BOND=$(dispute "$JA" | jq -r .bond.amount)
info "challenge bond = max(min_challenge_bond, challenge_bond_bps x payment) = $BOND uverd"
dispute "$JA" | jq '{job_id, kind, status, challenger, bond, proof_deadline}'
expect_eq "job $JA status" "$(job "$JA" | jq -r .status)" JOB_STATUS_DISPUTED
PROOF=$(prove provider "$JA" "$WORK/input-a.vten")
tx provider dispute submit-proof "$JA" provider "$PROOF" --gas 600000 >/dev/null
dispute "$JA" | jq '{job_id, status, resolution}'
expect_eq "dispute status" "$(dispute "$JA" | jq -r .status)" DISPUTE_STATUS_PROVIDER_WON
expect_eq "job $JA status" "$(job "$JA" | jq -r .status)" JOB_STATUS_FINALIZED
TOP=$((BOND * SHARE / 10000))
info "provider: payment $PAY - fee $FEE + $SHARE bps of the bond ($TOP)"
expect_eq "provider balance change" "$(( $(bal "$PROVIDER") - P0 ))" "$((PAY - FEE + TOP))"
expect_eq "buyer balance change (escrow back but the payment)" "$(( $(bal "$BUYER") - B0 ))" "$(( MAX_PRICE * UNITS - PAY ))"
expect_eq "challenger balance change (bond lost)" "$(( $(bal "$CHALLENGER") - X0 ))" "$(( -BOND ))"
expect_eq "community pool change (fee + rest of the bond)" "$(( $(pool) - C0 ))" "$((FEE + BOND - TOP))"

say "9. Dispute B: a provider posts a wrong output, cannot prove it, and is slashed at the deadline"
JB=$(submit "$("${ZK[@]}" commit "$WORK/input-b.vten" 2>/dev/null)")
# the provider cuts corners: it posts the output of a different computation
WRONG=$("${ZK[@]}" infer "$WORK/model.vmdl" "$WORK/input-c.vten" 2>/dev/null)
P0=$(bal "$PROVIDER"); B0=$(bal "$BUYER"); X0=$(bal "$CHALLENGER"); C0=$(pool); PB0=$(pbond)
post "$JB" "$WRONG"
tx challenger dispute challenge "$JB" >/dev/null
info "the provider's best effort, a proof of the real output, does not match what it posted:"
PROOF=$(prove provider "$JB" "$WORK/input-b.vten")
tx_fail provider "proof does not verify" dispute submit-proof "$JB" provider "$PROOF" --gas 600000
info "waiting out the $PW proof window"
settled "$JB"
dispute "$JB" | jq '{job_id, status, resolution}'
expect_eq "dispute status" "$(dispute "$JB" | jq -r .status)" DISPUTE_STATUS_PROVIDER_LOST
expect_eq "job $JB status" "$(job "$JB" | jq -r .status)" JOB_STATUS_FAILED
SL=$(fraud_slash "$PB0" $((PRICE * UNITS))); RW=$((SL * CREWARD / 10000))
info "slash = $SL, sized by the job (fraud_slash_multiple x its $((PRICE * UNITS)) payment, at most $SLASH_BPS bps of the bond $PB0); challenger reward = $CREWARD bps of it = $RW"
expect_eq "provider bond change" "$(( $(pbond) - PB0 ))" "$(( -SL ))"
expect_eq "provider balance change" "$(( $(bal "$PROVIDER") - P0 ))" 0
expect_eq "buyer balance change (refunded in full)" "$(( $(bal "$BUYER") - B0 ))" "$(( MAX_PRICE * UNITS ))"
expect_eq "challenger balance change (bond back + reward)" "$(( $(bal "$CHALLENGER") - X0 ))" "$RW"
expect_eq "community pool change (rest of the slash)" "$(( $(pool) - C0 ))" "$((SL - RW))"

say "10. Dispute C: the challenger proves the correct output and wins at once"
JC=$(submit "$("${ZK[@]}" commit "$WORK/input-c.vten" 2>/dev/null)")
RIGHT=$("${ZK[@]}" infer "$WORK/model.vmdl" "$WORK/input-c.vten" 2>/dev/null)
P0=$(bal "$PROVIDER"); B0=$(bal "$BUYER"); X0=$(bal "$CHALLENGER"); C0=$(pool); PB0=$(pbond)
post "$JC" "$("${ZK[@]}" infer "$WORK/model.vmdl" "$WORK/input-b.vten" 2>/dev/null)"
info "the challenger re-runs the job and names the right output: $RIGHT"
tx challenger dispute challenge "$JC" --counter-commitment "$RIGHT" >/dev/null
PROOF=$(prove challenger "$JC" "$WORK/input-c.vten")
tx challenger dispute submit-proof "$JC" counter "$PROOF" --gas 600000 >/dev/null
dispute "$JC" | jq '{job_id, status, resolution}'
expect_eq "dispute status" "$(dispute "$JC" | jq -r .status)" DISPUTE_STATUS_PROVIDER_LOST
expect_eq "job $JC status" "$(job "$JC" | jq -r .status)" JOB_STATUS_FAILED
SL=$(fraud_slash "$PB0" $((PRICE * UNITS))); RW=$((SL * CREWARD / 10000))
expect_eq "provider bond change" "$(( $(pbond) - PB0 ))" "$(( -SL ))"
expect_eq "buyer balance change (refunded in full)" "$(( $(bal "$BUYER") - B0 ))" "$(( MAX_PRICE * UNITS ))"
expect_eq "challenger balance change (bond back + reward)" "$(( $(bal "$CHALLENGER") - X0 ))" "$RW"
expect_eq "community pool change (rest of the slash)" "$(( $(pool) - C0 ))" "$((SL - RW))"

# ---------------------------------------------------------------------------
# Reputation-weighted scheduling and graded SLA slashing.
P2=$(addr provider2); P3=$(addr provider3); MON=$(addr monitor)
SLA='{"max_p99_latency_ms":200,"max_jitter_ms":20,"completion_time":"60s","max_slash_bps":10000}'
rank() { "${V[@]}" q reputation rank-providers inference ${MAX_PRICE}uverd -o json; }
say "11. Two providers compete; the first provider steps aside"
if [ "$("${V[@]}" q jobs provider "$PROVIDER" -o json | jq -r .provider.status)" = PROVIDER_STATUS_ACTIVE ]; then
  tx provider jobs pause-provider >/dev/null
fi
for k in provider2:gpu-a:100 provider3:gpu-b:110; do
  IFS=: read -r key name price <<<"$k"
  if ! "${V[@]}" q jobs provider "$(addr "$key")" >/dev/null 2>&1; then
    # the offer states the SLA the provider answers for: p99 100 ms, jitter
    # 10 ms, up to the full penalty scale (consent: no job may ask more)
    tx "$key" jobs register-provider "$name" "https://$name.verdict.local:8443" 2000000000uverd \
      --region eu-west --classes inference \
      --prices "{\"class\":\"WORKLOAD_CLASS_INFERENCE\",\"max_units_per_job\":\"1000000\",\"max_open_units\":\"100000000\",\"price_per_unit\":{\"denom\":\"uverd\",\"amount\":\"$price\"},\"sla\":{\"p99_latency_ms\":100,\"jitter_ms\":10,\"max_slash_bps\":10000}}" \
      --declared-latency-ms 20 --declared-bandwidth-mbps 1000 >/dev/null
  fi
done
info "gpu-a ($P2) asks 100 uverd/unit, gpu-b ($P3) 110; both start at the neutral score"
rank | jq -c '.providers[] | {operator, price: .price_per_unit.amount, score_ppm, effective_price_milli}'
expect_eq "best-ranked provider" "$(rank | jq -r '.providers[0].operator')" "$P2"

say "12. A job with SLA terms goes to gpu-a, which degrades; a monitor reports it"
info "terms: $SLA"
OUT=$(tx buyer jobs submit-job inference "$MODEL" "$INPUT" $UNITS ${MAX_PRICE}uverd 90s --sla "$SLA")
JS=$(jq -r '[.events[] | select(.type=="verdict.jobs.v1.EventJobSubmitted") | .attributes[] | select(.key=="job_id") | .value][0] | fromjson? // .' <<<"$OUT" | tr -d '"')
expect_eq "job $JS provider" "$(job "$JS" | jq -r .provider)" "$P2"
B0=$(bal "$BUYER"); A0=$(bal "$P2"); C0=$(pool); AB0=$("${V[@]}" q jobs provider "$P2" -o json | jq -r .provider.bond.amount)
tx provider2 jobs post-result "$JS" "$RESULT" $USED >/dev/null
REPORT='{"latency_p50_ms":60,"latency_p99_ms":310,"jitter_ms":12,"throughput_mean_milli":9000,"throughput_cv_ppm":50000,"completed_ppm":1000000,"window":"60s"}'
info "monitor $MON measured: $REPORT"
tx monitor slashingsla submit-report "$JS" "$REPORT" >/dev/null
info "graded when the report window closes; the job finalizes when its challenge window does"
deadline=$((SECONDS + 90))
until "${V[@]}" q slashingsla assessment "$JS" >/dev/null 2>&1 && [ "$(job "$JS" | jq -r .status)" = JOB_STATUS_FINALIZED ]; do
  [ $SECONDS -lt $deadline ] || die "job $JS not graded and finalized 90s later"
  sleep 2
done
AS=$("${V[@]}" q slashingsla assessment "$JS" -o json | jq -c .assessment)
jq '{severity, slash_bps, slashed, to_buyer, to_community_pool, jailed}' <<<"$AS"
expect_eq "latency excess (310 ms over 200 ms, ppm)" "$(jq -r .severity.latency_excess_ppm <<<"$AS")" 550000
expect_eq "severity (latency weight 0.5)" "$(jq -r .severity.total_ppm <<<"$AS")" 275000
expect_eq "slash (0.275 of the penalty scale, bps)" "$(jq -r .slash_bps <<<"$AS")" 2750
MULT=$("${V[@]}" q slashingsla params -o json | jq -r .params.max_sla_penalty_multiple_bps)
SL=$((PAY * 2750 * MULT / 100000000)); COMP=$(( SL < PAY ? SL : PAY ))
info "penalty $SL uverd = 27.5% of twice the job's payment ($PAY), never a share of the bond;"
info "the buyer receives up to what it paid for the degraded result ($COMP), the rest goes to the community pool"
expect_eq "assessment payment" "$(jq -r .payment.amount <<<"$AS")" "$PAY"
expect_eq "gpu-a bond change" "$(( $("${V[@]}" q jobs provider "$P2" -o json | jq -r .provider.bond.amount) - AB0 ))" "$(( -SL ))"
expect_eq "gpu-a balance change (paid for the job)" "$(( $(bal "$P2") - A0 ))" "$((PAY - FEE))"
expect_eq "buyer balance change (refund + compensation)" "$(( $(bal "$BUYER") - B0 ))" "$(( MAX_PRICE * UNITS - PAY + COMP ))"
expect_eq "community pool change (fee + rest of the penalty)" "$(( $(pool) - C0 ))" "$(( FEE + SL - COMP ))"
info "the SDK's binary downtime slashing would have taken nothing: the node was up"

say "13. gpu-a's reputation fell; RankProviders and the next assignment show it"
"${V[@]}" q reputation reputation "$P2" inference -o json | jq -c '.reputation | {score_ppm, sla_violations: .record.sla_violations, completed: .record.completed}'
rank | jq -c '.providers[] | {operator, price: .price_per_unit.amount, score_ppm, effective_price_milli}'
expect_eq "best-ranked provider" "$(rank | jq -r '.providers[0].operator')" "$P3"
OUT=$(tx buyer jobs submit-job inference "$MODEL" "$INPUT" $UNITS ${MAX_PRICE}uverd 90s --sla "$SLA")
JN=$(jq -r '[.events[] | select(.type=="verdict.jobs.v1.EventJobSubmitted") | .attributes[] | select(.key=="job_id") | .value][0] | fromjson? // .' <<<"$OUT" | tr -d '"')
expect_eq "job $JN provider (the pricier, steadier gpu-b)" "$(job "$JN" | jq -r .provider)" "$P3"
tx provider3 jobs post-result "$JN" "$RESULT" $USED >/dev/null
deadline=$((SECONDS + 90))
until [ "$(job "$JN" | jq -r .status)" = JOB_STATUS_FINALIZED ]; do
  [ $SECONDS -lt $deadline ] || die "job $JN not finalized 90s later"
  sleep 2
done
info "job $JN FINALIZED"

# ---------------------------------------------------------------------------
# TEE attestation (x/attest).
CHAIN_ID=$("${V[@]}" status 2>/dev/null | jq -r '.node_info.network // .NodeInfo.network')
height_now() { "${V[@]}" status 2>/dev/null | jq -r '.sync_info.latest_block_height // .SyncInfo.latest_block_height'; }
attestation() { "${V[@]}" q attest attestation "$1" -o json; }
ms() { date -u -d "$1" +%s%3N; }
say "14. gpu-b attests: an SEV-SNP guest running the allowed image, bound to this chain"
info "the localnet trusts the simulated guest's TEST-ONLY root (scripts/localnet.sh); a real network trusts AMD's"
KEY=$("$TEESIM" pubkey "$TEE_DIR")
NH=$(height_now)
RD=$("${V[@]}" q attest report-data "$P3" "$NH" "$KEY" -o json | jq -r .report_data)
info "report data = SHA-512(domain, chain id, operator, hash of block $NH, enclave key) = ${RD:0:32}..."
"$TEESIM" report "$TEE_DIR" "$RD" "$WORK/snp-report.bin"
tx provider3 attest register-attestation sev-snp "$WORK/snp-report.bin" "$NH" "$KEY" --vcek "$TEE_DIR/vcek.der" >/dev/null
attestation "$P3" | jq -c '{attested, attestation: {tee_type: .attestation.tee_type, expires_at: .attestation.expires_at, platform: .attestation.platform}}'
expect_eq "gpu-b attested" "$(attestation "$P3" | jq -r .attested)" true
info "the same evidence from another provider binds the wrong operator:"
tx_fail provider2 "report data does not bind" attest register-attestation sev-snp "$WORK/snp-report.bin" "$NH" "$KEY" --vcek "$TEE_DIR/vcek.der"

say "15. A require_tee job: only the attested provider may take it; its enclave-signed result gets the shorter window"
tx_fail buyer "requires a TEE" jobs submit-job inference "$MODEL" "$INPUT" $UNITS ${MAX_PRICE}uverd 90s --require-tee --provider "$P2"
OUT=$(tx buyer jobs submit-job inference "$MODEL" "$INPUT" $UNITS ${MAX_PRICE}uverd 90s --require-tee)
JT=$(jq -r '[.events[] | select(.type=="verdict.jobs.v1.EventJobSubmitted") | .attributes[] | select(.key=="job_id") | .value][0] | fromjson? // .' <<<"$OUT" | tr -d '"')
expect_eq "job $JT provider" "$(job "$JT" | jq -r .provider)" "$P3"
SIG=$("$TEESIM" sign-result "$TEE_DIR" "$CHAIN_ID" "$JT" "$RESULT" "$USED")
info "the enclave signs (chain id, job id, output commitment, units used) with its attested key: ${SIG:0:32}..."
tx provider3 jobs post-result "$JT" "$RESULT" $USED --enclave-signature "$SIG" >/dev/null
FACTOR=$("${V[@]}" q attest params -o json | jq -r .params.tee_window_factor_bps)
WIN_MS=$(( ($(ms "$(job "$JT" | jq -r .window_end)") - $(ms "$(job "$JT" | jq -r .result.posted_at)")) ))
info "challenge window $WINDOW x $FACTOR bps = $((WIN_MS)) ms (a plain result waits the whole window)"
expect_eq "enclave-signed window (ms)" "$WIN_MS" "$(( ${WINDOW%s} * 1000 * FACTOR / 10000 ))"
deadline=$((SECONDS + 60))
until [ "$(job "$JT" | jq -r .status)" = JOB_STATUS_FINALIZED ]; do
  [ $SECONDS -lt $deadline ] || die "job $JT not finalized 60s later"
  sleep 1
done
info "job $JT FINALIZED after the shorter window"

say "16. Governance removes the image's measurement: the attestation stops counting at once"
M=$("$TEESIM" measurement "$TEE_DIR")
OUT=$(tx validator attest remove-measurement-proposal sev-snp "$M" --title "retire image v1" --summary "a flaw was found in image v1" --deposit 10000000uverd)
PID=$(jq -r '[.events[] | select(.type=="submit_proposal") | .attributes[] | select(.key=="proposal_id") | .value][0]' <<<"$OUT")
vote_yes "$PID"
info "proposal $PID voted; waiting for the voting period to end"
deadline=$((SECONDS + 120))
until [ "$("${V[@]}" q gov proposal "$PID" -o json | jq -r '.proposal.status // .status')" = PROPOSAL_STATUS_PASSED ]; do
  [ $SECONDS -lt $deadline ] || die "proposal $PID did not pass"
  sleep 2
done
attestation "$P3" | jq -c '{attested, reason}'
expect_eq "gpu-b attested" "$(attestation "$P3" | jq -r '.attested // false')" false
tx_fail buyer "requires a TEE" jobs submit-job inference "$MODEL" "$INPUT" $UNITS ${MAX_PRICE}uverd 90s --require-tee --provider "$P3"
info "gpu-b still serves ordinary jobs; a require_tee job now finds no provider until one attests an allowed image"

# ---------------------------------------------------------------------------
# Forward compute (x/forwards).
block_time() { "${V[@]}" status 2>/dev/null | jq -r '.sync_info.latest_block_time // .SyncInfo.latest_block_time'; }
position() { "${V[@]}" q forwards position "$1" -o json | jq -c .position; }
event_attr() { # tx-json event-type key
  jq -r --arg t "$2" --arg k "$3" '[.events[] | select(.type==$t) | .attributes[] | select(.key==$k) | .value][0] // empty' <<<"$1" | tr -d '"'
}
say "17. gpu-a sells a delivery window forward at 80 uverd/unit (it lists 100 today); the buyer buys 60 units"
NOW=$(date -u -d "$(block_time)" +%s)
START=$(( ((NOW + 25) / 60 + 1) * 60 )); END=$((START + 120))
SERIES="{\"class\":\"WORKLOAD_CLASS_INFERENCE\",\"window_start\":\"$(date -u -d "@$START" +%Y-%m-%dT%H:%M:%SZ)\",\"window_length\":\"120s\"}"
info "series $SERIES (localnet windows: a 60 s grid, 120 s long; a real network's are hours)"
FP=80; FUNITS=100; BUNITS=60
B0=$(bal "$BUYER"); A0=$(bal "$P2"); C0=$(pool)
tx provider2 forwards place-order "$SERIES" sell ${FP}uverd $FUNITS >/dev/null
OUT=$(tx buyer forwards place-order "$SERIES" buy ${FP}uverd $BUNITS)
FPOS=$(event_attr "$OUT" verdict.forwards.v1.EventOrderFilled position_id)
position "$FPOS" | jq '{id, owner, seller, units, price_per_unit, collateral_per_unit, escrow, collateral}'
CPU=$(position "$FPOS" | jq -r .collateral_per_unit.amount)
info "collateral: 20% of the price per unit = $CPU (gpu-a's score is below high_reputation_ppm, it is not attested)"
expect_eq "buyer balance change (pays the notional into escrow)" "$(( $(bal "$BUYER") - B0 ))" "$(( -FP * BUNITS ))"
expect_eq "gpu-a balance change (collateral for the 100 units offered)" "$(( $(bal "$P2") - A0 ))" "$(( -CPU * FUNITS ))"
"${V[@]}" q forwards book inference "$START" 120s -o json | jq -c '{asks: [.asks[] | {price: .price_per_unit.amount, units}]}'

say "18. In the window the buyer runs two jobs against the position, at the forward price"
info "waiting for the window to open at $(date -u -d "@$START" +%H:%M:%S)"
deadline=$((SECONDS + 200))
until [ "$(date -u -d "$(block_time)" +%s)" -ge "$START" ]; do
  [ $SECONDS -lt $deadline ] || die "the window did not open"
  sleep 1
done
expect_eq "gpu-a balance change (the 40 unsold units' collateral back at the window start)" "$(( $(bal "$P2") - A0 ))" "$(( -CPU * BUNITS ))"
FJ=()
for n in 20 10; do
  OUT=$(tx buyer forwards submit-position-job "$FPOS" $n "$MODEL" "$INPUT" 60s)
  J=$(event_attr "$OUT" verdict.forwards.v1.EventPositionJob job_id)
  [ -n "$J" ] || die "no job drawn"
  expect_eq "job $J price per unit (forward price, not gpu-a's list price 100)" "$(job "$J" | jq -r .price_per_unit.amount)" "$FP"
  tx provider2 jobs post-result "$J" "$RESULT" $n >/dev/null
  FJ+=("$J")
done
position "$FPOS" | jq -c '{in_flight, delivered, fault, escrow: .escrow.amount}'

say "19. gpu-a pauses: the next job cannot go to it; the buyer's transaction succeeds and records the seller's fault"
tx provider2 jobs pause-provider >/dev/null
OUT=$(tx buyer forwards submit-position-job "$FPOS" 20 "$MODEL" "$INPUT" 60s)
expect_eq "units refused (seller's fault)" "$(event_attr "$OUT" verdict.forwards.v1.EventDeliveryRefused units)" 20
info "reason: $(event_attr "$OUT" verdict.forwards.v1.EventDeliveryRefused reason | cut -c1-100)"

say "20. The window ends: delivered units were paid as they finalized; undelivered ones are refunded with the penalty"
info "the buyer is compensated at the fee its trade fixed; what the index adds goes to the community pool (nobody gains by moving it)"
deadline=$((SECONDS + 240))
until [ "$(position "$FPOS" | jq -r .status)" = POSITION_STATUS_SETTLED ]; do
  [ $SECONDS -lt $deadline ] || die "position $FPOS not settled"
  sleep 2
done
ST=$(position "$FPOS" | jq -c .settlement)
jq '{fault_units, compensated_units, unused_units, index_price, index_stale, penalty, to_buyer, to_seller, to_community_pool, protocol_fee}' <<<"$ST"
FEE_F=$("${V[@]}" q forwards params -o json | jq -r .params.non_delivery_fee_bps)
STALE=$(jq -r '.index_stale // false' <<<"$ST"); IDX=$(jq -r '.index_price.amount // 0' <<<"$ST")
PER=$(( FP * FEE_F / 10000 ))
[ "$STALE" = true ] || [ $((IDX - FP)) -le "$PER" ] || PER=$((IDX - FP))
FAULT=20; DELIV=30; UNUSED=$((BUNITS - DELIV - FAULT))
PEN=$(( FAULT * PER )); [ "$PEN" -le $((CPU * BUNITS)) ] || PEN=$((CPU * BUNITS))
info "per fault unit: the price back + max($FEE_F bps of it, index − price) = $PER (index stale: $STALE)"
expect_eq "fault units" "$(jq -r .fault_units <<<"$ST")" "$FAULT"
expect_eq "unused units (take-or-pay: paid to the seller)" "$(jq -r .unused_units <<<"$ST")" "$UNUSED"
expect_eq "penalty" "$(jq -r .penalty.amount <<<"$ST")" "$PEN"
JF=0; for n in 20 10; do JF=$(( JF + (FP * n * FEE_BPS + 9999) / 10000 )); done
COMP=$(( FAULT * (FP * FEE_F / 10000) )); [ "$COMP" -le "$PEN" ] || COMP=$PEN
TOPF=$(( (FP * UNUSED * FEE_BPS + 9999) / 10000 ))
expect_eq "compensated units (a refusal: unambiguous)" "$(jq -r .compensated_units <<<"$ST")" "$FAULT"
expect_eq "take-or-pay protocol fee" "$(jq -r .protocol_fee.amount <<<"$ST")" "$TOPF"
expect_eq "buyer balance change (notional out; fault units back + compensation)" "$(( $(bal "$BUYER") - B0 ))" "$(( -FP * BUNITS + FP * FAULT + COMP ))"
expect_eq "gpu-a balance change (delivered and unused units minus fees, collateral less the penalty)" "$(( $(bal "$P2") - A0 ))" "$(( FP * DELIV - JF + FP * UNUSED - TOPF - PEN ))"
expect_eq "community pool change (protocol fees, the penalty beyond the compensation)" "$(( $(pool) - C0 ))" "$(( JF + TOPF + PEN - COMP ))"
"${V[@]}" q forwards accounting -o json | jq -c .
expect_eq "x/forwards accounting balanced" "$("${V[@]}" q forwards accounting -o json | jq -r .balanced)" true
tx provider2 jobs resume-provider >/dev/null

# ---------------------------------------------------------------------------
# The CNN family: a LeNet-5 job disputed and settled by its proof.
say "21. Dispute D: a CNN job ($CNN_CIRCUIT); the provider proves as it serves, and wins the challenge"
"$BIN" zk example-model "$WORK/cnn.vmdl" --arch "$CNN_ARCH" --seed demo
CNN_IN=$(( $(tr 'x' ' ' <<<"${CNN_ARCH%%-*}" | awk '{print $1 * $2 * $3}') ))
"$BIN" zk example-input "$WORK/cnn-input.vten" --size "$CNN_IN" --seed demo-cnn
CNN_MODEL=$("${ZK[@]}" commit "$WORK/cnn.vmdl" 2>/dev/null)
tx provider jobs resume-provider >/dev/null
out=$(tx buyer jobs submit-job inference "$CNN_MODEL" "$("${ZK[@]}" commit "$WORK/cnn-input.vten" 2>/dev/null)" $UNITS ${MAX_PRICE}uverd 90s \
  --circuit-id "$CNN_CIRCUIT" --provider "$PROVIDER" --input-uri ipfs://demo-cnn-input)
JD=$(jq -r '[.events[] | select(.type=="verdict.jobs.v1.EventJobSubmitted") | .attributes[] | select(.key=="job_id") | .value][0] | fromjson? // .' <<<"$out" | tr -d '"')
[ -n "$JD" ] || die "no job id in the submit events"
info "the provider runs the CNN and proves the result before posting it (a proof is ready before any window opens):"
PROOF=$("${ZK[@]}" prove --keys "$ZK_DIR" "$WORK/cnn.vmdl" "$WORK/cnn-input.vten" --job-id "$JD" 2> >(sed 's/^/      /' >&2))
P0=$(bal "$PROVIDER"); X0=$(bal "$CHALLENGER")
post "$JD" "$("${ZK[@]}" infer "$WORK/cnn.vmdl" "$WORK/cnn-input.vten" 2>/dev/null)"
tx challenger dispute challenge "$JD" >/dev/null
BOND=$(dispute "$JD" | jq -r .bond.amount)
tx provider dispute submit-proof "$JD" provider "$PROOF" --gas 600000 >/dev/null
dispute "$JD" | jq '{job_id, status, resolution}'
expect_eq "dispute status" "$(dispute "$JD" | jq -r .status)" DISPUTE_STATUS_PROVIDER_WON
expect_eq "job $JD status" "$(job "$JD" | jq -r .status)" JOB_STATUS_FINALIZED
expect_eq "provider balance change" "$(( $(bal "$PROVIDER") - P0 ))" "$((PAY - FEE + BOND * SHARE / 10000))"
expect_eq "challenger balance change (bond lost)" "$(( $(bal "$CHALLENGER") - X0 ))" "$(( -BOND ))"
tx provider jobs pause-provider >/dev/null

# ---------------------------------------------------------------------------
# Agents: the same loop with no human in it (scripts/demo-agents.sh).
AGENT_STEP0=22 ./scripts/demo-agents.sh

say "28. Every bond and escrow has exactly one owner"
"${V[@]}" q jobs accounting -o json | jq .
expect_eq "x/jobs accounting balanced" "$("${V[@]}" q jobs accounting -o json | jq -r .balanced)" true
DADDR=$("${V[@]}" q auth module-account dispute -o json | jq -r '.account.value.address // .account.base_account.address // .account.address')
expect_eq "x/dispute module balance (no open challenge bonds)" "$(bal "$DADDR")" 0

say "Demo complete: job $JOB FINALIZED; disputes $JA (provider won), $JB (slashed at deadline), $JC (challenger proved), CNN job $JD (provider won); SLA job $JS graded and slashed, job $JN to the better-ranked provider; TEE job $JT on the shorter window, attestation revoked by governance; forward position $FPOS delivered 30 units, refunded 20 with the penalty; agents ran, watched, challenged, proved and reported on their own — balances exact."
