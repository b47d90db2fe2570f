package keeper

import (
	"context"
	"errors"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/bps"
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

// harm is what a graded job's penalty is sized by and what its buyer may
// receive of it (Economic safety 2 and 3): an expired job's agreed payment,
// with the buyer — refunded in full — compensated for the delay at most
// late_compensation_bps of it; a finalized job's payment, which is also the
// buyer's loss (it paid for a degraded result); a job that failed by
// dispute was refunded in full and fraud-slashed already, so it carries no
// SLA penalty.
func harm(p types.Params, j jobstypes.Job, expired bool) (payment, buyerLoss math.Int) {
	switch {
	case expired:
		payment = j.PricePerUnit.Amount.Mul(math.NewIntFromUint64(j.Units))
		buyerLoss = bps.Floor(payment, p.LateCompensationBps)
	case j.Status == jobstypes.JobStatus_JOB_STATUS_FINALIZED:
		payment = jobstypes.Payment(j)
		buyerLoss = payment
	default:
		payment, buyerLoss = math.ZeroInt(), math.ZeroInt()
	}
	return payment, buyerLoss
}

// Assess grades a job: from its reports (the median across monitors, or the
// buyer's report alone at reduced weight), or, for an expired job, as
// nothing delivered. The penalty is sized by the job (slash_bps of payment ×
// max_sla_penalty_multiple_bps), taken from the provider's bond; the buyer
// receives at most its loss and the rest goes to the community pool. It
// records the violation and may jail; it runs once per job, on a closed job.
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
	if jobstypes.IsOpen(j.Status) {
		return types.Assessment{}, errorsmod.Wrapf(types.ErrInvalidReport, "job %d is still %s: graded once it closes", jobID, j.Status)
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
	payment, loss := harm(p, j, expired)
	zero := sdk.NewCoin(denom, math.ZeroInt())
	a.Payment, a.BuyerLoss = sdk.NewCoin(denom, payment), sdk.NewCoin(denom, loss)
	a.Slashed, a.ToBuyer, a.ToCommunityPool = zero, zero, zero

	opBytes, err := k.addressCodec.StringToBytes(j.Provider)
	if err != nil {
		return a, err
	}
	op := sdk.AccAddress(opBytes)
	penalty := Penalty(p, a.SlashBps, payment)
	if a.BuyerOnly {
		// The buyer is an interested party: its word alone moves no money
		// and jails no one (it would let a buyer take back what it paid for
		// an honest result). It weighs on reputation, at reduced weight.
		penalty = math.ZeroInt()
	}
	if penalty.IsPositive() {
		buyerAddr, err := k.addressCodec.StringToBytes(j.Buyer)
		if err != nil {
			return a, err
		}
		comp := math.MinInt(penalty, loss)
		slashed, err := k.jobs.SlashBond(ctx, op, penalty, "x/slashingsla: SLA violation", []jobstypes.Payout{{To: buyerAddr, Amount: comp}})
		if err != nil {
			return a, err
		}
		comp = math.MinInt(comp, slashed)
		a.Slashed = sdk.NewCoin(denom, slashed)
		a.ToBuyer = sdk.NewCoin(denom, comp)
		a.ToCommunityPool = sdk.NewCoin(denom, slashed.Sub(comp))
	}
	if a.Severity.TotalPpm > 0 {
		if !a.BuyerOnly {
			jailed, err := k.recordViolation(ctx, p, op, j.Provider, jobID, now)
			if err != nil {
				return a, err
			}
			a.Jailed = jailed
		}
		if k.reputation != nil {
			value := jobstypes.Payment(j)
			if expired {
				value = payment
			}
			if err := k.reputation.RecordSLAViolation(ctx, j.Provider, j.Class, a.Severity.TotalPpm, value); err != nil {
				return a, err
			}
		}
	}
	if err := k.clearPending(ctx, jobID, j.Provider); err != nil {
		return a, err
	}
	if err := k.Assessments.Set(ctx, jobID, a); err != nil {
		return a, err
	}
	if err := k.PruneQueue.Push(ctx, now.Add(p.Retention), jobID); err != nil {
		return a, err
	}
	return a, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventSLAAssessed{Assessment: a})
}

// Penalty is slash_bps (of the penalty scale) × payment ×
// max_sla_penalty_multiple_bps: never more than the multiple of the job's
// payment, never a share of the bond.
func Penalty(p types.Params, slashBps uint32, payment math.Int) math.Int {
	if !payment.IsPositive() || slashBps == 0 {
		return math.ZeroInt()
	}
	return bps.Floor2(payment, slashBps, p.MaxSlaPenaltyMultipleBps)
}

// maxPrunePerViolation bounds how many stale violations one assessment
// deletes, so no assessment's work grows with a provider's history.
const maxPrunePerViolation = 16

// recordViolation stores the violation, forgets up to maxPrunePerViolation
// of those older than the longest window the params allow, and jails the
// provider when the count inside the current window reaches max_violations.
// The count is a range read over timestamps inside the window only, so
// changing violation_window (within its bound) never miscounts.
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
		return len(stale) >= maxPrunePerViolation, nil
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

// farFuture bounds range reads over violation times.
var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// CountInWindow counts a provider's violations in (now − window, now],
// reading only that range.
func (k *Keeper) CountInWindow(ctx context.Context, op sdk.AccAddress, window time.Duration, now time.Time) (uint32, error) {
	cutoff := now.Add(-window)
	rng := new(collections.Range[ViolationKey]).
		StartExclusive(collections.Join3(op, cutoff, ^uint64(0))).
		EndInclusive(collections.Join3(op, farFuture, ^uint64(0)))
	n := uint32(0)
	err := k.Violations.Walk(ctx, rng, func(ViolationKey) (bool, error) {
		n++
		return false, nil
	})
	return n, err
}

func (k *Keeper) settleGrading(ctx context.Context, _ time.Time, jobID uint64) error {
	j, err := k.jobs.GetJob(ctx, jobID)
	if err != nil {
		return err
	}
	if jobstypes.IsOpen(j.Status) {
		p, err := k.Params.Get(ctx)
		if err != nil {
			return err
		}
		now := sdk.UnwrapSDKContext(ctx).BlockTime()
		next := now.Add(p.ReportWindow)
		credit, err := k.jobs.HaltCredit(ctx)
		if err != nil {
			return err
		}
		if end := jobstypes.AsOf(j.WindowEnd, j, credit); j.Status == jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED && end.After(now) {
			next = end
		}
		return k.setPending(ctx, jobID, j.Provider, next)
	}
	_, err = k.Assess(ctx, jobID, false)
	return err
}

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
