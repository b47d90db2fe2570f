package keeper

import (
	"context"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// Hooks returns the x/jobs lifecycle hooks of x/dispute.
func (k *Keeper) JobHooks() jobstypes.JobHooks { return hooks{k} }

type hooks struct{ k *Keeper }

// AfterResultPosted enters the result in this block's audit lottery when it
// can be proven (names a circuit).
func (h hooks) AfterResultPosted(ctx context.Context, j jobstypes.Job) error {
	if j.CircuitId == "" {
		return nil
	}
	return h.k.PendingAudits.Set(ctx, j.Id)
}

func (hooks) AfterJobFinalized(context.Context, jobstypes.Job) error { return nil }
func (hooks) AfterJobFailed(context.Context, jobstypes.Job) error    { return nil }
func (hooks) AfterJobExpired(context.Context, jobstypes.Job) error   { return nil }
func (hooks) AfterJobCancelled(context.Context, jobstypes.Job) error { return nil }
