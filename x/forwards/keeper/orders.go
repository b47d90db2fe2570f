package keeper

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/forwards/types"
	"github.com/verdict-chain/verdict/x/internal/bps"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// priceKey orders a book side: sells by price ascending, buys descending.
func priceKey(side types.Side, price uint64) uint64 {
	if side == types.Side_SIDE_BUY {
		return math.MaxUint64 - price
	}
	return price
}

func (k *Keeper) book(side types.Side) collections.KeySet[BookKey] {
	if side == types.Side_SIDE_BUY {
		return k.BuyBook
	}
	return k.SellBook
}

// GetOrder loads an order or returns ErrOrderNotFound.
func (k *Keeper) GetOrder(ctx context.Context, id uint64) (types.Order, error) {
	o, err := k.Orders.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return o, errorsmod.Wrapf(types.ErrOrderNotFound, "order %d", id)
	}
	return o, err
}

// checkOrder validates a new order against the params and, for a sell,
// that its owner is an active provider offering the class. It returns the
// sell side's collateral per unit.
func (k *Keeper) checkOrder(ctx context.Context, p types.Params, msg *types.MsgPlaceOrder, owner sdk.AccAddress, denom string) (sdk.Coin, error) {
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	if err := types.ValidateSeries(msg.Series, p, now); err != nil {
		return sdk.Coin{}, err
	}
	if msg.Side != types.Side_SIDE_BUY && msg.Side != types.Side_SIDE_SELL {
		return sdk.Coin{}, errorsmod.Wrapf(types.ErrInvalidOrder, "side must be buy or sell, got %s", msg.Side)
	}
	pr := msg.PricePerUnit
	if pr.Denom != denom || pr.Amount.IsNil() || !pr.Amount.IsPositive() || !pr.Amount.IsUint64() || pr.Amount.Uint64() >= math.MaxUint64/2 {
		return sdk.Coin{}, errorsmod.Wrapf(types.ErrInvalidOrder, "price_per_unit must be a positive amount of %s below 2^63, got %s", denom, pr)
	}
	if msg.Units < p.MinLotUnits || msg.Units > math.MaxUint32 {
		return sdk.Coin{}, errorsmod.Wrapf(types.ErrInvalidOrder, "units must be %d..%d (min_lot_units), got %d", p.MinLotUnits, uint64(math.MaxUint32), msg.Units)
	}
	if msg.ExpiresAfter < 0 {
		return sdk.Coin{}, errorsmod.Wrap(types.ErrInvalidOrder, "expires_after must not be negative")
	}
	if msg.Side == types.Side_SIDE_BUY {
		if msg.RatableLimit != 0 || msg.RefundUnused {
			return sdk.Coin{}, errorsmod.Wrap(types.ErrInvalidOrder, "ratable_limit and refund_unused are the seller's terms")
		}
		return sdk.NewCoin(denom, sdkmath.ZeroInt()), nil
	}
	// a ratable limit may pace delivery, never make units undrawable (they
	// would be paid take-or-pay for nothing): the window's hours at the
	// limit must cover the order
	if hours := max(uint64(msg.Series.WindowLength/time.Hour), 1); msg.RatableLimit > 0 && msg.RatableLimit < (msg.Units+hours-1)/hours {
		return sdk.Coin{}, errorsmod.Wrapf(types.ErrInvalidOrder, "ratable_limit %d an hour cannot deliver %d units in a %s window", msg.RatableLimit, msg.Units, msg.Series.WindowLength)
	}
	if _, err := k.sellerOffer(ctx, owner, msg.Series.Class); err != nil {
		return sdk.Coin{}, err
	}
	rate, err := k.collateralBps(ctx, p, owner, msg.Series.Class)
	if err != nil {
		return sdk.Coin{}, err
	}
	return types.CollateralPerUnit(pr, rate), nil
}

// sellerOffer is the seller's offer for the class, if it may sell now: a
// registered, ACTIVE provider offering the class. Checked when a sell is
// placed and again whenever a resting sell trades (a seller that paused,
// was jailed, began unbonding or withdrew the class since cannot be sold
// from).
func (k *Keeper) sellerOffer(ctx context.Context, seller sdk.AccAddress, class jobstypes.WorkloadClass) (jobstypes.ClassPrice, error) {
	prov, err := k.jobs.GetProvider(ctx, seller)
	if err != nil {
		return jobstypes.ClassPrice{}, errorsmod.Wrapf(types.ErrNotSeller, "%s is not a registered provider", k.str(seller))
	}
	if prov.Status != jobstypes.ProviderStatus_PROVIDER_STATUS_ACTIVE {
		return jobstypes.ClassPrice{}, errorsmod.Wrapf(types.ErrNotSeller, "%s is %s", prov.Operator, prov.Status)
	}
	if _, ok := jobstypes.PriceFor(prov, class); !ok {
		return jobstypes.ClassPrice{}, errorsmod.Wrapf(types.ErrNotSeller, "%s does not offer %s", prov.Operator, class)
	}
	return jobstypes.OfferFor(prov, class), nil
}

