package econsim_test

import (
	"fmt"
	"time"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	forwardstypes "github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
)

var (
	terms = jobstypes.SLATerms{MaxP99LatencyMs: 200, MaxJitterMs: 20, CompletionTime: 40 * time.Second, MaxSlashBps: 10_000}
	offer = jobstypes.SLAOffer{P99LatencyMs: 150, JitterMs: 15, MaxSlashBps: 10_000}
	harsh = jobstypes.SLATerms{MaxP99LatencyMs: 1, MaxJitterMs: 1, MaxSlashBps: 10_000}
)

func coin(n int64) sdk.Coin { return sdk.NewInt64Coin(denom, n) }

func (s *sim) addr(name string) string { return s.acct[name].addr.String() }

// setup registers the providers (block 2), then attests the TEE pretender
// (block 3, binding block 2's hash).
func (s *sim) setup() {
	var txs []tx
	sized := func(price int64, min time.Duration, sla *jobstypes.SLAOffer) jobstypes.ClassPrice {
		return jobstypes.ClassPrice{Class: inference, PricePerUnit: coin(price), MinTimeLimit: min, Sla: sla, MaxUnitsPerJob: 1_500, MaxOpenUnits: 100_000}
	}
	ringOffer := jobstypes.SLAOffer{P99LatencyMs: 1, JitterMs: 1, MaxSlashBps: 1} // terms only the ring's buyer asks for
	flaky := sized(105, time.Minute, &offer)
	flaky.MaxUnitsPerJob, flaky.MaxOpenUnits = 1_000, 5_000
	for _, p := range []struct {
		name  string
		offer jobstypes.ClassPrice
	}{
		{honest1, sized(100, 20*time.Second, &offer)},
		{honest2, sized(110, 20*time.Second, &offer)},
		{lazy, sized(80, 20*time.Second, &offer)},
		{slow, sized(85, 20*time.Second, &offer)},
		{sybilProv, sized(1_000, 20*time.Second, &offer)},
		{ringProv1, sized(5_000, 20*time.Second, &ringOffer)},
		{ringProv2, sized(5_000, 20*time.Second, &ringOffer)},
		{deadbeat, sized(200, 20*time.Second, nil)},
		{pretender, sized(100, 20*time.Second, nil)},
		{intermittent, flaky},
		{renewer, sized(95, 20*time.Second, &offer)},
		{prover, sized(155, 20*time.Second, &offer)},
		{partial50, batchOffer()},
		{partial90, batchOffer()},
		{partial99, batchOffer()},
		{servingCheat, servingOffer()},
	} {
		txs = append(txs, tx{from: p.name, msg: &jobstypes.MsgRegisterProvider{
			Operator: s.addr(p.name), Moniker: p.name, Endpoint: "https://" + p.name + ".example", Region: "eu",
			Classes: []jobstypes.WorkloadClass{inference}, CircuitIds: []string{circuitID},
			Prices: []jobstypes.ClassPrice{p.offer},
			Bond:   coin(bond), DeclaredLatencyMs: 20, DeclaredBandwidthMbps: 1000, Proving: proving(p.name),
			ServingKey: servingPub(p.name),
		}})
	}
	for i, r := range s.block(txs, nil) {
		require.Zero(s.t, r.Code, "%s: %s", txs[i].from, r.Log)
	}
	r := s.block([]tx{{from: pretender, msg: s.attestation(pretender)}}, nil)
	require.Zero(s.t, r[0].Code, "attestation: %s", r[0].Log)
}

// submitJob is a job submission; the scheduler picks unless direct is set.
func (s *sim) submitJob(from string, units uint64, limit time.Duration, sla *jobstypes.SLATerms, direct string, maxPrice int64) tx {
	kj := s.kjobs[s.rng.IntN(len(s.kjobs))]
	msg := &jobstypes.MsgSubmitJob{
		Buyer: s.addr(from), Class: inference, ModelCommitment: kj.ModelC, InputCommitment: kj.InputC, CircuitId: circuitID,
		Units: units, MaxPricePerUnit: coin(maxPrice), TimeLimit: limit, Sla: sla, Provider: direct,
	}
	return tx{from: from, msg: msg, note: fmt.Sprintf("%d", s.rng.IntN(len(s.kjobs)))}
}

