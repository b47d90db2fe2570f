package types

import (
	"fmt"
	"time"
	"unicode/utf8"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/bps"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
)

// Pure, stateless checks of user input, used by the keeper and usable by
// the CLI and the agents before they sign. Each returns a registered error.

func checkString(kind *errorsmod.Error, field, s string, maxLen int, required bool) error {
	if required && s == "" {
		return errorsmod.Wrapf(kind, "%s is required", field)
	}
	if len(s) > maxLen {
		return errorsmod.Wrapf(kind, "%s is %d bytes, max %d", field, len(s), maxLen)
	}
	if !utf8.ValidString(s) {
		return errorsmod.Wrapf(kind, "%s is not valid UTF-8", field)
	}
	return nil
}

// checkPrice requires a positive amount of denom that fits in a uint64
// (prices key the offer index).
func checkPrice(field string, c sdk.Coin, denom string) error {
	if c.Denom != denom {
		return errorsmod.Wrapf(ErrInvalidDenom, "%s: want %s, got %q", field, denom, c.Denom)
	}
	if c.Amount.IsNil() || !c.Amount.IsPositive() {
		return errorsmod.Wrapf(ErrInvalidAmount, "%s must be positive", field)
	}
	if !c.Amount.IsUint64() {
		return errorsmod.Wrapf(ErrInvalidAmount, "%s is too large", field)
	}
	return nil
}

// ProviderOffer is the part of a provider a register or update message sets.
type ProviderOffer struct {
	Moniker, Endpoint, Region string
	Hardware                  HardwareOffer
	Classes                   []WorkloadClass
	CircuitIDs                []string
	Prices                    []ClassPrice
	Proving                   []ProvingTime
	// ServingKey: empty, or the ed25519 key of its serving receipts.
	ServingKey []byte
}

// ValidateOffer checks a provider's description, classes, offers and
// declared proving times against the params in force.
func ValidateOffer(o ProviderOffer, p Params) error {
	denom, maxDuration, maxItems := p.Denom, p.MaxJobDuration, p.MaxItems
	if err := checkString(ErrInvalidProvider, "moniker", o.Moniker, MaxMonikerLen, true); err != nil {
		return err
	}
	if err := checkString(ErrInvalidProvider, "endpoint", o.Endpoint, MaxEndpointLen, true); err != nil {
		return err
	}
	if err := checkString(ErrInvalidProvider, "region", o.Region, MaxRegionLen, false); err != nil {
		return err
	}
	if err := checkString(ErrInvalidProvider, "accelerator_model", o.Hardware.AcceleratorModel, MaxAcceleratorLen, false); err != nil {
		return err
	}
	if len(o.Classes) == 0 || len(o.Classes) > MaxClasses {
		return errorsmod.Wrapf(ErrInvalidProvider, "between 1 and %d workload classes required, got %d", MaxClasses, len(o.Classes))
	}
	seen := map[WorkloadClass]bool{}
	for _, c := range o.Classes {
		if !ValidClass(c) {
			return errorsmod.Wrapf(ErrInvalidProvider, "unknown workload class %d", c)
		}
		if seen[c] {
			return errorsmod.Wrapf(ErrInvalidProvider, "duplicate workload class %s", c)
		}
		seen[c] = true
	}
	if len(o.Prices) != len(o.Classes) {
		return errorsmod.Wrapf(ErrInvalidProvider, "one price per workload class required: %d classes, %d prices", len(o.Classes), len(o.Prices))
	}
	priced := map[WorkloadClass]bool{}
	for _, p := range o.Prices {
		if !seen[p.Class] || priced[p.Class] {
			return errorsmod.Wrapf(ErrInvalidProvider, "price for class %s does not match the classes offered", p.Class)
		}
		priced[p.Class] = true
		if err := checkPrice(fmt.Sprintf("price for %s", p.Class), p.PricePerUnit, denom); err != nil {
			return err
		}
		if p.MinTimeLimit < 0 || p.MinTimeLimit > maxDuration {
			return errorsmod.Wrapf(ErrInvalidProvider, "min_time_limit for %s must be in [0, max_job_duration %s]", p.Class, maxDuration)
		}
		if p.MaxUnitsPerJob == 0 || p.MaxOpenUnits < p.MaxUnitsPerJob {
			return errorsmod.Wrapf(ErrInvalidProvider, "the offer for %s must bound its size: max_units_per_job >= 1 and max_open_units >= max_units_per_job, got %d and %d", p.Class, p.MaxUnitsPerJob, p.MaxOpenUnits)
		}
		if p.MaxItemsPerJob > maxItems {
			return errorsmod.Wrapf(ErrInvalidProvider, "max_items_per_job for %s is %d, the chain takes batches of at most %d (max_items)", p.Class, p.MaxItemsPerJob, maxItems)
		}
		if p.Sla != nil && (p.Sla.MaxSlashBps == 0 || p.Sla.MaxSlashBps > bps.Whole) {
			return errorsmod.Wrapf(ErrInvalidProvider, "sla.max_slash_bps for %s must be in [1, %d]", p.Class, bps.Whole)
		}
	}
	if len(o.CircuitIDs) > MaxCircuitIDs {
		return errorsmod.Wrapf(ErrInvalidProvider, "at most %d circuit ids, got %d", MaxCircuitIDs, len(o.CircuitIDs))
	}
	ids := map[string]bool{}
	for _, id := range o.CircuitIDs {
		if err := checkString(ErrInvalidProvider, "circuit id", id, MaxCircuitIDLen, true); err != nil {
			return err
		}
		if ids[id] {
			return errorsmod.Wrapf(ErrInvalidProvider, "duplicate circuit id %q", id)
		}
		ids[id] = true
	}
	if len(o.ServingKey) != 0 {
		if err := serving.CheckKey(o.ServingKey); err != nil {
			return errorsmod.Wrapf(ErrInvalidProvider, "serving_key: %v", err)
		}
	}
	declared := map[string]bool{}
	for _, pt := range o.Proving {
		if !ids[pt.CircuitId] || declared[pt.CircuitId] {
			return errorsmod.Wrapf(ErrInvalidProvider, "proving time for circuit %q: not one of its circuits, or declared twice", pt.CircuitId)
		}
		declared[pt.CircuitId] = true
		if pt.ProveTime <= 0 || pt.ProveTime > p.MaxProveTime {
			return errorsmod.Wrapf(ErrInvalidProvider, "proving time for circuit %q must be in (0, %s] (max_prove_time), got %s", pt.CircuitId, p.MaxProveTime, pt.ProveTime)
		}
	}
	return nil
}

