package keeper

import (
	"context"
	"errors"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/settle"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

func isNotFound(err error) bool { return errors.Is(err, collections.ErrNotFound) }

// reportable: the work has happened (a result exists). Expired jobs are
// graded automatically, open ones have nothing to measure yet.
func reportable(s jobstypes.JobStatus) bool {
	switch s {
	case jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, jobstypes.JobStatus_JOB_STATUS_DISPUTED,
		jobstypes.JobStatus_JOB_STATUS_FINALIZED, jobstypes.JobStatus_JOB_STATUS_FAILED:
		return true
	}
	return false
}

// SubmitReport records one reporter's measurement of a job. The first
// report opens a report_window after which the job is graded.
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
	if !reportable(j.Status) {
		return errorsmod.Wrapf(types.ErrInvalidReport, "job %d is %s: reports are taken once a result is posted (an expired job is graded automatically)", jobID, j.Status)
	}
	reporterStr, err := k.addressCodec.BytesToString(reporter)
	if err != nil {
		return errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
	isMonitor, err := k.Monitors.Has(ctx, reporter)
	if err != nil {
		return err
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
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	if err := k.Reports.Set(ctx, key, types.SLAReport{JobId: jobID, Reporter: reporterStr, FromMonitor: isMonitor, Metrics: m, SubmittedAt: now}); err != nil {
		return err
	}
	if has, err := k.Pending.Has(ctx, jobID); err != nil {
		return err
	} else if !has {
		at := now.Add(p.ReportWindow)
		if err := k.Pending.Set(ctx, jobID, at); err != nil {
			return err
		}
		if err := k.Queue.Push(ctx, at, jobID); err != nil {
			return err
		}
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventSLAReported{JobId: jobID, Reporter: reporterStr, FromMonitor: isMonitor})
}

// clearPending drops a job's reports and its place in the queue.
func (k *Keeper) clearPending(ctx context.Context, jobID uint64) error {
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
	return k.Reports.Clear(ctx, collections.NewPrefixedPairRange[uint64, sdk.AccAddress](jobID))
}

// Assess grades a job: from its reports (the median across monitors, or the
// buyer's report alone at reduced weight), or, for an expired job, as
// nothing delivered. It slashes, compensates, records the violation and may
// jail; it runs once per job.
func (k *Keeper) Assess(ctx context.Context, jobID uint64, expired bool) (types.Assessment, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return types.Assessment{}, err
	}
	j, err := k.jobs.GetJob(ctx, jobID)
	if err != nil {
		return types.Assessment{}, err
	}
	if j.Sla == nil || j.Provider == "" {
		return types.Assessment{}, errorsmod.Wrapf(types.ErrNoSLA, "job %d has no SLA terms or no provider", jobID)
	}
	if has, err := k.Assessments.Has(ctx, jobID); err != nil {
		return types.Assessment{}, err
	} else if has {
		return types.Assessment{}, errorsmod.Wrapf(types.ErrAlreadyAssessed, "job %d", jobID)
	}
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	a := types.Assessment{JobId: jobID, Provider: j.Provider, Class: j.Class, Expired: expired, AssessedAt: now}
	var monitors, buyer []types.SLAMetrics
	if err := k.Reports.Walk(ctx, collections.NewPrefixedPairRange[uint64, sdk.AccAddress](jobID), func(_ collections.Pair[uint64, sdk.AccAddress], r types.SLAReport) (bool, error) {
		if r.FromMonitor {
			monitors = append(monitors, r.Metrics)
		} else {
			buyer = append(buyer, r.Metrics)
		}
		return false, nil
	}); err != nil {
		return a, err
	}
	lateness := uint32(0)
	switch {
	case expired:
		a.Aggregate = types.SLAMetrics{CompletedPpm: 0}
	case len(monitors) > 0:
		a.Aggregate = Aggregate(monitors)
		a.MonitorReports = uint32(len(monitors))
	case len(buyer) > 0:
		a.Aggregate = buyer[0]
		a.BuyerOnly = true
	default:
		return a, errorsmod.Wrapf(types.ErrInvalidReport, "job %d has no reports", jobID)
	}
	if !expired && j.Result != nil {
		lateness = LatenessPPM(*j.Sla, j.AssignedAt, j.Result.PostedAt)
	}
	a.Severity, a.SlashBps = Grade(p, *j.Sla, a.Aggregate, lateness, a.BuyerOnly)
	denom := j.Escrow.Denom
	a.Slashed, a.ToBuyer, a.ToCommunityPool = sdk.NewCoin(denom, math.ZeroInt()), sdk.NewCoin(denom, math.ZeroInt()), sdk.NewCoin(denom, math.ZeroInt())

	opBytes, err := k.addressCodec.StringToBytes(j.Provider)
	if err != nil {
		return a, err
	}
	op := sdk.AccAddress(opBytes)
	if a.SlashBps > 0 {
		prov, err := k.jobs.GetProvider(ctx, op)
		if err != nil {
			return a, err
		}
		amount := prov.Bond.Amount.MulRaw(int64(a.SlashBps)).QuoRaw(types.MaxBps)
		buyerAddr, err := k.addressCodec.StringToBytes(j.Buyer)
		if err != nil {
			return a, err
		}
		// the buyer is compensated first, up to what it escrowed
		comp := math.MinInt(amount, j.Escrow.Amount)
		slashed, err := k.jobs.SlashBond(ctx, op, amount, "x/slashingsla: SLA violation", []jobstypes.Payout{{To: buyerAddr, Amount: comp}})
		if err != nil {
			return a, err
		}
		comp = math.MinInt(comp, slashed)
		a.Slashed = sdk.NewCoin(prov.Bond.Denom, slashed)
		a.ToBuyer = sdk.NewCoin(prov.Bond.Denom, comp)
		a.ToCommunityPool = sdk.NewCoin(prov.Bond.Denom, slashed.Sub(comp))
	}
	if a.Severity.TotalPpm > 0 {
		jailed, err := k.recordViolation(ctx, p, op, j.Provider, jobID, now)
		if err != nil {
			return a, err
		}
		a.Jailed = jailed
		if k.reputation != nil {
			if err := k.reputation.RecordSLAViolation(ctx, j.Provider, j.Class, a.Severity.TotalPpm); err != nil {
				return a, err
			}
		}
	}
	if err := k.clearPending(ctx, jobID); err != nil {
		return a, err
	}
	if err := k.Assessments.Set(ctx, jobID, a); err != nil {
		return a, err
	}
	return a, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventSLAAssessed{Assessment: a})
}

