package keeper

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/settle"
	"github.com/verdict-chain/verdict/x/jobs/types"
)

// BeginBlocker ticks the halt clock before any transaction of the block
// reads a time.
func (k *Keeper) BeginBlocker(ctx context.Context) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	return k.Halt.Tick(ctx, p.MaxBlockGap)
}

// EndBlocker settles what is due, from the time-keyed queues only: posted
// results whose window ended (FINALIZED), jobs whose deadline passed without
// a result (EXPIRED), providers whose unbonding ended (bond returned),
// closed jobs to prune, and serving sessions that expire, end their notice
// or are pruned. The queues share max_settlements_per_block and take turns
// (x/internal/settle); the rest wait for the next block. Nothing scans all
// jobs.
func (k *Keeper) EndBlocker(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	_, err = settle.Run(ctx, int(params.MaxSettlementsPerBlock), k.WindowQueue, k.DeadlineQueue, k.UnbondingQueue, k.PruneQueue, k.SessionQueue)
	return err
}

// settlePrune deletes a closed job's record (its indexes with it) once the
// retention period has passed; indexers keep the history from events.
func (k *Keeper) settlePrune(ctx context.Context, _ time.Time, id uint64) error {
	j, err := k.Jobs.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return nil // already gone (e.g. a genesis without it)
	} else if err != nil {
		return err
	}
	if types.IsOpen(j.Status) {
		return errorsmod.Wrapf(types.ErrInvalidStatus, "prune entry for open job %d (%s)", id, j.Status)
	}
	if err := k.Jobs.Remove(ctx, id); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventJobPruned{JobId: id})
}

// hasOpenClaims: open jobs (slots), open serving sessions (a checkpoint
// may still come), or any claim another module holds.
func (k *Keeper) hasOpenClaims(ctx context.Context, op sdk.AccAddress) (bool, error) {
	if n, err := k.openJobs(ctx, op); err != nil || n > 0 {
		return n > 0, err
	}
	if n, err := k.OpenSessions.Get(ctx, op); err == nil && n > 0 {
		return true, nil
	} else if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return false, err
	}
	for _, src := range k.claimSources {
		open, err := src.HasOpenClaims(ctx, op)
		if err != nil || open {
			return open, err
		}
	}
	return false, nil
}

// settleWindow finalizes a result whose challenge window ended.
func (k *Keeper) settleWindow(ctx context.Context, _ time.Time, id uint64) error {
	j, err := k.GetJob(ctx, id)
	if err != nil {
		return err
	}
	if j.Status != types.JobStatus_JOB_STATUS_RESULT_POSTED {
		return errorsmod.Wrapf(types.ErrInvalidStatus, "window entry for job %d in status %s", j.Id, j.Status)
	}
	j, due, err := k.dueNow(ctx, j, func(j types.Job) time.Time { return j.WindowEnd })
	if err != nil || !due {
		return err // a halt moved the window's end
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	_, err = k.finalize(ctx, j, params.ProtocolFeeBps)
	return err
}

// settleDeadline expires a job that got no result in time.
func (k *Keeper) settleDeadline(ctx context.Context, _ time.Time, id uint64) error {
	j, err := k.GetJob(ctx, id)
	if err != nil {
		return err
	}
	if j.Status != types.JobStatus_JOB_STATUS_SUBMITTED && j.Status != types.JobStatus_JOB_STATUS_ASSIGNED {
		return errorsmod.Wrapf(types.ErrInvalidStatus, "deadline entry for job %d in status %s", j.Id, j.Status)
	}
	j, due, err := k.dueNow(ctx, j, func(j types.Job) time.Time { return j.Deadline })
	if err != nil || !due {
		return err // a halt moved the deadline
	}
	return k.expire(ctx, j)
}

// settleUnbonding returns the bond and removes the provider, unless a claim
// against it is still open (a job, a dispute, an SLA grading): then the bond
// stays slashable and the exit is retried one challenge window later.
func (k *Keeper) settleUnbonding(ctx context.Context, _ time.Time, op sdk.AccAddress) error {
	p, err := k.GetProvider(ctx, op)
	if err != nil {
		return err
	}
	open, err := k.hasOpenClaims(ctx, op)
	if err != nil {
		return err
	}
	if open {
		params, err := k.Params.Get(ctx)
		if err != nil {
			return err
		}
		p.UnbondingEnd = sdk.UnwrapSDKContext(ctx).BlockTime().Add(params.ChallengeWindow)
		if err := k.UnbondingQueue.Push(ctx, p.UnbondingEnd, op); err != nil {
			return err
		}
		return k.setProvider(ctx, p)
	}
	if err := k.returnBond(ctx, op, p.Bond); err != nil {
		return err
	}
	if err := k.removeProvider(ctx, op, p); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventProviderUnbonded{Operator: p.Operator, BondReturned: p.Bond})
}

// deadLetter reports a settlement that failed (see x/internal/settle).
func deadLetter[K any](k *Keeper, queue string) settle.DeadLetterFunc[K] {
	return func(ctx context.Context, due time.Time, key K, cause error) error {
		entry := fmt.Sprint(key)
		if op, ok := any(key).(sdk.AccAddress); ok {
			if s, err := k.addressCodec.BytesToString(op); err == nil {
				entry = s
			}
		}
		return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventSettlementDeadLettered{
			Queue: queue, Entry: entry, Due: due, Error: cause.Error(),
		})
	}
}
