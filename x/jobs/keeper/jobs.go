package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// GetJob loads a job or returns ErrJobNotFound.
func (k *Keeper) GetJob(ctx context.Context, id uint64) (types.Job, error) {
	j, err := k.Jobs.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return j, errorsmod.Wrapf(types.ErrJobNotFound, "job %d", id)
	}
	return j, err
}

// saveJob writes a job and keeps the buyer, provider and status indexes in
// step with it.
func (k *Keeper) saveJob(ctx context.Context, j types.Job) error {
	old, err := k.Jobs.Get(ctx, j.Id)
	switch {
	case err == nil:
		if err := k.JobsByStatus.Remove(ctx, collections.Join(int32(old.Status), old.Id)); err != nil {
			return err
		}
		if old.Provider != "" && old.Provider != j.Provider {
			op, err := k.addressCodec.StringToBytes(old.Provider)
			if err != nil {
				return err
			}
			if err := k.JobsByProvider.Remove(ctx, collections.Join(sdk.AccAddress(op), old.Id)); err != nil {
				return err
			}
		}
	case !errors.Is(err, collections.ErrNotFound):
		return err
	}
	buyer, err := k.addressCodec.StringToBytes(j.Buyer)
	if err != nil {
		return errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
	if err := k.JobsByBuyer.Set(ctx, collections.Join(sdk.AccAddress(buyer), j.Id)); err != nil {
		return err
	}
	if j.Provider != "" {
		op, err := k.addressCodec.StringToBytes(j.Provider)
		if err != nil {
			return errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
		}
		if err := k.JobsByProvider.Set(ctx, collections.Join(sdk.AccAddress(op), j.Id)); err != nil {
			return err
		}
	}
	if err := k.JobsByStatus.Set(ctx, collections.Join(int32(j.Status), j.Id)); err != nil {
		return err
	}
	return k.Jobs.Set(ctx, j.Id, j)
}

// assign gives an open job to an eligible provider at the provider's price.
func (k *Keeper) assign(ctx context.Context, j types.Job, p types.Provider, via string) (types.Job, error) {
	if err := CheckEligible(p, j); err != nil {
		return j, err
	}
	price, _ := priceFor(p, j.Class)
	j.Provider = p.Operator
	j.PricePerUnit = price
	j.Status = types.JobStatus_JOB_STATUS_ASSIGNED
	j.AssignedAt = sdk.UnwrapSDKContext(ctx).BlockTime()
	p.OpenJobs++
	if err := k.setProvider(ctx, p); err != nil {
		return j, err
	}
	if err := k.saveJob(ctx, j); err != nil {
		return j, err
	}
	return j, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobAssigned{
		JobId: j.Id, Provider: p.Operator, PricePerUnit: price, Via: via,
	})
}

// assignPlacement assigns a multi-node job: every node must be eligible;
// the job pays the highest price any of them asks (split equally at
// settlement); the first node coordinates (posts the result, answers
// disputes and SLA claims with its bond); every node holds an open-job slot.
func (k *Keeper) assignPlacement(ctx context.Context, j types.Job, nodes []sdk.AccAddress, eff uint32) (types.Job, error) {
	if len(nodes) != int(j.Parallel.Nodes) {
		return j, errorsmod.Wrapf(types.ErrNotEligible, "placement has %d nodes, the job asks for %d", len(nodes), j.Parallel.Nodes)
	}
	var price sdk.Coin
	seen := map[string]bool{}
	for i, op := range nodes {
		p, err := k.GetProvider(ctx, op)
		if err != nil {
			return j, err
		}
		if seen[p.Operator] {
			return j, errorsmod.Wrapf(types.ErrNotEligible, "provider %s placed twice", p.Operator)
		}
		seen[p.Operator] = true
		if err := CheckEligible(p, j); err != nil {
			return j, err
		}
		pp, _ := priceFor(p, j.Class)
		if i == 0 || pp.Amount.GT(price.Amount) {
			price = pp
		}
		p.OpenJobs++
		if err := k.setProvider(ctx, p); err != nil {
			return j, err
		}
		j.Placement = append(j.Placement, p.Operator)
	}
	j.Provider = j.Placement[0]
	j.PricePerUnit = price
	j.EfficiencyPpm = eff
	j.Status = types.JobStatus_JOB_STATUS_ASSIGNED
	j.AssignedAt = sdk.UnwrapSDKContext(ctx).BlockTime()
	if err := k.saveJob(ctx, j); err != nil {
		return j, err
	}
	return j, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobAssigned{
		JobId: j.Id, Provider: j.Provider, PricePerUnit: price, Via: "placement",
	})
}

// nodesOf is who holds an open-job slot for j: its placement, or its
// provider.
func nodesOf(j types.Job) []string {
	if len(j.Placement) > 0 {
		return j.Placement
	}
	if j.Provider == "" {
		return nil
	}
	return []string{j.Provider}
}

