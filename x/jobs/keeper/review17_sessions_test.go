package keeper_test

import (
	"time"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// r17params sets x/jobs params through governance (so every value used is
// one Params.Validate accepts).
func (s *KeeperSuite) r17params(edit func(*types.Params)) {
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	edit(&p)
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().NoError(err)
}

// REGRESSION (review 17; a real problem in the tree under review at 20:05
// UTC, fixed in the working tree by ~20:33 while the review ran; this test
// fails against the former, by its code, and passes against the latter). Medium: a
// provider's exit did not wait for its open sessions. settleUnbonding counts open jobs and other modules'
// claims, not sessions, so a provider that deregisters while a session it
// serves is OPEN gets its bond back and its record removed when the
// unbonding period ends (14 days; a session may run 30 here, up to 365).
// The session stays OPEN with an unknown provider, which x/jobs' own
// genesis validation refuses ("open session ... with unknown provider"):
// every export of the chain from then until the session ends fails to
// import. (The buyer's escrow is safe: the session still expires and
// refunds; but nobody can checkpoint it any more, and the chain cannot be
// exported.)
func (s *KeeperSuite) TestReview17UnbondedProviderLeavesAnOpenSession() {
	s.enableSessions()
	s.registerServing(s.prov1, 100)
	m := s.openMsg()
	m.Duration = 30 * 24 * time.Hour // longer than the 14-day unbonding period
	res, err := s.msg.OpenSession(s.ctx, m)
	s.Require().NoError(err)
	id := res.SessionId
	_, err = s.checkpoint(s.prov1, voucher(id, 10, 5))
	s.Require().NoError(err)

	_, err = s.msg.DeregisterProvider(s.ctx, &types.MsgDeregisterProvider{Operator: s.prov1.String()})
	s.Require().NoError(err)
	s.advance(time.Hour + time.Second)               // the checkpoint's window: paid, its slot released
	s.advance(types.DefaultParams().UnbondingPeriod) // the unbonding ends with no open job

	s.Equal(types.SessionStatus_SESSION_STATUS_OPEN, s.session(id).Status, "the session runs on")
	_, provErr := s.k.GetProvider(s.ctx, s.prov1)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	err = gs.Validate(s.k.AddressCodec())
	s.NoError(err, "the export of a live chain must import (provider record: %v)", provErr)
}

// REGRESSION (review 17; a real problem in the tree under review at 20:05
// UTC, fixed in the working tree by ~20:33 while the review ran; this test
// fails against the former, by its code, and passes against the latter). Low: a
// closed session is pruned retention after it closed, whatever its checkpoints' jobs are doing; a checkpoint job can
// outlive it (its window moves with a halt, and resumes after each item
// dispute, while the session's pruning time never moves). x/jobs' genesis
// validation refuses an open checkpoint job whose session is gone, so the
// export fails until the job settles. Here: retention 1 day (any positive
// value is valid), the provider checkpoints and closes, and the chain
// halts for 25 hours.
func (s *KeeperSuite) TestReview17SessionPrunedUnderItsOpenCheckpoint() {
	id := s.sessionSetup()
	s.r17params(func(p *types.Params) { p.Retention = 24 * time.Hour })
	for range 10 {
		s.r3block(5 * time.Second)
	}
	j, err := s.checkpoint(s.prov1, voucher(id, 10, 5))
	s.Require().NoError(err)
	_, err = s.msg.CloseSession(s.ctx, &types.MsgCloseSession{Signer: s.prov1.String(), SessionId: id})
	s.Require().NoError(err)

	s.r3block(25 * time.Hour) // a halt: the job's window moves, the session's pruning does not
	s.Equal(types.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(j).Status, "the halt moved the checkpoint's window")
	_, sessErr := s.k.GetSession(s.ctx, id)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.NoError(gs.Validate(s.k.AddressCodec()), "an open checkpoint job and its session (%v) must export together", sessErr)
}

// REGRESSION (review 17; a real problem in the tree under review at 20:05
// UTC, fixed in the working tree by ~20:33 while the review ran; this test
// fails against the former, by its code, and passes against the latter). Low:
// vouchers were bound to the chain id of the block that checked them, not
// the session's (now Session.chain_id, set at open). A chain restarted from an export
// under a new chain id (the usual hard-fork upgrade) keeps its open
// sessions, but every voucher the buyer signed before it is void: the
// provider cannot checkpoint the requests it already served, and the
// buyer's close refunds them. Storing the chain id in the session when it
// opens keeps the cross-chain separation without this.
func (s *KeeperSuite) TestReview17ChainIDChangeVoidsServedVouchers() {
	id := s.sessionSetup()
	for range 10 {
		s.r3block(5 * time.Second)
	}
	served := voucher(id, 40, 5) // 40 requests served, signed under the old chain id
	s.Require().NoError(s.r4restart(s.ctx.BlockTime().Add(10 * time.Minute)))
	s.ctx = s.ctx.WithChainID("verdict-test-2")
	s.Equal(types.SessionStatus_SESSION_STATUS_OPEN, s.session(id).Status)
	_, err := s.checkpoint(s.prov1, served)
	s.NoError(err, "the provider is paid for the requests it served before the upgrade")
}

// REGRESSION (review 17; a real problem in the tree under review at 20:05
// UTC, fixed in the working tree by ~20:33 while the review ran; this test
// fails against the former, by its code, and passes against the latter). Low,
// invariant only: CheckIndexes recomputed a closed session's queue entry from today's retention, while the entry was
// pushed with the retention of the day it closed: a governance change of
// retention makes the index invariant (run by the keeper suites, the app's
// attack tests and verdict-bench-endblock) report a correct state as
// corrupt.
func (s *KeeperSuite) TestReview17RetentionChangeBreaksTheSessionQueueInvariant() {
	id := s.sessionSetup()
	_, err := s.msg.CloseSession(s.ctx, &types.MsgCloseSession{Signer: s.prov1.String(), SessionId: id})
	s.Require().NoError(err)
	s.r17params(func(p *types.Params) { p.Retention = 10 * 24 * time.Hour })
	s.NoError(s.k.CheckIndexes(s.ctx))
}
