package demo

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"cosmossdk.io/math"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// The market lane's terms: the provider lists 100 uverd a unit, a job asks
// for 1,000 units at most 150 each and uses 800.
const (
	price    = 100
	maxPrice = 150
	units    = 1000
	used     = 800
)

// escrowOf is what a job's buyer escrowed: max price x units.
func escrowOf(j jobstypes.Job) math.Int {
	return j.MaxPricePerUnit.Amount.Mul(math.NewIntFromUint64(j.Units))
}

func u(n int64) string { return fmt.Sprintf("%d%s", n, Denom) }

func id(n uint64) string { return strconv.FormatUint(n, 10) }

// workload makes the market lane's model and inputs (an example model of
// the circuit's shape, an input per job) and returns the model's
// commitment.
type workload struct {
	model, modelC string
	scheme        string
}

func (s *S) mlpWorkload(name, shape, scheme, seed string, inputs ...string) workload {
	w := workload{model: s.File(name + ".vmdl"), scheme: scheme}
	s.Zk("", "example-model", w.model, "--shape", shape, "--seed", seed)
	for _, in := range inputs {
		s.Zk("", "example-input", s.File(name+"-input-"+in+".vten"), "--size", inputSize(shape), "--seed", seed+"-"+in)
	}
	w.modelC = s.Zk(scheme, "commit", w.model)
	return w
}

func inputSize(shape string) string {
	for i := range shape {
		if shape[i] == '-' {
			return shape[:i]
		}
	}
	return shape
}

// registerProvider registers key's provider (endpoint https://<moniker>.verdict.local:8443,
// bond 2,000,000,000 uverd, class inference) unless it is registered,
// and makes it ACTIVE.
func (s *S) registerProvider(key, moniker string, args ...string) string {
	return s.registerProviderAt(key, moniker, "https://"+moniker+".verdict.local:8443", args...)
}

func (s *S) registerProviderAt(key, moniker, endpoint string, args ...string) string {
	op := s.Addr(key)
	if _, ok := s.Provider(op); ok {
		s.Info("%s already registered (the demo ran before on this chain)", moniker)
		s.resume(key)
		return op
	}
	s.Tx(key, append([]string{
		"jobs", "register-provider", moniker, endpoint, "2000000000" + Denom,
		"--region", "eu-west", "--classes", "inference",
	}, args...)...)
	return op
}

func priceJSON(p int64, sla bool) string {
	j := fmt.Sprintf(`{"class":"WORKLOAD_CLASS_INFERENCE","max_units_per_job":"1000000","max_open_units":"100000000","price_per_unit":{"denom":"uverd","amount":"%d"}`, p)
	if sla {
		// the offer states the SLA the provider answers for: p99 100 ms,
		// jitter 10 ms, up to the full penalty scale (consent: no job may
		// ask more)
		j += `,"sla":{"p99_latency_ms":100,"jitter_ms":10,"max_slash_bps":10000}`
	}
	return j + "}"
}