// releaseProviderSlot decrements the open-job count of every node of a job
// that closes.
func (k *Keeper) releaseProviderSlot(ctx context.Context, j types.Job) error {
	for _, s := range nodesOf(j) {
		op, err := k.addressCodec.StringToBytes(s)
		if err != nil {
			return err
		}
		p, err := k.GetProvider(ctx, op)
		if err != nil {
			return err
		}
		if p.OpenJobs == 0 {
			return errorsmod.Wrapf(types.ErrAccounting, "provider %s has no open job to release", p.Operator)
		}
		p.OpenJobs--
		if err := k.setProvider(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// settle closes an open job: pays the provider `payment` minus feeBps of it
// (to the community pool) and refunds the rest of the escrow to the buyer. Every coin of the escrow leaves the
// module exactly once.
func (k *Keeper) settle(ctx context.Context, j types.Job, to types.JobStatus, payment math.Int, feeBps uint32) (types.Job, error) {
	if !types.IsOpen(j.Status) {
		return j, errorsmod.Wrapf(types.ErrInvalidStatus, "job %d is %s", j.Id, j.Status)
	}
	if payment.IsNegative() || payment.GT(j.Escrow.Amount) {
		return j, errorsmod.Wrapf(types.ErrAccounting, "payment %s outside escrow %s", payment, j.Escrow)
	}
	denom := j.Escrow.Denom
	fee := payment.MulRaw(int64(feeBps)).QuoRaw(types.MaxFeeBps)
	providerGets := payment.Sub(fee)
	refund := j.Escrow.Amount.Sub(payment)

	if providerGets.IsPositive() {
		// split equally among the nodes; the coordinator (first) gets the
		// remainder of the division
		nodes := nodesOf(j)
		share := providerGets.QuoRaw(int64(len(nodes)))
		for i := len(nodes) - 1; i >= 0; i-- {
			amt := share
			if i == 0 {
				amt = providerGets.Sub(share.MulRaw(int64(len(nodes) - 1)))
			}
			op, err := k.addressCodec.StringToBytes(nodes[i])
			if err != nil {
				return j, err
			}
			if err := k.pay(ctx, op, sdk.NewCoin(denom, amt)); err != nil {
				return j, err
			}
		}
	}
	if err := k.toCommunityPool(ctx, sdk.NewCoin(denom, fee)); err != nil {
		return j, err
	}
	buyer, err := k.addressCodec.StringToBytes(j.Buyer)
	if err != nil {
		return j, err
	}
	if err := k.pay(ctx, buyer, sdk.NewCoin(denom, refund)); err != nil {
		return j, err
	}
	if err := k.addTotal(ctx, k.TotalEscrow, j.Escrow.Amount.Neg()); err != nil {
		return j, err
	}
	if j.Status != types.JobStatus_JOB_STATUS_SUBMITTED {
		if err := k.releaseProviderSlot(ctx, j); err != nil {
			return j, err
		}
	}
	j.Status = to
	j.Settlement = &types.Settlement{
		ProviderPayment: sdk.NewCoin(denom, providerGets),
		ProtocolFee:     sdk.NewCoin(denom, fee),
		BuyerRefund:     sdk.NewCoin(denom, refund),
		SettledAt:       sdk.UnwrapSDKContext(ctx).BlockTime(),
	}
	return j, k.saveJob(ctx, j)
}

// payment is price x units used.
// Payment is what the provider is paid for its posted result: the agreed
// price × units used (zero without a result).
func Payment(j types.Job) math.Int {
	if j.Result == nil {
		return math.ZeroInt()
	}
	return j.PricePerUnit.Amount.Mul(math.NewIntFromUint64(j.Result.UnitsUsed))
}

// finalize pays an accepted result (window passed, or dispute won).
func (k *Keeper) finalize(ctx context.Context, j types.Job, feeBps uint32) error {
	j, err := k.settle(ctx, j, types.JobStatus_JOB_STATUS_FINALIZED, Payment(j), feeBps)
	if err != nil {
		return err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobFinalized{
		JobId: j.Id, Provider: j.Provider, Settlement: *j.Settlement,
	}); err != nil {
		return err
	}
	return k.hooks.AfterJobFinalized(ctx, j)
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

// MarkDisputed moves a job whose result is inside its challenge window to
// DISPUTED and takes it off the window queue. x/dispute calls it on a
// challenge or an audit.
func (k *Keeper) MarkDisputed(ctx context.Context, id uint64) (types.Job, error) {
	j, err := k.GetJob(ctx, id)
	if err != nil {
		return j, err
	}
	if j.Status != types.JobStatus_JOB_STATUS_RESULT_POSTED {
		return j, errorsmod.Wrapf(types.ErrInvalidStatus, "job %d is %s, only a posted result can be disputed", id, j.Status)
	}
	if !sdk.UnwrapSDKContext(ctx).BlockTime().Before(j.WindowEnd) {
		return j, errorsmod.Wrapf(types.ErrWindowClosed, "job %d window ended at %s", id, j.WindowEnd)
	}
	if err := k.WindowQueue.Remove(ctx, collections.Join(j.WindowEnd, j.Id)); err != nil {
		return j, err
	}
	j.Status = types.JobStatus_JOB_STATUS_DISPUTED
	if err := k.saveJob(ctx, j); err != nil {
		return j, err
	}
	return j, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobDisputed{JobId: j.Id, Provider: j.Provider})
}

// ResolveDispute ends a DISPUTED job: the provider's result stands
// (FINALIZED, paid as usual) or falls (FAILED, buyer refunded in full).
// Slashing the provider's bond is the caller's business (SlashBond).
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
		if err := k.finalize(ctx, j, params.ProtocolFeeBps); err != nil {
			return j, err
		}
		return k.GetJob(ctx, id)
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

// JobIDsByStatus lists the ids of the jobs in one status, in id order, from
// the status index (used by other modules' genesis consistency checks).
func (k *Keeper) JobIDsByStatus(ctx context.Context, status types.JobStatus) ([]uint64, error) {
	var ids []uint64
	rng := collections.NewPrefixedPairRange[int32, uint64](int32(status))
	err := k.JobsByStatus.Walk(ctx, rng, func(key collections.Pair[int32, uint64]) (bool, error) {
		ids = append(ids, key.K2())
		return false, nil
	})
	return ids, err
}
