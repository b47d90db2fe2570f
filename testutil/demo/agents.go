package demo

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/verdict-chain/verdict/testutil/cli"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
)

const agentTimeout = 120 * time.Second

// agentSet is the agent providers' keys and the workload they are given.
type agentSet struct {
	honest, cheat, slow, watcher string
	model, modelC                string
	zk                           string // the proving keys, absolute
}

// agentProviders makes sure the agents' keys exist, are funded and are
// registered as providers of the version 1 reference circuit (only: no
// other scene's job names it, so the scheduler never hands them another
// scene's work) with their agents' endpoints, and writes the buyer's files.
func (s *S) agentProviders() agentSet {
	a := agentSet{
		honest: s.Account("agent-honest", 5_000_000_000), cheat: s.Account("agent-cheat", 5_000_000_000),
		slow: s.Account("agent-slow", 5_000_000_000), watcher: s.Account("watcher", 5_000_000_000),
	}
	s.Account("buyer-agents", 5_000_000_000)
	for i, k := range []struct{ key, moniker string }{{"agent-honest", "gpu-h"}, {"agent-cheat", "gpu-x"}, {"agent-slow", "gpu-s"}} {
		s.registerProviderAt(k.key, k.moniker, fmt.Sprintf("http://127.0.0.1:%d", s.cfg.AgentPorts[i]),
			"--circuit-ids", s.cfg.circuitV1(), "--prices", priceJSON(price, true))
	}
	// The buyer's workload, published as files the agents fetch and check
	// against the commitments in the job.
	a.model = s.File("agent-model.vmdl")
	s.Zk("", "example-model", a.model, "--shape", s.cfg.ZKShape, "--seed", "agents")
	for _, j := range []string{"h", "x", "s", "a"} {
		s.Zk("", "example-input", s.File("agent-input-"+j+".vten"), "--size", inputSize(s.cfg.ZKShape), "--seed", "agents-"+j)
	}
	a.modelC = s.Zk("", "commit", a.model)
	var err error
	a.zk, err = filepath.Abs(s.cfg.ZKDir)
	s.Must(err, "zk dir")
	return a
}

// startAgent starts an agent that may read the scene's files and stops it
// when the scene ends.
func (s *S) startAgent(name, role, key string, port int, args ...string) *cli.Agent {
	work, err := filepath.Abs(s.cfg.Work)
	s.Must(err, "work dir")
	ag, err := s.c.StartAgent(s.ctx, filepath.Join(work, "agents"), name, role, key, port, append(args, "--file-root", work)...)
	s.Must(err, "agent "+name)
	s.Cleanup(func() {
		if s.err != nil { // what the agent was doing when the scene failed
			s.Info("%s's log, last lines:\n%s", name, ag.Tail(12))
		}
		ag.Stop()
	})
	s.Info("%s: verdictd agent %s --from %s (pid %d, http://127.0.0.1:%d, log %s)", name, role, key, ag.Pid(), port, ag.Log)
	return ag
}

// submitTo submits an agent job to provider op with the input file of
// name j (model and input by file:// URI) and returns its id.
func (s *S) submitTo(a agentSet, op, j string, extra ...string) uint64 {
	in, err := filepath.Abs(s.File("agent-input-" + j + ".vten"))
	s.Must(err, "input path")
	model, err := filepath.Abs(a.model)
	s.Must(err, "model path")
	r := s.Tx("buyer-agents", append([]string{
		"jobs", "submit-job", "inference", a.modelC, s.Zk("", "commit", in), strconv.Itoa(units), u(maxPrice), "90s",
		"--circuit-id", s.cfg.circuitV1(), "--provider", op, "--model-uri", "file://" + model, "--input-uri", "file://" + in,
	}, extra...)...)
	return s.JobID(r)
}