// proving is what a provider declares about its proving time: only the
// honest prover declares one (the others get the chain's default).
func proving(name string) []jobstypes.ProvingTime {
	if name == prover {
		return proverDeclares
	}
	return nil
}

// step builds one block's transactions from every actor's strategy.
func (s *sim) step() []tx {
	ctx := s.queryCtx()
	busy := map[string]bool{}
	var txs []tx
	add := func(x tx) {
		if !busy[x.from] {
			busy[x.from] = true
			txs = append(txs, x)
		}
	}
	// provider agents batch their results and proofs into one tx per block
	batches := map[string][]sdk.Msg{}
	var batchOrder []string
	agent := func(from string, m sdk.Msg) {
		if batches[from] == nil {
			batchOrder = append(batchOrder, from)
		}
		batches[from] = append(batches[from], m)
	}
	// Providers answer disputes first (a proof before the deadline), then
	// post results.
	for _, id := range s.order {
		ji := s.jobs[id]
		j, err := s.a.JobsKeeper.GetJob(ctx, id)
		if err != nil {
			continue
		}
		switch j.Status {
		case jobstypes.JobStatus_JOB_STATUS_DISPUTED:
			if ji.batch != nil {
				if m := s.batchProof(ji); m != nil {
					agent(s.byAddr[ji.provider], m)
				}
				continue
			}
			if ji.proved || ji.wrong || !s.mayProve(ji) {
				continue // a wrong output cannot be proven; the honest prover keeps its pace
			}
			s.proofsMade++
			ji.proved = true
			agent(s.byAddr[ji.provider], proofMsg(s, ji))
		case jobstypes.JobStatus_JOB_STATUS_ASSIGNED:
			ji.provider = j.Provider // an open job someone accepted
			if ji.posted || s.height < ji.postAt || !s.willPost(s.byAddr[ji.provider]) {
				continue
			}
			agent(s.byAddr[ji.provider], s.postMsg(ji, j))
		case jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED:
			// the monitor measures SLA jobs: honest and lazy providers serve
			// within terms, the slow one does not
			if ji.sla && !ji.reported && !busy[monitor] {
				m := slatypes.SLAMetrics{LatencyP50Ms: 40, LatencyP99Ms: 120, JitterMs: 8, ThroughputMeanMilli: 20_000, CompletedPpm: 1_000_000, Window: 30 * time.Second}
				if ji.provider == s.addr(slow) {
					m.LatencyP99Ms, m.JitterMs, m.CompletedPpm = 320, 30, 800_000
				}
				ji.reported = true
				add(tx{from: monitor, msg: &slatypes.MsgSubmitReport{Reporter: s.addr(monitor), JobId: id, Metrics: m}})
			}
			// the griefing challenger challenges honest results
			if (ji.provider == s.addr(honest1) || ji.provider == s.addr(honest2)) && !busy[griefer] && s.rng.IntN(40) == 0 {
				add(tx{from: griefer, msg: &disputetypes.MsgChallenge{Challenger: s.addr(griefer), JobId: id}})
			}
			// the greedy buyer files a false report on its own honest job
			if ji.buyer == s.addr(greedy) && ji.sla && !busy[greedy] {
				add(tx{from: greedy, msg: &slatypes.MsgSubmitReport{
					Reporter: s.addr(greedy), JobId: id,
					Metrics: slatypes.SLAMetrics{LatencyP99Ms: 5_000, JitterMs: 500, CompletedPpm: 0, Window: time.Second},
				}})
			}
		case jobstypes.JobStatus_JOB_STATUS_FINALIZED:
			// a late report, long after the job closed
			if ji.buyer == s.addr(greedy) && ji.sla && !busy[greedy] && s.rng.IntN(4) == 0 {
				add(tx{from: greedy, msg: &slatypes.MsgSubmitReport{
					Reporter: s.addr(greedy), JobId: id,
					Metrics: slatypes.SLAMetrics{CompletedPpm: 0, Window: time.Second},
				}})
			}
		}
	}
	s.round2(ctx, add, agent)
	s.round3(ctx, add)
	s.round4(ctx, add)
	s.round5(ctx, add)
	for _, from := range batchOrder {
		busy[from] = true
		txs = append(txs, tx{from: from, batch: batches[from]})
	}
	// The spammer: an invalid proof on an open dispute, or a tiny job.
	if !busy[spammer] {
		var disputed []uint64
		for _, id := range s.order {
			// single jobs (garbage batch evidence: x/dispute's
			// TestReview12MalformedEvidenceNoPanic); round 4 then leaves
			// the other strategies' random draws as they were
			if s.jobs[id].batch != nil {
				continue
			}
			if j, err := s.a.JobsKeeper.GetJob(ctx, id); err == nil && j.Status == jobstypes.JobStatus_JOB_STATUS_DISPUTED {
				disputed = append(disputed, id)
			}
		}
		if len(disputed) > 0 && s.rng.IntN(2) == 0 {
			garbage := make([]byte, 196)
			for i := range garbage {
				garbage[i] = byte(s.rng.IntN(256))
			}
			add(tx{from: spammer, msg: &disputetypes.MsgSubmitProof{Submitter: s.addr(spammer), JobId: disputed[s.rng.IntN(len(disputed))], Claim: disputetypes.Claim_CLAIM_PROVIDER, Proof: garbage}})
		} else {
			add(s.submitJob(spammer, 1, time.Minute, nil, "", 150))
		}
	}
	// The honest buyer: a job with SLA terms half the time.
	if !busy[buyer] && s.rng.IntN(2) == 0 {
		t := terms
		add(s.submitJob(buyer, 1_000, 90*time.Second, &t, "", 150))
	}
	// The greedy buyer: tight limits, harsh terms, direct orders.
	if !busy[greedy] && s.rng.IntN(3) == 0 {
		switch s.rng.IntN(3) {
		case 0:
			add(s.submitJob(greedy, 1_000, 3*time.Second, nil, s.addr(honest1), 150)) // below every floor
		case 1:
			h := harsh
			add(s.submitJob(greedy, 1_000, time.Minute, &h, s.addr(honest1), 150)) // terms never agreed
		default:
			t := terms
			add(s.submitJob(greedy, 1_000, 90*time.Second, &t, s.addr(honest1), 150)) // a fair direct order
		}
	}
	// The sybil pair: 1-unit direct orders to itself, results posted at once.
	if !busy[sybilBuyer] && s.rng.IntN(2) == 0 {
		add(s.submitJob(sybilBuyer, 1, time.Minute, nil, s.addr(sybilProv), 1_000))
	}
	return txs
}

