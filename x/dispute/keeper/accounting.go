package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/internal/funds"
)

// Money: every coin moves through k.funds (x/internal/funds: challenge bonds
// in and out, rewards, the community pool); this file keeps the running
// total of open challenge bonds and the invariant.

func (k *Keeper) addBonds(ctx context.Context, delta math.Int) error {
	return funds.AddTotal(ctx, k.TotalBonds, delta, types.ErrAccounting)
}

// TotalBondsHeld is the sum of open challenge bonds the module tracks.
func (k *Keeper) TotalBondsHeld(ctx context.Context) (math.Int, error) {
	return funds.Total(ctx, k.TotalBonds)
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
	bal := k.funds.Balance(ctx, p.MinChallengeBond.Denom)
	if !bal.Equal(tracked) || !tracked.Equal(sum) {
		return errorsmod.Wrapf(types.ErrAccounting, "module balance %s, tracked bonds %s, open challenge bonds %s", bal, tracked, sum)
	}
	return nil
}
