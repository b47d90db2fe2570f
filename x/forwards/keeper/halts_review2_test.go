package keeper_test

import (
	"time"

	"github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// review2 helpers: a block with BeginBlock (the halt clock) included.
func (s *Suite) r2block(at time.Time) {
	s.setTime(at)
	s.Require().NoError(s.jobs.BeginBlocker(s.ctx))
	s.Require().NoError(s.jobs.EndBlocker(s.ctx))
	s.Require().NoError(s.k.EndBlocker(s.ctx))
}

// r2blocks makes a block every step after the last, up to and including to.
func (s *Suite) r2blocks(to time.Time, step time.Duration) {
	for at := s.ctx.BlockTime().Add(step); !at.After(to); at = at.Add(step) {
		s.r2block(at)
	}
}

func (s *Suite) r2gap(gap time.Duration) {
	jp := jobstypes.DefaultParams()
	jp.MaxBlockGap = gap
	_, err := s.jobsMsg.UpdateParams(s.ctx, &jobstypes.MsgUpdateParams{Authority: s.authority, Params: jp})
	s.Require().NoError(err)
}

// ATTACK (buyer): a halt BEFORE the window (an upgrade) took no delivery
// time, and a position touched then is not extended by it. But a buyer that
// simply never touches its position until a second, small halt inside the
// window (any gap over max_block_gap, which the proposer set can produce)
// makes the halt clock forget when the window opened (it keeps only the
// last halt): halts() then falls back to "every halt since the position was
// set", and the pre-window halt is credited as delivery time too. The buyer
// draws after the window honestly ended, the seller must deliver (or be
// faulted) in time it never sold.
func (s *Suite) TestReview2PreWindowHaltCountedAfterASecondHalt() {
	s.r2gap(time.Hour)
	s.r2block(s.ctx.BlockTime()) // t0
	pos := s.trade(100, 100)     // halt credit 0
	// pre-window halt: t0 -> t0+1h30 (window opens t0+2h)
	s.r2block(t0.Add(90 * time.Minute))
	s.r2block(t0.Add(2 * time.Hour)) // window opens
	s.r2blocks(t0.Add(150*time.Minute), 5*time.Minute)
	// a 61-minute halt inside the window
	s.r2block(t0.Add(150*time.Minute + 61*time.Minute))
	want := s.series.WindowEnd().Add(61 * time.Minute) // only the in-window halt
	res, err := s.q.Position(s.ctx, &types.QueryPositionRequest{Id: pos.Id})
	s.Require().NoError(err)
	s.Equal(want, res.Position.WindowEnd, "query: only the halt inside the window moves the end")
	// ordinary blocks to just past the honest end
	for at := s.ctx.BlockTime().Add(30 * time.Minute); at.Before(want); at = at.Add(30 * time.Minute) {
		s.r2block(at)
	}
	s.r2block(want.Add(time.Minute))
	p := s.position(pos.Id)
	s.Equal(want, types.DeliveryEnd(p), "stored end")
	// the buyer draws after the window (as it should stand) has ended
	_, err = s.msg.SubmitPositionJob(s.ctx, &types.MsgSubmitPositionJob{
		Owner: s.buyer.String(), PositionId: pos.Id, Units: 50, ModelCommitment: commit, InputCommitment: commit, TimeLimit: 10 * time.Minute,
	})
	s.Require().Error(err, "a draw %s after the window ended (pre-window halt of 1h30 credited as delivery time)", time.Minute)
	s.requireCode(err, types.ErrOutsideWindow)
}

// HOLDS? a halt straddling the window start, the position touched before
// the window: only the part inside the window counts.
func (s *Suite) TestReview2TouchedBeforeWindowThenHalt() {
	s.r2gap(time.Hour)
	s.r2block(s.ctx.BlockTime())
	pos := s.trade(100, 100)
	s.r2block(t0.Add(90 * time.Minute)) // pre-window halt
	// touch it before the window: a transfer rebases it
	res, err := s.msg.TransferPosition(s.ctx, &types.MsgTransferPosition{Owner: s.buyer.String(), PositionId: pos.Id, Units: 10, To: s.buyer2.String()})
	s.Require().NoError(err)
	s.r2block(t0.Add(2 * time.Hour))
	s.r2blocks(t0.Add(150*time.Minute), 5*time.Minute)
	s.r2block(t0.Add(150*time.Minute + 61*time.Minute))
	want := s.series.WindowEnd().Add(61 * time.Minute)
	for _, id := range []uint64{pos.Id, res.PositionId} {
		q, err := s.q.Position(s.ctx, &types.QueryPositionRequest{Id: id})
		s.Require().NoError(err)
		s.Equal(want, q.Position.WindowEnd, "position %d", id)
	}
	for at := s.ctx.BlockTime().Add(30 * time.Minute); at.Before(want.Add(time.Hour)); at = at.Add(30 * time.Minute) {
		s.r2block(at)
	}
	for _, id := range []uint64{pos.Id, res.PositionId} {
		s.Equal(types.PositionStatus_POSITION_STATUS_SETTLED, s.position(id).Status, "position %d", id)
	}
}

// ATTACK (proposer/validators, or just a slow network): every gap over
// max_block_gap counts WHOLE, so a chain that keeps producing blocks (live,
// transactions included) slightly slower than max_block_gap earns halt
// credit equal to all elapsed time: no deadline ever comes. Here 31 s
// blocks against the default 30 s gap for 8 hours of live chain: the
// position's 4-hour window (ended at t0+6h) never settles, the seller's
// collateral and take-or-pay payment are locked indefinitely.
func (s *Suite) TestReview2SlowLiveBlocksFreezeEveryDeadline() {
	s.r2block(s.ctx.BlockTime())
	pos := s.trade(100, 100)
	for at := s.ctx.BlockTime(); at.Before(t0.Add(8 * time.Hour)); {
		at = at.Add(31 * time.Second)
		s.r2block(at)
	}
	p := s.position(pos.Id)
	s.Equal(types.PositionStatus_POSITION_STATUS_SETTLED, p.Status,
		"a window that ended at %s still OPEN at %s (delivery end now %s) on a live chain", s.series.WindowEnd(), s.ctx.BlockTime(), types.DeliveryEnd(p))
}

// HOLDS? split then halt: both halves carry the same end; no double
// settlement and no orphan entry (TearDown checks accounting).
func (s *Suite) TestReview2SplitAfterHaltSettlesOnce() {
	s.r2gap(time.Hour)
	s.r2block(s.ctx.BlockTime())
	pos := s.trade(100, 100)
	s.r2block(s.series.WindowStart)
	r := s.draw(pos.Id, 10)
	s.deliver(r.JobId, 10)
	s.r2block(s.series.WindowStart.Add(30 * time.Minute))
	s.r2block(s.series.WindowStart.Add(30*time.Minute + 2*time.Hour)) // 2h halt
	res, err := s.msg.TransferPosition(s.ctx, &types.MsgTransferPosition{Owner: s.buyer.String(), PositionId: pos.Id, Units: 1, To: s.buyer2.String()})
	s.Require().NoError(err)
	want := s.series.WindowEnd().Add(2 * time.Hour)
	s.Equal(want, types.DeliveryEnd(s.position(pos.Id)))
	s.Equal(want, types.DeliveryEnd(s.position(res.PositionId)))
	for at := s.ctx.BlockTime(); at.Before(want.Add(time.Hour)); {
		at = at.Add(30 * time.Minute)
		s.r2block(at)
	}
	a, b := s.position(pos.Id), s.position(res.PositionId)
	s.Equal(types.PositionStatus_POSITION_STATUS_SETTLED, a.Status)
	s.Equal(types.PositionStatus_POSITION_STATUS_SETTLED, b.Status)
	s.Equal(uint64(1), b.Settlement.UnusedUnits)
	n := 0
	s.Require().NoError(s.k.WindowQueue.WalkAll(s.ctx, func(time.Time, uint64) (bool, error) { n++; return false, nil }))
	s.Zero(n, "no window entry left behind")
}

// ATTACK (buyer profits): same forgotten pre-window halt. The seller
// pauses after its window honestly ended (plus the in-window halt); the
// buyer, which held its position untouched, draws then: refused, the
// seller's fault, and the buyer is refunded the price AND paid the
// non-delivery fee out of the seller's collateral, for units it would
// otherwise have left unused under take-or-pay (paid to the seller).
func (s *Suite) TestReview2BuyerCollectsFaultFeeInForgottenHaltTime() {
	s.r2gap(time.Hour)
	s.r2block(s.ctx.BlockTime())
	b0 := s.bal(s.buyer)
	pos := s.trade(100, 100)
	s.r2block(t0.Add(90 * time.Minute)) // pre-window halt
	s.r2block(t0.Add(2 * time.Hour))
	s.r2blocks(t0.Add(150*time.Minute), 5*time.Minute)
	s.r2block(t0.Add(150*time.Minute + 61*time.Minute)) // in-window halt
	honestEnd := s.series.WindowEnd().Add(61 * time.Minute)
	for at := s.ctx.BlockTime().Add(30 * time.Minute); at.Before(honestEnd); at = at.Add(30 * time.Minute) {
		s.r2block(at)
	}
	s.r2block(honestEnd.Add(time.Minute))
	// the seller's window is over: it pauses for maintenance
	_, err := s.jobsMsg.PauseProvider(s.ctx, &jobstypes.MsgPauseProvider{Operator: s.seller.String()})
	s.Require().NoError(err)
	res, err := s.msg.SubmitPositionJob(s.ctx, &types.MsgSubmitPositionJob{
		Owner: s.buyer.String(), PositionId: pos.Id, Units: 100, ModelCommitment: commit, InputCommitment: commit, TimeLimit: 10 * time.Minute,
	})
	if err == nil {
		s.False(res.Refused, "a draw after the window ended was booked as the seller's fault")
	}
	for at := s.ctx.BlockTime().Add(30 * time.Minute); at.Before(t0.Add(10 * time.Hour)); at = at.Add(30 * time.Minute) {
		s.r2block(at)
	}
	p := s.position(pos.Id)
	s.Require().Equal(types.PositionStatus_POSITION_STATUS_SETTLED, p.Status)
	s.Zero(p.Settlement.FaultUnits, "the seller faulted for time it never sold")
	s.LessOrEqual(s.bal(s.buyer), b0-10_000, "take-or-pay: a buyer that drew nothing in its window gets nothing back")
}
