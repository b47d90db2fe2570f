package econsim_test

import (
	"crypto/ed25519"
	"time"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/testutil/snpsim"
	attesttypes "github.com/verdict-chain/verdict/x/attest/types"
	forwardstypes "github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// The second round's strategies (the economic-safety issue, round two),
// played at once with the first round's:
//
//   - a wash-trading sybil ring: two providers whose SLA offer only the
//     ring's buyer asks for, fed scheduler jobs at 50x the market to push
//     the spot index;
//   - a forward buyer that draws jobs its seller never consented to
//     (shorter than its minimum, larger than its largest job, another
//     circuit) hoping to book them as the seller's faults;
//   - a seller that sells forward cheaply and never delivers;
//   - a TEE pretender: attested, takes require_tee jobs and posts results
//     its enclave did not sign (it runs them elsewhere);
//   - a monitor that buys jobs and reports them dead;
//   - a whale buyer sending an offline provider orders of 10⁸ units, and
//     orders within its size while it is down;
//   - a decline-renewer: holds jobs to the end of their decline window,
//     hands them back and tries to take them again.
//
// The intermittent provider the whale targets is honest, offline 30 s of
// every minute, and keeps what it earns.

var teeImage = func() [48]byte { var m [48]byte; copy(m[:], "verdict econsim image"); return m }()

// willPost tells whether a provider's agent posts the results of its
// assigned jobs this block.
func (s *sim) willPost(name string) bool {
	switch name {
	case deadbeat, renewer:
		return false
	case intermittent:
		return s.online()
	}
	return true
}

// online: the intermittent provider is down for the first 15 blocks (30 s)
// of every 60.
func (s *sim) online() bool { return s.height%60 >= 15 }

// attestation is an SEV-SNP report for op from the test-only chain the
// genesis trusts, binding the last block and op's enclave key.
func (s *sim) attestation(op string) *attesttypes.MsgRegisterAttestation {
	ctx := s.queryCtx()
	height := uint64(s.height)
	hash, err := s.a.AttestKeeper.Nonces.Get(ctx, height)
	if err != nil {
		s.t.Fatalf("no nonce at %d: %v", height, err)
	}
	pub := ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey)
	report, err := s.snp.Report(snpsim.ReportOptions{ReportData: attesttypes.ReportData("verdict-econ", s.acct[op].addr, hash, pub), Measurement: teeImage})
	if err != nil {
		s.t.Fatal(err)
	}
	return &attesttypes.MsgRegisterAttestation{
		Operator: s.addr(op), TeeType: attesttypes.TeeType_TEE_TYPE_SEV_SNP, Evidence: report, Vcek: s.snp.VcekDER(),
		NonceHeight: height, EnclavePubkey: pub,
	}
}

// epoch is how often sellers offer a new delivery window.
const epoch = 100

