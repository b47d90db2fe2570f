package keeper_test

import (
	"fmt"
	"time"

	"github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// r8tinyJob: a 1-unit job from the suite's buyer to the suite's provider,
// with the true output posted (payment = price × 1 = 100 uverd).
func (s *Suite) r8tinyJob(seed string) uint64 {
	kj := s.kit.NewJob(s.T(), seed)
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		ModelCommitment: kj.ModelC, InputCommitment: kj.InputC, InputUri: "ipfs://in", CircuitId: circuitID,
		Units: 1, MaxPricePerUnit: coin(150), TimeLimit: time.Hour,
	})
	s.Require().NoError(err)
	_, err = s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: s.prov.String(), JobId: res.JobId, OutputCommitment: kj.OutputC, UnitsUsed: 1})
	s.Require().NoError(err)
	return res.JobId
}

// FIXED (review 8, a params edge case): a first fix made max_prove_time <=
// proof_window a params rule and gave a dispute proof_window in front of
// its own proof. At equality the provider's proof, made at its declared
// pace from the instant the challenge landed, was ready exactly at the
// deadline (which is exclusive) and refused: slashed 10,000,000 uverd. The
// window is now a margin on top of the dispute's own prove time, whatever
// the two are: here a one-minute window against a ten-minute proof.
func (s *Suite) TestReview8ProveTimeEqualToWindowCannotBeMet() {
	const T = 10 * time.Minute
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.ProofWindow = time.Minute
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().NoError(err, "a window shorter than a declared proof is valid")
	s.declareProving(T)

	id, kj := s.jobWithResult("r8-equal", false)
	bond0 := s.providerBond()
	opened := s.ctx.BlockTime()
	d := s.challenge(id, nil)
	s.Require().Equal(opened.Add(T+p.ProofWindow), d.ProofDeadline)
	// the honest provider starts proving at once and finishes at its
	// declared pace; its proof lands a few blocks later
	s.setBlock(opened.Add(T+30*time.Second), s.ctx.BlockHeight()+1)
	_, err = s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.endBlock()
	s.advance(time.Minute)
	s.NoError(err, "an honest proof made at the declared pace was refused")
	s.Equal(bond0, s.providerBond(), "an honest provider slashed")
}

// FIXED (review 8, governance params edge case): the booked prove time was
// min(declared, x/dispute's max_prove_time), while x/jobs accepted any
// declaration up to 1 h. A provider that declared 10 minutes was counted at
// 1 minute after governance lowered max_prove_time to 1 minute; a
// challenger flooding 10 of its honest results got deadlines 60..69
// minutes out, the provider proving at its declared pace missed 4
// (slashed 40,000,000 uverd, the flooder +14,000,000). The same happened
// without governance to a provider declaring more than the cap. The
// chain now counts what the provider declared, in full; the bound moved
// to x/jobs (max_prove_time), checked when a provider declares, so
// lowering it binds later declarations only.
func (s *Suite) TestReview8LoweredMaxProveTimeUndercountsDeclaredPace() {
	const T = 10 * time.Minute
	s.declareProving(T)
	jp := s.jobsParams()
	jp.MaxProveTime = time.Minute // governance lowers the bound after the declaration
	jp.DefaultProveTime = time.Minute
	s.setJobsParams(jp)

	const n = 10
	ids := make([]uint64, n)
	type open struct {
		id uint64
		d  time.Time
	}
	var pend []open
	proofs := map[uint64]func() []byte{}
	for i := range n {
		id, kj := s.jobWithResult(fmt.Sprintf("r8-gov-%d", i), false)
		ids[i] = id
		proofs[id] = func() []byte { return s.kit.Prove(s.T(), kj, id) }
	}
	bond0, c0 := s.providerBond(), s.bal(s.challenger)
	for _, id := range ids {
		d := s.challenge(id, nil)
		pend = append(pend, open{id, d.ProofDeadline}) // already in deadline order
	}
	missed := 0
	for _, o := range pend {
		s.advance(T)
		if s.dispute(o.id).Status != types.DisputeStatus_DISPUTE_STATUS_OPEN {
			missed++
			continue
		}
		if _, err := s.submitProof(s.prov, o.id, types.Claim_CLAIM_PROVIDER, proofs[o.id]()); err != nil {
			missed++
		}
	}
	s.advance(2 * time.Hour)
	slashed := bond0 - s.providerBond()
	s.T().Logf("declared %s: missed %d of %d deadlines; provider slashed %d uverd; flooder net %+d uverd",
		T, missed, n, slashed, s.bal(s.challenger)-c0)
	s.Equal(0, missed, "an honest provider proving at its declared (accepted) pace missed deadlines")
	s.Equal(int64(0), slashed, "an honest provider slashed")
}

