package demo

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"cosmossdk.io/math"

	"github.com/verdict-chain/verdict/agent"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// The serving scene's sizes: the honest session's requests, in two
// checkpoints, out of what it escrows.
const (
	servedRequests  = 10_000
	servedEvery     = 5_000
	servedMax       = 12_000
	servingDuration = "300s"
	// servingSLA: the honest session's terms (gpu-v's offer promises p99
	// 100 ms and jitter 10 ms; these are looser, as consent requires)
	servingSLA = `{"max_p99_latency_ms":2000,"max_jitter_ms":1000,"max_slash_bps":10000}`
	// the cheating provider answers request 3 of every session wrong, and
	// request 7 wrong while its checkpoint holds the model's output
	servedWrongAt, servedEquivocateAt = 3, 7
)

// Verdictd runs verdictd args against the chain's home (printing the
// command) and returns its stdout.
func (s *S) Verdictd(args ...string) string {
	s.printf("   $ verdictd %s\n", shown(args))
	out, err := s.c.Exec(s.ctx, args...)
	s.Must(err, "verdictd "+strings.Join(args, " "))
	return strings.TrimSpace(out)
}

// txFlags are what a transaction the scene sends through a non-tx command
// (session check) needs.
func (s *S) txFlags(from string) []string {
	return []string{"--from", from, "--keyring-backend", "test", "--gas", "auto", "--gas-adjustment", "1.5", "--gas-prices", s.c.GasPrices(), "-y"}
}

// SessionID is the id of the session an open-session transaction opened.
func (s *S) SessionID(r interface{ Attr(typ, key string) string }) uint64 {
	n, err := strconv.ParseUint(r.Attr("verdict.jobs.v1.EventSessionOpened", "session_id"), 10, 64)
	if err != nil || n == 0 {
		s.Fatalf("no session id in the open-session events")
	}
	return n
}

// Session reads a session.
func (s *S) Session(id uint64) jobstypes.Session {
	r, err := jobstypes.NewQueryClient(s.c.Conn()).Session(s.ctx, &jobstypes.QuerySessionRequest{Id: id})
	s.Must(err, fmt.Sprintf("session %d", id))
	return r.Session
}

// checkpoints are the jobs of session id's checkpoints, oldest first.
func (s *S) checkpoints(id uint64) []jobstypes.Job {
	se := s.Session(id)
	r, err := jobstypes.NewQueryClient(s.c.Conn()).Jobs(s.ctx, &jobstypes.QueryJobsRequest{Buyer: se.Buyer, Provider: se.Provider})
	s.Must(err, "jobs")
	var out []jobstypes.Job
	for _, j := range r.Jobs {
		if j.Checkpoint != nil && j.Checkpoint.SessionId == id {
			out = append(out, j)
		}
	}
	return out
}

