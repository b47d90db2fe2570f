package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/internal/settle"
)

// EndBlocker deletes records idle for record_retention, at most
// max_prunes_per_block.
func (k *Keeper) EndBlocker(ctx context.Context) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	_, err = settle.Run(ctx, int(p.MaxPrunesPerBlock), k.PruneQueue)
	return err
}