// ValidateSubmitJob checks a job submission against params.
func ValidateSubmitJob(msg *MsgSubmitJob, p Params) error {
	if !ValidClass(msg.Class) {
		return errorsmod.Wrapf(ErrInvalidJob, "unknown workload class %d", msg.Class)
	}
	if err := ValidateCommitment("model_commitment", msg.ModelCommitment); err != nil {
		return err
	}
	if err := ValidateCommitment("input_commitment", msg.InputCommitment); err != nil {
		return err
	}
	if err := checkString(ErrInvalidJob, "input_uri", msg.InputUri, MaxURILen, false); err != nil {
		return err
	}
	if err := checkString(ErrInvalidJob, "model_uri", msg.ModelUri, MaxURILen, false); err != nil {
		return err
	}
	if err := checkString(ErrInvalidJob, "circuit_id", msg.CircuitId, MaxCircuitIDLen, false); err != nil {
		return err
	}
	if msg.Units == 0 {
		return errorsmod.Wrap(ErrInvalidAmount, "units must be positive")
	}
	if err := checkPrice("max_price_per_unit", msg.MaxPricePerUnit, p.Denom); err != nil {
		return err
	}
	if msg.TimeLimit < p.MinTimeLimit || msg.TimeLimit > p.MaxJobDuration {
		return errorsmod.Wrapf(ErrInvalidJob, "time_limit must be in [min_time_limit %s, max_job_duration %s], got %s", p.MinTimeLimit, p.MaxJobDuration, msg.TimeLimit)
	}
	if msg.Sla != nil {
		if err := ValidateSLA(*msg.Sla, msg.TimeLimit); err != nil {
			return err
		}
	}
	if msg.Items > 1 {
		if err := ValidateBatch(msg.Items, msg.Units, msg.CircuitId, p); err != nil {
			return err
		}
		if msg.Parallel != nil {
			return errorsmod.Wrap(ErrInvalidJob, "a batch job runs on one provider: it cannot be a multi-node job")
		}
	}
	if msg.Parallel != nil {
		if msg.Provider != "" {
			return errorsmod.Wrap(ErrInvalidJob, "a multi-node job is placed by the scheduler: leave provider empty")
		}
		return ValidateParallelism(*msg.Parallel)
	}
	return nil
}

