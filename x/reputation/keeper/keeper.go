// Package keeper implements x/reputation: per (provider, class) records
// fed by x/jobs and x/dispute hooks (and x/slashing-sla through
// RecordSLAViolation), a decaying fixed-point score, the
// reputation-weighted scheduler, and the communication-wall estimate.
package keeper

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"time"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	"cosmossdk.io/log/v2"
	"cosmossdk.io/math"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/settle"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/reputation/types"
)

// RecordKey is (provider, class).
type RecordKey = collections.Pair[sdk.AccAddress, int32]

// Keeper owns the x/reputation state.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	authority    string
	jobs         types.JobsKeeper

	Schema  collections.Schema
	Params  collections.Item[types.Params]
	Records collections.Map[RecordKey, types.Record]
	// PruneQueue holds each record at updated_at + record_retention.
	PruneQueue *settle.Queue[RecordKey]
}

// NewKeeper builds the keeper. authority is the gov module address.
func NewKeeper(cdc codec.BinaryCodec, storeService corestore.KVStoreService, addressCodec address.Codec, authority string, jk types.JobsKeeper) *Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Sprintf("invalid authority address %q: %v", authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := &Keeper{
		cdc: cdc, addressCodec: addressCodec, authority: authority, jobs: jk,
		Params:  collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Records: collections.NewMap(sb, types.RecordsKey, "records", collections.PairKeyCodec(sdk.AccAddressKey, collections.Int32Key), codec.CollValue[types.Record](cdc)),
		PruneQueue: settle.New(sb, types.PruneQueueKey, types.PruneDeadLettersKey, "prune",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.Int32Key)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	k.PruneQueue.Handle(k.settlePrune, func(ctx context.Context, due time.Time, key RecordKey, cause error) error {
		k.logger(ctx).Error("record not pruned", "provider", key.K1().String(), "class", key.K2(), "err", cause)
		return nil
	})
	return k
}

func (k *Keeper) logger(ctx context.Context) log.Logger {
	return sdk.UnwrapSDKContext(ctx).Logger().With("module", "x/"+types.ModuleName)
}

// GetAuthority returns the governance address.
func (k *Keeper) GetAuthority() string { return k.authority }

// record loads a record, or a fresh one dated now.
func (k *Keeper) record(ctx context.Context, op sdk.AccAddress, class jobstypes.WorkloadClass) (types.Record, error) {
	r, err := k.Records.Get(ctx, collections.Join(op, int32(class)))
	if errors.Is(err, collections.ErrNotFound) {
		s, err := k.addressCodec.BytesToString(op)
		if err != nil {
			return r, err
		}
		return types.Record{Provider: s, Class: class, UpdatedAt: sdk.UnwrapSDKContext(ctx).BlockTime()}, nil
	}
	return r, err
}

// decayTo brings a record's evidence to time now.
func decayTo(r types.Record, now time.Time, halfLife time.Duration) types.Record {
	if elapsed := now.Sub(r.UpdatedAt); elapsed > 0 {
		r.GoodEvidence = Decay(r.GoodEvidence, elapsed, halfLife)
		r.BadEvidence = Decay(r.BadEvidence, elapsed, halfLife)
		r.UpdatedAt = now
	}
	return r
}

// Observations counts the outcomes in a record.
func Observations(r types.Record) uint64 {
	return r.Completed + r.Failed + r.Expired + r.DisputesWon + r.DisputesLost + r.AuditsPassed + r.AuditsFailed + r.SlaViolations
}

// View is a record as of the context's block time, with its score.
func (k *Keeper) View(ctx context.Context, op sdk.AccAddress, class jobstypes.WorkloadClass) (types.Reputation, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return types.Reputation{}, err
	}
	r, err := k.record(ctx, op, class)
	if err != nil {
		return types.Reputation{}, err
	}
	return view(r, p, sdk.UnwrapSDKContext(ctx).BlockTime()), nil
}

