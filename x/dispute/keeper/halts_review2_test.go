package keeper_test

import (
	"fmt"
	"time"

	"github.com/verdict-chain/verdict/testutil/zk"
	"github.com/verdict-chain/verdict/x/dispute/types"
)

// ATTACK (provider, with sybil challengers): proving reservations are never
// released when a dispute resolves early. The provider has six of its own
// results challenged (sybil challengers) and proves them all at once; its
// proving queue still reads "busy for an hour". An honest challenger's
// dispute of a WRONG result opened a minute later gets proof_window plus
// 59 minutes of backlog nobody is proving: the buyer's refund and the
// challenger's reward wait for phantom work (and the queue can be inflated
// without bound, 10 min per sybil challenge). The entry also stays in the
// store after every dispute closed.
func (s *Suite) TestReview2ProvingReservationsOutliveTheirDisputes() {
	s.declareProving(10 * time.Minute) // max_prove_time
	const n = 6
	ids := make([]uint64, n)
	kjs := make([]zk.Job, n)
	for i := range n {
		ids[i], kjs[i] = s.jobWithResult(fmt.Sprintf("sybil-%d", i), false)
	}
	for _, id := range ids {
		s.challenge(id, nil)
	}
	for i, id := range ids {
		_, err := s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kjs[i], id))
		s.Require().NoError(err)
	}
	s.advance(time.Minute)
	fraud, _ := s.jobWithResult("fraud", true)
	d := s.challenge(fraud, nil)
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	s.Equal(s.ctx.BlockTime().Add(10*time.Minute+p.ProofWindow), d.ProofDeadline, "nothing is being proven: the honest challenge should get its own proof and the window, nothing more")
	// let everything resolve
	s.advance(3 * time.Hour)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, s.dispute(fraud).Status)
	s.advance(3 * time.Hour)
	_, err = s.k.ProvingBacklog.Get(s.ctx, s.prov)
	s.Error(err, "every dispute closed: no proving-queue entry should remain")
}

// ATTACK (validators / slow network): blocks that keep coming every 31 s
// (max_block_gap 30 s by default) are a live chain, yet each gap counts
// whole as a halt: a provider that posted a WRONG result and never proves
// is never slashed; the buyer is never refunded.
func (s *Suite) TestReview2SlowLiveBlocksNeverSlashAFraud() {
	tick := func(d time.Duration) {
		s.setBlock(s.ctx.BlockTime().Add(d), s.ctx.BlockHeight()+1)
		s.Require().NoError(s.jobs.BeginBlocker(s.ctx))
	}
	tick(5 * time.Second)
	lazy, _ := s.jobWithResult("slow-lazy", true)
	s.challenge(lazy, nil)
	s.endBlock()
	start := s.ctx.BlockTime()
	for s.ctx.BlockTime().Sub(start) < 4*time.Hour {
		tick(31 * time.Second)
		s.endBlock()
	}
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, s.dispute(lazy).Status,
		"a one-hour proof window still open after four hours of live blocks")
}

// HOLDS? a halt between opening and the deadline moves it exactly once
// even when the deadline entry fires twice (re-pushed), and the provider
// that proves in the first block after the halt wins; the entry is not
// orphaned.
func (s *Suite) TestReview2HaltedDeadlineRepushedOnce() {
	tick := func(d time.Duration) {
		s.setBlock(s.ctx.BlockTime().Add(d), s.ctx.BlockHeight()+1)
		s.Require().NoError(s.jobs.BeginBlocker(s.ctx))
	}
	tick(5 * time.Second)
	id, kj := s.jobWithResult("rp", false)
	d := s.challenge(id, nil)
	s.endBlock()
	for s.ctx.BlockTime().Add(10 * time.Second).Before(d.ProofDeadline) {
		tick(10 * time.Second)
		s.endBlock()
	}
	left := d.ProofDeadline.Sub(s.ctx.BlockTime())
	tick(2 * time.Minute) // a halt across the deadline
	s.endBlock()
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_OPEN, s.dispute(id).Status)
	dl, err := s.k.DeadlineQueue.Has(s.ctx, d.ProofDeadline.Add(2*time.Minute), id)
	s.Require().NoError(err)
	s.True(dl, "re-pushed at the deadline plus the halt")
	s.Equal(d.ProofDeadline.Add(2*time.Minute), s.dispute(id).ProofDeadline)
	s.Equal(left, s.dispute(id).ProofDeadline.Sub(s.ctx.BlockTime()), "the live time left is kept")
	tick(5 * time.Second)
	_, err = s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.Require().NoError(err)
	s.endBlock()
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, s.dispute(id).Status)
	n := 0
	s.Require().NoError(s.k.DeadlineQueue.WalkAll(s.ctx, func(time.Time, uint64) (bool, error) { n++; return false, nil }))
	s.Zero(n)
}