// ValidateBatch checks a batch job's size: items within the chain's
// max_items, at least one unit per item (units is the job's total, what
// the escrow and every penalty are sized by), and a circuit (an item is
// disputed by proof: a batch nobody can prove could not be challenged).
func ValidateBatch(items, units uint64, circuitID string, p Params) error {
	if items > p.MaxItems {
		return errorsmod.Wrapf(ErrInvalidJob, "items: %d, the chain takes at most %d (max_items)", items, p.MaxItems)
	}
	if units < items {
		return errorsmod.Wrapf(ErrInvalidJob, "a batch of %d items needs at least one unit per item, got %d units", items, units)
	}
	if circuitID == "" {
		return errorsmod.Wrap(ErrInvalidJob, "a batch job needs a circuit_id (its items are disputed by proof)")
	}
	if err := batch.CheckCircuit(circuitID); err != nil {
		return errorsmod.Wrap(ErrInvalidJob, err.Error())
	}
	return nil
}

// ValidateParallelism bounds a multi-node job's description.
func ValidateParallelism(pl Parallelism) error {
	switch {
	case pl.Nodes < 2 || pl.Nodes > MaxNodes:
		return errorsmod.Wrapf(ErrInvalidJob, "parallel.nodes must be 2..%d, got %d", MaxNodes, pl.Nodes)
	case pl.ComputeMsPerStep == 0 || pl.ComputeMsPerStep > 1<<32:
		return errorsmod.Wrap(ErrInvalidJob, "parallel.compute_ms_per_step must be 1..2^32")
	case pl.SyncBytesPerStep > 1<<50:
		return errorsmod.Wrap(ErrInvalidJob, "parallel.sync_bytes_per_step must be at most 2^50")
	case pl.Steps == 0:
		return errorsmod.Wrap(ErrInvalidJob, "parallel.steps must be positive")
	case pl.MinEfficiencyPpm > 1_000_000:
		return errorsmod.Wrap(ErrInvalidJob, "parallel.min_efficiency_ppm must be <= 1000000")
	}
	return nil
}

// ValidateSLA checks a job's SLA terms: at least one bound, a slash cap in
// (0, 100%], and a completion time inside the job's time limit.
func ValidateSLA(t SLATerms, timeLimit time.Duration) error {
	if t.MaxP99LatencyMs == 0 && t.MaxJitterMs == 0 && t.MinThroughputMilli == 0 && t.CompletionTime == 0 {
		return errorsmod.Wrap(ErrInvalidJob, "sla: set at least one of max_p99_latency_ms, max_jitter_ms, min_throughput_milli, completion_time")
	}
	if t.MaxSlashBps == 0 || t.MaxSlashBps > bps.Whole {
		return errorsmod.Wrapf(ErrInvalidJob, "sla: max_slash_bps must be in [1, %d], got %d", bps.Whole, t.MaxSlashBps)
	}
	if t.CompletionTime < 0 || t.CompletionTime > timeLimit {
		return errorsmod.Wrapf(ErrInvalidJob, "sla: completion_time must be in [0, time_limit %s], got %s", timeLimit, t.CompletionTime)
	}
	return nil
}

// ValidatePostResult checks a result against its job.
func ValidatePostResult(msg *MsgPostResult, job Job) error {
	if err := ValidateCommitment("output_commitment", msg.OutputCommitment); err != nil {
		return err
	}
	if err := checkString(ErrInvalidResult, "output_uri", msg.OutputUri, MaxURILen, false); err != nil {
		return err
	}
	if msg.UnitsUsed == 0 || msg.UnitsUsed > job.Units {
		return errorsmod.Wrapf(ErrInvalidResult, "units_used must be in [1, %d], got %d", job.Units, msg.UnitsUsed)
	}
	if n := len(msg.EnclaveSignature); n != 0 && n != EnclaveSignatureSize {
		return errorsmod.Wrapf(ErrInvalidResult, "enclave_signature must be empty or %d bytes (ed25519), got %d", EnclaveSignatureSize, n)
	}
	return nil
}
