package keeper

import (
	"context"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// Job outcomes (x/jobs hooks): a job drawn on a position updates it; a
// scheduler-assigned job that names no position feeds the spot index.

var _ jobstypes.JobHooks = Hooks{}

// Hooks are x/forwards' x/jobs hooks.
type Hooks struct{ k *Keeper }

// JobHooks returns the hooks to add to x/jobs.
func (k *Keeper) JobHooks() Hooks { return Hooks{k} }

func (h Hooks) AfterResultPosted(context.Context, jobstypes.Job) error { return nil }

func (h Hooks) AfterJobFinalized(ctx context.Context, j jobstypes.Job) error {
	ok, err := h.k.closePositionJob(ctx, j, true, false)
	if err != nil || ok {
		return err
	}
	return h.k.recordSpot(ctx, j)
}

// AfterJobFailed: a position's job failed by fraud (a lost dispute).
func (h Hooks) AfterJobFailed(ctx context.Context, j jobstypes.Job) error {
	_, err := h.k.closePositionJob(ctx, j, false, false)
	return err
}

// AfterJobExpired: a position's job expired without a result: the seller's
// fault, but not compensated (the buyer may have withheld its files).
func (h Hooks) AfterJobExpired(ctx context.Context, j jobstypes.Job) error {
	_, err := h.k.closePositionJob(ctx, j, false, true)
	return err
}

// AfterJobCancelled: the units return to the position, no fault.
func (h Hooks) AfterJobCancelled(ctx context.Context, j jobstypes.Job) error {
	pj, pos, ok, err := h.k.positionOf(ctx, j)
	if err != nil || !ok {
		return err
	}
	return h.k.releaseJob(ctx, j, pj, pos, 0, 0, false)
}
