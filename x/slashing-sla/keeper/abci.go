package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/internal/settle"
)

// EndBlocker grades the jobs whose report window closed, at most
// max_assessments_per_block; the rest wait for the next block. A job still
// open then (its challenge window or a dispute running) is graded when it
// closes (the entry comes back at its window end, or one report_window
// later while disputed). A job that cannot be graded (its provider left,
// say) is dead-lettered with an event and does not block the others
// (x/internal/settle).
func (k *Keeper) EndBlocker(ctx context.Context) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	_, err = settle.Run(ctx, int(p.MaxAssessmentsPerBlock), k.Queue, k.PruneQueue)
	return err
}