// lifecycle: a provider registers, a buyer submits, the provider posts, the
// window passes, the job is FINALIZED and every balance moves as the
// protocol says.
func lifecycle(s *S) {
	v2 := s.cfg.circuitV2()
	provider, buyer := s.Addr("provider"), s.Addr("buyer")
	jp := s.JobsParams()

	s.Say("Who is who")
	s.Info("provider %s", provider)
	s.Info("buyer    %s", buyer)
	s.Info("Every transaction pays gas at the node's minimum gas price; balances below are")
	s.Info("counted gross of those fees, so every change is Verdict's own accounting.")

	s.Say("The provider registers for the %s circuit, locking a bond of 2,000,000,000 uverd", v2)
	s.marketProvider()
	p, _ := s.Provider(provider)
	s.Show(map[string]any{"operator": p.Operator, "moniker": p.Moniker, "status": p.Status.String(), "bond": p.Bond.String(), "circuit_ids": p.CircuitIds})

	w := s.mlpWorkload("market", s.cfg.ZKShape, "poseidon2", "demo", "main", "a", "b", "c")
	s.Say("The buyer submits an inference job: %d units at most %d uverd each", units, maxPrice)
	s.Info("The module escrows max price x units = %d uverd now.", maxPrice*units)
	s.Info("No provider is named, so the scheduler assigns the cheapest eligible one.")
	p0, b0, c0 := s.Gross(provider), s.Gross(buyer), s.Pool()
	in := s.Zk(w.scheme, "commit", s.File("market-input-main.vten"))
	s.Info("model commitment %s", w.modelC)
	s.Info("input commitment %s", in)
	job := s.submitMarket(w, in)
	s.Record("job", job)
	j := s.Job(job)
	s.Show(map[string]any{"id": j.Id, "status": j.Status.String(), "provider": j.Provider, "escrow": j.Escrow.String(), "price_per_unit": j.PricePerUnit.String()})
	s.Expect("job status", j.Status, jobstypes.JobStatus_JOB_STATUS_ASSIGNED)
	s.Expect("assigned provider", j.Provider, provider)
	s.Expect("buyer balance change (escrow)", s.Gross(buyer).Sub(b0), math.NewInt(-maxPrice*units))

	s.Say("The provider runs the job and posts its result: %d of %d units used", used, units)
	out := s.Zk(w.scheme, "infer", w.model, s.File("market-input-main.vten"), "--out", s.File("market-output-main.vten"))
	s.Info("output commitment %s (native inference of the model on the input)", out)
	s.Tx("provider", "jobs", "post-result", id(job), out, strconv.Itoa(used), "--output-uri", "ipfs://demo-output")
	s.Expect("job status", s.Job(job).Status, jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED)

	s.Say("Nobody challenges: waiting out the %s challenge window", jp.ChallengeWindow)
	s.WaitStatus(job, jobstypes.JobStatus_JOB_STATUS_FINALIZED, 90*time.Second)
	j = s.Job(job)
	s.Show(map[string]any{"id": j.Id, "status": j.Status.String(), "settlement": j.Settlement})

	s.Say("The money, exactly")
	pay := jobstypes.Payment(j)
	fee := jobstypes.Fee(pay, jp.ProtocolFeeBps)
	refund := math.NewInt(maxPrice * units).Sub(pay)
	s.Info("payment = price %d x units used %d = %s uverd (x/jobs Payment)", price, used, pay)
	s.Info("protocol fee = %d bps of the payment, rounded up = %s uverd -> community pool (x/jobs Fee)", jp.ProtocolFeeBps, fee)
	s.Info("provider gets %s - %s = %s uverd; buyer gets back %s of its escrow", pay, fee, pay.Sub(fee), refund)
	s.Expect("provider balance change", s.Gross(provider).Sub(p0), pay.Sub(fee))
	s.Expect("buyer balance change (escrow out, refund in)", s.Gross(buyer).Sub(b0), pay.Neg())
	s.ExpectPool(c0, "the fee", fee)

	s.Say("The module still holds exactly the open escrows plus the bonds")
	s.JobsBalanced()
}

// marketProvider registers the market lane's provider (gpu-node-1, 100
// uverd a unit, every reference circuit) unless it is, and makes it ACTIVE.
func (s *S) marketProvider() string {
	return s.registerProvider("provider", "gpu-node-1", "--circuit-ids", s.cfg.circuitV2()+","+s.cfg.circuitV1()+","+s.cfg.circuitCNN(),
		"--prices", priceJSON(price, false),
		"--hardware", `{"accelerator_model":"L4","accelerator_count":1,"memory_mb":24576}`,
		"--declared-latency-ms", "20", "--declared-bandwidth-mbps", "1000")
}

// submitMarket submits a market job for input commitment in, by the
// scheduler (no provider named), and returns its id.
func (s *S) submitMarket(w workload, in string, extra ...string) uint64 {
	r := s.Tx("buyer", append([]string{
		"jobs", "submit-job", "inference", w.modelC, in, strconv.Itoa(units), u(maxPrice), "90s",
		"--circuit-id", s.cfg.circuitV2(), "--input-uri", "ipfs://demo-input",
	}, extra...)...)
	return s.JobID(r)
}

