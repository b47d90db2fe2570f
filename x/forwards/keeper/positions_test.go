package keeper_test

import (
	"time"

	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// fee is x/jobs' protocol fee on a payment (2%, rounded up).
func fee(pay int64) int64 {
	return jobstypes.Fee(sdkmath.NewInt(pay), jobstypes.DefaultParams().ProtocolFeeBps).Int64()
}

// Delivery: jobs drawn on a position are contract jobs for its seller at
// the forward price (100) while it lists 150; finalized units are
// delivered and paid as they settle; at the window's end the unused units
// pay the seller (take-or-pay) and its collateral returns.
func (s *Suite) TestDeliveryAtTheForwardPriceAndTakeOrPay() {
	b0, s0 := s.bal(s.buyer), s.bal(s.seller)
	pos := s.trade(100, 100)
	s.Require().Equal(coin(100*20), pos.Collateral, "20% of the price per unit")
	s.Require().Equal(b0-10_000, s.bal(s.buyer))
	s.Require().Equal(s0-2_000, s.bal(s.seller))

	_, err := s.msg.SubmitPositionJob(s.ctx, &types.MsgSubmitPositionJob{Owner: s.buyer.String(), PositionId: pos.Id, Units: 10, ModelCommitment: commit, InputCommitment: commit, TimeLimit: 10 * time.Minute})
	s.requireCode(err, types.ErrOutsideWindow) // before the window

	s.advanceTo(s.series.WindowStart)
	r1 := s.draw(pos.Id, 40)
	s.Require().False(r1.Refused)
	j, err := s.jobs.GetJob(s.ctx, r1.JobId)
	s.Require().NoError(err)
	s.Require().Equal(coin(100), j.PricePerUnit, "the forward price, not the list price 150")
	s.Require().Equal(s.seller.String(), j.Provider)
	s.Require().Equal("contract", j.AssignedVia)
	s.Require().Equal(uint64(40), s.position(pos.Id).InFlight)
	s.deliver(r1.JobId, 30) // 30 of 40 units used
	s.advance(time.Hour + time.Second)
	p := s.position(pos.Id)
	s.Require().Equal(uint64(30), p.Delivered)
	s.Require().Zero(p.InFlight)
	s.Require().Equal(coin(70*100), p.Escrow, "the 10 unused units of the job came back")
	s.Require().Equal(s0-2_000+3_000-fee(3_000), s.bal(s.seller), "paid 30 x 100 as the job settled")

	s.advanceTo(s.series.WindowEnd())
	p = s.position(pos.Id)
	s.Require().Equal(types.PositionStatus_POSITION_STATUS_SETTLED, p.Status)
	s.Require().Equal(uint64(70), p.Settlement.UnusedUnits)
	s.Require().Zero(p.Settlement.FaultUnits)
	s.Require().Equal(b0-10_000, s.bal(s.buyer), "take-or-pay: the buyer paid for all 100")
	s.Require().Equal(coin(fee(7_000)), p.Settlement.ProtocolFee, "take-or-pay units pay the protocol fee like delivered ones")
	s.Require().Equal(s0+10_000-fee(3_000)-fee(7_000), s.bal(s.seller), "70 unused paid at the end less the fee, collateral back")

	// pruned after retention
	pp, _ := s.k.Params.Get(s.ctx)
	s.advance(pp.Retention + time.Second)
	_, err = s.k.GetPosition(s.ctx, pos.Id)
	s.requireCode(err, types.ErrPositionNotFound)
}

// A seller that pauses mid-window cannot take the next job: the buyer's
// transaction succeeds and records the units as the seller's fault. With
// no spot index (stale) each fault unit costs the non-delivery fee.
func (s *Suite) TestPausedSellerFaultAtTheFeeWhenTheIndexIsStale() {
	b0, s0 := s.bal(s.buyer), s.bal(s.seller)
	pos := s.trade(100, 100)
	s.advanceTo(s.series.WindowStart)
	r1 := s.draw(pos.Id, 20)
	s.deliver(r1.JobId, 20)
	_, err := s.jobsMsg.PauseProvider(s.ctx, &jobstypes.MsgPauseProvider{Operator: s.seller.String()})
	s.Require().NoError(err)
	s.ctx = s.ctx.WithEventManager(sdk.NewEventManager())
	r2 := s.draw(pos.Id, 30)
	s.Require().True(r2.Refused)
	s.Require().Contains(r2.Reason, "PAUSED")
	s.Require().Zero(r2.JobId)
	s.Require().Equal(uint64(30), s.position(pos.Id).Fault)
	var refused bool
	for _, e := range s.ctx.EventManager().Events() {
		refused = refused || e.Type == "verdict.forwards.v1.EventDeliveryRefused"
	}
	s.Require().True(refused)

	s.advanceTo(s.series.WindowEnd())
	p := s.position(pos.Id)
	st := p.Settlement
	s.Require().NotNil(st)
	s.Require().True(st.IndexStale)
	s.Require().Equal(uint64(30), st.FaultUnits)
	s.Require().Equal(uint64(50), st.UnusedUnits)
	s.Require().Equal(coin(30*10), st.Penalty, "10% of the price per fault unit")
	s.Require().Equal(coin(30*100+300), st.ToBuyer)
	s.Require().Equal(uint64(30), st.CompensatedUnits, "a refusal is unambiguous: compensated")
	s.Require().Equal(coin(50*100-fee(5_000)+2_000-300), st.ToSeller)
	s.Require().Equal(b0-10_000+3_300, s.bal(s.buyer))
	s.Require().Equal(s0-2_000+2_000-fee(2_000)+5_000-fee(5_000)+1_700, s.bal(s.seller))
	// the seller's reputation took the fault
	v, err := s.rep.View(s.ctx, s.seller, inference)
	s.Require().NoError(err)
	s.Require().Equal(uint64(1), v.Record.Expired)
}

// spot makes a class's index: scheduled jobs finalized in the hours before
// the window, at the sellers' list prices (150 and 160).
func (s *Suite) spot() {
	for h := 0; h < 2; h++ {
		for _, op := range []sdk.AccAddress{s.seller, s.seller2} {
			res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
				Buyer: s.stranger.String(), Class: inference, ModelCommitment: commit, InputCommitment: commit,
				Units: 600, MaxPricePerUnit: coin(200), TimeLimit: 10 * time.Minute, Provider: "",
			})
			s.Require().NoError(err)
			j, _ := s.jobs.GetJob(s.ctx, res.JobId)
			_, err = s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: j.Provider, JobId: j.Id, OutputCommitment: commit, UnitsUsed: 600})
			s.Require().NoError(err)
			// the next job goes to the other seller
			_, err = s.jobsMsg.PauseProvider(s.ctx, &jobstypes.MsgPauseProvider{Operator: j.Provider})
			s.Require().NoError(err)
			_ = op
		}
		for _, op := range []sdk.AccAddress{s.seller, s.seller2} {
			_, err := s.jobsMsg.ResumeProvider(s.ctx, &jobstypes.MsgResumeProvider{Operator: op.String()})
			s.Require().NoError(err)
		}
		s.advance(time.Hour) // the jobs finalize in this hour's bucket
	}
}

