package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/funds"
	"github.com/verdict-chain/verdict/x/jobs/types"
)

// Money: every coin moves through k.funds (x/internal/funds: collect into
// the module, pay out, fund the community pool); this file keeps the
// running totals beside the balance and the invariant that compares them.

// ledger reads the bookkeeping record (the next job id and the running
// totals); before genesis writes it, it is all zero.
func (k *Keeper) ledger(ctx context.Context) (types.Ledger, error) {
	l, err := k.Ledger.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return types.Ledger{TotalEscrow: math.ZeroInt(), TotalBonds: math.ZeroInt()}, nil
	}
	return l, err
}

// addTotal adds delta to a running total. A total that would go negative
// means the module paid out what it did not hold: ErrAccounting, and the
// caller's transition fails.
func addTotal(name string, cur, delta math.Int) (math.Int, error) {
	next, err := funds.Add(cur, delta, types.ErrAccounting)
	return next, errorsmod.Wrap(err, name)
}

func (k *Keeper) addEscrow(ctx context.Context, delta math.Int) error {
	l, err := k.ledger(ctx)
	if err != nil {
		return err
	}
	if l.TotalEscrow, err = addTotal("escrow", l.TotalEscrow, delta); err != nil {
		return err
	}
	return k.Ledger.Set(ctx, l)
}

func (k *Keeper) addBonds(ctx context.Context, delta math.Int) error {
	l, err := k.ledger(ctx)
	if err != nil {
		return err
	}
	if l.TotalBonds, err = addTotal("bonds", l.TotalBonds, delta); err != nil {
		return err
	}
	return k.Ledger.Set(ctx, l)
}

// Totals returns the escrow and bonds the module tracks.
func (k *Keeper) Totals(ctx context.Context) (escrow, bonds math.Int, err error) {
	l, err := k.ledger(ctx)
	return l.TotalEscrow, l.TotalBonds, err
}

// ModuleBalance is what the module account holds in the params denom.
func (k *Keeper) ModuleBalance(ctx context.Context) (math.Int, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return math.Int{}, err
	}
	return k.funds.Balance(ctx, params.Denom), nil
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
