package types

import (
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// The vocabulary other modules share with x/jobs: pure functions of jobs and
// providers. Nothing here reads state.

// IsOpen reports whether a job in status s still holds escrow.
func IsOpen(s JobStatus) bool {
	switch s {
	case JobStatus_JOB_STATUS_SUBMITTED, JobStatus_JOB_STATUS_ASSIGNED,
		JobStatus_JOB_STATUS_RESULT_POSTED, JobStatus_JOB_STATUS_DISPUTED:
		return true
	}
	return false
}

// Payment is what the provider is paid for its posted result: the agreed
// price × units used (zero without a result).
func Payment(j Job) math.Int {
	if j.Result == nil {
		return math.ZeroInt()
	}
	return j.PricePerUnit.Amount.Mul(math.NewIntFromUint64(j.Result.UnitsUsed))
}

// Nodes is who holds an open-job slot for j: its placement (multi-node), or
// its provider, or nobody while it is unassigned.
func Nodes(j Job) []string {
	if len(j.Placement) > 0 {
		return j.Placement
	}
	if j.Provider == "" {
		return nil
	}
	return []string{j.Provider}
}

// IsBatch reports whether j is a batch job (x/jobs/batch): two or more
// items, its commitments the roots of the items' trees.
func IsBatch(j Job) bool { return j.Items > 1 || j.Checkpoint != nil }

// Items is the number of inferences j carries (1 for a single-input job).
func Items(j Job) uint64 { return max(j.Items, 1) }

// RefundTo is who receives what is refunded of j's escrow: its payer, or
// its buyer when the buyer paid.
func RefundTo(j Job) string {
	if j.Payer != "" {
		return j.Payer
	}
	return j.Buyer
}

// PriceFor returns the provider's price for a class.
func PriceFor(p Provider, class WorkloadClass) (sdk.Coin, bool) {
	for _, pr := range p.Prices {
		if pr.Class == class {
			return pr.PricePerUnit, true
		}
	}
	return sdk.Coin{}, false
}

// SupportsCircuit reports whether p proves with circuit id.
func SupportsCircuit(p Provider, id string) bool {
	for _, c := range p.CircuitIds {
		if c == id {
			return true
		}
	}
	return false
}

// CheckOffer is the part of eligibility that depends on the provider's
// record and the job alone: status, not the buyer itself, not a provider
// that declined the job, the class, the circuit, the price and the terms
// the offer consents to, sizes included. A contract job is checked against
// the offer frozen in its contract (the seller consented to it at the
// trade; the funding module checked the job's circuit against what the
// seller supported then). The keeper adds capacity and the checks other
// modules register (Keeper.CheckEligible).
func CheckOffer(p Provider, j Job) error {
	if p.Status != ProviderStatus_PROVIDER_STATUS_ACTIVE {
		return errorsmod.Wrapf(ErrNotEligible, "provider %s is %s", p.Operator, p.Status)
	}
	if p.Operator == j.Buyer {
		return errorsmod.Wrap(ErrNotEligible, "a buyer cannot be its own provider")
	}
	if Declined(j, p.Operator) {
		return errorsmod.Wrapf(ErrNotEligible, "provider %s declined job %d: it cannot take it again", p.Operator, j.Id)
	}
	if j.Contract != nil && p.Operator != j.Contract.Seller {
		return errorsmod.Wrapf(ErrNotEligible, "job %d is contracted with %s", j.Id, j.Contract.Seller)
	}
	price, ok := PriceFor(p, j.Class)
	if !ok {
		return errorsmod.Wrapf(ErrNotEligible, "provider %s does not offer %s", p.Operator, j.Class)
	}
	if j.Contract != nil {
		// the agreed price and the offer of the trade, not today's
		return CoversTerms(j.Contract.Offer, j)
	}
	if j.CircuitId != "" && !SupportsCircuit(p, j.CircuitId) {
		return errorsmod.Wrapf(ErrNotEligible, "provider %s does not support circuit %q", p.Operator, j.CircuitId)
	}
	if price.Denom != j.MaxPricePerUnit.Denom || price.Amount.GT(j.MaxPricePerUnit.Amount) {
		return errorsmod.Wrapf(ErrNotEligible, "provider %s asks %s per unit, above the job's max %s", p.Operator, price, j.MaxPricePerUnit)
	}
	return CoversTerms(OfferFor(p, j.Class), j)
}

// Declined reports whether provider op declined job j.
func Declined(j Job, op string) bool {
	for _, d := range j.DeclinedBy {
		if d == op {
			return true
		}
	}
	return false
}

// CheckCapacity is consent to how much runs at once: the units the
// provider already has open in the class plus this job's stay within the
// offer's max_open_units. A contract job is not refused for capacity: the
// seller reserved it when it sold (its units still count against spot
// jobs).
func CheckCapacity(o ClassPrice, j Job, open uint64) error {
	if j.Contract != nil {
		return nil
	}
	if open+j.Units < open || open+j.Units > o.MaxOpenUnits {
		return errorsmod.Wrapf(ErrNotEligible, "%d units would exceed the capacity the offer accepts (%d open of max_open_units %d)", j.Units, open, o.MaxOpenUnits)
	}
	return nil
}

// ProveTimeFor is the proving time p declared for a circuit (zero if none).
func ProveTimeFor(p Provider, circuitID string) time.Duration {
	for _, pt := range p.Proving {
		if pt.CircuitId == circuitID {
			return pt.ProveTime
		}
	}
	return 0
}

// ResultProveTime is the proving time a result of p on the circuit is
// posted with (frozen in Result.prove_time): p's declaration, or the
// chain's default_prove_time if p declared none.
func ResultProveTime(params Params, p Provider, circuitID string) time.Duration {
	if t := ProveTimeFor(p, circuitID); t > 0 {
		return t
	}
	return params.DefaultProveTime
}

// OfferFor returns the provider's offer for a class (zero if none).
func OfferFor(p Provider, class WorkloadClass) ClassPrice {
	for _, pr := range p.Prices {
		if pr.Class == class {
			return pr
		}
	}
	return ClassPrice{}
}

// AsOf is a time on an open job as it stands when the chain's halt credit
// is credit: later by the halts since the job's times were set (see
// x/jobs' halts.go). Zero stays zero.
func AsOf(t time.Time, j Job, credit time.Duration) time.Time {
	if t.IsZero() || !IsOpen(j.Status) || credit <= j.HaltCredit {
		return t // a time never moves earlier (a record from another clock)
	}
	return t.Add(credit - j.HaltCredit)
}

// TimeLimit is the time a job gave its provider: deadline − submission.
func TimeLimit(j Job) time.Duration { return j.Deadline.Sub(j.SubmittedAt) }

// CoversTerms is consent: a provider is bound only by terms its offer
// accepts. The job may be no larger than the offer's max_units_per_job,
// its time limit at least the offer's minimum, and
// SLA terms need an SLA offer whose promises are at least as tight as the
// job's bounds and whose slash cap is at least the job's.
func CoversTerms(o ClassPrice, j Job) error {
	if j.Units > o.MaxUnitsPerJob {
		return errorsmod.Wrapf(ErrNotEligible, "%d units are more than the %d per job the offer accepts", j.Units, o.MaxUnitsPerJob)
	}
	if IsBatch(j) && j.Items > o.MaxItemsPerJob {
		return errorsmod.Wrapf(ErrNotEligible, "a batch of %d items is larger than the %d per job the offer accepts", j.Items, o.MaxItemsPerJob)
	}
	if tl := TimeLimit(j); tl < o.MinTimeLimit {
		return errorsmod.Wrapf(ErrNotEligible, "time limit %s is shorter than the %s the offer accepts", tl, o.MinTimeLimit)
	}
	t := j.Sla
	if t == nil {
		return nil
	}
	s := o.Sla
	if s == nil {
		return errorsmod.Wrap(ErrNotEligible, "the offer takes no job with SLA terms")
	}
	switch {
	case t.MaxP99LatencyMs != 0 && (s.P99LatencyMs == 0 || t.MaxP99LatencyMs < s.P99LatencyMs):
		return errorsmod.Wrapf(ErrNotEligible, "p99 bound %d ms is tighter than the %d ms the offer promises", t.MaxP99LatencyMs, s.P99LatencyMs)
	case t.MaxJitterMs != 0 && (s.JitterMs == 0 || t.MaxJitterMs < s.JitterMs):
		return errorsmod.Wrapf(ErrNotEligible, "jitter bound %d ms is tighter than the %d ms the offer promises", t.MaxJitterMs, s.JitterMs)
	case t.MinThroughputMilli != 0 && t.MinThroughputMilli > s.ThroughputMilli:
		return errorsmod.Wrapf(ErrNotEligible, "minimum throughput %d is above the %d the offer promises", t.MinThroughputMilli, s.ThroughputMilli)
	case t.MaxSlashBps > s.MaxSlashBps:
		return errorsmod.Wrapf(ErrNotEligible, "slash cap %d bps is above the %d bps the offer accepts", t.MaxSlashBps, s.MaxSlashBps)
	case t.CompletionTime != 0 && t.CompletionTime < o.MinTimeLimit:
		return errorsmod.Wrapf(ErrNotEligible, "completion time %s is shorter than the %s the offer accepts", t.CompletionTime, o.MinTimeLimit)
	}
	return nil
}

// Candidate is an eligible ACTIVE offer for a job, as schedulers see it.
type Candidate struct {
	Provider Provider
	Price    sdk.Coin
}

// Payout is one recipient of slashed coins.
type Payout struct {
	To     sdk.AccAddress
	Amount math.Int
}

// ValidClass reports whether c names a real workload class.
func ValidClass(c WorkloadClass) bool {
	_, ok := WorkloadClass_name[int32(c)]
	return ok && c != WorkloadClass_WORKLOAD_CLASS_UNSPECIFIED
}

// ValidateCommitment requires a canonical BN254 scalar field element: 32
// bytes, big-endian, below the field modulus. Commitments are public inputs
// of the dispute circuits, and a value at or above the modulus would be
// silently reduced by some APIs, so it is refused on entry.
func ValidateCommitment(field string, b []byte) error {
	if len(b) != CommitmentLen {
		return errorsmod.Wrapf(ErrInvalidCommitment, "%s must be %d bytes, got %d", field, CommitmentLen, len(b))
	}
	var e fr.Element
	if err := e.SetBytesCanonical(b); err != nil {
		return errorsmod.Wrapf(ErrInvalidCommitment, "%s is not a canonical BN254 field element (must be below the modulus)", field)
	}
	return nil
}
