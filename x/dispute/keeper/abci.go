package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/internal/settle"
)

// EndBlocker settles disputes whose proof deadline passed (at most
// max_resolutions_per_block; the rest wait for the next block), then draws
// this block's audits.
func (k *Keeper) EndBlocker(ctx context.Context) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if _, err := settle.Run(ctx, int(p.MaxResolutionsPerBlock), k.DeadlineQueue, k.PruneQueue); err != nil {
		return err
	}
	return k.drawAudits(ctx, p)
}