// servingScene: a buyer buys inference as a serving session: 10,000
// requests straight to the provider agent's endpoint, each with a voucher
// and answered with a receipt, paid in two checkpoints. A cheating
// provider's wrong answer is caught by its receipt and proven; its
// equivocating checkpoint is slashed at once; a claim beyond the vouchers
// is refused.
func servingScene(s *S) {
	s.Say("Serving sessions: requests off-chain with vouchers and receipts, paid in checkpoints")
	honest, cheat := s.Account("serve-honest", 5_000_000_000), s.Account("serve-cheat", 5_000_000_000)
	s.Account("buyer-serving", 5_000_000_000)
	buyer := s.Addr("buyer-serving")
	ap := s.cfg.AgentPorts
	zk, err := filepath.Abs(s.cfg.ZKDir)
	s.Must(err, "zk dir")
	work, err := filepath.Abs(s.cfg.Work)
	s.Must(err, "work dir")
	keyOf := func(name string) (file, pub string) {
		file = filepath.Join(work, name+".key")
		return file, s.Verdictd("agent", "serving-key", file)
	}
	type prov struct{ key, moniker, addr, keyFile string }
	provs := []prov{{"serve-honest", "gpu-v", honest, ""}, {"serve-cheat", "gpu-w", cheat, ""}}
	for i := range provs {
		var pub string
		provs[i].keyFile, pub = keyOf("serving-" + provs[i].moniker)
		endpoint := fmt.Sprintf("http://127.0.0.1:%d", ap[8+i])
		offer := priceJSON(price, i == 0) // gpu-v answers for an SLA
		if p, ok := s.Provider(provs[i].addr); ok && hex.EncodeToString(p.ServingKey) != pub {
			s.Tx(provs[i].key, "jobs", "update-provider", provs[i].moniker, endpoint, "--classes", "inference",
				"--circuit-ids", s.cfg.circuitV1(), "--prices", offer, "--serving-key", pub)
		}
		s.registerProviderAt(provs[i].key, provs[i].moniker, endpoint, "--circuit-ids", s.cfg.circuitV1(), "--prices", offer, "--serving-key", pub)
		s.Info("%s %s: serving key %s… (verdictd agent serving-key), endpoint %s", provs[i].moniker, provs[i].addr, pub[:16], endpoint)
	}
	model := s.File("serving-model.vmdl")
	s.Zk("", "example-model", model, "--shape", s.cfg.ZKShape, "--seed", "serving")
	modelC := s.Zk("", "commit", model)
	modelPath, err := filepath.Abs(model)
	s.Must(err, "model path")
	// gpu-v checkpoints by count only (every 5,000 requests: the interval
	// is longer than the scene), gpu-w's few requests a second after they come
	common := []string{"--zk-keys", zk, "--warm-up=false", "--checkpoint-every", id(servedEvery), "--session-margin", "5s"}
	gpuV := s.startAgent("gpu-v", "provider", "serve-honest", ap[8], append(common, "--serving-key", provs[0].keyFile, "--checkpoint-interval", "10m",
		"--public-url", fmt.Sprintf("http://127.0.0.1:%d", ap[8]))...)
	s.startAgent("gpu-w", "provider", "serve-cheat", ap[9], append(common, "--serving-key", provs[1].keyFile, "--checkpoint-interval", "1s",
		"--public-url", fmt.Sprintf("http://127.0.0.1:%d", ap[9]),
		"--serve-wrong", id(servedWrongAt), "--serve-equivocate", id(servedEquivocateAt))...)
	s.Info("gpu-w's agent answers request %d of every session wrong, and request %d wrong while checkpointing the model's output (--serve-wrong, --serve-equivocate: testing only)", servedWrongAt, servedEquivocateAt)
	s.startAgent("monitor-s", "monitor", "monitor3", ap[10], "--probe-interval", "100ms")
	s.Info("an SLA monitor agent (monitor3) probes every open session with SLA terms and reports on each of its checkpoints")

	s.Say("The buyer makes a session key and opens three sessions: %d requests with gpu-v, 20 each with gpu-w", servedMax)
	buyerKey := filepath.Join(work, "buyer-serving.key")
	buyerPub := s.Verdictd("session", "key", buyerKey)
	open := func(provider string, maxRequests int, extra ...string) uint64 {
		r := s.Tx("buyer-serving", append([]string{
			"jobs", "open-session", provider, "inference", s.cfg.circuitV1(), modelC, "1", u(maxPrice), id(uint64(maxRequests)),
			servingDuration, buyerPub, "--model-uri", "file://" + modelPath,
		}, extra...)...)
		return s.SessionID(r)
	}
	jp, dp := s.JobsParams(), s.DisputeParams()
	b0, v0, c0 := s.Gross(buyer), s.Gross(honest), s.Pool()
	// loose terms (the scene shares 2 cores with other lanes): what is
	// shown is the grading of every checkpoint from live probes
	sh := open(honest, servedMax, "--sla", servingSLA)
	sw, se := open(cheat, 20), open(cheat, 20)
	s.Record("session", sh)
	h := s.Session(sh)
	s.Show(map[string]any{"id": h.Id, "provider": h.Provider, "price_per_unit": h.PricePerUnit.String(), "max_requests": h.MaxRequests, "escrow": h.Escrow.String(), "expires_at": h.ExpiresAt})
	s.Expect("escrow (max requests x the provider's price)", h.Escrow.Amount, math.NewInt(servedMax*price))

	s.Say("%d requests to gpu-v's endpoint, each with a voucher; every answer's receipt is checked and kept", servedRequests)
	receipts := func(sid uint64) string { return filepath.Join(work, fmt.Sprintf("serving-%d.receipts", sid)) }
	var sum struct {
		Requests uint64  `json:"requests"`
		Rate     float64 `json:"requests_per_second"`
	}
	// at most 400 requests per second: the scene shares 2 cores with the
	// other lanes, whose deadlines must not pay for its burst
	out := s.Verdictd("session", "infer", id(sh), "--key", buyerKey, "--receipts", receipts(sh), "--requests", id(servedRequests), "--seed", "serving", "--rate", "400")
	s.Must(json.Unmarshal([]byte(out[strings.LastIndex(out, "{"):]), &sum), "session infer output")
	s.Expect("requests answered with valid receipts", sum.Requests, servedRequests)
	s.Info("%.0f requests per second through the provider agent's endpoint (verdictd session infer, one at a time, --rate 400)", sum.Rate)

	s.Say("gpu-v checkpoints every %d requests: two checkpoint jobs, each paid after its challenge window", servedEvery)
	var cps []jobstypes.Job
	s.WaitFor("the honest session's requests checkpointed", agentTimeout, func() bool {
		cps = s.checkpoints(sh)
		return s.Session(sh).Checkpointed == servedRequests
	})
	s.Expect("checkpoints", len(cps), 2)
	for _, j := range cps {
		s.Show(map[string]any{"job": j.Id, "first": j.Checkpoint.First, "requests": j.Items, "receipts_root": hex.EncodeToString(j.Result.OutputCommitment), "receipts_uri": j.Result.OutputUri})
	}
	s.Expect("requests checkpointed", cps[0].Items+cps[1].Items, servedRequests)

	s.Say("The buyer sets the latency it saw beside what the receipts claim (verdictd session check: its receipts file keeps its own times)")
	out = s.Verdictd("session", "check", id(sh), "--key", buyerKey, "--receipts", receipts(sh))
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rep struct {
			Job    uint64 `json:"job"`
			Timing *struct {
				Requests     int    `json:"requests"`
				BuyerP99     uint32 `json:"buyer_p99_ms"`
				ClaimedP99   uint32 `json:"claimed_p99_ms"`
				Inconsistent int    `json:"inconsistent"`
			} `json:"timing"`
		}
		s.Must(json.Unmarshal([]byte(line), &rep), "session check output")
		if rep.Timing == nil {
			s.Fatalf("checkpoint job %d: no timing in %s", rep.Job, line)
		}
		s.Info("checkpoint job %d: %d requests, p99 %d ms seen by the buyer, %d ms claimed by the receipts", rep.Job, rep.Timing.Requests, rep.Timing.BuyerP99, rep.Timing.ClaimedP99)
		s.Expect(fmt.Sprintf("job %d: requests timed", rep.Job), rep.Timing.Requests, int(servedEvery))
		s.Expect(fmt.Sprintf("job %d: receipts whose times contradict the buyer's clock", rep.Job), rep.Timing.Inconsistent, 0)
	}

	s.Say("A provider that claims more requests than the buyer's vouchers cannot")
	held := s.readReceipts(sh, receipts(sh))
	last := held[len(held)-1].Receipt
	root := hex.EncodeToString(cps[1].Result.OutputCommitment)
	s.TxFail("serve-honest", "checkpointed already", "jobs", "checkpoint", id(sh), id(servedRequests), hex.EncodeToString(last.Input[:]), hex.EncodeToString(last.Voucher), root, "http://127.0.0.1/receipts")
	s.TxFail("serve-honest", "voucher", "jobs", "checkpoint", id(sh), id(servedRequests+500), hex.EncodeToString(last.Input[:]), hex.EncodeToString(last.Voucher), root, "http://127.0.0.1/receipts")
	s.Info("the buyer is done with gpu-v: it closes the session (gpu-v may still checkpoint during the %s notice; the rest of the escrow comes back after it)", jp.SessionNotice)
	s.Tx("buyer-serving", "jobs", "close-session", id(sh))

	s.Say("gpu-w's sessions: the buyer checks each checkpoint against its receipts (and the model) as soon as it is posted")
	xb0 := s.Bond(cheat)
	// one session at a time, so each check has its checkpoint's whole
	// challenge window
	serveAndCheck := func(sid uint64, n int) jobstypes.Job {
		s.Verdictd("session", "infer", id(sid), "--key", buyerKey, "--receipts", receipts(sid), "--requests", id(uint64(n)), "--seed", fmt.Sprintf("serving-%d", sid))
		var j jobstypes.Job
		s.WaitFor(fmt.Sprintf("session %d's checkpoint", sid), agentTimeout, func() bool {
			cps := s.checkpoints(sid)
			if len(cps) == 0 {
				return false
			}
			j = cps[0]
			return true
		})
		s.Info("%s", s.Verdictd(append([]string{
			"session", "check", id(sid), "--key", buyerKey, "--receipts", receipts(sid), "--model", modelPath,
			"--challenge", "--zk-keys", zk,
		}, s.txFlags("buyer-serving")...)...))
		s.WaitFor(fmt.Sprintf("job %d: its dispute settled", j.Id), agentTimeout, func() bool {
			d, ok := s.Dispute(j.Id)
			return ok && d.Status == disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST
		})
		s.Tx("buyer-serving", "jobs", "close-session", id(sid))
		return j
	}
	ej := serveAndCheck(se, servedEquivocateAt+1)
	d := s.MustDispute(ej.Id)
	s.Show(map[string]any{"job_id": d.JobId, "item": d.Item, "status": d.Status.String(), "reason": d.Resolution.Reason, "opened": d.OpenedAt, "resolved": d.Resolution.ResolvedAt})
	s.Expect("equivocation slashed in the challenge's own transaction (opened and resolved at once)", d.Resolution.ResolvedAt.Equal(d.OpenedAt), true)
	s.Expect("the contradicted request", ej.Checkpoint.First+d.Item, servedEquivocateAt)
	s.Expect(fmt.Sprintf("job %d status", ej.Id), s.Job(ej.Id).Status, jobstypes.JobStatus_JOB_STATUS_FAILED)

	wj := serveAndCheck(sw, servedWrongAt+1)
	d = s.MustDispute(wj.Id)
	s.Show(map[string]any{"job_id": d.JobId, "item": d.Item, "challenger": d.Challenger, "status": d.Status.String(), "claim": d.Resolution.Claim.String(), "reason": d.Resolution.Reason})
	s.Expect("the challenged request (its receipt carried by the challenge)", wj.Checkpoint.First+d.Item, servedWrongAt)
	s.Expect("settled by the buyer's proof of the right output", d.Resolution.Claim, disputetypes.Claim_CLAIM_COUNTER)
	s.Expect(fmt.Sprintf("job %d status", wj.Id), s.Job(wj.Id).Status, jobstypes.JobStatus_JOB_STATUS_FAILED)
	slE := disputetypes.FraudSlash(dp, xb0, s.Job(ej.Id))
	slW := disputetypes.FraudSlash(dp, xb0.Sub(slE), s.Job(wj.Id))
	rwW, rwE := disputetypes.ChallengerReward(dp, slW), disputetypes.ChallengerReward(dp, slE)
	s.Expect("gpu-w bond change (the fraud slash of each checkpoint)", s.Bond(cheat).Sub(xb0), slW.Add(slE).Neg())
	s.Info("the buyer gets both checkpoints' payments back (%s, %s), its bonds, and the challenger's share of each slash (%s, %s)",
		jobstypes.Payment(s.Job(ej.Id)), jobstypes.Payment(s.Job(wj.Id)), rwE, rwW)

	s.Say("gpu-v's checkpoints pass their windows: FINALIZED, paid; the buyer's sessions close and the rest of their escrow comes back")
	for _, j := range cps {
		s.WaitStatus(j.Id, jobstypes.JobStatus_JOB_STATUS_FINALIZED, 60*time.Second)
	}
	for _, j := range cps {
		var as slatypes.Assessment
		s.WaitFor(fmt.Sprintf("checkpoint job %d graded", j.Id), 30*time.Second, func() bool {
			var ok bool
			as, ok = s.Assessment(j.Id)
			return ok
		})
		s.Show(map[string]any{"job": j.Id, "monitor_reports": as.MonitorReports, "p99_ms": as.Aggregate.LatencyP99Ms, "jitter_ms": as.Aggregate.JitterMs, "severity_ppm": as.Severity.TotalPpm, "slashed": as.Slashed.String()})
		s.Expect(fmt.Sprintf("job %d: graded on the monitor's probes of the session", j.Id), as.MonitorReports >= 1, true)
		s.Expect(fmt.Sprintf("job %d: within the session's terms, nothing slashed", j.Id), as.Slashed.IsZero(), true)
	}
	s.WaitFor("the three sessions closed after the notice", 2*time.Minute, func() bool {
		for _, sid := range []uint64{sh, sw, se} {
			if s.Session(sid).Status != jobstypes.SessionStatus_SESSION_STATUS_CLOSED {
				return false
			}
		}
		return true
	})
	paid := math.NewInt(servedRequests * price)
	fee := jobstypes.Fee(jobstypes.Payment(s.Job(cps[0].Id)), jp.ProtocolFeeBps).Add(jobstypes.Fee(jobstypes.Payment(s.Job(cps[1].Id)), jp.ProtocolFeeBps))
	s.Expect("gpu-v balance change (10,000 requests less the fee)", s.Gross(honest).Sub(v0), paid.Sub(fee))
	s.Expect("buyer balance change over the scene (gpu-v's 10,000 requests; gpu-w's refunded; the challenger's shares)", s.Gross(buyer).Sub(b0), paid.Neg().Add(rwW).Add(rwE))
	s.ExpectPool(c0, "gpu-v's fees and the rest of gpu-w's two slashes", fee.Add(slW).Add(slE).Sub(rwW).Sub(rwE))
	s.Expect("gpu-v: session requests answered", gpuV.Metric(`verdict_agent_session_requests_total{outcome="answered"`), servedRequests)
	for _, key := range []string{"serve-honest", "serve-cheat"} {
		s.Tx(key, "jobs", "pause-provider")
	}
	s.JobsBalanced()
}

// readReceipts reads a buyer's receipts file.
func (s *S) readReceipts(sid uint64, path string) []agent.ServedRequest {
	f, err := os.Open(path)
	s.Must(err, "receipts file")
	defer func() { _ = f.Close() }()
	held, err := agent.ReadServed(f, sid)
	s.Must(err, "receipts file")
	if len(held) == 0 {
		s.Fatalf("no receipts in %s", path)
	}
	return held
}
