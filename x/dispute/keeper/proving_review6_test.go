package keeper_test

import (
	"fmt"
	"sort"
	"time"

	"github.com/verdict-chain/verdict/testutil/zk"
	"github.com/verdict-chain/verdict/x/dispute/types"
)

// FIXED (was an attack by any challenger on an honest provider): close() frees ProveTime from the
// tail of the proving queue even when the dispute closes after its booked
// slot already elapsed (an honest proof at the pace the provider declared).
// Every on-schedule proof then takes one slot off the queue twice (time
// passed AND the subtraction), so after half of a flood is proven the queue
// reads "free now" while half is still outstanding. A second flood then gets
// deadlines as if the provider were idle. The provider proves at exactly its
// declared pace, earliest deadline first (optimal), and still misses some.
func (s *Suite) TestReview6FreedProvingTimeDoubleCountsElapsedSlots() {
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
	_, err := s.k.ProvingBacklog.Get(s.ctx, s.prov)
	s.T().Logf("after 10 of 20 proofs at the declared pace, queue entry present: %v (10 still outstanding)", err == nil)
	flood("b", 20)
	for len(pending) > 0 {
		proveNext()
	}
	s.advance(2 * time.Hour)
	slashed := bond0 - s.providerBond()
	s.T().Logf("missed deadlines: %d of 40; provider slashed %d uverd; challenger net %+d uverd", missed, slashed, s.bal(s.challenger)-c0)
	s.Equal(0, missed, "an honest provider proving at its declared pace missed deadlines")
	s.Equal(bond0, s.providerBond(), "an honest provider slashed")
}