func view(r types.Record, p types.Params, now time.Time) types.Reputation {
	r = decayTo(r, now, p.DecayHalfLife)
	return types.Reputation{
		Record:                 r,
		ScorePpm:               ScorePPM(r.GoodEvidence, r.BadEvidence, p.PriorWeight),
		ThroughputStabilityPpm: StabilityPPM(r.ThroughputEwmaMilli, r.ThroughputDevEwmaMilli),
		Observations:           Observations(r),
	}
}

// ValueFactorPPM is how much of an outcome's weight a job of value v adds:
// v / evidence_unit, capped at max_value_factor_ppm (in ppm). Evidence is
// weighted by the value at stake, so cheap jobs buy no reputation and cost
// little of it (Economic safety 7).
func ValueFactorPPM(p types.Params, value math.Int) uint64 {
	if value.IsNil() || !value.IsPositive() {
		return 0
	}
	f := value.MulRaw(types.PPM).QuoRaw(int64(p.EvidenceUnit)) // evidence_unit ≥ 1
	if f.GT(math.NewIntFromUint64(p.MaxValueFactorPpm)) {
		return p.MaxValueFactorPpm
	}
	return f.Uint64()
}

// scale is weight × factor / 1e6 without overflow (weights ≤ 2^50,
// factors ≤ 1e9).
func scale(weight, factorPPM uint64) uint64 {
	hi, lo := bits.Mul64(weight, factorPPM)
	if hi >= types.PPM {
		return types.MaxEvidence
	}
	q, _ := bits.Div64(hi, lo, types.PPM)
	return q
}

// apply records one outcome of a job worth value: decay to now, add the
// value-weighted evidence and count, save, emit. metrics, if non-nil, feeds
// the EWMAs.
func (k *Keeper) apply(ctx context.Context, provider string, class jobstypes.WorkloadClass, outcome string, severityPPM uint32, value math.Int, metrics *jobstypes.Metrics) error {
	if provider == "" {
		return nil
	}
	opBytes, err := k.addressCodec.StringToBytes(provider)
	if err != nil {
		return err
	}
	op := sdk.AccAddress(opBytes)
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	r, err := k.record(ctx, op, class)
	if err != nil {
		return err
	}
	if err := k.PruneQueue.Remove(ctx, r.UpdatedAt.Add(p.RecordRetention), collections.Join(op, int32(class))); err != nil {
		return err
	}
	r = decayTo(r, now, p.DecayHalfLife)
	w := p.Weights
	good, bad := uint64(0), uint64(0)
	switch outcome {
	case types.OutcomeCompleted:
		r.Completed++
		good = w.Completed
	case types.OutcomeFailed:
		r.Failed++
		bad = w.Failed
	case types.OutcomeExpired:
		r.Expired++
		bad = w.Expired
	case types.OutcomeDisputeWon:
		r.DisputesWon++
		good = w.DisputeWon
	case types.OutcomeDisputeLost:
		r.DisputesLost++
		bad = w.DisputeLost
	case types.OutcomeAuditPassed:
		r.AuditsPassed++
		good = w.AuditPassed
	case types.OutcomeAuditFailed:
		r.AuditsFailed++
		bad = w.AuditFailed
	case types.OutcomeSLAViolation:
		r.SlaViolations++
		sev := min(uint64(severityPPM), types.PPM)
		r.SlaSeverityPpmSum += sev
		hi, lo := bits.Mul64(w.SlaViolation, sev) // weight × severity, < 2^70
		bad, _ = bits.Div64(hi, lo, types.PPM)
	default:
		return fmt.Errorf("unknown outcome %q", outcome)
	}
	factor := ValueFactorPPM(p, value)
	r.GoodEvidence = satAdd(r.GoodEvidence, scale(good, factor))
	r.BadEvidence = satAdd(r.BadEvidence, scale(bad, factor))
	r.UpdatedAt = now
	if metrics != nil {
		first := r.MetricSamples == 0
		r.LatencyEwmaMilli = EWMA(r.LatencyEwmaMilli, uint64(metrics.LatencyP99Ms)*1000, p.EwmaAlphaPpm, first)
		r.JitterEwmaMilli = EWMA(r.JitterEwmaMilli, uint64(metrics.JitterMs)*1000, p.EwmaAlphaPpm, first)
		dev := uint64(0)
		if !first {
			if metrics.ThroughputMilli > r.ThroughputEwmaMilli {
				dev = metrics.ThroughputMilli - r.ThroughputEwmaMilli
			} else {
				dev = r.ThroughputEwmaMilli - metrics.ThroughputMilli
			}
		}
		r.ThroughputDevEwmaMilli = EWMA(r.ThroughputDevEwmaMilli, dev, p.EwmaAlphaPpm, first)
		r.ThroughputEwmaMilli = EWMA(r.ThroughputEwmaMilli, metrics.ThroughputMilli, p.EwmaAlphaPpm, first)
		r.MetricSamples++
	}
	if err := k.Records.Set(ctx, collections.Join(op, int32(class)), r); err != nil {
		return err
	}
	if err := k.PruneQueue.Push(ctx, now.Add(p.RecordRetention), collections.Join(op, int32(class))); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventReputationUpdated{
		Provider: provider, Class: class, Outcome: outcome, ScorePpm: ScorePPM(r.GoodEvidence, r.BadEvidence, p.PriorWeight),
	})
}

