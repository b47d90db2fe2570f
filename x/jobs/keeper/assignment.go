package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// assign gives an open job to an eligible provider at the provider's price.
// fresh: j is a new job, not yet written (see writeJob).
func (k *Keeper) assign(ctx context.Context, j types.Job, p types.Provider, via string, fresh bool) (types.Job, error) {
	if err := k.CheckEligible(ctx, p, j); err != nil {
		return j, err
	}
	return k.assignEligible(ctx, j, p, via, fresh)
}

// assignEligible is assign for a provider CheckEligible passed in this
// same transaction, with nothing written in between (a direct order).
func (k *Keeper) assignEligible(ctx context.Context, j types.Job, p types.Provider, via string, fresh bool) (types.Job, error) {
	price, _ := types.PriceFor(p, j.Class)
	if j.Contract != nil {
		price = j.Contract.PricePerUnit // the agreed price, not today's list price
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return j, err
	}
	j.Provider = p.Operator
	j.PricePerUnit = price
	j.AssignedVia = via
	j.Status = types.JobStatus_JOB_STATUS_ASSIGNED
	j.AssignedAt = sdk.UnwrapSDKContext(ctx).BlockTime()
	j.DeclineUntil = declineUntil(j, j.AssignedAt, params.DeclineWindow)
	if err := k.takeSlot(ctx, p.Operator, j.Class, j.Units); err != nil {
		return j, err
	}
	if err := k.writeJob(ctx, j, fresh); err != nil {
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
// checkPlacement validates a placement (its size, no provider twice, every
// node eligible) without writing anything.
func (k *Keeper) checkPlacement(ctx context.Context, j types.Job, nodes []sdk.AccAddress) ([]types.Provider, error) {
	if len(nodes) != int(j.Parallel.Nodes) {
		return nil, errorsmod.Wrapf(types.ErrNotEligible, "placement has %d nodes, the job asks for %d", len(nodes), j.Parallel.Nodes)
	}
	out := make([]types.Provider, 0, len(nodes))
	seen := map[string]bool{}
	for _, op := range nodes {
		p, err := k.GetProvider(ctx, op)
		if err != nil {
			return nil, err
		}
		if seen[p.Operator] {
			return nil, errorsmod.Wrapf(types.ErrNotEligible, "provider %s placed twice", p.Operator)
		}
		seen[p.Operator] = true
		if err := k.CheckEligible(ctx, p, j); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// assignPlacement gives a multi-node job to a checked placement, the
// coordinator first, at the highest of their prices.
func (k *Keeper) assignPlacement(ctx context.Context, j types.Job, nodes []types.Provider, eff uint32, fresh bool) (types.Job, error) {
	var price sdk.Coin
	for i, p := range nodes {
		pp, _ := types.PriceFor(p, j.Class)
		if i == 0 || pp.Amount.GT(price.Amount) {
			price = pp
		}
		if err := k.takeSlot(ctx, p.Operator, j.Class, j.Units); err != nil {
			return j, err
		}
		j.Placement = append(j.Placement, p.Operator)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return j, err
	}
	j.Provider = j.Placement[0]
	j.PricePerUnit = price
	j.AssignedVia = "placement"
	j.EfficiencyPpm = eff
	j.Status = types.JobStatus_JOB_STATUS_ASSIGNED
	j.AssignedAt = sdk.UnwrapSDKContext(ctx).BlockTime()
	j.DeclineUntil = declineUntil(j, j.AssignedAt, params.DeclineWindow)
	if err := k.writeJob(ctx, j, fresh); err != nil {
		return j, err
	}
	return j, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobAssigned{
		JobId: j.Id, Provider: j.Provider, PricePerUnit: price, Via: "placement", Placement: j.Placement,
	})
}

// releaseSlots decrements the open-job count of every node of a job that
// closes.
func (k *Keeper) releaseSlots(ctx context.Context, j types.Job) error {
	for _, s := range types.Nodes(j) {
		if err := k.releaseSlot(ctx, s, j.Class, j.Units); err != nil {
			return err
		}
	}
	return nil
}
