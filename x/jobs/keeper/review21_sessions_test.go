package keeper_test

import (
	"time"

	"cosmossdk.io/collections"

	"github.com/verdict-chain/verdict/x/jobs/keeper"
	"github.com/verdict-chain/verdict/x/jobs/types"
)

// Review 21: attacks on the capacity serving sessions now hold.

// TestReview21IdleSessionsLockCapacityForFree: since review 20 an open
// session holds its provider's capacity (OpenUnits) for every request it
// has not checkpointed, until it closes. A session that is never used costs
// its buyer nothing: the whole escrow comes back at the close or the expiry
// (no fee, unlike cancelling an assigned job of the same size, which pays
// the provider cancel_fee_bps), and it may last max_session_duration. So a
// competing provider (here prov2, 40% dearer) could, through a sybil buyer,
// fill the cheap provider's capacity with idle sessions and take the
// market at its price.
//
// Decided remedy (not a fee): the provider whose capacity is held ends the
// hold at once and at no cost to anyone with MsgCloseSession, and the
// provider agent does so for any session idle for --session-idle (10 min
// by default; agent TestSessionIdleStopped). A fee on idle sessions paid to
// the provider would pay a provider that refuses to answer (the chain
// cannot tell an idle buyer from a provider that does not answer); a fee
// to the pool pays nobody harmed. So holding a provider's capacity costs
// the attacker a transaction per provider and per idle period, while the
// provider loses at most an idle period of routing. This test shows the
// close gives the market back at once.
func (s *KeeperSuite) TestReview21IdleSessionsLockCapacityForFree() {
	s.registerCapped() // prov1: 100 uverd/unit, at most 10,000 units a job, 15,000 open
	s.register(s.prov2, 140)

	// the attacker's sybil (stranger) fills prov1's capacity with two idle sessions
	a := s.openMsg()
	a.Buyer, a.Duration = s.stranger.String(), 30*24*time.Hour // 1,000 x 10 = 10,000 units
	ra, err := s.msg.OpenSession(s.ctx, a)
	s.Require().NoError(err)
	b := s.openMsg()
	b.Buyer, b.Duration, b.MaxRequests = s.stranger.String(), 30*24*time.Hour, 500 // 5,000 units
	rb, err := s.msg.OpenSession(s.ctx, b)
	s.Require().NoError(err)
	s.Equal(uint64(15_000), s.openUnits(), "prov1's whole capacity is held by sessions nobody uses")

	// past the decline window, while they hold it, an honest job goes to the dearer provider
	s.advance(3 * time.Minute)
	res, err := s.msg.SubmitJob(s.ctx, s.submitMsg())
	s.Require().NoError(err)
	s.Equal(s.prov2.String(), s.job(res.JobId).Provider)
	s.Require().NoError(s.post(s.prov2, res.JobId, 1000))

	// prov1 closes the idle sessions (its agent does after --session-idle): at once, free
	p1 := s.bal(s.prov1)
	for _, id := range []uint64{ra.SessionId, rb.SessionId} {
		_, err := s.msg.CloseSession(s.ctx, &types.MsgCloseSession{Signer: s.prov1.String(), SessionId: id})
		s.Require().NoError(err)
	}
	s.Zero(s.openUnits(), "the capacity is back")
	s.Equal(p1, s.bal(s.prov1), "closing an idle session costs its provider nothing")
	res, err = s.msg.SubmitJob(s.ctx, s.submitMsg())
	s.Require().NoError(err)
	s.Equal(s.prov1.String(), s.job(res.JobId).Provider, "the cheap provider takes the market back")
	s.Equal(coin(100), s.job(res.JobId).PricePerUnit)
}

// TestReview21InPlaceUpgradeStrandsOpenSessions (an upgrade path, not an
// attack): review 20 gave OpenUnits a new meaning (jobs' units plus the
// unclaimed units of every open session). A chain upgraded in place kept
// its open sessions with nothing reserved for them: from the first block
// after the upgrade their checkpoints and closes would release units never
// taken (ErrAccounting, or other jobs' units), and an expiry that fails is
// dead-lettered with the buyer's escrow locked. FIXED: x/jobs is at
// consensus version 2 and its migration from 1 (Migrator.Migrate1to2,
// registered in RegisterServices) adds each open session's reservation.
// The state below is what the previous version left: the session, no
// reservation; the migration restores it and the session lives on.
func (s *KeeperSuite) TestReview21InPlaceUpgradeStrandsOpenSessions() {
	s.registerCapped()
	s.submit() // a job of the same provider and class: its units must stay its own
	closed := s.open()
	_, err := s.msg.CloseSession(s.ctx, &types.MsgCloseSession{Signer: s.prov1.String(), SessionId: closed})
	s.Require().NoError(err)
	id := s.open()
	key := collections.Join(s.prov1, int32(types.WorkloadClass_WORKLOAD_CLASS_INFERENCE))
	s.Equal(uint64(11_000), s.openUnits(), "the job's 1,000 and the open session's 10,000")
	s.Require().NoError(s.k.OpenUnits.Set(s.ctx, key, 1_000)) // what version 1 counted
	s.Error(s.k.CheckIndexes(s.ctx), "version 1's count is wrong under version 2's meaning")

	s.Require().NoError(keeper.NewMigrator(s.k).Migrate1to2(s.ctx))
	s.Equal(uint64(11_000), s.openUnits(), "the open session's reservation is back; the closed one holds nothing")
	s.Require().NoError(s.k.CheckIndexes(s.ctx))

	_, err = s.checkpoint(s.prov1, voucher(id, 300, 5))
	s.Require().NoError(err, "the provider checkpoints what it served before the upgrade")
	s.advance(24*time.Hour + time.Second) // the session's expiry
	s.Equal(types.SessionStatus_SESSION_STATUS_CLOSED, s.session(id).Status, "its expiry closes it")
	s.True(s.session(id).Escrow.IsZero(), "the buyer's unused escrow went back")
	s.Zero(s.openUnits())
}