// agentsScene: an honest provider agent, a cheating one and a slow one, a
// watcher and an SLA monitor run; the buyer only submits jobs. The watcher
// reproduces the honest result and leaves it alone, catches the cheat and
// wins with its own proof; the monitor's probes grade the slow provider.
func agentsScene(s *S) {
	s.Say("Agents take over: three provider agents, a watcher and an SLA monitor")
	a := s.agentProviders()
	buyer := s.Addr("buyer-agents")
	zk, ap := a.zk, s.cfg.AgentPorts
	s.Info("providers gpu-h %s, gpu-x %s, gpu-s %s registered with their agents' endpoints", a.honest, a.cheat, a.slow)
	gpuH := s.startAgent("gpu-h", "provider", "agent-honest", ap[0], "--zk-keys", zk)
	gpuX := s.startAgent("gpu-x", "provider", "agent-cheat", ap[1], "--zk-keys", zk, "--wrong-output-rate", "1")
	gpuS := s.startAgent("gpu-s", "provider", "agent-slow", ap[2], "--zk-keys", zk, "--delay", "400ms")
	dp := s.DisputeParams()
	budget := dp.MinChallengeBond.Amount.MulRaw(2)
	watcher := s.startAgent("watcher", "watcher", "watcher", ap[3], "--zk-keys", zk, "--sample-rate", "1", "--bond-budget", budget.String())
	monitor := s.startAgent("monitor", "monitor", "monitor2", ap[4], "--probe-interval", "100ms")
	s.Info("the watcher re-executes every result (--sample-rate 1) and bonds at most %s uverd at once", budget)
	jp := s.JobsParams()

	s.Say("An honest job: gpu-h's agent runs it and posts; the watcher reproduces it and does not challenge")
	b0, h0, w0, c0 := s.Gross(buyer), s.Gross(a.honest), s.Gross(a.watcher), s.Pool()
	jh := s.submitTo(a, a.honest, "h")
	s.Record("honest", jh)
	s.Info("job %d submitted to gpu-h (model and input by file:// URI)", jh)
	s.WaitStatus(jh, jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, agentTimeout)
	j := s.Job(jh)
	s.Show(map[string]any{"id": j.Id, "status": j.Status.String(), "output_commitment": hex.EncodeToString(j.Result.OutputCommitment), "output_uri": j.Result.OutputUri, "units_used": j.Result.UnitsUsed})
	want := s.Zk("", "infer", a.model, s.File("agent-input-h.vten"))
	s.Expect("posted output (the model's true output)", hex.EncodeToString(j.Result.OutputCommitment), want)
	out := s.File("agent-output-h.vten")
	s.fetch(j.Result.OutputUri, out)
	s.Expect("output served at the result's output_uri", s.Zk("", "commit", out), want)
	s.WaitStatus(jh, jobstypes.JobStatus_JOB_STATUS_FINALIZED, 60*time.Second)
	s.Expect("watcher: results reproduced", watcher.Metric(`verdict_agent_results_checked_total{outcome="reproduced"`), 1)
	s.Expect("watcher: challenges opened", watcher.Metric(`verdict_agent_challenges_total{outcome="opened"`), 0)
	j = s.Job(jh)
	pay := jobstypes.Payment(j)
	fee := jobstypes.Fee(pay, jp.ProtocolFeeBps)
	s.Expect("gpu-h balance change (payment - fee)", s.Gross(a.honest).Sub(h0), pay.Sub(fee))
	s.Expect("buyer balance change (the payment)", s.Gross(buyer).Sub(b0), pay.Neg())
	s.Expect("watcher balance change", s.Gross(a.watcher).Sub(w0), math.ZeroInt())
	s.ExpectPool(c0, "fee", fee)

	s.Say("A cheat: gpu-x's agent posts a wrong output; the watcher re-executes, challenges and proves the right one")
	b0, w0, c0 = s.Gross(buyer), s.Gross(a.watcher), s.Pool()
	x0 := s.Gross(a.cheat)
	xb0 := s.Bond(a.cheat)
	jx := s.submitTo(a, a.cheat, "x")
	s.Record("cheat", jx)
	s.Info("job %d submitted to gpu-x", jx)
	s.WaitFor(fmt.Sprintf("job %d: a winning challenge", jx), agentTimeout, func() bool {
		d, ok := s.Dispute(jx)
		return ok && d.Status == disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST
	})
	d := s.MustDispute(jx)
	s.Show(map[string]any{"job_id": d.JobId, "kind": d.Kind.String(), "challenger": d.Challenger, "bond": d.Bond.String(), "status": d.Status.String(), "reason": d.Resolution.Reason, "claim": d.Resolution.Claim.String()})
	s.Expect("challenger", d.Challenger, a.watcher)
	s.Expect("settled by the watcher's counter proof", d.Resolution.Claim, disputetypes.Claim_CLAIM_COUNTER)
	j = s.Job(jx)
	s.Expect(fmt.Sprintf("job %d status", jx), j.Status, jobstypes.JobStatus_JOB_STATUS_FAILED)
	sl := disputetypes.FraudSlash(dp, xb0, j)
	rw := disputetypes.ChallengerReward(dp, sl)
	s.Expect("gpu-x bond change (x/dispute FraudSlash)", s.Bond(a.cheat).Sub(xb0), sl.Neg())
	s.Expect("gpu-x balance change", s.Gross(a.cheat).Sub(x0), math.ZeroInt())
	s.Expect("buyer balance change (refunded in full)", s.Gross(buyer).Sub(b0), math.ZeroInt())
	s.Expect(fmt.Sprintf("watcher balance change (bond back + %d bps of the slash)", dp.ChallengerRewardBps), s.Gross(a.watcher).Sub(w0), rw)
	s.ExpectPool(c0, "rest of the slash", sl.Sub(rw))
	for _, line := range strings.Split(gpuX.LogText(), "\n") {
		if strings.Contains(line, "disputed result was not the model's output") {
			s.Info("gpu-x: %s", line)
			break
		}
	}

	s.Say("An SLA job on the slow gpu-s: the monitor probes its endpoint while it runs and reports; x/slashingsla grades it")
	s.Info("terms: %s; gpu-s's agent answers every request 400 ms late", slaTerms)
	b0, s0, c0 := s.Gross(buyer), s.Gross(a.slow), s.Pool()
	sb0 := s.Bond(a.slow)
	js := s.submitTo(a, a.slow, "s", "--sla", slaTerms)
	s.Record("sla", js)
	var as slatypes.Assessment
	s.WaitFor(fmt.Sprintf("job %d graded and finalized", js), agentTimeout, func() bool {
		var ok bool
		as, ok = s.Assessment(js)
		return ok && s.Job(js).Status == jobstypes.JobStatus_JOB_STATUS_FINALIZED
	})
	s.Show(map[string]any{"aggregate": as.Aggregate, "severity": as.Severity, "slash_bps": as.SlashBps, "slashed": as.Slashed.String(), "to_buyer": as.ToBuyer.String(), "to_community_pool": as.ToCommunityPool.String()})
	if as.Aggregate.LatencyP99Ms < 400 {
		s.Fatalf("monitor's p99 %d ms: expected at least the agent's 400 ms delay", as.Aggregate.LatencyP99Ms)
	}
	s.Info("the monitor measured p99 %d ms against the 200 ms bound", as.Aggregate.LatencyP99Ms)
	if as.SlashBps == 0 {
		s.Fatalf("no slash for a p99 over the bound")
	}
	j = s.Job(js)
	pay = jobstypes.Payment(j)
	fee = jobstypes.Fee(pay, jp.ProtocolFeeBps)
	sp := s.SLAParams()
	pen := slatypes.Penalty(sp, as.SlashBps, pay)
	comp := slatypes.Compensation(pen, pay)
	s.Expect(fmt.Sprintf("penalty (x/slashingsla Penalty: %d bps of %d bps of the payment)", as.SlashBps, sp.MaxSlaPenaltyMultipleBps), as.Slashed.Amount, pen)
	s.Expect("buyer's compensation (x/slashingsla Compensation)", as.ToBuyer.Amount, comp)
	s.Expect("gpu-s bond change", s.Bond(a.slow).Sub(sb0), pen.Neg())
	s.Expect("gpu-s balance change (paid for the job)", s.Gross(a.slow).Sub(s0), pay.Sub(fee))
	s.Expect("buyer balance change (payment, less the compensation)", s.Gross(buyer).Sub(b0), pay.Neg().Add(comp))
	s.ExpectPool(c0, "fee + rest of the penalty", fee.Add(pen).Sub(comp))

	s.Say("The agents stop (SIGTERM); what they counted; their providers pause")
	for _, ag := range []*cli.Agent{gpuH, gpuX, gpuS, watcher, monitor} {
		for _, m := range ag.Metrics("verdict_agent_") {
			if strings.Contains(m, "_total") {
				s.Info("%-8s %s", ag.Name, m)
			}
		}
	}
	for _, ag := range []*cli.Agent{gpuH, gpuX, gpuS, watcher, monitor} {
		if !ag.Stop() || !strings.Contains(ag.LogText(), "msg=stopped") {
			s.Fatalf("agent %s did not stop cleanly: %s", ag.Name, ag.Tail(3))
		}
	}
	s.Info("all five agents stopped cleanly")
	for _, key := range []string{"agent-honest", "agent-cheat", "agent-slow"} {
		s.Tx(key, "jobs", "pause-provider")
	}
	s.Info("with no agent running, gpu-h, gpu-x and gpu-s pause: the scheduler assigns them nothing they would not run")
	s.JobsBalanced()
}

