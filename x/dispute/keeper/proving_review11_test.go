package keeper_test

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/verdict-chain/verdict/testutil/zk"
	"github.com/verdict-chain/verdict/x/dispute/types"
)

// r11open is a dispute an honest provider has to answer, with the prove
// time it takes to answer it.
type r11open struct {
	id uint64
	kj zk.Job
	T  time.Duration
}

// r11liveDeadline is a dispute's deadline as it stands now (later by every
// halt since it was set).
func (s *Suite) r11liveDeadline(id uint64) time.Time {
	d := s.dispute(id)
	credit, err := s.jobs.HaltCredit(s.ctx)
	s.Require().NoError(err)
	if credit > d.HaltCredit {
		return d.ProofDeadline.Add(credit - d.HaltCredit)
	}
	return d.ProofDeadline
}

// r11proveEDF runs the honest provider from busyFrom on (its prover is
// busy until then): every dispute in pending is already open; it proves
// them one after another, earliest live deadline first, each taking its
// own T, each landing 1 s after it is ready (no BeginBlock: the gaps are
// not halts). A dispute someone else closed before its turn is skipped. It
// returns how many it could not get accepted.
func (s *Suite) r11proveEDF(busyFrom time.Time, pending []r11open) int {
	busy, missed := busyFrom, 0
	for len(pending) > 0 {
		sort.SliceStable(pending, func(i, j int) bool {
			return s.r11liveDeadline(pending[i].id).Before(s.r11liveDeadline(pending[j].id))
		})
		o := pending[0]
		pending = pending[1:]
		if s.dispute(o.id).Status != types.DisputeStatus_DISPUTE_STATUS_OPEN {
			if s.dispute(o.id).Status == types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST {
				missed++
			}
			continue
		}
		busy = busy.Add(o.T)
		s.setBlock(busy.Add(time.Second), s.ctx.BlockHeight()+1)
		if s.dispute(o.id).Status != types.DisputeStatus_DISPUTE_STATUS_OPEN {
			missed++
		} else if _, err := s.submitProof(s.prov, o.id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), o.kj, o.id)); err != nil {
			s.T().Logf("job %d: proof ready at %s, due %s: %v", o.id, busy, s.r11liveDeadline(o.id), err)
			missed++
		}
		s.endBlock()
	}
	s.advance(2 * time.Hour)
	return missed
}

func (s *Suite) r11setWindow(w time.Duration) types.Params {
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.ProofWindow = w
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().NoError(err)
	return p
}

// PASS (the attack fails). Strategy 1 (a challenger-buyer against an honest provider; mixed prove
// times). The provider has results booked at 10 min and at 1 min. The
// challenger opens a 10-minute dispute (the provider starts proving it),
// then one block later opens five 1-minute disputes, closes the 10-minute
// one with the provider's own proof (the wasted proof keeps the provider
// busy), and opens three more 10-minute disputes. The honest provider
// proves earliest deadline first. proof_window 1 min (valid: the margin).
func (s *Suite) TestReview11MixedProveTimesClosedInProgressThenFlood() {
	const long, short = 10 * time.Minute, time.Minute
	s.r11setWindow(time.Minute)
	s.declareProving(long)
	var L, S []r11open
	for i := range 4 {
		id, kj := s.jobWithResult(fmt.Sprintf("r11-mix-L%d", i), false)
		L = append(L, r11open{id, kj, long})
	}
	s.declareProving(short)
	for i := range 5 {
		id, kj := s.jobWithResult(fmt.Sprintf("r11-mix-S%d", i), false)
		S = append(S, r11open{id, kj, short})
	}
	bond0, c0 := s.providerBond(), s.bal(s.challenger)
	t0 := s.ctx.BlockTime()
	s.challenge(L[0].id, nil) // the provider starts proving it now
	s.endBlock()
	s.setBlock(t0.Add(5*time.Second), s.ctx.BlockHeight()+1)
	for _, o := range S {
		s.challenge(o.id, nil)
	}
	_, err := s.submitProof(s.challenger, L[0].id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), L[0].kj, L[0].id))
	s.Require().NoError(err)
	for _, o := range L[1:] {
		s.challenge(o.id, nil)
	}
	// and the first short one is closed too, before the provider reaches it
	_, err = s.submitProof(s.challenger, S[0].id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), S[0].kj, S[0].id))
	s.Require().NoError(err)
	last, kjl := s.jobWithResult("r11-mix-last", false) // booked at 1 min
	s.challenge(last, nil)
	s.endBlock()
	pending := append(append([]r11open{}, S[1:]...), L[1:]...)
	pending = append(pending, r11open{last, kjl, short})
	missed := s.r11proveEDF(t0.Add(long), pending) // the wasted proof of L0 runs to t0+10m
	slashed := bond0 - s.providerBond()
	s.T().Logf("mixed prove times, in-progress dispute closed by the challenger: missed %d of %d; slashed %d; challenger net %+d",
		missed, len(pending), slashed, s.bal(s.challenger)-c0)
	s.Equal(0, missed, "an honest provider missed deadlines")
	s.Equal(int64(0), slashed)
}