// openPositions are owner's open positions whose window is running.
func (s *sim) openPositions(ctx sdk.Context, owner string) []forwardstypes.Position {
	var out []forwardstypes.Position
	rng := collections.NewPrefixedPairRange[sdk.AccAddress, uint64](s.acct[owner].addr)
	err := s.a.ForwardsKeeper.PositionsByOwner.Walk(ctx, rng, func(key collections.Pair[sdk.AccAddress, uint64]) (bool, error) {
		p, err := s.a.ForwardsKeeper.PositionAsOf(ctx, key.K2()) // its window end as halts moved it
		if err == nil && p.Status == forwardstypes.PositionStatus_POSITION_STATUS_OPEN &&
			!s.now.Before(p.Series.WindowStart) && s.now.Add(40*time.Second).Before(p.WindowEnd) {
			out = append(out, p)
		}
		return false, nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

func (s *sim) drawMsg(owner string, pos uint64, units uint64, limit time.Duration, circuit string) *forwardstypes.MsgSubmitPositionJob {
	kj := s.kjobs[s.rng.IntN(len(s.kjobs))]
	return &forwardstypes.MsgSubmitPositionJob{
		Owner: s.addr(owner), PositionId: pos, Units: units, ModelCommitment: kj.ModelC, InputCommitment: kj.InputC,
		CircuitId: circuit, TimeLimit: limit,
	}
}

// round2 adds the second round's transactions to the block being built.
func (s *sim) round2(ctx sdk.Context, add func(tx), agent func(string, sdk.Msg)) {
	// forwards: each epoch the deadbeat offers a window cheaply (90) and
	// the honest provider 2 at 95; the honest buyer takes the cheap one,
	// the greedy forward buyer the honest seller's
	switch s.height % epoch {
	case 3:
		se := s.seriesOf(3)
		add(tx{from: deadbeat, msg: &forwardstypes.MsgPlaceOrder{Owner: s.addr(deadbeat), Series: se, Side: forwardstypes.Side_SIDE_SELL, PricePerUnit: coin(90), Units: 200}})
		agent(honest2, &forwardstypes.MsgPlaceOrder{Owner: s.addr(honest2), Series: se, Side: forwardstypes.Side_SIDE_SELL, PricePerUnit: coin(95), Units: 2_000})
	case 4:
		add(tx{from: buyer, msg: &forwardstypes.MsgPlaceOrder{Owner: s.addr(buyer), Series: s.seriesOf(3), Side: forwardstypes.Side_SIDE_BUY, PricePerUnit: coin(90), Units: 200}})
		add(tx{from: fwdGreedy, msg: &forwardstypes.MsgPlaceOrder{Owner: s.addr(fwdGreedy), Series: s.seriesOf(3), Side: forwardstypes.Side_SIDE_BUY, PricePerUnit: coin(95), Units: 2_000}})
	}
	// the honest buyer draws everything it bought, in valid jobs, on its
	// (the deadbeat's) position
	if s.height%5 == 0 {
		for _, p := range s.openPositions(ctx, buyer) {
			if n := min(forwardsAvailable(p), 40); n >= 10 {
				add(tx{from: buyer, msg: s.drawMsg(buyer, p.Id, n, 30*time.Second, "")})
				break
			}
		}
	}
	// the greedy forward buyer: draws outside what its seller consented
	// to, and now and then a fair one
	if s.height%5 == 0 {
		if ps := s.openPositions(ctx, fwdGreedy); len(ps) > 0 { // its first position
			p := ps[0]
			var m *forwardstypes.MsgSubmitPositionJob
			switch (s.height / 5) % 4 {
			case 0:
				m = s.drawMsg(fwdGreedy, p.Id, 10, 10*time.Second, "") // under the seller's 20 s minimum
			case 1:
				m = s.drawMsg(fwdGreedy, p.Id, 1_600, 30*time.Second, "") // over its 1,500 units a job
			case 2:
				m = s.drawMsg(fwdGreedy, p.Id, 10, 30*time.Second, "mlp-64-64-10") // a circuit it never offered
			default:
				m = s.drawMsg(fwdGreedy, p.Id, 10, 30*time.Second, circuitID) // a fair one, served
			}
			add(tx{from: fwdGreedy, msg: m})
		}
	}
	// the ring washes scheduler jobs at 5,000 a unit through its sybils
	if s.height%3 == 0 {
		steer := jobstypes.SLATerms{MaxP99LatencyMs: 1, MaxJitterMs: 1, MaxSlashBps: 1}
		add(s.submitJob(ringBuyer, 100, time.Minute, &steer, "", 5_000))
	}
	// the honest buyer also wants TEE jobs now and then: only the pretender
	// is attested
	if s.height%11 == 0 {
		kj := s.kjobs[s.rng.IntN(len(s.kjobs))]
		add(tx{from: buyer, msg: &jobstypes.MsgSubmitJob{
			Buyer: s.addr(buyer), Class: inference, ModelCommitment: kj.ModelC, InputCommitment: kj.InputC, CircuitId: circuitID,
			Units: 100, MaxPricePerUnit: coin(150), TimeLimit: time.Minute, RequireTee: true,
		}})
	}
	// the monitor-buyer: SLA jobs, then a dead report on each
	if s.height%7 == 0 {
		t := terms
		add(s.submitJob(monitorBuyer, 1_000, 90*time.Second, &t, "", 150))
	}
	// the whale: a 10⁸-unit order, or one within size while the provider
	// is down
	if s.height%4 == 0 {
		t := jobstypes.SLATerms{MaxP99LatencyMs: 200, CompletionTime: time.Minute, MaxSlashBps: 10_000}
		units := uint64(100_000_000)
		if (s.height/4)%2 == 1 || !s.online() {
			units = 1_000
		}
		add(s.submitJob(whale, units, time.Minute, &t, s.addr(intermittent), 150))
	}
	for _, id := range s.order {
		ji := s.jobs[id]
		j, err := s.a.JobsKeeper.GetJob(ctx, id)
		if err != nil {
			continue
		}
		switch {
		case j.Status == jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED && ji.buyer == s.addr(monitorBuyer) && !ji.reported:
			ji.reported = true
			add(tx{from: monitorBuyer, msg: &slatypes.MsgSubmitReport{
				Reporter: s.addr(monitorBuyer), JobId: id,
				Metrics: slatypes.SLAMetrics{LatencyP99Ms: 5_000, JitterMs: 500, CompletedPpm: 0, Window: time.Minute},
			}})
		case j.Status == jobstypes.JobStatus_JOB_STATUS_ASSIGNED && j.Provider == s.addr(renewer) && !ji.declined &&
			!s.now.Add(2*blockTime).Before(j.DeclineUntil):
			// the last block of the window: hand it back
			ji.declined = true
			add(tx{from: renewer, msg: &jobstypes.MsgDeclineJob{Provider: s.addr(renewer), JobId: id}})
		case j.Status == jobstypes.JobStatus_JOB_STATUS_SUBMITTED && ji.declined && !ji.retook:
			// and take it again, to restart the window: refused
			ji.retook = true
			add(tx{from: renewer, msg: &jobstypes.MsgAcceptJob{Provider: s.addr(renewer), JobId: id}})
		case j.Status == jobstypes.JobStatus_JOB_STATUS_SUBMITTED && j.Contract == nil:
			// honest provider 1 takes open jobs it may take
			if p, err := s.a.JobsKeeper.GetProvider(ctx, s.acct[honest1].addr); err == nil && s.a.JobsKeeper.CheckEligible(ctx, p, j) == nil && !ji.accepted {
				ji.accepted = true
				ji.postAt = s.height + 2
				agent(honest1, &jobstypes.MsgAcceptJob{Provider: s.addr(honest1), JobId: id})
			}
		}
	}
}

// seriesOf is the series offered at block offset off of this epoch.
func (s *sim) seriesOf(off int64) forwardstypes.Series {
	at := s.now.Add(-time.Duration(s.height%epoch-off) * blockTime)
	start := at.Add(time.Minute).Truncate(time.Minute).Add(time.Minute)
	return forwardstypes.Series{Class: inference, WindowStart: start, WindowLength: 2 * time.Minute}
}

func forwardsAvailable(p forwardstypes.Position) uint64 {
	return p.Units - p.Delivered - p.Fault - p.InFlight
}

// recordPositionJob counts a draw (refused or not) and follows the job it
// made.
func (s *sim) recordPositionJob(from string, m *forwardstypes.MsgSubmitPositionJob, r *abciResult) {
	s.jobsOf[from]++
	if r.code != 0 || r.jobID == 0 {
		return
	}
	j, err := s.a.JobsKeeper.GetJob(s.queryCtx(), r.jobID)
	if err != nil {
		s.t.Fatal(err)
	}
	ji := &jobInfo{id: j.Id, buyer: m.Owner, provider: j.Provider, postAt: s.height + 1}
	for _, kj := range s.kjobs {
		if string(kj.ModelC) == string(m.ModelCommitment) && string(kj.InputC) == string(m.InputCommitment) {
			ji.kj = kj
		}
	}
	s.jobsOf[s.byAddr[j.Provider]]++
	s.jobs[j.Id] = ji
	s.order = append(s.order, j.Id)
}
