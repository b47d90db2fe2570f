package keeper

import (
	"context"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// EndBlocker settles what is due, from the time-keyed queues only: posted
// results whose window ended (FINALIZED), jobs whose deadline passed without
// a result (EXPIRED), and providers whose unbonding ended (bond returned).
// At most max_settlements_per_block entries are handled per block, across
// all three queues; the rest wait for the next block. Nothing scans all jobs.
func (k *Keeper) EndBlocker(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	budget := int(params.MaxSettlementsPerBlock)

	keys, err := due(ctx, k.WindowQueue, now, budget)
	if err != nil {
		return err
	}
	for _, key := range keys {
		k.processEntry(ctx, "finalize", func(ctx context.Context) error {
			if err := k.WindowQueue.Remove(ctx, key); err != nil {
				return err
			}
			j, err := k.GetJob(ctx, key.K2())
			if err != nil {
				return err
			}
			if j.Status != types.JobStatus_JOB_STATUS_RESULT_POSTED {
				return errorsmod.Wrapf(types.ErrInvalidStatus, "window entry for job %d in status %s", j.Id, j.Status)
			}
			return k.finalize(ctx, j, params.ProtocolFeeBps)
		})
	}
	budget -= len(keys)

	keys, err = due(ctx, k.DeadlineQueue, now, budget)
	if err != nil {
		return err
	}
	for _, key := range keys {
		k.processEntry(ctx, "expire", func(ctx context.Context) error {
			if err := k.DeadlineQueue.Remove(ctx, key); err != nil {
				return err
			}
			j, err := k.GetJob(ctx, key.K2())
			if err != nil {
				return err
			}
			if j.Status != types.JobStatus_JOB_STATUS_SUBMITTED && j.Status != types.JobStatus_JOB_STATUS_ASSIGNED {
				return errorsmod.Wrapf(types.ErrInvalidStatus, "deadline entry for job %d in status %s", j.Id, j.Status)
			}
			return k.expire(ctx, j)
		})
	}
	budget -= len(keys)

	unbonds, err := due(ctx, k.UnbondingQueue, now, budget)
	if err != nil {
		return err
	}
	for _, key := range unbonds {
		k.processEntry(ctx, "unbond", func(ctx context.Context) error {
			return k.completeUnbonding(ctx, key, params)
		})
	}
	return nil
}

// due collects up to limit keys with time <= now from a time-keyed queue
// (keys first, deletes after, so the store is never written while iterating).
func due[K any](ctx context.Context, q collections.KeySet[collections.Pair[time.Time, K]], now time.Time, limit int) ([]collections.Pair[time.Time, K], error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []collections.Pair[time.Time, K]
	err := q.Walk(ctx, nil, func(key collections.Pair[time.Time, K]) (bool, error) {
		if key.K1().After(now) {
			return true, nil
		}
		out = append(out, key)
		return len(out) >= limit, nil
	})
	return out, err
}

// processEntry runs one settlement in a cached context and commits it only
// if it succeeds. A failing entry is logged and left in its queue: one bad
// entry must not halt the chain nor half-apply.
func (k *Keeper) processEntry(ctx context.Context, what string, f func(context.Context) error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	cacheCtx, write := sdkCtx.CacheContext()
	if err := f(cacheCtx); err != nil {
		k.Logger(ctx).Error("settlement failed; left in queue", "what", what, "err", err)
		return
	}
	write()
}

// completeUnbonding returns the bond and removes the provider, unless it
// still has open jobs: then the bond stays slashable and the exit is retried
// one challenge window later.
func (k *Keeper) completeUnbonding(ctx context.Context, key collections.Pair[time.Time, sdk.AccAddress], params types.Params) error {
	if err := k.UnbondingQueue.Remove(ctx, key); err != nil {
		return err
	}
	p, err := k.GetProvider(ctx, key.K2())
	if err != nil {
		return err
	}
	if p.OpenJobs > 0 {
		p.UnbondingEnd = sdk.UnwrapSDKContext(ctx).BlockTime().Add(params.ChallengeWindow)
		if err := k.UnbondingQueue.Set(ctx, collections.Join(p.UnbondingEnd, key.K2())); err != nil {
			return err
		}
		return k.setProvider(ctx, p)
	}
	if err := k.pay(ctx, key.K2(), p.Bond); err != nil {
		return err
	}
	if err := k.addTotal(ctx, k.TotalBonds, p.Bond.Amount.Neg()); err != nil {
		return err
	}
	if err := k.removeProvider(ctx, key.K2(), p); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventProviderUnbonded{Operator: p.Operator, BondReturned: p.Bond})
}