// RecordSLAViolation is x/slashing-sla's entry point: a graded violation of
// severity (ppm, 1e6 = the worst) by a provider in a class, on a job worth
// value.
func (k *Keeper) RecordSLAViolation(ctx context.Context, provider string, class jobstypes.WorkloadClass, severityPPM uint32, value math.Int) error {
	return k.apply(ctx, provider, class, types.OutcomeSLAViolation, severityPPM, value, nil)
}

// RecordForwardFault records forward units a seller failed to deliver
// (x/forwards), weighed like an expired job of that value.
func (k *Keeper) RecordForwardFault(ctx context.Context, provider string, class jobstypes.WorkloadClass, value math.Int) error {
	return k.apply(ctx, provider, class, types.OutcomeExpired, 0, value, nil)
}

// ScorePPM is a provider's decayed score in a class (x/forwards lowers a
// high scorer's collateral).
func (k *Keeper) ScorePPM(ctx context.Context, op sdk.AccAddress, class jobstypes.WorkloadClass) (uint32, error) {
	v, err := k.View(ctx, op, class)
	if err != nil {
		return 0, err
	}
	return v.ScorePpm, nil
}

// settlePrune deletes a record whose last update is record_retention old; a
// record updated since is rescheduled (its entry moves on each update, but
// a retention change leaves old entries behind).
func (k *Keeper) settlePrune(ctx context.Context, _ time.Time, key RecordKey) error {
	r, err := k.Records.Get(ctx, key)
	if errors.Is(err, collections.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	now := sdk.UnwrapSDKContext(ctx).BlockTime()
	if due := r.UpdatedAt.Add(p.RecordRetention); due.After(now) {
		return k.PruneQueue.Push(ctx, due, key)
	}
	if err := k.Records.Remove(ctx, key); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventRecordPruned{Provider: r.Provider, Class: r.Class})
}

// AuditWeightPPM scales x/dispute's audit rate by the provider's
// reputation in the job's class: 1.5 − score, so a neutral provider is
// audited at the base rate, the worst at 1.5 times it and the best at half
// of it.
func (k *Keeper) AuditWeightPPM(ctx context.Context, j jobstypes.Job) (uint32, error) {
	provider, class := j.Provider, j.Class
	op, err := k.addressCodec.StringToBytes(provider)
	if err != nil {
		return 0, err
	}
	v, err := k.View(ctx, op, class)
	if err != nil {
		return 0, err
	}
	return types.PPM*3/2 - v.ScorePpm, nil
}
