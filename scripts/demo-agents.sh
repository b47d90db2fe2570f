#!/usr/bin/env bash
# The optimistic loop closed by agents alone (`verdictd agent ...`): an
# honest provider agent, a cheating one (--wrong-output-rate 1), a slow one
# (--delay), a watcher and an SLA monitor run in the background; the buyer
# only submits jobs by CLI. The watcher re-executes every result, reproduces
# the honest ones and leaves them alone, catches the cheat and wins with its
# own proof; the monitor's probes grade the slow provider's SLA job; an
# audit of the honest provider is answered by its agent's proof. No human
# posts a result, a challenge, a proof or a report. The agents stop at the
# end (SIGTERM) and every balance is checked to the uverd.
# Needs a running localnet; scripts/demo.sh runs this as its last scene.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/demo-lib.sh
source scripts/demo-lib.sh
shopt -s inherit_errexit # a failure inside $(...) stops the scene too

STEP=${AGENT_STEP0:-21}
step() { say "$STEP. $*"; STEP=$((STEP + 1)); }
RPC_ADDR=tcp://127.0.0.1:${RPC_PORT:-26657}
GRPC_ADDR=127.0.0.1:${GRPC_PORT:-9090}
# the agents' HTTP ports: gpu-h gpu-x gpu-s watcher monitor
read -r -a AP <<<"${AGENT_PORTS:-26701 26702 26703 26704 26705}"
[ ${#AP[@]} = 5 ] || die "AGENT_PORTS needs five ports"
AGENTS=$WORK/agents
ABS_WORK=$(cd "$WORK" && pwd)
ABS_ZK=$(cd "$ZK_DIR" && pwd)
mkdir -p "$AGENTS"
AGENT_TIMEOUT=${AGENT_TIMEOUT:-120}

# Balances of accounts the agents sign for, gross of every fee they paid:
# the fees come from the chain's own tx index (the "tx" event's fee_payer).
fees_paid() {
  local page=1 total=0 out n
  while :; do
    out=$("${V[@]}" q txs --query "tx.fee_payer='$1'" --limit 100 --page "$page" -o json)
    n=$(jq '.txs | length' <<<"$out")
    total=$((total + $(jq '[.txs[]?.tx.auth_info.fee.amount[]? | select(.denom=="uverd") | .amount | tonumber] | add // 0' <<<"$out")))
    [ "$n" -ge 100 ] || break
    page=$((page + 1)); [ "$page" -le 100 ] || die "more than 10,000 txs paid by $1"
  done
  echo "$total"
}
gross() { echo $(( $("${V[@]}" q bank balance "$1" uverd -o json | jq -r .balance.amount) + $(fees_paid "$1") )); }
bond_of() { "${V[@]}" q jobs provider "$1" -o json | jq -r .provider.bond.amount; }
metric() { # port name-and-labels -> value (0 when absent)
  curl -s --max-time 5 "http://127.0.0.1:$1/metrics" | awk -v m="$2" 'index($0, m) == 1 { v = $NF } END { print v + 0 }'
}
wait_status() { # job status seconds
  local deadline=$((SECONDS + $3))
  until [ "$(job "$1" | jq -r .status)" = "$2" ]; do
    [ $SECONDS -lt $deadline ] || die "job $1 not $2 after $3 s (now $(job "$1" | jq -r .status)); agent logs in $AGENTS"
    sleep 1
  done
}
submit_direct() { # provider input-file [extra flags...] -> job id
  local p=$1 in=$2; shift 2
  local out id
  out=$(tx buyer jobs submit-job inference "$AMODEL" "$("${ZK[@]}" commit "$in" 2>/dev/null)" $UNITS ${MAX_PRICE}uverd 90s \
    --circuit-id "$CIRCUIT" --provider "$p" --model-uri "file://$ABS_WORK/agent-model.vmdl" --input-uri "file://$(cd "$(dirname "$in")" && pwd)/$(basename "$in")" "$@")
  id=$(jq -r '[.events[] | select(.type=="verdict.jobs.v1.EventJobSubmitted") | .attributes[] | select(.key=="job_id") | .value][0] | fromjson? // .' <<<"$out" | tr -d '"')
  [ -n "$id" ] || die "no job id in the submit events"
  echo "$id"
}

PIDS=()
stop_agents() {
  local p deadline
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  deadline=$((SECONDS + 20))
  for p in "${PIDS[@]}"; do
    while kill -0 "$p" 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then kill -KILL "$p" 2>/dev/null || true; break; fi
      sleep 0.2
    done
  done
  PIDS=()
}
trap stop_agents EXIT
start_agent() { # name role key port flags...
  local name=$1 role=$2 key=$3 port=$4; shift 4
  # the buyer publishes its files under $WORK: the agents may read local
  # files there (--file-root), and nowhere else
  "$BIN" agent "$role" --home "$HOME_DIR" --from "$key" --node "$RPC_ADDR" --grpc-addr "$GRPC_ADDR" \
    --listen "127.0.0.1:$port" --agent-home "$AGENTS/$name" --file-root "$ABS_WORK" "$@" >"$AGENTS/$name.log" 2>&1 &
  PIDS+=($!)
  local deadline=$((SECONDS + 30))
  until curl -sf --max-time 2 "http://127.0.0.1:$port/healthz" >/dev/null; do
    kill -0 "${PIDS[-1]}" 2>/dev/null || die "agent $name exited: $(tail -5 "$AGENTS/$name.log")"
    [ $SECONDS -lt $deadline ] || die "agent $name not healthy after 30 s"
    sleep 0.3
  done
  info "$name: verdictd agent $role --from $key (pid ${PIDS[-1]}, http://127.0.0.1:$port, log $AGENTS/$name.log)"
}

PRICE=100; MAX_PRICE=150; UNITS=1000
FEE_BPS=$("${V[@]}" q jobs params -o json | jq -r '.params.protocol_fee_bps')
PAY=$((PRICE * UNITS)); FEE=$(( (PAY * FEE_BPS + 9999) / 10000 ))
BUYER=$(addr buyer)

step "Agents take over: three provider agents, a watcher and an SLA monitor"
for k in agent-honest agent-cheat agent-slow watcher; do
  "${V[@]}" keys show "$k" >/dev/null 2>&1 || "${V[@]}" keys add "$k" --output json >"$HOME_DIR/$k.key.json" 2>&1
done
PH=$(addr agent-honest); PX=$(addr agent-cheat); PS=$(addr agent-slow); W=$(addr watcher); MON=$(addr monitor)
for k in agent-honest agent-cheat agent-slow watcher; do
  if [ "$("${V[@]}" q bank balance "$(addr "$k")" uverd -o json | jq -r .balance.amount)" = 0 ]; then
    tx validator bank send validator "$(addr "$k")" 5000000000uverd >/dev/null
  fi
done
n=0
for k in agent-honest:gpu-h agent-cheat:gpu-x agent-slow:gpu-s; do
  IFS=: read -r key name <<<"$k"; n=$((n + 1))
  if ! "${V[@]}" q jobs provider "$(addr "$key")" >/dev/null 2>&1; then
    tx "$key" jobs register-provider "$name" "http://127.0.0.1:${AP[$((n - 1))]}" 2000000000uverd \
      --region eu-west --classes inference --circuit-ids "$CIRCUIT,$CIRCUIT_V1" \
      --prices "{\"class\":\"WORKLOAD_CLASS_INFERENCE\",\"max_units_per_job\":\"1000000\",\"max_open_units\":\"100000000\",\"price_per_unit\":{\"denom\":\"uverd\",\"amount\":\"$PRICE\"},\"sla\":{\"p99_latency_ms\":100,\"jitter_ms\":10,\"max_slash_bps\":10000}}" >/dev/null
  fi
done
info "providers gpu-h $PH, gpu-x $PX, gpu-s $PS registered with their agents' endpoints"
start_agent gpu-h provider agent-honest "${AP[0]}" --zk-keys "$ABS_ZK"
start_agent gpu-x provider agent-cheat "${AP[1]}" --zk-keys "$ABS_ZK" --wrong-output-rate 1
start_agent gpu-s provider agent-slow "${AP[2]}" --zk-keys "$ABS_ZK" --delay 400ms
BOND_MIN=$("${V[@]}" q dispute params -o json | jq -r .params.min_challenge_bond.amount)
start_agent watcher watcher watcher "${AP[3]}" --zk-keys "$ABS_ZK" --sample-rate 1 --bond-budget $((BOND_MIN * 2))
start_agent monitor monitor monitor "${AP[4]}" --probe-interval 100ms
info "the watcher re-executes every result (--sample-rate 1) and bonds at most $((BOND_MIN * 2)) uverd at once"

# The buyer's workload, published as files the agents fetch and check
# against the commitments in the job.
"$BIN" zk example-model "$WORK/agent-model.vmdl" --shape "$ZK_SHAPE" --seed agents
for j in h x s a; do "$BIN" zk example-input "$WORK/agent-input-$j.vten" --size "${ZK_SHAPE%%-*}" --seed "agents-$j"; done
AMODEL=$("${ZK[@]}" commit "$WORK/agent-model.vmdl" 2>/dev/null)

step "An honest job: gpu-h's agent runs it and posts; the watcher reproduces it and does not challenge"
B0=$(bal "$BUYER"); H0=$(gross "$PH"); W0=$(gross "$W"); C0=$(pool)
JH=$(submit_direct "$PH" "$WORK/agent-input-h.vten")
info "job $JH submitted to gpu-h (model and input by file:// URI)"
wait_status "$JH" JOB_STATUS_RESULT_POSTED "$AGENT_TIMEOUT"
job "$JH" | jq -c '{id, status, result: {output_commitment: .result.output_commitment, output_uri: .result.output_uri, units_used: .result.units_used, metrics: .result.metrics}}'
WANT=$("${ZK[@]}" infer "$WORK/agent-model.vmdl" "$WORK/agent-input-h.vten" 2>/dev/null)
expect_eq "posted output (the model's true output)" "$(job "$JH" | jq -r .result.output_commitment | base64 -d | od -An -tx1 | tr -d " \n")" "$WANT"
curl -sf --max-time 5 "$(job "$JH" | jq -r .result.output_uri)" -o "$WORK/agent-output-h.vten" || die "output not served"
expect_eq "output served at the result's output_uri" "$("${ZK[@]}" commit "$WORK/agent-output-h.vten" 2>/dev/null)" "$WANT"
wait_status "$JH" JOB_STATUS_FINALIZED 60
expect_eq "watcher: results reproduced" "$(metric "${AP[3]}" 'verdict_agent_results_checked_total{outcome="reproduced"')" 1
expect_eq "watcher: challenges opened" "$(metric "${AP[3]}" 'verdict_agent_challenges_total{outcome="opened"')" 0
expect_eq "gpu-h balance change (payment - fee)" "$(( $(gross "$PH") - H0 ))" "$((PAY - FEE))"
expect_eq "buyer balance change (the payment)" "$(( $(bal "$BUYER") - B0 ))" "$(( -PAY ))"
expect_eq "watcher balance change" "$(( $(gross "$W") - W0 ))" 0
expect_eq "community pool change (fee)" "$(( $(pool) - C0 ))" "$FEE"

step "A cheat: gpu-x's agent posts a wrong output; the watcher re-executes, challenges and proves the right one"
DP=$("${V[@]}" q dispute params -o json | jq -c .params)
SLASH_BPS=$(jq -r .fraud_slash_bps <<<"$DP"); CREWARD=$(jq -r .challenger_reward_bps <<<"$DP")
B0=$(bal "$BUYER"); X0=$(gross "$PX"); XB0=$(bond_of "$PX"); W0=$(gross "$W"); C0=$(pool)
JX=$(submit_direct "$PX" "$WORK/agent-input-x.vten")
info "job $JX submitted to gpu-x"
deadline=$((SECONDS + AGENT_TIMEOUT))
until [ "$("${V[@]}" q dispute dispute "$JX" -o json 2>/dev/null | jq -r '.dispute.status // empty')" = DISPUTE_STATUS_PROVIDER_LOST ]; do
  [ $SECONDS -lt $deadline ] || die "job $JX: no winning challenge after $AGENT_TIMEOUT s; agent logs in $AGENTS"
  sleep 1
done
"${V[@]}" q dispute dispute "$JX" -o json | jq -c '.dispute | {job_id, kind, challenger, bond: .bond.amount, status, reason: .resolution.reason, claim: .resolution.claim}'
expect_eq "challenger" "$("${V[@]}" q dispute dispute "$JX" -o json | jq -r .dispute.challenger)" "$W"
expect_eq "settled by the watcher's counter proof" "$("${V[@]}" q dispute dispute "$JX" -o json | jq -r .dispute.resolution.claim)" CLAIM_COUNTER
expect_eq "job $JX status" "$(job "$JX" | jq -r .status)" JOB_STATUS_FAILED
SL=$(fraud_slash "$XB0" $((PRICE * UNITS))); RW=$((SL * CREWARD / 10000))
expect_eq "gpu-x bond change (fraud slash)" "$(( $(bond_of "$PX") - XB0 ))" "$(( -SL ))"
expect_eq "gpu-x balance change" "$(( $(gross "$PX") - X0 ))" 0
expect_eq "buyer balance change (refunded in full)" "$(( $(bal "$BUYER") - B0 ))" 0
expect_eq "watcher balance change (bond back + $CREWARD bps of the slash)" "$(( $(gross "$W") - W0 ))" "$RW"
expect_eq "community pool change (rest of the slash)" "$(( $(pool) - C0 ))" "$((SL - RW))"
{ grep -h "disputed result was not the model's output" "$AGENTS/gpu-x.log" || true; } | head -1 | sed 's/^/   gpu-x: /'

step "An SLA job on the slow gpu-s: the monitor probes its endpoint while it runs and reports; x/slashingsla grades it"
SLA='{"max_p99_latency_ms":200,"max_jitter_ms":20,"completion_time":"60s","max_slash_bps":10000}'
info "terms: $SLA; gpu-s's agent answers every request 400 ms late"
B0=$(bal "$BUYER"); S0=$(gross "$PS"); SB0=$(bond_of "$PS"); C0=$(pool)
JS=$(submit_direct "$PS" "$WORK/agent-input-s.vten" --sla "$SLA")
deadline=$((SECONDS + AGENT_TIMEOUT))
until "${V[@]}" q slashingsla assessment "$JS" >/dev/null 2>&1 && [ "$(job "$JS" | jq -r .status)" = JOB_STATUS_FINALIZED ]; do
  [ $SECONDS -lt $deadline ] || die "job $JS not graded and finalized; agent logs in $AGENTS"
  sleep 1
done
"${V[@]}" q slashingsla reports "$JS" -o json 2>/dev/null | jq -c '.reports[]? | {reporter, from_monitor, metrics}' || true
AS=$("${V[@]}" q slashingsla assessment "$JS" -o json | jq -c .assessment)
jq -c '{aggregate, severity, slash_bps, slashed, to_buyer, to_community_pool}' <<<"$AS"
P99=$(jq -r '.aggregate.latency_p99_ms // 0' <<<"$AS")
[ "$P99" -ge 400 ] || die "monitor's p99 $P99 ms: expected at least the agent's 400 ms delay"
info "the monitor measured p99 $P99 ms against the 200 ms bound"
[ "$(jq -r '.slash_bps // 0' <<<"$AS")" -gt 0 ] || die "no slash for a p99 over the bound"
SLS=$(jq -r .slashed.amount <<<"$AS"); COMP=$(jq -r .to_buyer.amount <<<"$AS")
MULT=$("${V[@]}" q slashingsla params -o json | jq -r .params.max_sla_penalty_multiple_bps)
expect_eq "penalty (slash_bps of $MULT bps of the payment)" "$SLS" "$(( PAY * $(jq -r .slash_bps <<<"$AS") * MULT / 100000000 ))"
expect_eq "gpu-s bond change" "$(( $(bond_of "$PS") - SB0 ))" "$(( -SLS ))"
expect_eq "gpu-s balance change (paid for the job)" "$(( $(gross "$PS") - S0 ))" "$((PAY - FEE))"
expect_eq "buyer balance change (payment, less the compensation)" "$(( $(bal "$BUYER") - B0 ))" "$(( -PAY + COMP ))"
expect_eq "community pool change (fee + rest of the penalty)" "$(( $(pool) - C0 ))" "$(( FEE + SLS - COMP ))"

step "Governance turns audits on for every result; gpu-h's next result is audited and its agent proves it"
propose_dispute_params() { # params-json title -> waits until passed
  local out pid deadline
  out=$(tx validator dispute update-params-proposal "$1" --title "$2" --summary "$2" --deposit 10000000uverd)
  pid=$(jq -r '[.events[] | select(.type=="submit_proposal") | .attributes[] | select(.key=="proposal_id") | .value][0]' <<<"$out")
  vote_yes "$pid"
  info "proposal $pid ($2) voted; waiting for the voting period" >&2
  echo "$pid"
}
passed() { # pid
  local deadline=$((SECONDS + 120))
  until [ "$("${V[@]}" q gov proposal "$1" -o json | jq -r '.proposal.status // .status')" = PROPOSAL_STATUS_PASSED ]; do
    [ $SECONDS -lt $deadline ] || die "proposal $1 did not pass"
    sleep 2
  done
}
# params as the CLI prints them, durations back in seconds for the proposal
OLD=$("${V[@]}" q dispute params -o json | jq -c '
  def secs: capture("^((?<h>[0-9]+)h)?((?<m>[0-9]+)m)?((?<s>[0-9.]+)s)?$") | "\((.h // "0" | tonumber) * 3600 + (.m // "0" | tonumber) * 60 + (.s // "0" | tonumber))s";
  .params | .proof_window |= secs | .retention |= secs | .default_prove_time |= secs | .max_prove_time |= secs')
PID=$(propose_dispute_params "$(jq -c '.audit_rate_ppm = 1000000' <<<"$OLD")" "audit every result")
passed "$PID"
# The rate is audit_rate_ppm x (1.5 - score): at 100% it is certain only
# for a provider at or below the neutral score, and gpu-h has one good job
# on record. A result the lottery spares finalizes as usual; the next one
# is drawn again (a few tries make a miss negligible).
for try in 1 2 3 4 5; do
  B0=$(bal "$BUYER"); H0=$(gross "$PH"); HB0=$(bond_of "$PH"); C0=$(pool)
  JA=$(submit_direct "$PH" "$WORK/agent-input-a.vten")
  deadline=$((SECONDS + AGENT_TIMEOUT))
  until [ "$(job "$JA" | jq -r .status)" != JOB_STATUS_ASSIGNED ]; do
    [ $SECONDS -lt $deadline ] || die "job $JA: no result from gpu-h's agent"
    sleep 1
  done
  sleep 3 # the lottery runs in the EndBlock of the result's block
  if "${V[@]}" q dispute dispute "$JA" >/dev/null 2>&1; then break; fi
  [ "$try" -lt 5 ] || die "job $JA not audited (5 results in a row spared)"
  info "job $JA drew no audit (gpu-h's good record lowers its rate below 100%); it finalizes, and the next result is drawn"
  wait_status "$JA" JOB_STATUS_FINALIZED 60
done
PID=$(propose_dispute_params "$OLD" "audits back to the localnet rate")
deadline=$((SECONDS + AGENT_TIMEOUT))
until [ "$("${V[@]}" q dispute dispute "$JA" -o json | jq -r .dispute.status)" != DISPUTE_STATUS_OPEN ]; do
  [ $SECONDS -lt $deadline ] || die "audit of job $JA still open"
  sleep 1
done
"${V[@]}" q dispute dispute "$JA" -o json | jq -c '.dispute | {job_id, kind, status, proven_by: .resolution.proven_by, claim: .resolution.claim}'
{ grep -h "dispute: proving\|proof accepted" "$AGENTS/gpu-h.log" || true; } | tail -2 | sed 's/^/   gpu-h: /'
expect_eq "audit kind" "$("${V[@]}" q dispute dispute "$JA" -o json | jq -r .dispute.kind)" DISPUTE_KIND_AUDIT
expect_eq "audit outcome" "$("${V[@]}" q dispute dispute "$JA" -o json | jq -r .dispute.status)" DISPUTE_STATUS_PROVIDER_WON
expect_eq "proven by gpu-h's agent" "$("${V[@]}" q dispute dispute "$JA" -o json | jq -r .dispute.resolution.proven_by)" "$PH"
wait_status "$JA" JOB_STATUS_FINALIZED 30
passed "$PID"
expect_eq "audit rate restored" "$("${V[@]}" q dispute params -o json | jq -r ".params.audit_rate_ppm // 0")" "$(jq -r ".audit_rate_ppm // 0" <<<"$OLD")"
expect_eq "gpu-h balance change (payment - fee)" "$(( $(gross "$PH") - H0 ))" "$((PAY - FEE))"
expect_eq "gpu-h bond change" "$(( $(bond_of "$PH") - HB0 ))" 0
expect_eq "buyer balance change (the payment)" "$(( $(bal "$BUYER") - B0 ))" "$(( -PAY ))"
expect_eq "community pool change (fee)" "$(( $(pool) - C0 ))" "$FEE"

step "The agents stop (SIGTERM); what they counted; their providers pause"
for pair in gpu-h:0 gpu-x:1 gpu-s:2 watcher:3 monitor:4; do
  IFS=: read -r name i <<<"$pair"
  curl -s --max-time 5 "http://127.0.0.1:${AP[$i]}/metrics" |
    awk -v n="$name" '/^verdict_agent_(results_posted|proofs|results_checked|challenges|sla_reports|probes)_total/ && $NF > 0 { gsub(/,?role="[a-z]+"/, "", $1); sub(/\{\}/, "", $1); sub(/\{,/, "{", $1); printf "   %-8s %s %s\n", n, $1, $NF }'
done
stop_agents
for name in gpu-h gpu-x gpu-s watcher monitor; do
  grep -q 'msg=stopped' "$AGENTS/$name.log" || die "agent $name did not stop cleanly: $(tail -3 "$AGENTS/$name.log")"
done
info "all five agents stopped cleanly"
for key in agent-honest agent-cheat agent-slow; do tx "$key" jobs pause-provider >/dev/null; done
info "with no agent running, gpu-h, gpu-x and gpu-s pause: the scheduler assigns them nothing they would not run"
expect_eq "x/jobs accounting balanced" "$("${V[@]}" q jobs accounting -o json | jq -r .balanced)" true
