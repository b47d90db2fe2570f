package keeper

import (
	"context"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/verdict-chain/verdict/x/forwards/types"
	"github.com/verdict-chain/verdict/x/internal/funds"
)

// The only place x/forwards moves coins (k.funds, from x/internal/funds)
// and keeps its three running totals beside them: order escrow (buy
// orders' price x units, sell orders' collateral), position escrow
// (buyers' money) and collateral (sellers'). A position's job escrow moves
// through x/jobs (SubmitContractJob takes it from this module's account).

func (k *Keeper) add(ctx context.Context, item collections.Item[math.Int], delta math.Int) error {
	return funds.AddTotal(ctx, item, delta, types.ErrAccounting)
}

// Totals reads the three totals.
func (k *Keeper) Totals(ctx context.Context) (orders, positions, collateral math.Int, err error) {
	if orders, err = funds.Total(ctx, k.OrderEscrow); err != nil {
		return
	}
	if positions, err = funds.Total(ctx, k.PositionEscrow); err != nil {
		return
	}
	collateral, err = funds.Total(ctx, k.Collateral)
	return
}

// CheckAccounting is the module invariant: the module account holds exactly
// the order escrows, position escrows and collateral — every coin that
// entered has one owner waiting for it.
func (k *Keeper) CheckAccounting(ctx context.Context) error {
	denom, err := k.jobs.Denom(ctx)
	if err != nil {
		return err
	}
	o, p, c, err := k.Totals(ctx)
	if err != nil {
		return err
	}
	bal := k.funds.Balance(ctx, denom)
	if want := o.Add(p).Add(c); !bal.Equal(want) {
		return errorsmod.Wrapf(types.ErrAccounting, "module holds %s%s, owes %s (orders %s + positions %s + collateral %s)", bal, denom, want, o, p, c)
	}
	return nil
}

// moduleBalance is what the module account holds in denom.
func (k *Keeper) moduleBalance(ctx context.Context, denom string) math.Int {
	return k.funds.Balance(ctx, denom)
}

// CanReceive reports whether addr may be paid: not an address x/bank
// blocks (module accounts), so no settlement names a recipient it cannot
// pay.
func (k *Keeper) CanReceive(addr sdk.AccAddress) bool { return !k.bank.BlockedAddr(addr) }

// lockOrderEscrow moves a new order's escrow into the module.
func (k *Keeper) lockOrderEscrow(ctx context.Context, owner sdk.AccAddress, escrow sdk.Coin) error {
	if err := k.funds.Collect(ctx, owner, escrow); err != nil {
		return err
	}
	return k.add(ctx, k.OrderEscrow, escrow.Amount)
}

// refundOrderEscrow pays a closing order's remaining escrow back.
func (k *Keeper) refundOrderEscrow(ctx context.Context, owner sdk.AccAddress, escrow sdk.Coin) error {
	if err := k.funds.Pay(ctx, owner, escrow); err != nil {
		return err
	}
	return k.add(ctx, k.OrderEscrow, escrow.Amount.Neg())
}

// fundPosition moves a fill's money: the taker pays its side (the notional
// when it buys, its collateral when it sells), the resting order releases
// fromOrder (the other side), and the position holds notional of the
// buyer's money and collateral of the seller's.
func (k *Keeper) fundPosition(ctx context.Context, taker sdk.AccAddress, takerPays sdk.Coin, fromOrder, notional, collateral math.Int) error {
	if !takerPays.Amount.Add(fromOrder).Equal(notional.Add(collateral)) {
		return errorsmod.Wrapf(types.ErrAccounting, "fill: taker %s + order %s is not notional %s + collateral %s", takerPays.Amount, fromOrder, notional, collateral)
	}
	if err := k.funds.Collect(ctx, taker, takerPays); err != nil {
		return err
	}
	if err := k.add(ctx, k.OrderEscrow, fromOrder.Neg()); err != nil {
		return err
	}
	if err := k.add(ctx, k.PositionEscrow, notional); err != nil {
		return err
	}
	return k.add(ctx, k.Collateral, collateral)
}

// payOutPosition empties a settled position: toBuyer to its owner,
// toSeller to its seller, toPool to the community pool; they sum to the
// position's escrow and collateral. A share its recipient cannot receive
// (a blocked address) goes to the pool with an event; it returns what the
// pool got.
func (k *Keeper) payOutPosition(ctx context.Context, pos types.Position, toBuyer, toSeller sdk.Coin, toPool math.Int) (math.Int, error) {
	denom := pos.PricePerUnit.Denom
	if !toBuyer.Amount.Add(toSeller.Amount).Add(toPool).Equal(pos.Escrow.Amount.Add(pos.Collateral.Amount)) {
		return toPool, errorsmod.Wrapf(types.ErrAccounting, "position %d: %s + %s + %s is not its escrow %s and collateral %s", pos.Id, toBuyer, toSeller, toPool, pos.Escrow, pos.Collateral)
	}
	owner, err := k.addr("owner", pos.Owner)
	if err != nil {
		return toPool, err
	}
	seller, err := k.addr("seller", pos.Seller)
	if err != nil {
		return toPool, err
	}
	// no settlement depends on one recipient: a share nobody can receive
	// goes to the community pool, and the others are paid
	for _, p := range []struct {
		to  sdk.AccAddress
		who string
		amt sdk.Coin
	}{{owner, pos.Owner, toBuyer}, {seller, pos.Seller, toSeller}} {
		if k.CanReceive(p.to) {
			if err := k.funds.Pay(ctx, p.to, p.amt); err != nil {
				return toPool, err
			}
			continue
		}
		toPool = toPool.Add(p.amt.Amount)
		if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventPayoutRedirected{PositionId: pos.Id, Recipient: p.who, Amount: p.amt}); err != nil {
			return toPool, err
		}
	}
	if err := k.funds.ToCommunityPool(ctx, sdk.NewCoin(denom, toPool)); err != nil {
		return toPool, err
	}
	if err := k.add(ctx, k.PositionEscrow, pos.Escrow.Amount.Neg()); err != nil {
		return toPool, err
	}
	if err := k.add(ctx, k.Collateral, pos.Collateral.Amount.Neg()); err != nil {
		return toPool, err
	}
	return toPool, nil
}
