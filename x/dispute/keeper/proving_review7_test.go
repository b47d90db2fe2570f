package keeper_test

import (
	"fmt"
	"sort"
	"time"

	"github.com/verdict-chain/verdict/testutil/zk"
	"github.com/verdict-chain/verdict/x/dispute/types"
)

// Review 7 (attack by a challenger-buyer on an honest provider): close()
// frees unspentSlot computed from the dispute's slot as booked at opening
// (ProofDeadline - proof_window). But once any earlier dispute is closed
// before its turn, the queue is compressed by its prove time while the later
// disputes' recorded slots are not moved: each later dispute proven at the
// declared pace is proven inside its *effective* slot, which close() still
// sees as wholly ahead, so it frees a full prove time that was already spent
// — the double count TestReview6FreedProvingTimeDoubleCountsElapsedSlots
// fixed, back after one early close. Here the challenger (the buyer, who
// knows model and input) proves the first of its 20 challenges itself at
// once (losing that one bond); the provider then proves one per declared
// prove time, earliest deadline first, and still misses deadlines of a
// second flood and is slashed.
//
// OPEN: found at the end of a session, not yet fixed. The fix needs each
// open dispute's booked slot to move with the queue (or a per-provider sum
// of unfinished proving work) instead of ProofDeadline - proof_window; it
// is a state change (genesis carries it), not a last-minute patch. Remove
// the Skip with the fix.
func (s *Suite) TestReview7EarlyCloseRestoresDoubleCount() {
	s.T().Skip("OPEN finding (review 7): an early close re-opens the proving-slot double count; see the comment above")
	const T = 10 * time.Minute // declared (= max_prove_time)
	s.declareProving(T)
	type open struct {
		id       uint64
		kj       zk.Job
		deadline time.Time
	}
	var pending []open
	flood := func(tag string, n int) {
		for i := range n {
			id, kj := s.jobWithResult(fmt.Sprintf("%s-%d", tag, i), false)
			d := s.challenge(id, nil)
			pending = append(pending, open{id, kj, d.ProofDeadline})
		}
	}
	bond0, c0 := s.providerBond(), s.bal(s.challenger)
	flood("a", 20)
	// the attacker closes its first challenge at once with the true proof
	first := pending[0]
	pending = pending[1:]
	_, err := s.submitProof(s.challenger, first.id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), first.kj, first.id))
	s.Require().NoError(err)
	missed := 0
	proveNext := func() {
		s.advance(T)
		sort.SliceStable(pending, func(i, j int) bool { return pending[i].deadline.Before(pending[j].deadline) })
		for len(pending) > 0 {
			o := pending[0]
			pending = pending[1:]
			if s.dispute(o.id).Status != types.DisputeStatus_DISPUTE_STATUS_OPEN {
				missed++
				continue
			}
			_, err := s.submitProof(s.prov, o.id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), o.kj, o.id))
			if err != nil {
				missed++
				continue
			}
			return
		}
	}
	for range 10 {
		proveNext()
	}
	_, err = s.k.ProverQueue.Get(s.ctx, s.prov)
	s.T().Logf("after 1 early close and 10 proofs at the declared pace, queue entry present: %v (%d still outstanding)", err == nil, len(pending))
	flood("b", 20)
	for len(pending) > 0 {
		proveNext()
	}
	s.advance(2 * time.Hour)
	slashed := bond0 - s.providerBond()
	s.T().Logf("missed deadlines: %d of 39; provider slashed %d uverd; challenger net %+d uverd", missed, slashed, s.bal(s.challenger)-c0)
	s.Equal(0, missed, "an honest provider proving at its declared pace missed deadlines")
	s.Equal(bond0, s.providerBond(), "an honest provider slashed")
}
