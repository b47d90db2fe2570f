package keeper_test

import (
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/forwards/types"
)

const (
	buy  = types.Side_SIDE_BUY
	sell = types.Side_SIDE_SELL
)

func (s *Suite) TestMatchingPriceTimePriority() {
	o1 := s.mustPlace(s.seller, sell, 120, 100) // resting 120
	o2 := s.mustPlace(s.seller2, sell, 110, 50) // resting 110, older
	o3 := s.mustPlace(s.seller, sell, 110, 30)  // resting 110, newer
	s.Require().NotZero(o1.OrderId)
	b0 := s.bal(s.buyer)
	res := s.mustPlace(s.buyer, buy, 120, 120)
	s.Require().Equal(uint64(120), res.FilledUnits)
	s.Require().Zero(res.OrderId, "fully filled: nothing rests")
	s.Require().Len(res.PositionIds, 3)
	// best price first, oldest first at a price, each at the resting price
	p := []types.Position{s.position(res.PositionIds[0]), s.position(res.PositionIds[1]), s.position(res.PositionIds[2])}
	s.Require().Equal([]string{s.seller2.String(), s.seller.String(), s.seller.String()}, []string{p[0].Seller, p[1].Seller, p[2].Seller})
	s.Require().Equal([]uint64{50, 30, 40}, []uint64{p[0].Units, p[1].Units, p[2].Units})
	s.Require().Equal([]int64{110, 110, 120}, []int64{p[0].PricePerUnit.Amount.Int64(), p[1].PricePerUnit.Amount.Int64(), p[2].PricePerUnit.Amount.Int64()})
	s.Require().Equal(b0-(50*110+30*110+40*120), s.bal(s.buyer), "pays the resting prices, not its limit")
	// order 2 and 3 are gone, order 1 keeps 60 units and their collateral
	_, err := s.k.GetOrder(s.ctx, o2.OrderId)
	s.requireCode(err, types.ErrOrderNotFound)
	_, err = s.k.GetOrder(s.ctx, o3.OrderId)
	s.requireCode(err, types.ErrOrderNotFound)
	rest, err := s.k.GetOrder(s.ctx, o1.OrderId)
	s.Require().NoError(err)
	s.Require().Equal(uint64(60), rest.Units)
	s.Require().Equal(coin(60*24), rest.Escrow, "collateral 20% of 120 per unit")

	// a second buy at the same price is a trade of its own: a position of
	// its own, with its own terms and lot
	res2 := s.mustPlace(s.buyer, buy, 120, 10)
	s.Require().Len(res2.PositionIds, 1)
	s.Require().NotEqual(p[2].Id, res2.PositionIds[0])
	s.Require().Equal(uint64(10), s.position(res2.PositionIds[0]).Units)
	s.Require().Equal(uint64(40), s.position(p[2].Id).Units)

	book, err := s.q.Book(s.ctx, &types.QueryBookRequest{Class: inference, WindowStartUnix: s.series.WindowStart.Unix(), WindowLength: "4h"})
	s.Require().NoError(err)
	s.Require().Empty(book.Bids)
	s.Require().Len(book.Asks, 1)
	s.Require().Equal(uint64(50), book.Asks[0].Units)
}

func (s *Suite) TestPartialFillRestsAndTheFillCap() {
	p, _ := s.k.Params.Get(s.ctx)
	p.MaxFillsPerMsg = 2
	s.Require().NoError(s.k.SetParams(s.ctx, p))
	for i := 0; i < 3; i++ {
		s.mustPlace(s.seller, sell, int64(100+i), 10)
	}
	res := s.mustPlace(s.buyer, buy, 200, 100)
	s.Require().Equal(uint64(20), res.FilledUnits, "two fills at most")
	o, err := s.k.GetOrder(s.ctx, res.OrderId)
	s.Require().NoError(err)
	s.Require().Equal(uint64(80), o.Units)
	s.Require().Equal(coin(80*200), o.Escrow, "the rest escrows its limit price")
	// the book now crosses at 102 vs 200: the next sell fills against it
	res2 := s.mustPlace(s.seller, sell, 102, 10)
	s.Require().Equal(uint64(10), res2.FilledUnits)
	s.Require().Equal(int64(200), s.position(res2.PositionIds[0]).PricePerUnit.Amount.Int64(), "at the resting buy's price")
}