// postMsg is a provider agent's result for an assigned job: the output of
// the job's model, or a wrong one when the lazy provider decided so.
func (s *sim) postMsg(ji *jobInfo, j jobstypes.Job) sdk.Msg {
	if ji.batch != nil {
		return s.postBatchMsg(ji, j)
	}
	out := ji.kj.OutputC
	if ji.wrong {
		out = make([]byte, 32)
		out[31] = byte(1 + j.Id%200) // a canonical field element that is not the output
	}
	ji.posted = true
	return &jobstypes.MsgPostResult{
		Provider: ji.provider, JobId: j.Id, OutputCommitment: out, UnitsUsed: j.Units,
		Metrics: jobstypes.Metrics{LatencyP50Ms: 40, LatencyP99Ms: 120, JitterMs: 8, ThroughputMilli: 20_000},
	}
}

// record learns the jobs the block created (ids from the Msg responses).
func (s *sim) record(txs []tx, results []*abciResult) {
	for i, r := range results {
		s.recordBatch(txs[i], r)
		if pj, ok := txs[i].msg.(*forwardstypes.MsgSubmitPositionJob); ok {
			s.recordPositionJob(txs[i].from, pj, r)
			continue
		}
		switch txs[i].msg.(type) {
		case *disputetypes.MsgChallenge: // the jobs a challenger bonded against
			if r.code == 0 {
				s.jobsOf[txs[i].from]++
			}
		case *disputetypes.MsgSubmitProof: // a spammer's garbage proof
			if txs[i].from == spammer {
				s.jobsOf[spammer]++
			}
		}
		sub, ok := txs[i].msg.(*jobstypes.MsgSubmitJob)
		if !ok || r.code != 0 {
			continue
		}
		id := r.jobID
		j, err := s.a.JobsKeeper.GetJob(s.queryCtx(), id)
		require.NoError(s.t, err)
		ji := &jobInfo{id: id, buyer: sub.Buyer, provider: j.Provider, sla: sub.Sla != nil}
		for _, kj := range s.kjobs {
			if string(kj.ModelC) == string(sub.ModelCommitment) && string(kj.InputC) == string(sub.InputCommitment) {
				ji.kj = kj
			}
		}
		ji.postAt = s.height + 1
		if sub.Items > 1 {
			ji.batch = s.newBatch(j.Provider)
			if name := s.byAddr[j.Provider]; partialWrong[name] > 0 {
				s.expectPartial(j, name, partialWrong[name])
			}
		}
		switch j.Provider {
		case s.addr(lazy):
			ji.wrong = s.rng.IntN(10) < 3
			if ji.wrong {
				s.lazyWrong++
				s.expectLazy(j)
			}
		case s.addr(slow):
			switch s.rng.IntN(5) {
			case 0, 1: // late: past the completion time, before the deadline
				ji.postAt = s.height + 25
			case 2: // never
				ji.postAt = 1 << 60
			}
		}
		if j.Provider != "" {
			s.jobsOf[s.byAddr[j.Provider]]++
		}
		s.jobsOf[s.byAddr[sub.Buyer]]++
		s.jobs[id] = ji
		s.order = append(s.order, id)
	}
}