func (s *S) fetch(url, path string) {
	c := &http.Client{Timeout: 5 * time.Second}
	res, err := c.Get(url)
	s.Must(err, "output not served")
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusOK {
		s.Fatalf("output not served: %s", res.Status)
	}
	bz, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	s.Must(err, "output")
	s.Must(os.WriteFile(path, bz, 0o644), "output file")
}

// auditScene: governance turns audits on for every result; gpu-h's next
// result is audited and its agent proves it; the rate goes back. Audits
// reach every provider's results, so the scene runs alone.
func auditScene(s *S) {
	s.Say("Governance turns audits on for every result; gpu-h's next result is audited and its agent proves it")
	a := s.agentProviders()
	buyer := s.Addr("buyer-agents")
	gpuH := s.startAgent("gpu-h", "provider", "agent-honest", s.cfg.AgentPorts[0], "--zk-keys", a.zk)
	for _, key := range []string{"agent-cheat", "agent-slow"} { // only gpu-h runs an agent now
		if p, ok := s.Provider(s.Addr(key)); ok && p.Status == jobstypes.ProviderStatus_PROVIDER_STATUS_ACTIVE {
			s.Tx(key, "jobs", "pause-provider")
		}
	}
	old := s.DisputeParams()
	propose := func(p disputetypes.Params, title string) uint64 {
		bz, err := codec.ProtoMarshalJSON(&p, nil)
		s.Must(err, "params JSON")
		id := s.Propose("dispute", "update-params-proposal", string(bz), "--title", title, "--summary", title, "--deposit", u(10000000))
		s.Info("proposal %d (%s) voted; waiting for the voting period", id, title)
		return id
	}
	all := old
	all.AuditRatePpm = 1_000_000
	s.WaitPassed(propose(all, "audit every result"), 120*time.Second)
	jp := s.JobsParams()
	// The rate is audit_rate_ppm x (1.5 - score): at 100% it is certain
	// only for a provider at or below the neutral score, and gpu-h may have
	// a good record. A result the lottery spares finalizes as usual; the
	// next one is drawn again (a few tries make a miss negligible).
	var ja uint64
	var b0, h0, hb0 math.Int
	var c0 PoolMark
	for try := 1; ; try++ {
		b0, h0, hb0, c0 = s.Gross(buyer), s.Gross(a.honest), s.Bond(a.honest), s.Pool()
		ja = s.submitTo(a, a.honest, "a")
		s.WaitFor(fmt.Sprintf("job %d: a result from gpu-h's agent", ja), agentTimeout, func() bool {
			return s.Job(ja).Status != jobstypes.JobStatus_JOB_STATUS_ASSIGNED
		})
		time.Sleep(3 * time.Second) // the lottery runs in the EndBlock of the result's block
		if _, ok := s.Dispute(ja); ok {
			break
		}
		if try == 5 {
			s.Fatalf("job %d not audited (5 results in a row spared)", ja)
		}
		s.Info("job %d drew no audit (gpu-h's good record lowers its rate below 100%%); it finalizes, and the next result is drawn", ja)
		s.WaitStatus(ja, jobstypes.JobStatus_JOB_STATUS_FINALIZED, 60*time.Second)
		s.PoolAlso(fmt.Sprintf("job %d's fee", ja), jobstypes.Fee(jobstypes.Payment(s.Job(ja)), jp.ProtocolFeeBps))
	}
	s.Record("audited", ja)
	restore := propose(old, "audits back to the localnet rate")
	s.WaitFor(fmt.Sprintf("audit of job %d settled", ja), agentTimeout, func() bool {
		return s.MustDispute(ja).Status != disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN
	})
	d := s.MustDispute(ja)
	s.Show(map[string]any{"job_id": d.JobId, "kind": d.Kind.String(), "status": d.Status.String(), "proven_by": d.Resolution.ProvenBy, "claim": d.Resolution.Claim.String()})
	s.Expect("audit kind", d.Kind, disputetypes.DisputeKind_DISPUTE_KIND_AUDIT)
	s.Expect("audit outcome", d.Status, disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON)
	s.Expect("proven by gpu-h's agent", d.Resolution.ProvenBy, a.honest)
	s.WaitStatus(ja, jobstypes.JobStatus_JOB_STATUS_FINALIZED, 30*time.Second)
	s.WaitPassed(restore, 120*time.Second)
	s.Expect("audit rate restored", s.DisputeParams().AuditRatePpm, old.AuditRatePpm)
	j := s.Job(ja)
	pay := jobstypes.Payment(j)
	fee := jobstypes.Fee(pay, jp.ProtocolFeeBps)
	s.Expect("gpu-h balance change (payment - fee)", s.Gross(a.honest).Sub(h0), pay.Sub(fee))
	s.Expect("gpu-h bond change", s.Bond(a.honest).Sub(hb0), math.ZeroInt())
	s.Expect("buyer balance change (the payment)", s.Gross(buyer).Sub(b0), pay.Neg())
	s.ExpectPool(c0, "fee", fee)
	if !gpuH.Stop() {
		s.Fatalf("gpu-h did not stop cleanly")
	}
	s.Tx("agent-honest", "jobs", "pause-provider")
}

// accountsScene closes every run: each bond and escrow has exactly one
// owner, and no challenge bond is left in x/dispute.
func accountsScene(s *S) {
	s.Say("Every bond and escrow has exactly one owner")
	s.JobsBalanced()
	s.Expect("x/dispute module balance (no open challenge bonds)", s.ModuleBalance(disputetypes.ModuleName), math.ZeroInt())
}