// disputes: A, an honest provider challenged and vindicated by its proof;
// B, a wrong output that cannot be proven, slashed at the deadline; C, a
// challenger proving the correct output and winning at once.
func disputes(s *S) {
	provider, buyer, challenger := s.Addr("provider"), s.Addr("buyer"), s.Addr("challenger")
	if _, ok := s.Provider(provider); !ok { // run alone: the lifecycle scene did not register it
		s.marketProvider()
	}
	s.resume("provider")
	w := workload{model: s.File("market.vmdl"), scheme: "poseidon2"}
	if _, err := os.Stat(w.model); err != nil {
		w = s.mlpWorkload("market", s.cfg.ZKShape, "poseidon2", "demo", "main", "a", "b", "c")
	} else {
		w.modelC = s.Zk(w.scheme, "commit", w.model)
	}
	input := func(n string) string { return s.File("market-input-" + n + ".vten") }
	dp := s.DisputeParams()
	post := func(job uint64, out string) {
		s.Tx("provider", "jobs", "post-result", id(job), out, strconv.Itoa(used), "--output-uri", "ipfs://demo-output")
		s.Expect(fmt.Sprintf("job %d status", job), s.Job(job).Status, jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED)
	}
	infer := func(in string) string { return s.Zk(w.scheme, "infer", w.model, in) }

	s.Say("Dispute A: an honest provider is challenged and proves its result")
	ja := s.submitMarket(w, s.Zk(w.scheme, "commit", input("a")))
	s.Record("a", ja)
	// balances before the post (it moves no coins): the challenge follows
	// the post at once, well inside even a short challenge window
	p0, b0, x0, c0 := s.Gross(provider), s.Gross(buyer), s.Gross(challenger), s.Pool()
	post(ja, infer(input("a")))
	s.Tx("challenger", "dispute", "challenge", id(ja))
	d := s.MustDispute(ja)
	s.Info("challenge bond = max(min_challenge_bond, challenge_bond_bps x payment) = %s (x/dispute ChallengeBondFor)", d.Bond)
	s.Expect("challenge bond", d.Bond, disputetypes.ChallengeBondFor(dp, s.Job(ja)))
	s.Show(map[string]any{"job_id": d.JobId, "kind": d.Kind.String(), "status": d.Status.String(), "challenger": d.Challenger, "bond": d.Bond.String(), "proof_deadline": d.ProofDeadline})
	s.Expect(fmt.Sprintf("job %d status", ja), s.Job(ja).Status, jobstypes.JobStatus_JOB_STATUS_DISPUTED)
	proof := s.Prove("the provider", w.scheme, w.model, input("a"), ja)
	s.Tx("provider", "dispute", "submit-proof", id(ja), "provider", proof, "--gas", "600000")
	s.expectProviderWon(ja, provider, buyer, challenger, p0, b0, x0, c0)

	s.Say("Dispute B: a provider posts a wrong output, cannot prove it, and is slashed at the deadline")
	jb := s.submitMarket(w, s.Zk(w.scheme, "commit", input("b")))
	s.Record("b", jb)
	p0, b0, x0, c0 = s.Gross(provider), s.Gross(buyer), s.Gross(challenger), s.Pool()
	pb0 := s.Bond(provider)
	// the provider cuts corners: it posts the output of a different computation
	post(jb, infer(input("c")))
	s.Tx("challenger", "dispute", "challenge", id(jb))
	s.Info("the provider's best effort, a proof of the real output, does not match what it posted:")
	proof = s.Prove("the provider", w.scheme, w.model, input("b"), jb)
	s.TxFail("provider", "proof does not verify", "dispute", "submit-proof", id(jb), "provider", proof)
	s.Info("waiting out the %s proof window", dp.ProofWindow)
	s.WaitFor(fmt.Sprintf("dispute of job %d settled", jb), 90*time.Second, func() bool {
		return s.MustDispute(jb).Status != disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN
	})
	s.expectFraudSlashed(jb, provider, buyer, challenger, p0, b0, x0, pb0, c0)

	s.Say("Dispute C: the challenger proves the correct output and wins at once")
	jc := s.submitMarket(w, s.Zk(w.scheme, "commit", input("c")))
	s.Record("c", jc)
	right := infer(input("c"))
	p0, b0, x0, c0 = s.Gross(provider), s.Gross(buyer), s.Gross(challenger), s.Pool()
	pb0 = s.Bond(provider)
	post(jc, infer(input("b")))
	s.Info("the challenger re-runs the job and names the right output: %s", right)
	s.Tx("challenger", "dispute", "challenge", id(jc), "--counter-commitment", right)
	proof = s.Prove("the challenger", w.scheme, w.model, input("c"), jc)
	s.Tx("challenger", "dispute", "submit-proof", id(jc), "counter", proof, "--gas", "600000")
	s.expectFraudSlashed(jc, provider, buyer, challenger, p0, b0, x0, pb0, c0)
	s.Info("the provider steps aside (paused): it takes no more jobs in the demo")
	s.Tx("provider", "jobs", "pause-provider")
}