// Non-delivery priced at the index: the seller pays the replacement cost
// (index − price) when it exceeds the fee, capped by the collateral. The
// buyer receives the compensation its trade fixed (the fee per unit); the
// rest goes to the community pool, so moving the index profits nobody.
func (s *Suite) TestFaultPricedAtTheIndexCappedByCollateral() {
	pos := s.trade(100, 100)
	s.spot()
	s.advanceTo(s.series.WindowStart.Add(time.Minute))
	idx, err := s.q.Index(s.ctx, &types.QueryIndexRequest{Class: inference})
	s.Require().NoError(err)
	s.Require().False(idx.Index.Stale, "%+v", idx.Index)
	// each bucket: 600 units at 150 and 600 at 160; the (lower) weighted
	// median is 150
	s.Require().Equal(int64(150), idx.Index.Price.Amount.Int64())
	s.Require().Len(idx.Index.Buckets, 1, "the 02:00 bucket is still open: only closed hours count")
	s.Require().Equal(uint64(1200), idx.Index.VolumeUnits)
	_, err = s.jobsMsg.PauseProvider(s.ctx, &jobstypes.MsgPauseProvider{Operator: s.seller.String()})
	s.Require().NoError(err)
	b0 := s.bal(s.buyer)
	s.Require().True(s.draw(pos.Id, 30).Refused)
	s.Require().True(s.draw(pos.Id, 30).Refused)
	s.advanceTo(s.series.WindowEnd())
	st := s.position(pos.Id).Settlement
	s.Require().Equal(uint64(60), st.FaultUnits)
	// 50 per unit (150 − 100 > the 10 fee) x 60 = 3,000, capped at 2,000
	s.Require().Equal(coin(2_000), st.Penalty)
	s.Require().Equal(coin(600), st.ToBuyer.SubAmount(sdkmath.NewInt(60*100)), "10 per unit")
	s.Require().Equal(b0+60*100+600, s.bal(s.buyer))
	s.Require().Equal(coin(1_400+fee(40*100)), st.ToCommunityPool, "the rest of the penalty, and the take-or-pay fee")
}