func (s *Suite) TestSelfTradeLotsCapsAndSellers() {
	s.mustPlace(s.seller, sell, 100, 10)
	_, err := s.place(s.seller, buy, 100, 10)
	s.requireCode(err, types.ErrSelfTrade)
	_, err = s.place(s.buyer, buy, 100, 5)
	s.requireCode(err, types.ErrInvalidOrder) // below min lot
	_, err = s.place(s.buyer, sell, 100, 10)
	s.requireCode(err, types.ErrNotSeller)
	bad := s.series
	bad.WindowStart = bad.WindowStart.Add(time.Minute)
	_, err = s.msg.PlaceOrder(s.ctx, &types.MsgPlaceOrder{Owner: s.buyer.String(), Series: bad, Side: buy, PricePerUnit: coin(100), Units: 10})
	s.requireCode(err, types.ErrInvalidSeries)
	bad = s.series
	bad.WindowLength = 3 * time.Hour
	_, err = s.msg.PlaceOrder(s.ctx, &types.MsgPlaceOrder{Owner: s.buyer.String(), Series: bad, Side: buy, PricePerUnit: coin(100), Units: 10})
	s.requireCode(err, types.ErrInvalidSeries)
	_, err = s.msg.PlaceOrder(s.ctx, &types.MsgPlaceOrder{Owner: s.buyer.String(), Series: s.series, Side: buy, PricePerUnit: sdk.NewInt64Coin("other", 100), Units: 10})
	s.requireCode(err, types.ErrInvalidOrder)
	_, err = s.msg.PlaceOrder(s.ctx, &types.MsgPlaceOrder{Owner: s.buyer.String(), Series: s.series, Side: buy, PricePerUnit: coin(90), Units: 10, RatableLimit: 5})
	s.requireCode(err, types.ErrInvalidOrder) // a seller's term on a buy

	p, _ := s.k.Params.Get(s.ctx)
	p.MaxOpenOrders = 2
	s.Require().NoError(s.k.SetParams(s.ctx, p))
	s.mustPlace(s.buyer, buy, 50, 10)
	s.mustPlace(s.buyer, buy, 51, 10)
	_, err = s.place(s.buyer, buy, 52, 10)
	s.requireCode(err, types.ErrTooManyOrders)
}

func (s *Suite) TestOrdersExpireAtTheWindowStartAndCancel() {
	b0, s0 := s.bal(s.buyer), s.bal(s.seller)
	ob := s.mustPlace(s.buyer, buy, 90, 10)
	os := s.mustPlace(s.seller, sell, 100, 10)
	oc := s.mustPlace(s.buyer, buy, 80, 10)
	s.Require().Equal(b0-900-800, s.bal(s.buyer))
	s.Require().Equal(s0-200, s.bal(s.seller))
	_, err := s.msg.CancelOrder(s.ctx, &types.MsgCancelOrder{Owner: s.seller.String(), OrderId: oc.OrderId})
	s.requireCode(err, types.ErrUnauthorized)
	_, err = s.msg.CancelOrder(s.ctx, &types.MsgCancelOrder{Owner: s.buyer.String(), OrderId: oc.OrderId})
	s.Require().NoError(err)
	s.Require().Equal(b0-900, s.bal(s.buyer))

	s.advanceTo(s.series.WindowStart.Add(-time.Second))
	_, err = s.k.GetOrder(s.ctx, ob.OrderId)
	s.Require().NoError(err)
	s.advance(time.Second)
	for _, id := range []uint64{ob.OrderId, os.OrderId} {
		_, err := s.k.GetOrder(s.ctx, id)
		s.requireCode(err, types.ErrOrderNotFound)
	}
	s.Require().Equal(b0, s.bal(s.buyer))
	s.Require().Equal(s0, s.bal(s.seller))
	// and the window has begun: no more trading in it
	_, err = s.place(s.buyer, buy, 90, 10)
	s.requireCode(err, types.ErrInvalidSeries)
}

func (s *Suite) TestBadInputsMoveNoCoin() {
	before := s.bank.Snapshot()
	for _, m := range []*types.MsgPlaceOrder{
		{Owner: s.buyer.String(), Series: s.series, Side: 0, PricePerUnit: coin(100), Units: 10},
		{Owner: s.buyer.String(), Series: s.series, Side: buy, PricePerUnit: coin(0), Units: 10},
		{Owner: s.buyer.String(), Series: s.series, Side: buy, PricePerUnit: coin(100), Units: 1 << 40},
		{Owner: s.buyer.String(), Series: types.Series{}, Side: buy, PricePerUnit: coin(100), Units: 10},
		{Owner: "nope", Series: s.series, Side: buy, PricePerUnit: coin(100), Units: 10},
		{Owner: s.buyer.String(), Series: s.series, Side: buy, PricePerUnit: coin(100), Units: 10, ExpiresAfter: -time.Second},
	} {
		_, err := s.msg.PlaceOrder(s.ctx, m)
		s.Require().Error(err)
	}
	_, err := s.msg.SubmitPositionJob(s.ctx, &types.MsgSubmitPositionJob{Owner: s.buyer.String(), PositionId: 99, Units: 1})
	s.requireCode(err, types.ErrPositionNotFound)
	_, err = s.msg.TransferPosition(s.ctx, &types.MsgTransferPosition{Owner: s.buyer.String(), PositionId: 99, To: s.buyer2.String()})
	s.requireCode(err, types.ErrPositionNotFound)
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.buyer.String(), Params: types.DefaultParams()})
	s.requireCode(err, types.ErrUnauthorized)
	s.Require().Equal(before, s.bank.Snapshot())
}