// resume makes key's provider ACTIVE again if a run before paused it.
func (s *S) resume(key string) {
	if p, ok := s.Provider(s.Addr(key)); ok && p.Status == jobstypes.ProviderStatus_PROVIDER_STATUS_PAUSED {
		s.Tx(key, "jobs", "resume-provider")
	}
}

// expectProviderWon checks a won dispute's money: the provider is paid
// the job less its fee plus its ProviderShare of the challenger's bond, the
// buyer gets its escrow back but the payment, the challenger loses its
// bond, the pool receives the fee and the rest of the bond.
func (s *S) expectProviderWon(job uint64, provider, buyer, challenger string, p0, b0, x0 math.Int, c0 PoolMark) {
	d := s.MustDispute(job)
	s.Show(map[string]any{"job_id": d.JobId, "status": d.Status.String(), "resolution": d.Resolution})
	s.Expect("dispute status", d.Status, disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON)
	j := s.Job(job)
	s.Expect(fmt.Sprintf("job %d status", job), j.Status, jobstypes.JobStatus_JOB_STATUS_FINALIZED)
	dp := s.DisputeParams()
	pay := jobstypes.Payment(j)
	fee := jobstypes.Fee(pay, s.JobsParams().ProtocolFeeBps)
	top := disputetypes.ProviderShare(dp, d.Bond.Amount)
	s.Info("provider: payment %s - fee %s + %d bps of the bond (%s, x/dispute ProviderShare)", pay, fee, dp.RewardShareBps, top)
	s.Expect("provider balance change", s.Gross(provider).Sub(p0), pay.Sub(fee).Add(top))
	s.Expect("buyer balance change (escrow back but the payment)", s.Gross(buyer).Sub(b0), escrowOf(j).Sub(pay))
	s.Expect("challenger balance change (bond lost)", s.Gross(challenger).Sub(x0), d.Bond.Amount.Neg())
	s.ExpectPool(c0, "fee + rest of the bond", fee.Add(d.Bond.Amount).Sub(top))
}

// expectFraudSlashed checks a lost dispute's money: the provider's bond
// loses the job's FraudSlash, the challenger gets its bond back and its
// ChallengerReward, the buyer its whole escrow, the pool the rest.
func (s *S) expectFraudSlashed(job uint64, provider, buyer, challenger string, p0, b0, x0, pb0 math.Int, c0 PoolMark) {
	d := s.MustDispute(job)
	s.Show(map[string]any{"job_id": d.JobId, "status": d.Status.String(), "resolution": d.Resolution})
	s.Expect("dispute status", d.Status, disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST)
	j := s.Job(job)
	s.Expect(fmt.Sprintf("job %d status", job), j.Status, jobstypes.JobStatus_JOB_STATUS_FAILED)
	dp := s.DisputeParams()
	sl := disputetypes.FraudSlash(dp, pb0, j)
	rw := disputetypes.ChallengerReward(dp, sl)
	s.Info("slash = %s (x/dispute FraudSlash: fraud_slash_multiple x the job's agreed payment, at most %d bps of the bond %s); challenger reward = %d bps of it = %s",
		sl, dp.FraudSlashBps, pb0, dp.ChallengerRewardBps, rw)
	s.Expect("provider bond change", s.Bond(provider).Sub(pb0), sl.Neg())
	if !p0.IsNil() {
		s.Expect("provider balance change", s.Gross(provider).Sub(p0), math.ZeroInt())
	}
	s.Expect("buyer balance change (refunded in full)", s.Gross(buyer).Sub(b0), escrowOf(j))
	s.Expect("challenger balance change (bond back + reward)", s.Gross(challenger).Sub(x0), rw)
	s.ExpectPool(c0, "rest of the slash", sl.Sub(rw))
}
