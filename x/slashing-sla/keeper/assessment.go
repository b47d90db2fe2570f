package keeper

import (
	"context"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/bps"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

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
	penalty := types.Penalty(p, a.SlashBps, payment)
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
		comp := types.Compensation(penalty, loss)
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
