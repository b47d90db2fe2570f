package keeper

import (
	"context"

	"cosmossdk.io/math"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/reputation/types"
)

// JobHooks feeds x/jobs outcomes into the records.
func (k *Keeper) JobHooks() jobstypes.JobHooks { return jobHooks{k} }

// DisputeHooks feeds x/dispute outcomes into the records.
func (k *Keeper) DisputeHooks() disputetypes.DisputeHooks { return disputeHooks{k} }

type jobHooks struct{ k *Keeper }

func (jobHooks) AfterResultPosted(context.Context, jobstypes.Job) error { return nil }

// stake is the value a job's outcome is weighted by: the payment of its
// posted result, or the agreed payment of a job without one.
func stake(j jobstypes.Job) math.Int {
	if j.Result != nil {
		return jobstypes.Payment(j)
	}
	return j.PricePerUnit.Amount.Mul(math.NewIntFromUint64(j.Units))
}

// AfterJobFinalized: a completed job; its posted metrics feed the EWMAs.
func (h jobHooks) AfterJobFinalized(ctx context.Context, j jobstypes.Job) error {
	var m *jobstypes.Metrics
	if j.Result != nil {
		m = &j.Result.Metrics
	}
	return h.k.apply(ctx, j.Provider, j.Class, types.OutcomeCompleted, 0, stake(j), m)
}

func (h jobHooks) AfterJobFailed(ctx context.Context, j jobstypes.Job) error {
	return h.k.apply(ctx, j.Provider, j.Class, types.OutcomeFailed, 0, stake(j), nil)
}

// AfterJobExpired: only an assigned provider is at fault (an open order
// nobody took has no provider).
func (h jobHooks) AfterJobExpired(ctx context.Context, j jobstypes.Job) error {
	return h.k.apply(ctx, j.Provider, j.Class, types.OutcomeExpired, 0, stake(j), nil)
}

// AfterJobCancelled: the buyer's choice, no evidence about the provider.
func (jobHooks) AfterJobCancelled(context.Context, jobstypes.Job) error { return nil }

type disputeHooks struct{ k *Keeper }

// AfterDisputeResolved: a challenge won or lost, an audit passed or failed.
func (h disputeHooks) AfterDisputeResolved(ctx context.Context, d disputetypes.Dispute) error {
	j, err := h.k.jobs.GetJob(ctx, d.JobId)
	if err != nil {
		return err
	}
	won := d.Status == disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON
	audit := d.Kind == disputetypes.DisputeKind_DISPUTE_KIND_AUDIT
	outcome := map[[2]bool]string{
		{true, false}:  types.OutcomeDisputeWon,
		{false, false}: types.OutcomeDisputeLost,
		{true, true}:   types.OutcomeAuditPassed,
		{false, true}:  types.OutcomeAuditFailed,
	}[[2]bool{won, audit}]
	return h.k.apply(ctx, d.Provider, j.Class, outcome, 0, stake(j), nil)
}
