package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/attest/types"
)

// SetParams validates and stores the params.
func (k *Keeper) SetParams(ctx context.Context, p types.Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return k.Params.Set(ctx, p)
}
