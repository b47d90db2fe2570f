package keeper_test

import (
	"time"

	"github.com/verdict-chain/verdict/x/dispute/types"
)

// r3tick makes the next block d later (BeginBlock, then both EndBlocks).
func (s *Suite) r3tick(d time.Duration) {
	s.setBlock(s.ctx.BlockTime().Add(d), s.ctx.BlockHeight()+1)
	s.Require().NoError(s.jobs.BeginBlocker(s.ctx))
	s.endBlock()
}

// FIXED (was an attack with a 4× pace factor; honest but unlucky, the halt
// timer): how slow the chain must be for a real halt to eat the whole
// one-hour proof window. After a few hours of 16-minute blocks (live: a
// transaction lands in each) the pace is ~16 min and the threshold now
// ~48 min (it was ~63). A challenger challenges an HONEST result in the
// block before a 62-minute halt: the halt is credited and the proof sent
// in the first block after it wins.
func (s *Suite) TestReview3SlowChainThenHaltSlashesAnHonestProvider() {
	s.r3tick(5 * time.Second)
	for range 40 {
		s.r3tick(16 * time.Minute)
	}
	id, kj := s.jobWithResult("slow-honest", false)
	s.challenge(id, nil)
	s.endBlock()
	bond0 := s.providerBond()
	s.setBlock(s.ctx.BlockTime().Add(62*time.Minute), s.ctx.BlockHeight()+1)
	s.Require().NoError(s.jobs.BeginBlocker(s.ctx))
	_, err := s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.NoError(err, "the proof in the first block after a 62-minute halt")
	s.endBlock()
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, s.dispute(id).Status)
	s.Equal(bond0, s.providerBond(), "an honest provider slashed")
}
