package keeper

import (
	"context"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// JobHooks grades an SLA job that expired without a result as nothing
// delivered; the other transitions need no action here.
func (k *Keeper) JobHooks() jobstypes.JobHooks { return hooks{k} }

type hooks struct{ k *Keeper }

func (hooks) AfterResultPosted(context.Context, jobstypes.Job) error { return nil }
func (hooks) AfterJobFinalized(context.Context, jobstypes.Job) error { return nil }
func (hooks) AfterJobFailed(context.Context, jobstypes.Job) error    { return nil }
func (hooks) AfterJobCancelled(context.Context, jobstypes.Job) error { return nil }

func (h hooks) AfterJobExpired(ctx context.Context, j jobstypes.Job) error {
	if j.Sla == nil || j.Provider == "" {
		return nil
	}
	_, err := h.k.Assess(ctx, j.Id, true)
	return err
}