// PASS (the attack fails). Strategy 2 (a challenger timing a halt). Four 10-minute disputes open;
// the chain halts 25 min (the provider keeps proving: two proofs ready,
// the third under way); in the first block after it the proposer puts the
// provider's two proofs first and then a second flood of four. Deadlines
// of the first flood stood later by the halt, busy_until did not move.
func (s *Suite) TestReview11HaltBetweenFloods() {
	const T = 10 * time.Minute
	for range 10 {
		s.r3tick(5 * time.Second)
	}
	s.r11setWindow(time.Minute)
	s.declareProving(T)
	var A, B []r11open
	for i := range 4 {
		id, kj := s.jobWithResult(fmt.Sprintf("r11-halt-A%d", i), false)
		A = append(A, r11open{id, kj, T})
		id, kj = s.jobWithResult(fmt.Sprintf("r11-halt-B%d", i), false)
		B = append(B, r11open{id, kj, T})
	}
	s.endBlock()
	s.r3tick(5 * time.Second)
	bond0 := s.providerBond()
	t0 := s.ctx.BlockTime()
	for _, o := range A {
		s.challenge(o.id, nil)
	}
	s.endBlock()
	// halt: the next block is 25 minutes later
	s.setBlock(t0.Add(25*time.Minute), s.ctx.BlockHeight()+1)
	s.Require().NoError(s.jobs.BeginBlocker(s.ctx))
	credit, err := s.jobs.HaltCredit(s.ctx)
	s.Require().NoError(err)
	s.T().Logf("halt credit %s", credit)
	for _, o := range A[:2] {
		_, err := s.submitProof(s.prov, o.id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), o.kj, o.id))
		s.Require().NoError(err)
	}
	for _, o := range B {
		s.challenge(o.id, nil)
	}
	s.endBlock()
	// A[2] has been under way since t0+20m
	missed := s.r11proveEDF(t0.Add(2*T), append(append([]r11open{}, A[2:]...), B...))
	s.T().Logf("halt between floods: missed %d of 6; slashed %d", missed, bond0-s.providerBond())
	s.Equal(0, missed, "an honest provider missed deadlines")
	s.Equal(bond0, s.providerBond())
}