// collateralBps is the seller's collateral rate: collateral_bps, lowered
// for a high reputation in the class and for a TEE attestation, never
// below min_collateral_bps.
func (k *Keeper) collateralBps(ctx context.Context, p types.Params, seller sdk.AccAddress, class jobstypes.WorkloadClass) (uint32, error) {
	rate := uint64(p.CollateralBps)
	if k.reputation != nil {
		score, err := k.reputation.ScorePPM(ctx, seller, class)
		if err != nil {
			return 0, err
		}
		if score >= p.HighReputationPpm {
			rate = bps.Scale(rate, p.HighReputationFactorBps)
		}
	}
	if k.attest != nil {
		ok, err := k.attest.IsAttested(ctx, k.str(seller))
		if err != nil {
			return 0, err
		}
		if ok {
			rate = bps.Scale(rate, p.AttestedFactorBps)
		}
	}
	return uint32(max(rate, uint64(p.MinCollateralBps))), nil
}

// PlaceOrder fills the order against the opposite side of its series'
// book, best price first then oldest, at the resting orders' prices, at
// most max_fills_per_msg of them; the rest of the order rests.
func (k *Keeper) PlaceOrder(ctx context.Context, msg *types.MsgPlaceOrder) (*types.MsgPlaceOrderResponse, error) {
	owner, err := k.addr("owner", msg.Owner)
	if err != nil {
		return nil, err
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	denom, err := k.jobs.Denom(ctx)
	if err != nil {
		return nil, err
	}
	cpu, err := k.checkOrder(ctx, p, msg, owner, denom)
	if err != nil {
		return nil, err
	}
	open, err := k.openOrders(ctx, owner)
	if err != nil {
		return nil, err
	}
	if open >= p.MaxOpenOrders {
		return nil, errorsmod.Wrapf(types.ErrTooManyOrders, "%s has %d resting orders (max_open_orders)", msg.Owner, open)
	}

	// The resting orders this one crosses, best first, at most the fill cap.
	opposite := types.Side_SIDE_SELL
	if msg.Side == types.Side_SIDE_SELL {
		opposite = types.Side_SIDE_BUY
	}
	limit := msg.PricePerUnit.Amount.Uint64()
	var crossing []uint64
	rng := collections.NewPrefixedTripleRange[string, uint64, uint64](msg.Series.Key())
	err = k.book(opposite).Walk(ctx, rng, func(key BookKey) (bool, error) {
		price := key.K2()
		if opposite == types.Side_SIDE_BUY {
			price = math.MaxUint64 - price
		}
		if (msg.Side == types.Side_SIDE_BUY && price > limit) || (msg.Side == types.Side_SIDE_SELL && price < limit) {
			return true, nil
		}
		crossing = append(crossing, key.K3())
		return len(crossing) >= int(p.MaxFillsPerMsg), nil
	})
	if err != nil {
		return nil, err
	}
	res := &types.MsgPlaceOrderResponse{}
	remaining := msg.Units
	for _, rid := range crossing {
		if remaining == 0 {
			break
		}
		resting, err := k.GetOrder(ctx, rid)
		if err != nil {
			return nil, err
		}
		if resting.Owner == msg.Owner {
			return nil, errorsmod.Wrapf(types.ErrSelfTrade, "order %d is the owner's own", rid)
		}
		// A deadline is checked where it is used, and so is every
		// condition the resting order relied on: an order past its expiry
		// (EndBlock may not have reached it), or a sell whose seller can no
		// longer sell or whose collateral rate rose since it was placed,
		// is closed here and refunded, not traded.
		if reason, err := k.staleResting(ctx, p, resting); err != nil {
			return nil, err
		} else if reason != "" {
			if err := k.closeOrder(ctx, resting, reason); err != nil {
				return nil, err
			}
			continue
		}
		n := min(remaining, resting.Units)
		posID, err := k.fill(ctx, p, resting, msg, owner, n)
		if err != nil {
			return nil, err
		}
		remaining -= n
		res.FilledUnits += n
		res.PositionIds = appendUnique(res.PositionIds, posID)
	}
	if remaining == 0 {
		return res, nil
	}
	res.OrderId, err = k.rest(ctx, msg, owner, cpu, remaining)
	return res, err
}

// staleResting tells why a resting order may no longer trade ("" if it
// may): past its expiry; a sell whose seller cannot sell now; a sell whose
// collateral per unit is below what the seller's rate asks now.
func (k *Keeper) staleResting(ctx context.Context, p types.Params, o types.Order) (string, error) {
	if !sdk.UnwrapSDKContext(ctx).BlockTime().Before(o.ExpiresAt) {
		return "expired", nil
	}
	if o.Side != types.Side_SIDE_SELL {
		return "", nil
	}
	seller, err := k.addr("owner", o.Owner)
	if err != nil {
		return "", err
	}
	if _, err := k.sellerOffer(ctx, seller, o.Series.Class); err != nil {
		if types.ErrNotSeller.Is(err) {
			return "seller_ineligible", nil
		}
		return "", err
	}
	rate, err := k.collateralBps(ctx, p, seller, o.Series.Class)
	if err != nil {
		return "", err
	}
	if types.CollateralPerUnit(o.PricePerUnit, rate).Amount.GT(o.CollateralPerUnit.Amount) {
		return "collateral_rate_rose", nil
	}
	return "", nil
}

func appendUnique(ids []uint64, id uint64) []uint64 {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

// rest puts the remainder of an order on the book, escrowing its price x
// units (buy) or collateral (sell).
func (k *Keeper) rest(ctx context.Context, msg *types.MsgPlaceOrder, owner sdk.AccAddress, cpu sdk.Coin, units uint64) (uint64, error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	now := sdkCtx.BlockTime()
	id, err := k.OrderSeq.Next(ctx)
	if err != nil {
		return 0, err
	}
	expires := msg.Series.WindowStart
	if msg.ExpiresAfter > 0 && now.Add(msg.ExpiresAfter).Before(expires) {
		expires = now.Add(msg.ExpiresAfter)
	}
	escrow := types.Mul(msg.PricePerUnit, units)
	if msg.Side == types.Side_SIDE_SELL {
		escrow = types.Mul(cpu, units)
	} else {
		cpu = sdk.NewCoin(msg.PricePerUnit.Denom, sdkmath.ZeroInt())
	}
	o := types.Order{
		Id: id, Series: msg.Series, Owner: msg.Owner, Side: msg.Side, PricePerUnit: msg.PricePerUnit,
		Units: units, OrigUnits: msg.Units, RatableLimit: msg.RatableLimit, RefundUnused: msg.RefundUnused,
		CollateralPerUnit: cpu, Escrow: escrow, PlacedAt: now, ExpiresAt: expires,
	}
	if err := k.lockOrderEscrow(ctx, owner, escrow); err != nil {
		return 0, err
	}
	if err := k.Orders.Set(ctx, id, o); err != nil {
		return 0, err
	}
	if err := k.book(o.Side).Set(ctx, collections.Join3(o.Series.Key(), priceKey(o.Side, o.PricePerUnit.Amount.Uint64()), id)); err != nil {
		return 0, err
	}
	if err := k.OrdersByOwner.Set(ctx, collections.Join(owner, id)); err != nil {
		return 0, err
	}
	if err := k.bumpOpen(ctx, owner, 1); err != nil {
		return 0, err
	}
	if err := k.OrderExpiry.Push(ctx, expires, id); err != nil {
		return 0, err
	}
	return id, sdkCtx.EventManager().EmitTypedEvent(&types.EventOrderPlaced{Order: o})
}

// fill trades n units between a resting order and the incoming one at the
// resting price, into a position of its own (a trade keeps its terms and
// its lot). The trade keeps the terms in force now: the seller's offer for
// the class (minimum time limit, circuits, sizes), the non-delivery fee and
// the protocol fee; and its share of the sell order's ratable limit.
func (k *Keeper) fill(ctx context.Context, p types.Params, resting types.Order, taker *types.MsgPlaceOrder, takerAddr sdk.AccAddress, n uint64) (uint64, error) {
	price := resting.PricePerUnit
	notional := types.Mul(price, n)
	var buyer, seller string
	var ratable, orderUnits uint64
	var refundUnused bool
	var cpu, takerPays, fromOrder sdk.Coin
	if resting.Side == types.Side_SIDE_SELL {
		// the taker buys: it pays the notional now; the resting seller's
		// collateral moves from its order to the position
		buyer, seller = taker.Owner, resting.Owner
		ratable, refundUnused, cpu, orderUnits = resting.RatableLimit, resting.RefundUnused, resting.CollateralPerUnit, resting.OrigUnits
		takerPays, fromOrder = notional, types.Mul(cpu, n)
	} else {
		// the taker sells: it posts collateral at the trade price; the
		// resting buyer's escrow moves from its order to the position
		buyer, seller = resting.Owner, taker.Owner
		ratable, refundUnused, orderUnits = taker.RatableLimit, taker.RefundUnused, taker.Units
		rate, err := k.collateralBps(ctx, p, takerAddr, taker.Series.Class)
		if err != nil {
			return 0, err
		}
		cpu = types.CollateralPerUnit(price, rate)
		takerPays, fromOrder = types.Mul(cpu, n), notional
	}
	resting.Escrow = resting.Escrow.Sub(fromOrder)
	if err := k.fundPosition(ctx, takerAddr, takerPays, fromOrder.Amount, notional.Amount, types.Mul(cpu, n).Amount); err != nil {
		return 0, err
	}
	terms, err := k.tradeTerms(ctx, p, seller, resting.Series.Class)
	if err != nil {
		return 0, err
	}
	posID, err := k.openTrade(ctx, resting.Series, buyer, seller, price, n, types.RatableShare(ratable, n, orderUnits), refundUnused, cpu, terms)
	if err != nil {
		return 0, err
	}
	resting.Units -= n
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventOrderFilled{
		RestingOrderId: resting.Id, Taker: taker.Owner, PositionId: posID, Units: n, PricePerUnit: price,
	}); err != nil {
		return 0, err
	}
	if resting.Units > 0 {
		return posID, k.Orders.Set(ctx, resting.Id, resting)
	}
	return posID, k.closeOrder(ctx, resting, "filled")
}

// tradeTerms are the terms a trade made now keeps for its life: the
// seller's offer for the class (it was checked to be able to sell), the
// non-delivery fee and x/jobs' protocol fee in force.
func (k *Keeper) tradeTerms(ctx context.Context, p types.Params, seller string, class jobstypes.WorkloadClass) (types.ContractTerms, error) {
	sellerAddr, err := k.addr("seller", seller)
	if err != nil {
		return types.ContractTerms{}, err
	}
	prov, err := k.jobs.GetProvider(ctx, sellerAddr)
	if err != nil {
		return types.ContractTerms{}, err
	}
	fee, err := k.jobs.ProtocolFeeBps(ctx)
	if err != nil {
		return types.ContractTerms{}, err
	}
	o := jobstypes.OfferFor(prov, class)
	return types.ContractTerms{
		NonDeliveryFeeBps: p.NonDeliveryFeeBps,
		MinTimeLimit:      o.MinTimeLimit,
		CircuitIds:        append([]string(nil), prov.CircuitIds...),
		MaxUnitsPerJob:    o.MaxUnitsPerJob,
		MaxOpenUnits:      o.MaxOpenUnits,
		ProtocolFeeBps:    fee,
	}, nil
}

// closeOrder takes an order off the book, refunds what it still escrows and
// deletes it.
func (k *Keeper) closeOrder(ctx context.Context, o types.Order, reason string) error {
	owner, err := k.addr("owner", o.Owner)
	if err != nil {
		return err
	}
	if err := k.refundOrderEscrow(ctx, owner, o.Escrow); err != nil {
		return err
	}
	if err := k.book(o.Side).Remove(ctx, collections.Join3(o.Series.Key(), priceKey(o.Side, o.PricePerUnit.Amount.Uint64()), o.Id)); err != nil {
		return err
	}
	if err := k.OrdersByOwner.Remove(ctx, collections.Join(owner, o.Id)); err != nil {
		return err
	}
	if err := k.bumpOpen(ctx, owner, -1); err != nil {
		return err
	}
	if err := k.OrderExpiry.Remove(ctx, o.ExpiresAt, o.Id); err != nil {
		return err
	}
	if err := k.Orders.Remove(ctx, o.Id); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventOrderClosed{OrderId: o.Id, Reason: reason, Refunded: o.Escrow})
}

