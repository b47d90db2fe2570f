package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// Totals returns the escrow and bonds the module tracks.
func (k *Keeper) Totals(ctx context.Context) (escrow, bonds math.Int, err error) {
	get := func(item collections.Item[math.Int]) (math.Int, error) {
		v, err := item.Get(ctx)
		if errors.Is(err, collections.ErrNotFound) {
			return math.ZeroInt(), nil
		}
		return v, err
	}
	if escrow, err = get(k.TotalEscrow); err != nil {
		return
	}
	bonds, err = get(k.TotalBonds)
	return
}

// ModuleBalance is what the module account holds in the params denom.
func (k *Keeper) ModuleBalance(ctx context.Context) (math.Int, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return math.Int{}, err
	}
	return k.bankKeeper.GetBalance(ctx, k.ModuleAddress(), params.Denom).Amount, nil
}

// CheckAccounting is the module invariant. It recomputes the open escrows
// and the bonds from the full state, and requires
//
//	module balance == tracked escrow + tracked bonds == recomputed escrow + recomputed bonds
//
// It reads every job and provider: call it from tests, simulations and
// operators' checks, never from a block.
func (k *Keeper) CheckAccounting(ctx context.Context) error {
	escrow, bonds, err := k.Totals(ctx)
	if err != nil {
		return err
	}
	sumEscrow, sumBonds := math.ZeroInt(), math.ZeroInt()
	err = k.Jobs.Walk(ctx, nil, func(_ uint64, j types.Job) (bool, error) {
		if types.IsOpen(j.Status) {
			sumEscrow = sumEscrow.Add(j.Escrow.Amount)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	err = k.Providers.Walk(ctx, nil, func(_ sdk.AccAddress, p types.Provider) (bool, error) {
		sumBonds = sumBonds.Add(p.Bond.Amount)
		return false, nil
	})
	if err != nil {
		return err
	}
	balance, err := k.ModuleBalance(ctx)
	if err != nil {
		return err
	}
	if !sumEscrow.Equal(escrow) || !sumBonds.Equal(bonds) {
		return errorsmod.Wrapf(types.ErrAccounting, "tracked escrow %s bonds %s, recomputed escrow %s bonds %s", escrow, bonds, sumEscrow, sumBonds)
	}
	if !balance.Equal(escrow.Add(bonds)) {
		return errorsmod.Wrapf(types.ErrAccounting, "module balance %s != escrow %s + bonds %s", balance, escrow, bonds)
	}
	return nil
}
