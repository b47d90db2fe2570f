package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/internal/settle"
)

// EndBlocker settles, at most max_settlements_per_block in all and taking
// turns: expired orders, ended windows, index buckets whose hour is over,
// settled positions past retention.
func (k *Keeper) EndBlocker(ctx context.Context) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	_, err = settle.Run(ctx, int(p.MaxSettlementsPerBlock), k.OrderExpiry, k.WindowQueue, k.BucketQueue, k.PruneQueue)
	return err
}