// CancelOrder closes its owner's resting order.
func (k *Keeper) CancelOrder(ctx context.Context, owner string, id uint64) error {
	o, err := k.GetOrder(ctx, id)
	if err != nil {
		return err
	}
	if o.Owner != owner {
		return errorsmod.Wrapf(types.ErrUnauthorized, "order %d belongs to %s", id, o.Owner)
	}
	return k.closeOrder(ctx, o, "cancelled")
}

// settleOrderExpiry closes an order whose time has come.
func (k *Keeper) settleOrderExpiry(ctx context.Context, due time.Time, id uint64) error {
	o, err := k.Orders.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !o.ExpiresAt.Equal(due) {
		return nil
	}
	return k.closeOrder(ctx, o, "expired")
}

func (k *Keeper) openOrders(ctx context.Context, owner sdk.AccAddress) (uint32, error) {
	n, err := k.OpenOrders.Get(ctx, owner)
	if errors.Is(err, collections.ErrNotFound) {
		return 0, nil
	}
	return n, err
}

func (k *Keeper) bumpOpen(ctx context.Context, owner sdk.AccAddress, delta int) error {
	n, err := k.openOrders(ctx, owner)
	if err != nil {
		return err
	}
	switch {
	case delta < 0 && n == 0:
		return fmt.Errorf("x/forwards: open order count of %s would go negative", k.str(owner))
	case delta < 0 && n == 1:
		return k.OpenOrders.Remove(ctx, owner)
	}
	return k.OpenOrders.Set(ctx, owner, uint32(int(n)+delta))
}
