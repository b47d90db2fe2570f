package types

import (
	"time"

	errorsmod "cosmossdk.io/errors"
)

// DefaultParams: a new provider starts at 50% with the weight of 10
// outcomes; a completed job adds one unit of good evidence, a lost dispute
// or failed audit twenty units of bad evidence; evidence halves every 30
// days.
func DefaultParams() Params {
	return Params{
		DecayHalfLife: 30 * 24 * time.Hour,
		PriorWeight:   10 * Micro,
		Weights: EventWeights{
			Completed:    1 * Micro,
			Failed:       2 * Micro,
			Expired:      3 * Micro,
			DisputeWon:   2 * Micro,
			DisputeLost:  20 * Micro,
			AuditPassed:  2 * Micro,
			AuditFailed:  20 * Micro,
			SlaViolation: 10 * Micro,
		},
		EwmaAlphaPpm:            200_000,
		ScoreFloorPpm:           50_000,
		ExplorationPpm:          50_000,
		NewProviderObservations: 5,
		MaxCandidates:           64,
		// 0.1 VERD at stake adds an outcome's full weight; one job counts
		// for at most ten of those.
		EvidenceUnit:      100_000,
		MaxValueFactorPpm: 10 * PPM,
		// After 8 half-lives a record's evidence is below 0.4% of what it
		// was: it is deleted.
		RecordRetention:   8 * 30 * 24 * time.Hour,
		MaxPrunesPerBlock: 50,
	}
}

// MaxEvidence caps evidence so sums cannot overflow.
const MaxEvidence = uint64(1) << 60

// Validate checks every field.
func (p Params) Validate() error {
	if p.DecayHalfLife <= 0 {
		return errorsmod.Wrapf(ErrInvalidParams, "decay_half_life must be positive, got %s", p.DecayHalfLife)
	}
	if p.PriorWeight == 0 || p.PriorWeight > MaxEvidence {
		return errorsmod.Wrapf(ErrInvalidParams, "prior_weight must be 1..%d", MaxEvidence)
	}
	w := p.Weights
	for _, v := range []uint64{w.Completed, w.Failed, w.Expired, w.DisputeWon, w.DisputeLost, w.AuditPassed, w.AuditFailed, w.SlaViolation} {
		if v > MaxEvidence/1024 {
			return errorsmod.Wrapf(ErrInvalidParams, "event weights must be <= %d", MaxEvidence/1024)
		}
	}
	if p.EwmaAlphaPpm == 0 || p.EwmaAlphaPpm > PPM {
		return errorsmod.Wrapf(ErrInvalidParams, "ewma_alpha_ppm must be 1..%d", PPM)
	}
	if p.ScoreFloorPpm == 0 || p.ScoreFloorPpm > PPM {
		return errorsmod.Wrapf(ErrInvalidParams, "score_floor_ppm must be 1..%d", PPM)
	}
	if p.ExplorationPpm > PPM {
		return errorsmod.Wrapf(ErrInvalidParams, "exploration_ppm must be <= %d", PPM)
	}
	if p.MaxCandidates == 0 || p.MaxCandidates > 10_000 {
		return errorsmod.Wrap(ErrInvalidParams, "max_candidates must be 1..10000")
	}
	if p.EvidenceUnit == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "evidence_unit must be positive")
	}
	if p.MaxValueFactorPpm == 0 || p.MaxValueFactorPpm > 1000*PPM {
		return errorsmod.Wrapf(ErrInvalidParams, "max_value_factor_ppm must be 1..%d", 1000*PPM)
	}
	if p.RecordRetention <= p.DecayHalfLife {
		return errorsmod.Wrapf(ErrInvalidParams, "record_retention (%s) must exceed decay_half_life (%s)", p.RecordRetention, p.DecayHalfLife)
	}
	if p.MaxPrunesPerBlock == 0 {
		return errorsmod.Wrap(ErrInvalidParams, "max_prunes_per_block must be positive")
	}
	return nil
}