// expectLazy adds one wrong result's expected value for the lazy provider:
// it keeps the payment unless audited (probability p, raised to the
// deterrence floor), and an audit it cannot answer costs the fraud slash
// and the payment.
func (s *sim) expectLazy(j jobstypes.Job) {
	ctx := s.queryCtx()
	dp, err := s.a.DisputeKeeper.Params.Get(ctx)
	require.NoError(s.t, err)
	prov, err := s.a.JobsKeeper.GetProvider(ctx, s.acct[lazy].addr)
	require.NoError(s.t, err)
	payment := j.PricePerUnit.Amount.Mul(math.NewIntFromUint64(j.Units))
	weight, err := s.a.ReputationKeeper.AuditWeightPPM(ctx, j)
	require.NoError(s.t, err)
	p := uint64(dp.AuditRatePpm) * uint64(weight) / disputetypes.MaxPpm
	slash := disputetypes.FraudSlash(dp, prov.Bond.Amount, j)
	p = max(p, uint64(disputetypes.DeterrenceRatePPM(dp, payment, slash)))
	p = min(p, disputetypes.MaxPpm)
	loss := slash.Add(payment).MulRaw(int64(p)).QuoRaw(disputetypes.MaxPpm)
	s.lazyEV = s.lazyEV.Add(payment).Sub(loss)
}

// check runs after every block: each module account holds exactly what its
// records say, and no coin was created or destroyed.
func (s *sim) check() {
	ctx := s.queryCtx()
	require.NoError(s.t, s.a.JobsKeeper.CheckAccounting(ctx), "x/jobs at height %d", s.height)
	require.NoError(s.t, s.a.JobsKeeper.CheckIndexes(ctx), "x/jobs indexes at height %d", s.height)
	require.NoError(s.t, s.a.DisputeKeeper.CheckAccounting(ctx), "x/dispute at height %d", s.height)
	require.True(s.t, s.supply.Equal(s.a.BankKeeper.GetSupply(ctx, denom).Amount), "supply changed at height %d", s.height)
}

// wealth is an account's balance plus its bond.
func (s *sim) wealth(name string) int64 {
	ctx := s.queryCtx()
	w := s.a.BankKeeper.GetBalance(ctx, s.acct[name].addr, denom).Amount.Int64()
	if p, err := s.a.JobsKeeper.GetProvider(ctx, s.acct[name].addr); err == nil {
		w += p.Bond.Amount.Int64()
	}
	return w
}
