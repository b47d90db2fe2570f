package keeper_test

import (
	"time"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// Review 20: attacks on serving sessions.

// registerCapped registers prov1 with a serving key and an offer of at most
// 10,000 units a job and 15,000 open: one session of 1,000 requests x 10
// units fits, two do not.
func (s *KeeperSuite) registerCapped() {
	s.enableSessions()
	m := registerMsg(s.prov1, 100)
	m.ServingKey, _ = edKey("serving " + s.prov1.String())
	m.Prices[0].MaxUnitsPerJob = 10_000
	m.Prices[0].MaxOpenUnits = 15_000
	_, err := s.msg.RegisterProvider(s.ctx, m)
	s.Require().NoError(err)
}

func (s *KeeperSuite) openUnits() uint64 {
	u, err := s.k.OpenUnitsOf(s.ctx, s.prov1, types.WorkloadClass_WORKLOAD_CLASS_INFERENCE)
	s.Require().NoError(err)
	return u
}

// Rule 9 (consent covers size and capacity): an open session was checked
// against the offer's max_open_units as one job of all its units but
// reserved nothing, so a buyer (or its sybils) could bind a provider to
// sessions whose units together exceed the capacity it consented to. Now a
// session holds its unclaimed units until it closes.
func (s *KeeperSuite) TestReview20SessionsOverCapacity() {
	s.registerCapped()
	id := s.open() // 1000 requests x 10 units = 10,000 units
	s.Equal(uint64(10_000), s.openUnits(), "the session holds the capacity it was checked against")

	// a second session, by the same buyer or a sybil: 20,000 units against 15,000
	second := s.openMsg()
	second.Buyer = s.stranger.String()
	_, err := s.msg.OpenSession(s.ctx, second)
	s.Require().ErrorIs(err, types.ErrNotEligible, "two sessions of 10,000 units each against max_open_units 15,000")
	// nor a job that does not fit beside it
	j := s.submitMsg()
	j.Units = 5_001
	res, err := s.msg.SubmitJob(s.ctx, j)
	if err == nil {
		s.Empty(res.Provider, "a 5,001-unit job beside a 10,000-unit session exceeds 15,000: not assigned")
	}
	s.Equal(uint64(10_000), s.openUnits())

	// a checkpoint moves its units from the session to its job: the total is unchanged
	c, err := s.checkpoint(s.prov1, voucher(id, 300, 5))
	s.Require().NoError(err)
	s.Equal(uint64(10_000), s.openUnits(), "3,000 units in the checkpoint's job, 7,000 still reserved")
	s.NoError(s.k.CheckIndexes(s.ctx))

	// the buyer closes; at the end of the notice the reservation goes and only the open checkpoint holds capacity
	_, err = s.msg.CloseSession(s.ctx, &types.MsgCloseSession{Signer: s.buyer.String(), SessionId: id})
	s.Require().NoError(err)
	s.advance(types.DefaultParams().SessionNotice)
	s.Equal(types.SessionStatus_SESSION_STATUS_CLOSED, s.session(id).Status)
	if s.job(c).Status == types.JobStatus_JOB_STATUS_RESULT_POSTED {
		s.Equal(uint64(3_000), s.openUnits(), "the checkpoint's job, still in its window")
	}
	s.advance(time.Hour + time.Second)
	s.Equal(types.JobStatus_JOB_STATUS_FINALIZED, s.job(c).Status)
	s.Zero(s.openUnits(), "nothing held once the session closed and its checkpoint settled")

	// the capacity is free again: a new session fits
	_, err = s.msg.OpenSession(s.ctx, second)
	s.Require().NoError(err)
}

// Every way a session ends gives back exactly what it still held: a
// decline, the provider's close, an expiry after a partial checkpoint.
func (s *KeeperSuite) TestReview20SessionEndsReleaseCapacity() {
	s.registerCapped()

	id := s.open()
	_, err := s.msg.DeclineSession(s.ctx, &types.MsgDeclineSession{Provider: s.prov1.String(), SessionId: id})
	s.Require().NoError(err)
	s.Zero(s.openUnits(), "declined: nothing held")

	id = s.open()
	_, err = s.msg.CloseSession(s.ctx, &types.MsgCloseSession{Signer: s.prov1.String(), SessionId: id})
	s.Require().NoError(err)
	s.Zero(s.openUnits(), "closed by the provider: nothing held")

	id = s.open()
	c, err := s.checkpoint(s.prov1, voucher(id, 1000, 5)) // every request at once
	s.Require().NoError(err)
	s.Equal(uint64(10_000), s.openUnits())
	s.advance(time.Hour + time.Second)
	s.Equal(types.JobStatus_JOB_STATUS_FINALIZED, s.job(c).Status)
	s.Zero(s.openUnits(), "a fully checkpointed session holds nothing once its checkpoint settled")
	s.NoError(s.k.CheckIndexes(s.ctx))

	id = s.open()
	_, err = s.checkpoint(s.prov1, voucher(id, 100, 5))
	s.Require().NoError(err)
	s.advance(24*time.Hour + time.Second) // past its expiry and the checkpoint's window
	s.Equal(types.SessionStatus_SESSION_STATUS_CLOSED, s.session(id).Status)
	s.Zero(s.openUnits(), "expired: nothing held")
}

// Genesis rebuilds a session's reservation from its unclaimed requests, and
// the invariant counts it.
func (s *KeeperSuite) TestReview20GenesisKeepsReservation() {
	s.registerCapped()
	id := s.open()
	_, err := s.checkpoint(s.prov1, voucher(id, 400, 5))
	s.Require().NoError(err)
	s.Require().NoError(s.r4restart(s.ctx.BlockTime()))
	s.Equal(uint64(10_000), s.openUnits(), "4,000 in the checkpoint's job and 6,000 reserved, after an export and import")
	s.NoError(s.k.CheckIndexes(s.ctx))
}