// A trade's share of its sell order's ratable limit: pro-rated, rounded
// up, never zero (zero would mean no limit), the whole limit for the whole
// order.
func (s *Suite) TestRatableShare() {
	for _, c := range []struct{ ratable, n, order, want uint64 }{
		{0, 10, 100, 0},
		{30, 100, 100, 30},
		{30, 50, 100, 15},
		{30, 1, 100, 1},
		{30, 34, 100, 11},
		{100, 100, 200, 50},
		{200, 100, 200, 100},
		{1 << 62, 3, 4, 3 << 60},
		{^uint64(0), 1, 2, 1 << 63},
	} {
		s.Require().Equal(c.want, types.RatableShare(c.ratable, c.n, c.order), "%+v", c)
	}
}

// A halt eats no delivery time: the chain stands still from inside the
// window to past its end; in the first block after the restart the
// position still delivers, for as long again as the halt lasted, so the
// buyer draws what it bought and the seller is paid for work, not
// take-or-pay for time nobody had.
func (s *Suite) TestAHaltEatsNoDeliveryTime() {
	block := func(at time.Time) { // a block at t, BeginBlock (the halt clock) included
		s.setTime(at)
		s.Require().NoError(s.jobs.BeginBlocker(s.ctx))
		s.Require().NoError(s.jobs.EndBlocker(s.ctx))
		s.Require().NoError(s.k.EndBlocker(s.ctx))
	}
	// this suite's blocks are hours apart: only a gap over three hours is
	// a halt here
	jp := jobstypes.DefaultParams() // the suite's x/jobs genesis
	jp.MaxBlockGap = 3 * time.Hour
	_, err := s.jobsMsg.UpdateParams(s.ctx, &jobstypes.MsgUpdateParams{Authority: s.authority, Params: jp})
	s.Require().NoError(err)
	block(s.ctx.BlockTime())
	pos := s.trade(100, 100)
	s.Require().Equal(s.series.WindowEnd(), types.DeliveryEnd(pos))
	block(s.series.WindowStart)
	r1 := s.draw(pos.Id, 40)
	s.deliver(r1.JobId, 40)
	// the chain halts for five hours: the window (four hours) ends meanwhile
	halt := 5 * time.Hour
	block(s.ctx.BlockTime().Add(halt))
	p := s.position(pos.Id)
	s.Require().Equal(types.PositionStatus_POSITION_STATUS_OPEN, p.Status, "the window end came due in the halt's first block and moved")
	s.Require().Equal(s.series.WindowEnd().Add(halt), types.DeliveryEnd(p))
	r2 := s.draw(pos.Id, 60)
	s.Require().False(r2.Refused)
	s.deliver(r2.JobId, 60)
	block(s.ctx.BlockTime().Add(time.Hour))
	block(types.DeliveryEnd(p))
	p = s.position(pos.Id)
	s.Require().Equal(types.PositionStatus_POSITION_STATUS_SETTLED, p.Status)
	s.Require().Equal(uint64(100), p.Delivered, "all of it drawn and delivered")
	s.Require().Zero(p.Settlement.UnusedUnits)

	// without a halt the same window would have closed with 60 units
	// unused, paid take-or-pay by a buyer that could not draw them
}

// Only halt time inside the window moves its end: a halt that began before
// the window opened and ended inside it moves the end by the part after
// the opening.
func (s *Suite) TestOnlyHaltTimeInsideTheWindowMovesIt() {
	block := func(at time.Time) {
		s.setTime(at)
		s.Require().NoError(s.jobs.BeginBlocker(s.ctx))
		s.Require().NoError(s.jobs.EndBlocker(s.ctx))
		s.Require().NoError(s.k.EndBlocker(s.ctx))
	}
	jp := jobstypes.DefaultParams()
	jp.MaxBlockGap = time.Hour // a longer gap is a halt here
	_, err := s.jobsMsg.UpdateParams(s.ctx, &jobstypes.MsgUpdateParams{Authority: s.authority, Params: jp})
	s.Require().NoError(err)
	block(s.ctx.BlockTime())
	pos := s.trade(100, 100)
	// the chain halts from t0 (two hours before the window) to three hours
	// into it: five hours of halt, three of them inside the window
	block(s.series.WindowStart.Add(3 * time.Hour))
	res, err := s.q.Position(s.ctx, &types.QueryPositionRequest{Id: pos.Id})
	s.Require().NoError(err)
	s.Require().Equal(s.series.WindowEnd().Add(3*time.Hour), res.Position.WindowEnd, "the query shows the end as it stands")
	r := s.draw(pos.Id, 10) // writes the move
	s.Require().False(r.Refused)
	s.Require().Equal(s.series.WindowEnd().Add(3*time.Hour), types.DeliveryEnd(s.position(pos.Id)))
}
