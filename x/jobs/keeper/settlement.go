package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// settle closes an open job: pays its nodes `payment` minus feeBps of it
// (the fee to the community pool) and refunds the rest of the escrow to
// whoever paid it. Every coin of the escrow leaves the module exactly once.
func (k *Keeper) settle(ctx context.Context, j types.Job, to types.JobStatus, payment math.Int, feeBps uint32) (types.Job, error) {
	if !types.IsOpen(j.Status) {
		return j, errorsmod.Wrapf(types.ErrInvalidStatus, "job %d is %s", j.Id, j.Status)
	}
	if payment.IsNegative() || payment.GT(j.Escrow.Amount) {
		return j, errorsmod.Wrapf(types.ErrAccounting, "payment %s outside escrow %s", payment, j.Escrow)
	}
	denom := j.Escrow.Denom
	fee := types.Fee(payment, feeBps)
	providerGets := payment.Sub(fee)
	refund := j.Escrow.Amount.Sub(payment)

	if err := k.payOutJob(ctx, j, providerGets, fee, refund); err != nil {
		return j, err
	}
	if j.Status != types.JobStatus_JOB_STATUS_SUBMITTED {
		if err := k.releaseSlots(ctx, j); err != nil {
			return j, err
		}
	}
	// A closed job waits in no settlement queue (nor in their dead
	// letters); its record is pruned after the retention period.
	if err := k.DeadlineQueue.Remove(ctx, j.Deadline, j.Id); err != nil {
		return j, err
	}
	if err := k.WindowQueue.Remove(ctx, j.WindowEnd, j.Id); err != nil {
		return j, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return j, err
	}
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	if err := k.PruneQueue.Push(ctx, now.Add(params.Retention), j.Id); err != nil {
		return j, err
	}
	j.Status = to
	j.Settlement = &types.Settlement{
		ProviderPayment: sdk.NewCoin(denom, providerGets),
		ProtocolFee:     sdk.NewCoin(denom, fee),
		BuyerRefund:     sdk.NewCoin(denom, refund),
		SettledAt:       now,
	}
	return j, k.Jobs.Set(ctx, j.Id, j)
}

// finalize pays an accepted result (window passed, or dispute won).
func (k *Keeper) finalize(ctx context.Context, j types.Job, feeBps uint32) (types.Job, error) {
	j, err := k.settle(ctx, j, types.JobStatus_JOB_STATUS_FINALIZED, types.Payment(j), feeBps)
	if err != nil {
		return j, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobFinalized{
		JobId: j.Id, Provider: j.Provider, Settlement: *j.Settlement,
	}); err != nil {
		return j, err
	}
	return j, k.hooks.AfterJobFinalized(ctx, j)
}

// expire closes a job whose deadline passed without a result: full refund.
func (k *Keeper) expire(ctx context.Context, j types.Job) error {
	j, err := k.settle(ctx, j, types.JobStatus_JOB_STATUS_EXPIRED, math.ZeroInt(), 0)
	if err != nil {
		return err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobExpired{
		JobId: j.Id, Provider: j.Provider, Settlement: *j.Settlement,
	}); err != nil {
		return err
	}
	return k.hooks.AfterJobExpired(ctx, j)
}
