package types

import (
	"time"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	"github.com/verdict-chain/verdict/x/internal/bps"
)

// DefaultParams: severity 1.0 slashes 10% of the bond (before the job's
// cap); nothing delivered weighs fully, a p99 latency over its bound half,
// jitter 30%; three violations in a day jail the provider for an hour.
func DefaultParams() Params {
	return Params{
		ReportWindow: 30 * time.Minute,
		BaseSlashBps: bps.Whole,
		Weights: SeverityWeights{
			Latency:             500_000,
			Jitter:              300_000,
			Incomplete:          1_000_000,
			Lateness:            500_000,
			ThroughputShortfall: 500_000,
			ThroughputVariance:  200_000,
		},
		VarianceTolerancePpm:   100_000,
		BuyerOnlyWeightPpm:     500_000,
		ViolationWindow:        24 * time.Hour,
		MaxViolations:          3,
		JailDuration:           time.Hour,
		MaxAssessmentsPerBlock: 50,
		// A job's SLA penalty is at most twice its payment, whatever the bond.
		MaxSlaPenaltyMultipleBps: 20_000,
		LateCompensationBps:      1_000,
		Retention:                30 * 24 * time.Hour,
	}
}

// Validate checks every field.
func (p Params) Validate() error {
	if p.ReportWindow <= 0 {
		return errorsmod.Wrapf(ErrInvalidParams, "report_window must be positive, got %s", p.ReportWindow)
	}
	if p.BaseSlashBps == 0 || p.BaseSlashBps > bps.Whole {
		return errorsmod.Wrapf(ErrInvalidParams, "base_slash_bps must be 1..%d", bps.Whole)
	}
	w := p.Weights
	for _, v := range []uint32{w.Latency, w.Jitter, w.Incomplete, w.Lateness, w.ThroughputShortfall, w.ThroughputVariance, p.VarianceTolerancePpm, p.BuyerOnlyWeightPpm} {
		if v > PPM {
			return errorsmod.Wrapf(ErrInvalidParams, "weights and ppm fractions must be <= %d", PPM)
		}
	}
	if p.ViolationWindow <= 0 || p.ViolationWindow > MaxViolationWindowDays*24*time.Hour {
		return errorsmod.Wrapf(ErrInvalidParams, "violation_window must be in (0, %d days]", MaxViolationWindowDays)
	}
	if p.MaxViolations == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "max_violations must be positive")
	}
	if p.JailDuration <= 0 {
		return errorsmod.Wrap(ErrInvalidParams, "jail_duration must be positive")
	}
	if p.MaxAssessmentsPerBlock == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "max_assessments_per_block must be positive")
	}
	if p.MaxSlaPenaltyMultipleBps > MaxPenaltyMultipleBps {
		return errorsmod.Wrapf(ErrInvalidParams, "max_sla_penalty_multiple_bps must be <= %d", MaxPenaltyMultipleBps)
	}
	if p.LateCompensationBps > bps.Whole {
		return errorsmod.Wrapf(ErrInvalidParams, "late_compensation_bps must be <= %d", bps.Whole)
	}
	if p.Retention <= p.ReportWindow {
		return errorsmod.Wrapf(ErrInvalidParams, "retention (%s) must exceed report_window (%s)", p.Retention, p.ReportWindow)
	}
	return nil
}

// Penalty is slash_bps (of the penalty scale) × payment ×
// max_sla_penalty_multiple_bps: never more than the multiple of the job's
// payment, never a share of the bond.
func Penalty(p Params, slashBps uint32, payment math.Int) math.Int {
	if !payment.IsPositive() || slashBps == 0 {
		return math.ZeroInt()
	}
	return bps.Floor2(payment, slashBps, p.MaxSlaPenaltyMultipleBps)
}

// Compensation is what the buyer receives of an SLA penalty: at most its
// loss (what it paid for the degraded result); the rest of the penalty goes
// to the community pool.
func Compensation(penalty, loss math.Int) math.Int { return math.MinInt(penalty, loss) }
