package keeper_test

import (
	"context"
	"time"

	sdkmath "cosmossdk.io/math"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"

	"github.com/verdict-chain/verdict/testutil/fakes"
	"github.com/verdict-chain/verdict/x/forwards/keeper"
	"github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

func (s *Suite) TestTransferPosition() {
	pos := s.trade(100, 100)
	_, err := s.msg.TransferPosition(s.ctx, &types.MsgTransferPosition{Owner: s.buyer2.String(), PositionId: pos.Id, Units: 10, To: s.buyer2.String()})
	s.requireCode(err, types.ErrUnauthorized)
	_, err = s.msg.TransferPosition(s.ctx, &types.MsgTransferPosition{Owner: s.buyer.String(), PositionId: pos.Id, Units: 10, To: s.seller.String()})
	s.requireCode(err, types.ErrInvalidPosition)
	_, err = s.msg.TransferPosition(s.ctx, &types.MsgTransferPosition{Owner: s.buyer.String(), PositionId: pos.Id, Units: 101, To: s.buyer2.String()})
	s.requireCode(err, types.ErrInsufficient)
	res, err := s.msg.TransferPosition(s.ctx, &types.MsgTransferPosition{Owner: s.buyer.String(), PositionId: pos.Id, Units: 40, To: s.buyer2.String()})
	s.Require().NoError(err)
	to := s.position(res.PositionId)
	s.Require().Equal(s.buyer2.String(), to.Owner)
	s.Require().Equal(uint64(40), to.Units)
	s.Require().Equal(coin(4_000), to.Escrow)
	s.Require().Equal(coin(800), to.Collateral)
	s.Require().Equal(pos.Terms, to.Terms)
	from := s.position(pos.Id)
	s.Require().Equal(uint64(60), from.Units)
	s.Require().Equal(coin(6_000), from.Escrow)
	// a second transfer to the same owner aggregates
	res2, err := s.msg.TransferPosition(s.ctx, &types.MsgTransferPosition{Owner: s.buyer.String(), PositionId: pos.Id, Units: 10, To: s.buyer2.String()})
	s.Require().NoError(err)
	s.Require().Equal(res.PositionId, res2.PositionId)
	// the new owner draws; the old cannot draw on it
	s.advanceTo(s.series.WindowStart)
	_, err = s.msg.SubmitPositionJob(s.ctx, &types.MsgSubmitPositionJob{Owner: s.buyer.String(), PositionId: res.PositionId, Units: 10, ModelCommitment: commit, InputCommitment: commit, TimeLimit: 10 * time.Minute})
	s.requireCode(err, types.ErrUnauthorized)
	r, err := s.msg.SubmitPositionJob(s.ctx, &types.MsgSubmitPositionJob{Owner: s.buyer2.String(), PositionId: res.PositionId, Units: 10, ModelCommitment: commit, InputCommitment: commit, TimeLimit: 10 * time.Minute})
	s.Require().NoError(err)
	s.Require().NotZero(r.JobId)
	// everything transferred: the original position is gone
	_, err = s.msg.TransferPosition(s.ctx, &types.MsgTransferPosition{Owner: s.buyer.String(), PositionId: pos.Id, To: s.buyer2.String()})
	s.Require().NoError(err)
	_, err = s.k.GetPosition(s.ctx, pos.Id)
	s.requireCode(err, types.ErrPositionNotFound)
	s.advanceTo(s.series.WindowEnd().Add(2 * time.Hour))
}

func (s *Suite) TestRatableLimitAndConsent() {
	s.mustPlace(s.seller, sell, 100, 100)
	_, err := s.msg.PlaceOrder(s.ctx, &types.MsgPlaceOrder{Owner: s.seller.String(), Series: s.series, Side: sell, PricePerUnit: coin(100), Units: 100, RatableLimit: 30})
	s.Require().NoError(err)
	// the buyer takes the ratable seller's order only (same price: the older one first)
	res := s.mustPlace(s.buyer, buy, 100, 200)
	s.Require().Len(res.PositionIds, 2)
	rat := s.position(res.PositionIds[1])
	s.Require().Equal(uint64(30), rat.RatableLimit)
	s.advanceTo(s.series.WindowStart)
	s.Require().False(s.draw(rat.Id, 20).Refused)
	_, err = s.msg.SubmitPositionJob(s.ctx, &types.MsgSubmitPositionJob{Owner: s.buyer.String(), PositionId: rat.Id, Units: 20, ModelCommitment: commit, InputCommitment: commit, TimeLimit: 10 * time.Minute})
	s.requireCode(err, types.ErrAboveRatable)
	s.Require().Zero(s.position(rat.Id).Fault, "above the ratable limit: refused without fault")
	// consent: no shorter time limit than the seller's offer, no other circuit
	_, err = s.msg.SubmitPositionJob(s.ctx, &types.MsgSubmitPositionJob{Owner: s.buyer.String(), PositionId: rat.Id, Units: 5, ModelCommitment: commit, InputCommitment: commit, TimeLimit: 30 * time.Second})
	s.requireCode(err, types.ErrInvalidPosition)
	_, err = s.msg.SubmitPositionJob(s.ctx, &types.MsgSubmitPositionJob{Owner: s.buyer.String(), PositionId: rat.Id, Units: 5, ModelCommitment: commit, InputCommitment: commit, TimeLimit: 10 * time.Minute, CircuitId: "other"})
	s.requireCode(err, types.ErrInvalidPosition)
	_, err = s.msg.SubmitPositionJob(s.ctx, &types.MsgSubmitPositionJob{Owner: s.buyer.String(), PositionId: rat.Id, Units: 5, ModelCommitment: commit, InputCommitment: commit, TimeLimit: 5 * time.Hour})
	s.requireCode(err, types.ErrOutsideWindow) // due after the window ends
	s.Require().Zero(s.position(rat.Id).Fault)
	// the next hour the limit resets
	s.advance(time.Hour)
	s.Require().False(s.draw(rat.Id, 30).Refused)
	s.advanceTo(s.series.WindowEnd().Add(2 * time.Hour))
}

// The seller's refund_unused term: unused units go back to the buyer.
// Governance changing the non-delivery fee after the trade does not touch
// the contract. An expired job is the seller's fault — penalised, but not
// compensated: an expiry may be the buyer's own doing (files it never
// served), so its penalty goes to the community pool.
func (s *Suite) TestRefundUnusedFrozenTermsAndExpiredJobs() {
	_, err := s.msg.PlaceOrder(s.ctx, &types.MsgPlaceOrder{Owner: s.seller.String(), Series: s.series, Side: sell, PricePerUnit: coin(100), Units: 100, RefundUnused: true})
	s.Require().NoError(err)
	res := s.mustPlace(s.buyer, buy, 100, 100)
	pos := s.position(res.PositionIds[0])
	p, _ := s.k.Params.Get(s.ctx)
	p.NonDeliveryFeeBps = 5_000
	s.Require().NoError(s.k.SetParams(s.ctx, p))

	b0 := s.bal(s.buyer)
	s.advanceTo(s.series.WindowStart)
	r := s.draw(pos.Id, 20) // the seller never answers: the job expires
	s.advance(11 * time.Minute)
	j, err := s.jobs.GetJob(s.ctx, r.JobId)
	s.Require().NoError(err)
	s.Require().Equal(jobstypes.JobStatus_JOB_STATUS_EXPIRED, j.Status)
	s.Require().Equal(uint64(20), s.position(pos.Id).Fault)
	s.advanceTo(s.series.WindowEnd())
	st := s.position(pos.Id).Settlement
	s.Require().Equal(coin(20*10), st.Penalty, "10% as traded, not the 50% governance set later")
	s.Require().Equal(uint64(80), st.UnusedUnits)
	s.Require().Zero(st.CompensatedUnits)
	s.Require().Equal(coin(200), st.ToCommunityPool)
	s.Require().Equal(b0+10_000, s.bal(s.buyer), "fault and unused units refunded; no compensation for an expiry")
}

// The last job outlives the window: the position settles when it closes.
func (s *Suite) TestSettlementWaitsForTheLastJob() {
	pos := s.trade(100, 100)
	s.advanceTo(s.series.WindowEnd().Add(-10 * time.Minute))
	r := s.draw(pos.Id, 10)
	s.deliver(r.JobId, 10) // its challenge window runs past the window's end
	s.advanceTo(s.series.WindowEnd())
	p := s.position(pos.Id)
	s.Require().Equal(types.PositionStatus_POSITION_STATUS_SETTLING, p.Status)
	s.Require().Equal(uint64(10), p.InFlight)
	s.advance(time.Hour) // the job finalizes and requeues the position
	s.advance(time.Second)
	p = s.position(pos.Id)
	s.Require().Equal(types.PositionStatus_POSITION_STATUS_SETTLED, p.Status)
	s.Require().Equal(uint64(10), p.Delivered)
	s.Require().Equal(uint64(90), p.Settlement.UnusedUnits)
}

func (s *Suite) TestGenesisRoundTrip() {
	pos := s.trade(100, 100)
	later := s.series
	later.WindowStart = later.WindowStart.Add(24 * time.Hour)
	_, err := s.msg.PlaceOrder(s.ctx, &types.MsgPlaceOrder{Owner: s.buyer2.String(), Series: later, Side: buy, PricePerUnit: coin(90), Units: 20})
	s.Require().NoError(err)
	s.spot()
	s.advanceTo(s.series.WindowStart)
	s.draw(pos.Id, 10)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().NoError(gs.Validate(s.ac))
	s.Require().NotEmpty(gs.Orders)
	s.Require().NotEmpty(gs.PositionJobs)
	s.Require().NotEmpty(gs.Buckets)
	o, p, c, err := s.k.Totals(s.ctx)
	s.Require().NoError(err)
	// a fresh keeper over a fresh store loads it and exports the same
	keys := storetypes.NewKVStoreKeys(types.StoreKey)
	ctx2 := testutil.DefaultContextWithKeys(keys, nil, nil).WithBlockTime(s.ctx.BlockTime())
	fresh := keeper.NewKeeper(s.cdc, runtime.NewKVStoreService(keys[types.StoreKey]), s.ac, s.authority, fakes.Accounts{}, s.bank, fakes.Distr{Bank: s.bank}, s.jobs)
	s.Require().NoError(fresh.InitGenesis(ctx2, *gs))
	again, err := fresh.ExportGenesis(ctx2)
	s.Require().NoError(err)
	s.Require().Equal(gs, again)
	o2, p2, c2, err := fresh.Totals(ctx2)
	s.Require().NoError(err)
	s.Require().Equal([]sdkmath.Int{o, p, c}, []sdkmath.Int{o2, p2, c2})
	bad := *gs
	bad.Positions = append(bad.Positions, bad.Positions[0])
	s.Require().Error(bad.Validate(s.ac))
}

// Index manipulation. Wash trades between two sybil accounts through
// direct orders never reach the index. Through the scheduler only paid
// volume weighs, whoever trades it: splitting it across accounts changes
// nothing, and moving the median takes more units than everyone else's.
func (s *Suite) TestIndexResistsWashTrades() {
	// direct orders at 10x the market, finalized: no bucket at all
	for i := 0; i < 3; i++ {
		res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
			Buyer: s.stranger.String(), Class: inference, ModelCommitment: commit, InputCommitment: commit,
			Units: 1_000, MaxPricePerUnit: coin(1_600), TimeLimit: 10 * time.Minute, Provider: s.seller2.String(),
		})
		s.Require().NoError(err)
		_, err = s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: s.seller2.String(), JobId: res.JobId, OutputCommitment: commit, UnitsUsed: 1_000})
		s.Require().NoError(err)
	}
	s.advance(3 * time.Hour)
	idx, err := s.k.Index(s.ctx, inference)
	s.Require().NoError(err)
	s.Require().True(idx.Stale)
	s.Require().Empty(idx.Buckets, "direct orders never count")

	// the median of paid volume: honest trading at 100..116, 1,000 units
	// each; an attacker's volume at 10,000 moves it only when it exceeds
	// the rest, and cutting that volume into many accounts changes nothing
	honest := func() []keeper.WeightedPrice {
		var v []keeper.WeightedPrice
		for _, price := range []int64{100, 104, 108, 112, 116} {
			v = append(v, keeper.WeightedPrice{Price: sdkmath.NewInt(price), Units: 1_000})
		}
		return v
	}
	s.Require().Equal(int64(108), keeper.WeightedMedian(honest()).Int64())
	for _, attack := range []struct {
		units, accounts int
		want            int64
	}{
		{1_000, 1, 108}, {1_000, 10, 108}, // the same volume, one account or ten
		{4_999, 1, 116}, {4_999, 50, 116}, // still under everyone else's 5,000
		{5_001, 1, 10_000}, {5_001, 100, 10_000},
	} {
		v := honest()
		for a := range attack.accounts {
			u := attack.units / attack.accounts
			if a == 0 {
				u += attack.units % attack.accounts
			}
			v = append(v, keeper.WeightedPrice{Price: sdkmath.NewInt(10_000), Units: uint64(u)})
		}
		s.Require().Equal(attack.want, keeper.WeightedMedian(v).Int64(), "%d units at 10,000 from %d accounts", attack.units, attack.accounts)
	}
	s.Require().True(keeper.WeightedMedian(nil).IsZero())
}

