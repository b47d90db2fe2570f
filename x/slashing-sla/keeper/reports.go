package keeper

import (
	"context"
	"errors"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

func isNotFound(err error) bool { return errors.Is(err, collections.ErrNotFound) }

// reportDeadline is the last moment a report on job j is taken: report_window
// after its result was posted, the post as it stands (later by any halt
// since: a halt eats no monitor's time).
func (k *Keeper) reportDeadline(ctx context.Context, j jobstypes.Job, p types.Params) (time.Time, error) {
	credit, err := k.jobs.HaltCredit(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return jobstypes.AsOf(j.Result.PostedAt, j, credit).Add(p.ReportWindow), nil
}

// SubmitReport records one reporter's measurement of a job. Reports are
// taken while the job holds a result and is still open (RESULT_POSTED or
// DISPUTED), and no later than report_window after the result was posted;
// the job is graded at that deadline (or when it closes, if later). An
// expired job is graded automatically; a closed job takes no claim.
func (k *Keeper) SubmitReport(ctx context.Context, reporter sdk.AccAddress, jobID uint64, m types.SLAMetrics) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if err := types.ValidateMetrics(m); err != nil {
		return err
	}
	j, err := k.jobs.GetJob(ctx, jobID)
	if err != nil {
		return err
	}
	if j.Sla == nil {
		return errorsmod.Wrapf(types.ErrNoSLA, "job %d", jobID)
	}
	if j.Result == nil || (j.Status != jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED && j.Status != jobstypes.JobStatus_JOB_STATUS_DISPUTED) {
		return errorsmod.Wrapf(types.ErrInvalidReport, "job %d is %s: reports are taken while a posted result is open (an expired job is graded automatically; a closed job takes no claim)", jobID, j.Status)
	}
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	deadline, err := k.reportDeadline(ctx, j, p)
	if err != nil {
		return err
	}
	if !now.Before(deadline) {
		return errorsmod.Wrapf(types.ErrReportWindowClosed, "reports on job %d closed at %s", jobID, deadline)
	}
	reporterStr, err := k.addressCodec.BytesToString(reporter)
	if err != nil {
		return errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
	isMonitor, err := k.Monitors.Has(ctx, reporter)
	if err != nil {
		return err
	}
	// one party, one role: a monitor that bought the job (or funded it)
	// reports as its buyer, whose word alone moves no money
	if reporterStr == j.Buyer || reporterStr == jobstypes.RefundTo(j) {
		isMonitor = false
	}
	if reporterStr == j.Provider || contains(j.Placement, reporterStr) {
		return errorsmod.Wrapf(types.ErrUnauthorized, "a provider cannot report on its own job %d", jobID)
	}
	if !isMonitor && reporterStr != j.Buyer {
		return errorsmod.Wrapf(types.ErrUnauthorized, "only the job's buyer or a registered monitor may report on job %d", jobID)
	}
	if has, err := k.Assessments.Has(ctx, jobID); err != nil {
		return err
	} else if has {
		return errorsmod.Wrapf(types.ErrAlreadyAssessed, "job %d", jobID)
	}
	key := collections.Join(jobID, reporter)
	if has, err := k.Reports.Has(ctx, key); err != nil {
		return err
	} else if has {
		return errorsmod.Wrapf(types.ErrDuplicateReport, "%s on job %d", reporterStr, jobID)
	}
	n := 0
	if err := k.Reports.Walk(ctx, collections.NewPrefixedPairRange[uint64, sdk.AccAddress](jobID), func(collections.Pair[uint64, sdk.AccAddress], types.SLAReport) (bool, error) {
		n++
		return false, nil
	}); err != nil {
		return err
	}
	if n >= types.MaxReportsPerJob {
		return errorsmod.Wrapf(types.ErrInvalidReport, "job %d already has %d reports", jobID, n)
	}
	if err := k.Reports.Set(ctx, key, types.SLAReport{JobId: jobID, Reporter: reporterStr, FromMonitor: isMonitor, Metrics: m, SubmittedAt: now}); err != nil {
		return err
	}
	if has, err := k.Pending.Has(ctx, jobID); err != nil {
		return err
	} else if !has {
		if err := k.setPending(ctx, jobID, j.Provider, deadline); err != nil {
			return err
		}
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventSLAReported{JobId: jobID, Reporter: reporterStr, FromMonitor: isMonitor})
}

// setPending (re)schedules a job's grading at `at` and holds its provider's
// bond (HasOpenClaims) until it is graded.
func (k *Keeper) setPending(ctx context.Context, jobID uint64, provider string, at time.Time) error {
	op, err := k.addressCodec.StringToBytes(provider)
	if err != nil {
		return errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
	if old, err := k.Pending.Get(ctx, jobID); err == nil {
		if err := k.Queue.Remove(ctx, old, jobID); err != nil {
			return err
		}
	} else if !isNotFound(err) {
		return err
	}
	if err := k.Pending.Set(ctx, jobID, at); err != nil {
		return err
	}
	if err := k.PendingByProvider.Set(ctx, collections.Join(sdk.AccAddress(op), jobID)); err != nil {
		return err
	}
	return k.Queue.Push(ctx, at, jobID)
}

// clearPending drops a job's reports, its place in the queue and its hold
// on the provider's bond.
func (k *Keeper) clearPending(ctx context.Context, jobID uint64, provider string) error {
	at, err := k.Pending.Get(ctx, jobID)
	if err == nil {
		if err := k.Queue.Remove(ctx, at, jobID); err != nil {
			return err
		}
		if err := k.Pending.Remove(ctx, jobID); err != nil {
			return err
		}
	} else if !isNotFound(err) {
		return err
	}
	if op, err := k.addressCodec.StringToBytes(provider); err == nil {
		if err := k.PendingByProvider.Remove(ctx, collections.Join(sdk.AccAddress(op), jobID)); err != nil {
			return err
		}
	}
	return k.Reports.Clear(ctx, collections.NewPrefixedPairRange[uint64, sdk.AccAddress](jobID))
}

// dropGrading voids a grading that failed (dead-lettered): its reports and
// its hold on the provider's bond go, so no failure can keep a bond locked
// forever; EventSettlementDeadLettered records it.
func (k *Keeper) dropGrading(ctx context.Context, jobID uint64) error {
	j, err := k.jobs.GetJob(ctx, jobID)
	if err != nil {
		// the job is gone: drop what is keyed by the job alone
		if at, err := k.Pending.Get(ctx, jobID); err == nil {
			if err := k.Queue.Remove(ctx, at, jobID); err != nil {
				return err
			}
		}
		if err := k.Pending.Remove(ctx, jobID); err != nil {
			return err
		}
		return k.Reports.Clear(ctx, collections.NewPrefixedPairRange[uint64, sdk.AccAddress](jobID))
	}
	return k.clearPending(ctx, jobID, j.Provider)
}

// HasOpenClaims tells x/jobs whether a grading of one of the provider's
// jobs is pending: its bond stays locked until it is graded.
func (k *Keeper) HasOpenClaims(ctx context.Context, op sdk.AccAddress) (bool, error) {
	open := false
	err := k.PendingByProvider.Walk(ctx, collections.NewPrefixedPairRange[sdk.AccAddress, uint64](op), func(collections.Pair[sdk.AccAddress, uint64]) (bool, error) {
		open = true
		return true, nil
	})
	return open, err
}

// maxPrunePerViolation bounds how many stale violations one assessment
// deletes, so no assessment's work grows with a provider's history.
const maxPrunePerViolation = 16

// farFuture bounds range reads over violation times.
var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// settlePrune deletes an assessment retention after grading.
func (k *Keeper) settlePrune(ctx context.Context, _ time.Time, jobID uint64) error {
	return k.Assessments.Remove(ctx, jobID)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
