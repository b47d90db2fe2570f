package keeper

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

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
	// Grading must never block the refund the expiry gives the buyer: a
	// failure is logged and the job is left ungraded.
	cacheCtx, write := sdk.UnwrapSDKContext(ctx).CacheContext()
	if _, err := h.k.Assess(cacheCtx, j.Id, true); err != nil {
		h.k.Logger(ctx).Error("expired SLA job not graded", "job", j.Id, "err", err)
		return nil
	}
	write()
	return nil
}
