package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/reputation/types"
)

// SetParams validates and sets the params. Records store evidence, not
// scores: a new half-life or prior applies from now on without rewriting
// any record.
func (k *Keeper) SetParams(ctx context.Context, p types.Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return k.Params.Set(ctx, p)
}