// FIXED. Before: 40 of 100 missed, the provider slashed 400,000,000
// uverd, the flooder +140,000,000 uverd. default_prove_time is x/jobs'
// now and frozen in each result when posted, like a declaration.
// Strategy 3 (governance, then any challenger; the review-10 freeze, for
// a provider relying on default_prove_time). A result posted while the
// provider declared nothing is frozen with prove_time 0 ("the default"),
// and the default is read when a dispute opens. The provider proves at
// 1 min (the default when it posted 100 results). Governance lowers
// default_prove_time to 1 s; a challenger floods the 100 results in one
// block: deadlines 1 h + k s, the provider has the k-th at k min (+1 s):
// it misses every k >= 62, and each miss pays the flooder half a
// 10,000,000 slash while each won dispute costs it a 1,000,000 bond.
func (s *Suite) TestReview11DefaultProveTimeLoweredAfterPost() {
	const T = time.Minute
	const n = 100
	missed, slashed, flooder := s.r10flood("r11-default", n, T, func() {
		jp := s.jobsParams()
		jp.DefaultProveTime = time.Second
		s.setJobsParams(jp)
	})
	s.T().Logf("default_prove_time lowered after the results were posted: missed %d of %d; provider slashed %d uverd; flooder net %+d uverd", missed, n, slashed, flooder)
	s.Equal(0, missed, "an honest provider missed deadlines of results posted under the default it relied on")
	s.Equal(int64(0), slashed, "an honest provider slashed")
}

// FIXED. Before: the dispute was due 1733-09-22, lapsed in its own block
// and the honest provider was slashed 10,000,000 uverd. backlogAt clamps
// sunk_until - now to jobstypes.MaxProveTime (never more on a running
// chain), so the sum cannot overflow.
// Strategy 4 (genesis): a backlog entry's busy_until and sunk_until are
// not checked by Validate. Far in the future (year 9999, a valid
// Timestamp) and next to open work, open_work + (sunk_until - now)
// overflows (Sub saturates at the largest Duration) and the backlog is
// negative: the next dispute of the provider is due centuries ago and
// lapses in the same block's EndBlock; the honest provider is slashed.
func (s *Suite) TestReview11GenesisFarFutureBacklogOverflows() {
	a, kja := s.jobWithResult("r11-far-a", false)
	b, kjb := s.jobWithResult("r11-far-b", false)
	s.challenge(a, nil)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().Len(gs.ProvingBacklogs, 1)
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	gs.ProvingBacklogs[0].BusyUntil, gs.ProvingBacklogs[0].SunkUntil = far, far
	if err := gs.Validate(s.ac); err != nil {
		s.T().Logf("refused: %v", err)
		_, err = s.submitProof(s.prov, a, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kja, a))
		s.Require().NoError(err)
		return
	}
	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().NoError(s.r10reimport(*jobsGS, *gs))
	bond0 := s.providerBond()
	now := s.ctx.BlockTime()
	d := s.challenge(b, nil)
	s.T().Logf("dispute opened %s, due %s", now, d.ProofDeadline)
	s.endBlock()
	s.setBlock(now.Add(2*time.Minute), s.ctx.BlockHeight()+1)
	_, errA := s.submitProof(s.prov, a, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kja, a))
	_, errB := s.submitProof(s.prov, b, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kjb, b))
	s.endBlock()
	s.T().Logf("provider slashed %d uverd", bond0-s.providerBond())
	s.NoError(errA)
	s.True(d.ProofDeadline.After(now), "a dispute due before it opened")
	s.NoError(errB, "the honest provider's proof two minutes after the challenge")
	s.Equal(bond0, s.providerBond(), "an honest provider slashed")
}