// recordViolation stores the violation, forgets those older than the
// longest window the params allow, and jails the provider when the count
// inside the current window reaches max_violations. The count is a range
// read over timestamps, so changing violation_window (within its bound)
// never miscounts.
func (k *Keeper) recordViolation(ctx context.Context, p types.Params, op sdk.AccAddress, provider string, jobID uint64, now time.Time) (bool, error) {
	if err := k.Violations.Set(ctx, collections.Join3(op, now, jobID)); err != nil {
		return false, err
	}
	horizon := now.Add(-types.MaxViolationWindowDays * 24 * time.Hour)
	var stale []ViolationKey
	if err := k.Violations.Walk(ctx, collections.NewPrefixedTripleRange[sdk.AccAddress, time.Time, uint64](op), func(key ViolationKey) (bool, error) {
		if !key.K2().Before(horizon) {
			return true, nil
		}
		stale = append(stale, key)
		return false, nil
	}); err != nil {
		return false, err
	}
	for _, key := range stale {
		if err := k.Violations.Remove(ctx, key); err != nil {
			return false, err
		}
	}
	n, err := k.CountInWindow(ctx, op, p.ViolationWindow, now)
	if err != nil || n < p.MaxViolations {
		return false, err
	}
	until := now.Add(p.JailDuration)
	if err := k.jobs.Jail(ctx, op, until); err != nil {
		return false, err
	}
	return true, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventProviderJailed{Provider: provider, ViolationsInWindow: n, Until: until})
}

// CountInWindow counts a provider's violations in (now − window, now].
func (k *Keeper) CountInWindow(ctx context.Context, op sdk.AccAddress, window time.Duration, now time.Time) (uint32, error) {
	cutoff := now.Add(-window)
	n := uint32(0)
	err := k.Violations.Walk(ctx, collections.NewPrefixedTripleRange[sdk.AccAddress, time.Time, uint64](op), func(key ViolationKey) (bool, error) {
		if key.K2().After(cutoff) {
			n++
		}
		return false, nil
	})
	return n, err
}

// EndBlocker grades the jobs whose report window closed, at most
// max_assessments_per_block; the rest wait for the next block. A job that
// cannot be graded (its provider left, say) is dead-lettered with an event
// and does not block the others (x/internal/settle).
func (k *Keeper) EndBlocker(ctx context.Context) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	_, err = settle.Run(ctx, int(p.MaxAssessmentsPerBlock), k.Queue)
	return err
}

func (k *Keeper) settleGrading(ctx context.Context, _ time.Time, jobID uint64) error {
	_, err := k.Assess(ctx, jobID, false)
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
