package keeper

import (
	"context"
	"time"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// MarkDisputed moves a job whose result is inside its challenge window to
// DISPUTED and takes it off the window queue. x/dispute calls it on a
// challenge or an audit.
func (k *Keeper) MarkDisputed(ctx context.Context, id uint64) (types.Job, error) {
	j, err := k.current(ctx, id)
	if err != nil {
		return j, err
	}
	if j.Status != types.JobStatus_JOB_STATUS_RESULT_POSTED {
		return j, errorsmod.Wrapf(types.ErrInvalidStatus, "job %d is %s, only a posted result can be disputed", id, j.Status)
	}
	if !sdk.UnwrapSDKContext(ctx).BlockTime().Before(j.WindowEnd) {
		return j, errorsmod.Wrapf(types.ErrWindowClosed, "job %d window ended at %s", id, j.WindowEnd)
	}
	if err := k.WindowQueue.Remove(ctx, j.WindowEnd, j.Id); err != nil {
		return j, err
	}
	j.Status = types.JobStatus_JOB_STATUS_DISPUTED
	if err := k.Jobs.Set(ctx, j.Id, j); err != nil {
		return j, err
	}
	return j, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobDisputed{JobId: j.Id, Provider: j.Provider})
}

// ResolveDispute ends a DISPUTED job: the provider's result stands
// (FINALIZED, paid as usual) or falls (FAILED, the escrow refunded in
// full). Slashing the provider's bond is the caller's business (SlashBond).
func (k *Keeper) ResolveDispute(ctx context.Context, id uint64, providerWins bool) (types.Job, error) {
	j, err := k.GetJob(ctx, id)
	if err != nil {
		return j, err
	}
	if j.Status != types.JobStatus_JOB_STATUS_DISPUTED {
		return j, errorsmod.Wrapf(types.ErrInvalidStatus, "job %d is %s, not disputed", id, j.Status)
	}
	if providerWins {
		params, err := k.Params.Get(ctx)
		if err != nil {
			return j, err
		}
		return k.finalize(ctx, j, params.ProtocolFeeBps)
	}
	j, err = k.settle(ctx, j, types.JobStatus_JOB_STATUS_FAILED, math.ZeroInt(), 0)
	if err != nil {
		return j, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobFailed{
		JobId: j.Id, Provider: j.Provider, Settlement: *j.Settlement,
	}); err != nil {
		return j, err
	}
	return j, k.hooks.AfterJobFailed(ctx, j)
}

// ResumeWindow ends the dispute of one item of a DISPUTED batch job that
// its provider proved. The proof shows that item right, not the others: a
// batch is not finalized by one proven item (a sybil challenge of the one
// honest item, or an audit that happens to draw it, would otherwise shield
// every other item). The result goes back to RESULT_POSTED with the
// challenge window it had left when the dispute opened (left, which
// x/dispute recorded then), from now on: the time it spent disputed, a
// halt included, was not window time. The job is paid when that window
// ends undisputed.
func (k *Keeper) ResumeWindow(ctx context.Context, id uint64, left time.Duration) (types.Job, error) {
	j, err := k.current(ctx, id)
	if err != nil {
		return j, err
	}
	if j.Status != types.JobStatus_JOB_STATUS_DISPUTED || !types.IsBatch(j) {
		return j, errorsmod.Wrapf(types.ErrInvalidStatus, "job %d is %s with %d items: only a disputed batch resumes its window", id, j.Status, types.Items(j))
	}
	if left < 0 || left > types.MaxChallengeWindow {
		return j, errorsmod.Wrapf(types.ErrInvalidStatus, "job %d: a window of %s to resume", id, left)
	}
	j.Status = types.JobStatus_JOB_STATUS_RESULT_POSTED
	j.WindowEnd = sdk.UnwrapSDKContext(ctx).BlockTime().Add(left)
	if err := k.Jobs.Set(ctx, j.Id, j); err != nil {
		return j, err
	}
	if err := k.WindowQueue.Push(ctx, j.WindowEnd, j.Id); err != nil {
		return j, err
	}
	return j, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventWindowResumed{JobId: j.Id, Provider: j.Provider, WindowEnd: j.WindowEnd})
}