// FIXED. Before: the fraud was due 876,001 h (100 years) after it was
// challenged. With the clamp of strategy 4 a far-future entry adds at
// most one prove time (1 h) to its provider's deadlines.
// Strategy 5 (genesis, a fraudulent provider): an entry with nothing open
// (open_work 0 passes Validate) and busy_until = sunk_until 100 years out:
// every dispute of the provider is due a century later (a fraud is never
// slashed, the buyer never refunded), and the entry is never removed (no
// dispute of it is ever pruned while it is not idle).
func (s *Suite) TestReview11GenesisFarFutureBacklogStretchesFraud() {
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().Empty(gs.ProvingBacklogs)
	later := s.ctx.BlockTime().Add(100 * 365 * 24 * time.Hour)
	gs.ProvingBacklogs = append(gs.ProvingBacklogs, types.ProvingBacklog{Provider: s.prov.String(), BusyUntil: later, SunkUntil: later})
	if err := gs.Validate(s.ac); err != nil {
		s.T().Logf("refused: %v", err)
		return
	}
	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().NoError(s.r10reimport(*jobsGS, *gs))
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	fraud, _ := s.jobWithResult("r11-stretch", true)
	now := s.ctx.BlockTime()
	d := s.challenge(fraud, nil)
	s.T().Logf("fraud challenged at %s, due %s (%s later)", now, d.ProofDeadline, d.ProofDeadline.Sub(now))
	s.LessOrEqual(d.ProofDeadline.Sub(now), d.ProveTime+p.ProofWindow+time.Hour, "a provider with nothing open got a dispute due decades away")
}

// FIXED. Before: due 1733-09-22, the honest provider slashed 10,000,000
// uverd (the old now + proof_window overflowed the same way).
// proof_window is at most 30 days (types.MaxProofWindow).
// Strategy 6 (governance param): proof_window has no upper bound. At a
// window near the largest Duration, now + backlog + prove + window
// overflows and the dispute is due before it opened: the honest provider
// is slashed in the same block.
func (s *Suite) TestReview11HugeProofWindowOverflowsDeadline() {
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.ProofWindow = time.Duration(math.MaxInt64 - int64(30*time.Second))
	if _, err := s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p}); err != nil {
		s.T().Logf("refused: %v", err)
		return
	}
	id, kj := s.jobWithResult("r11-window", false)
	bond0 := s.providerBond()
	now := s.ctx.BlockTime()
	d := s.challenge(id, nil)
	s.T().Logf("opened %s, due %s", now, d.ProofDeadline)
	s.endBlock()
	s.setBlock(now.Add(2*time.Minute), s.ctx.BlockHeight()+1)
	_, err = s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.endBlock()
	s.T().Logf("provider slashed %d uverd", bond0-s.providerBond())
	s.True(d.ProofDeadline.After(now), "a dispute due before it opened")
	s.NoError(err, "the honest provider's proof")
	s.Equal(bond0, s.providerBond(), "an honest provider slashed")
}

// FIXED. Before: the next dispute was due 1h19m after opening instead of
// 1h10m. SubmitProof stores the submitter's canonical spelling.
// Strategy 7 (a provider stretching its own next deadline): ownProof
// compares the submitter string with the dispute's provider; the same
// account spelled upper-case (bech32 accepts it, and it signs the same)
// is not "the provider's own proof", so its close leaves the provider
// "sunk" for a whole prove time. A provider that proves faster than it
// declared (10 min declared, proven in 1 min) pushes the next dispute of
// it (its own fraud, say) back by the rest of its busy_until for nothing.
func (s *Suite) TestReview11UpperCaseOwnProofCountsAsSunk() {
	const T = 10 * time.Minute
	s.declareProving(T)
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	honest, kj := s.jobWithResult("r11-upper-honest", false)
	fraud, _ := s.jobWithResult("r11-upper-fraud", true)
	s.challenge(honest, nil)
	s.advance(time.Minute)
	_, err = s.msg.SubmitProof(s.ctx, &types.MsgSubmitProof{Submitter: strings.ToUpper(s.prov.String()), JobId: honest, Claim: types.Claim_CLAIM_PROVIDER, Proof: s.kit.Prove(s.T(), kj, honest)})
	s.Require().NoError(err)
	now := s.ctx.BlockTime()
	d := s.challenge(fraud, nil)
	s.T().Logf("after an own proof spelled upper-case, the next dispute is due %s after it opened (own proof spelled canonically: %s)", d.ProofDeadline.Sub(now), T+p.ProofWindow)
	s.Equal(now.Add(T+p.ProofWindow), d.ProofDeadline, "the provider's own proof, spelled upper-case, stretched its next deadline")
}
