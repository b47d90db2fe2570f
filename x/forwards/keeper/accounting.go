package keeper

import (
	"context"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	"github.com/verdict-chain/verdict/x/forwards/types"
	"github.com/verdict-chain/verdict/x/internal/funds"
)

// The only place x/forwards moves coins and keeps its three running
// totals: order escrow (buy orders' price x units, sell orders'
// collateral), position escrow (buyers' money) and collateral (sellers').

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