// A job on a position lost to a fraud dispute (FAILED) is the seller's
// fault; the refund returns to the position.
func (s *Suite) TestFraudFailedJobIsFault() {
	pos := s.trade(100, 100)
	s.advanceTo(s.series.WindowStart)
	r := s.draw(pos.Id, 25)
	s.deliver(r.JobId, 25)
	_, err := s.jobs.MarkDisputed(s.ctx, r.JobId)
	s.Require().NoError(err)
	_, err = s.jobs.ResolveDispute(s.ctx, r.JobId, false)
	s.Require().NoError(err)
	p := s.position(pos.Id)
	s.Require().Equal(uint64(25), p.Fault)
	s.Require().Zero(p.InFlight)
	s.Require().Equal(coin(10_000), p.Escrow, "refunded in full to the position")
	s.advanceTo(s.series.WindowEnd())
	s.Require().Equal(uint64(25), s.position(pos.Id).Settlement.FaultUnits)
}

type attested bool

func (a attested) IsAttested(context.Context, string) (bool, error) { return bool(a), nil }

// A TEE-attested seller posts less collateral (x/attest); never below the
// floor.
func (s *Suite) TestAttestedSellerPostsLessCollateral() {
	s.k.SetAttestation(attested(true))
	s.Require().Panics(func() { s.k.SetAttestation(attested(false)) })
	pos := s.trade(100, 100)
	s.Require().Equal(coin(15), pos.CollateralPerUnit, "20% x 0.75")
	p, _ := s.k.Params.Get(s.ctx)
	p.AttestedFactorBps = 1
	s.Require().NoError(s.k.SetParams(s.ctx, p))
	s.mustPlace(s.seller, sell, 100, 10)
	res := s.mustPlace(s.buyer2, buy, 100, 10)
	s.Require().Equal(coin(10), s.position(res.PositionIds[0]).CollateralPerUnit, "the 10% floor")
}
