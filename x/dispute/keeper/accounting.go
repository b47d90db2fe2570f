package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	"github.com/verdict-chain/verdict/x/dispute/types"
)

// TotalBondsHeld is the sum of open challenge bonds the module tracks.
func (k *Keeper) TotalBondsHeld(ctx context.Context) (math.Int, error) {
	v, err := k.TotalBonds.Get(ctx)
	if isNotFound(err) {
		return math.ZeroInt(), nil
	}
	return v, err
}

func (k *Keeper) addBonds(ctx context.Context, delta math.Int) error {
	cur, err := k.TotalBondsHeld(ctx)
	if err != nil {
		return err
	}
	next := cur.Add(delta)
	if next.IsNegative() {
		return errorsmod.Wrapf(types.ErrAccounting, "challenge bonds would go negative: %s%+d", cur, delta.Int64())
	}
	return k.TotalBonds.Set(ctx, next)
}

// CheckAccounting is the module invariant:
//
//	module balance == tracked bonds == sum of the bonds of OPEN challenges
//
// so every challenge bond that entered the module is held for exactly one
// open dispute, and every resolved dispute paid its bond out. It reads every
// dispute: for tests and operators, not for blocks.
func (k *Keeper) CheckAccounting(ctx context.Context) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	tracked, err := k.TotalBondsHeld(ctx)
	if err != nil {
		return err
	}
	sum := math.ZeroInt()
	err = k.Disputes.Walk(ctx, nil, func(_ uint64, d types.Dispute) (bool, error) {
		if d.Status == types.DisputeStatus_DISPUTE_STATUS_OPEN && d.Kind == types.DisputeKind_DISPUTE_KIND_CHALLENGE {
			sum = sum.Add(d.Bond.Amount)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	bal := k.bankKeeper.GetBalance(ctx, k.ModuleAddress(), p.MinChallengeBond.Denom).Amount
	if !bal.Equal(tracked) || !tracked.Equal(sum) {
		return errorsmod.Wrapf(types.ErrAccounting, "module balance %s, tracked bonds %s, open challenge bonds %s", bal, tracked, sum)
	}
	return nil
}