// FIXED (review 8, a fraudulent provider delaying its honest challengers;
// a regression of the first backlog design, open work alone). The backlog no longer drains with the
// clock: an OPEN dispute holds its booked prove_time for its whole life,
// and a dispute the provider never answers lives backlog + proof_window.
// So disputes the provider lets lapse snowball: each one opened while
// others are open lives longer, keeping the next ones open longer still.
//
// Strategy: provider F (declares 10 min = max_prove_time; window 1 h)
// with a sybil buyer and a sybil challenger opens one 1-unit self-job
// (100 uverd) and challenges it every 10 minutes — one per declared prove
// time, i.e. no more work than F could prove — and never proves any. Each
// lapses: F is slashed 100 × 100 = 10,000 uverd, 5,000 of it back to its
// sybil challenger; the sybil buyer's escrow is refunded and the sybil's
// 1,000,000 bond returned; the coalition's loss is 5,000 uverd per 10 min
// (50 uverd at a 1-uverd price) plus gas. Under the old time-based queue
// the same stream kept "next free" at most one prove time ahead (a new
// challenge due within proof_window + 10 min). Under the backlog the open
// self-disputes pile up (~35 after a day, ~100 after a week, ~200 after a
// month in a simulation), and an honest challenger of F's real fraud gets a
// deadline that far out: its bond, its reward and the buyer's refund wait
// hours to days, growing without bound for a constant cost per hour
// (measured below: 35 open, deadline 6 h 50 min after one day; 97 open,
// 17 h 10 min after a week, for a loss of 4,555,000 uverd and 97,000,000
// uverd of sybil bonds locked, all returned). The delay binds a challenger
// that cannot prove the right output itself (a monitor without the model
// or input, or one unwilling to spend the proving); the buyer's refund
// waits with it. The backlog is now also bounded by busy_until − now (the
// work a provider proving without pause still has): lapsing disputes do
// not hold time the provider is not spending on them.
func (s *Suite) TestReview8LapsingSelfChallengesSnowballTheBacklog() {
	const T = 10 * time.Minute
	s.declareProving(T)
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	sybil := s.stranger // F's own challenger account
	// every coin the coalition loses goes to the community pool (the suite
	// charges no gas); bonds and escrows still locked are not losses
	pool0 := s.pool()
	var oldFree time.Time // what the old ProverQueue would hold under the same stream
	const steps = 6 * 24  // one day
	for i := range steps {
		id := s.r8tinyJob(fmt.Sprintf("r8-lapse-%d", i))
		_, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: sybil.String(), JobId: id})
		s.Require().NoError(err)
		now := s.ctx.BlockTime()
		if oldFree.Before(now) {
			oldFree = now
		}
		oldFree = oldFree.Add(T)
		s.advance(T)
	}
	// F posts a wrong result on a real job; an honest challenger catches it
	fraud, _ := s.jobWithResult("r8-fraud", true)
	now := s.ctx.BlockTime()
	oldBacklog := max(oldFree.Sub(now), 0)
	d := s.challenge(fraud, nil)
	b, err := s.k.ProvingBacklog.Get(s.ctx, s.prov)
	s.Require().NoError(err)
	backlog := b.OpenWork
	wait := d.ProofDeadline.Sub(now)
	s.T().Logf("after %d lapsing self-challenges (one per %s): %d open, open work %s; honest challenger's deadline in %s (old queue: %s); coalition loss %d uverd plus gas; sybil bonds locked %d uverd",
		steps, T, backlog/T-1, backlog-T, wait, oldBacklog+T+p.ProofWindow, s.pool()-pool0, (backlog/T-1)*1_000_000)
	s.LessOrEqual(wait, p.ProofWindow+2*T, "a stream of lapsing self-challenges at the declared pace delays an honest challenger beyond proof_window + the prove time in progress + its own")
}
