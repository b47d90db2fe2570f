package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/dispute/types"
)

// SetParams validates and sets new params. The bond denom cannot change:
// open challenge bonds are held in it.
func (k *Keeper) SetParams(ctx context.Context, p types.Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	old, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if p.MinChallengeBond.Denom != old.MinChallengeBond.Denom {
		return errorsmod.Wrapf(types.ErrInvalidParams, "the bond denom cannot change (%s): open bonds are held in it", old.MinChallengeBond.Denom)
	}
	return k.Params.Set(ctx, p)
}
