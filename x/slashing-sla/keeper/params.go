package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// SetParams validates and sets the params. Violations are stored with their
// time, so a new violation_window counts exactly from the next assessment on.
func (k *Keeper) SetParams(ctx context.Context, p types.Params) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return k.Params.Set(ctx, p)
}
