package keeper_test

import (
	"fmt"
	"sort"
	"time"

	"github.com/verdict-chain/verdict/testutil/zk"
	"github.com/verdict-chain/verdict/x/dispute/types"
)

// FIXED (review 7, an attack by a challenger-buyer on an honest provider):
// close() used to free the part of a dispute's slot "still ahead", computed
// from its slot as booked at opening (proof deadline − proof_window). Once
// an earlier dispute closed before its turn, the queue was compressed but
// the later disputes' booked slots were not: each later one proven at the
// declared pace was proven inside its real slot, which close() still saw
// as wholly ahead, so it freed a prove time already spent — review 6's
// double count, back after one early close. Here the challenger (the
// buyer, who knows model and input) proves the first of its 20 challenges
// itself at once (losing that one bond); the provider proves one per
// declared prove time, earliest deadline first; a second flood follows.
// It missed 5 of 39 deadlines and was slashed 50,000,000 uverd. The
// backlog is now work, not a time: the sum of the open disputes' booked
// prove times, given back exactly on close (provingSlot).
func (s *Suite) TestReview7EarlyCloseRestoresDoubleCount() {
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
	_, err = s.k.ProvingBacklog.Get(s.ctx, s.prov)
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
