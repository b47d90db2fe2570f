package keeper

import (
	"context"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// Halts. A deadline set in block time passes in the first block after a
// long halt, before anyone could act: a provider's job expired (and was
// graded as nothing delivered), a result's challenge window closed, a
// decline window ran out — time nobody had. The chain's halt clock
// (x/internal/haltclock) sums every gap between blocks longer than
// max_block_gap; an open job records the sum its times are set against
// (halt_credit), and every time on it stands later by what the sum grew
// since. Transactions read the times as they stand (effective); a job
// written, or a settlement that comes due early, is rebased: its times
// moved, its queue entries with them.

// HaltCredit is how long the chain has stood still so far (x/dispute moves
// its proof deadlines by it).
func (k *Keeper) HaltCredit(ctx context.Context) (time.Duration, error) {
	return k.Halt.Credit(ctx)
}

// HaltCreditAt is the halt clock's reading at block time t, when known
// (any t since the last halt began).
func (k *Keeper) HaltCreditAt(ctx context.Context, t time.Time) (time.Duration, bool, error) {
	return k.Halt.CreditAt(ctx, t)
}

// rebase moves every time on an open job by the halts since its times
// were set, and its queue entries with them. It reports whether anything
// moved.
func (k *Keeper) rebase(ctx context.Context, j types.Job) (types.Job, bool, error) {
	credit, err := k.Halt.Credit(ctx)
	if err != nil || !types.IsOpen(j.Status) {
		return j, false, err
	}
	d := credit - j.HaltCredit
	if d <= 0 { // a time never moves earlier (a record from another clock)
		return j, false, nil
	}
	j.HaltCredit = credit
	oldDeadline, oldWindow := j.Deadline, j.WindowEnd
	shift := func(t *time.Time) {
		if !t.IsZero() {
			*t = t.Add(d)
		}
	}
	shift(&j.SubmittedAt)
	shift(&j.Deadline)
	shift(&j.AssignedAt)
	shift(&j.DeclineUntil)
	shift(&j.WindowEnd)
	if j.Result != nil {
		shift(&j.Result.PostedAt)
	}
	switch j.Status {
	case types.JobStatus_JOB_STATUS_SUBMITTED, types.JobStatus_JOB_STATUS_ASSIGNED:
		if err := k.DeadlineQueue.Remove(ctx, oldDeadline, j.Id); err != nil {
			return j, true, err
		}
		if err := k.DeadlineQueue.Push(ctx, j.Deadline, j.Id); err != nil {
			return j, true, err
		}
	case types.JobStatus_JOB_STATUS_RESULT_POSTED:
		if err := k.WindowQueue.Remove(ctx, oldWindow, j.Id); err != nil {
			return j, true, err
		}
		if err := k.WindowQueue.Push(ctx, j.WindowEnd, j.Id); err != nil {
			return j, true, err
		}
	}
	return j, true, nil
}

// current loads a job with its times as they stand now (rebased and
// written back if a halt moved them).
func (k *Keeper) current(ctx context.Context, id uint64) (types.Job, error) {
	j, err := k.GetJob(ctx, id)
	if err != nil {
		return j, err
	}
	j, moved, err := k.rebase(ctx, j)
	if err != nil || !moved {
		return j, err
	}
	return j, k.Jobs.Set(ctx, j.Id, j)
}

// dueNow reports whether a settlement entry of job id may run now: if a
// halt moved the job's times past now, the job is rebased (its entry
// pushed to the new time) and the settlement waits.
func (k *Keeper) dueNow(ctx context.Context, j types.Job, at func(types.Job) time.Time) (types.Job, bool, error) {
	j, moved, err := k.rebase(ctx, j)
	if err != nil {
		return j, false, err
	}
	if moved {
		if err := k.Jobs.Set(ctx, j.Id, j); err != nil {
			return j, false, err
		}
		if sdk.UnwrapSDKContext(ctx).BlockTime().Before(at(j)) {
			return j, false, nil
		}
	}
	return j, true, nil
}
