package types

import (
	"math/bits"
	"time"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/bps"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
)

// Serving sessions: the pure checks and arithmetic the keeper, the CLI and
// the agents share (see Session and x/jobs/serving).

// SessionUnits is what a session's most requests count as, or an error if
// the product does not fit a uint64.
func SessionUnits(unitsPerRequest, requests uint64) (uint64, error) {
	hi, lo := bits.Mul64(unitsPerRequest, requests)
	if hi != 0 {
		return 0, errorsmod.Wrapf(ErrInvalidSession, "%d requests of %d units overflow", requests, unitsPerRequest)
	}
	return lo, nil
}

// SessionReserved is the capacity an open session holds on its provider's
// offer: the units of the requests it may still checkpoint. A closed
// session holds none. Genesis validation keeps the product from
// overflowing.
func SessionReserved(s Session) (uint64, error) {
	if !SessionIsOpen(s.Status) || s.Checkpointed >= s.MaxRequests {
		return 0, nil
	}
	return SessionUnits(s.UnitsPerRequest, s.MaxRequests-s.Checkpointed)
}

// RequestsPrice is what n requests of session s cost: n x units per
// request x the session's price per unit.
func RequestsPrice(s Session, n uint64) sdk.Coin {
	amt := s.PricePerUnit.Amount.Mul(math.NewIntFromUint64(s.UnitsPerRequest)).Mul(math.NewIntFromUint64(n))
	return sdk.NewCoin(s.PricePerUnit.Denom, amt)
}

// SessionIsOpen: the session still takes checkpoints (OPEN or CLOSING).
func SessionIsOpen(s SessionStatus) bool {
	return s == SessionStatus_SESSION_STATUS_OPEN || s == SessionStatus_SESSION_STATUS_CLOSING
}

// SessionEnd is when an open session stops taking checkpoints: its expiry,
// or the end of the notice once the buyer closed it, whichever is first.
func SessionEnd(s Session) time.Time {
	if s.Status == SessionStatus_SESSION_STATUS_CLOSING && s.CloseAt.Before(s.ExpiresAt) {
		return s.CloseAt
	}
	return s.ExpiresAt
}

// ValidateOpenSession checks a session order against params.
func ValidateOpenSession(msg *MsgOpenSession, p Params) error {
	if p.MaxSessionDuration == 0 {
		return errorsmod.Wrap(ErrInvalidSession, "this chain takes no serving sessions (max_session_duration is 0)")
	}
	if !ValidClass(msg.Class) {
		return errorsmod.Wrapf(ErrInvalidSession, "unknown workload class %d", msg.Class)
	}
	if err := checkString(ErrInvalidSession, "circuit_id", msg.CircuitId, MaxCircuitIDLen, true); err != nil {
		return err // a session's receipts are disputed by proof: it needs a circuit
	}
	if err := batch.CheckCircuit(msg.CircuitId); err != nil {
		return errorsmod.Wrapf(ErrInvalidSession, "circuit_id: %v (a receipt is proven as a batch item is)", err)
	}
	if err := ValidateCommitment("model_commitment", msg.ModelCommitment); err != nil {
		return err
	}
	if msg.UnitsPerRequest == 0 || msg.MaxRequests == 0 {
		return errorsmod.Wrap(ErrInvalidSession, "units_per_request and max_requests must be positive")
	}
	if _, err := SessionUnits(msg.UnitsPerRequest, msg.MaxRequests); err != nil {
		return err
	}
	if err := checkPrice("max_price_per_unit", msg.MaxPricePerUnit, p.Denom); err != nil {
		return err
	}
	if msg.Duration < p.MinTimeLimit || msg.Duration > p.MaxSessionDuration {
		return errorsmod.Wrapf(ErrInvalidSession, "duration must be in [min_time_limit %s, max_session_duration %s], got %s", p.MinTimeLimit, p.MaxSessionDuration, msg.Duration)
	}
	if err := serving.CheckKey(msg.SessionKey); err != nil {
		return errorsmod.Wrapf(ErrInvalidSession, "session_key: %v", err)
	}
	if msg.Sla != nil {
		if err := ValidateSessionSLA(*msg.Sla); err != nil {
			return err
		}
	}
	return checkString(ErrInvalidSession, "model_uri", msg.ModelUri, MaxURILen, false)
}

// ValidateSessionSLA checks a session's SLA terms: a latency or jitter
// bound and a slash cap in (0, 100%]. A session's requests come at the
// buyer's pace and are answered at once, so a throughput floor or a
// completion time would grade the provider on what is not its to keep:
// refused.
func ValidateSessionSLA(t SLATerms) error {
	if t.MinThroughputMilli != 0 || t.CompletionTime != 0 {
		return errorsmod.Wrap(ErrInvalidSession, "sla: a session takes latency and jitter bounds only (its pace is the buyer's): min_throughput_milli and completion_time must be 0")
	}
	if t.MaxP99LatencyMs == 0 && t.MaxJitterMs == 0 {
		return errorsmod.Wrap(ErrInvalidSession, "sla: set max_p99_latency_ms or max_jitter_ms")
	}
	if t.MaxSlashBps == 0 || t.MaxSlashBps > bps.Whole {
		return errorsmod.Wrapf(ErrInvalidSession, "sla: max_slash_bps must be in [1, %d], got %d", bps.Whole, t.MaxSlashBps)
	}
	return nil
}

// ValidateCheckpoint checks a checkpoint's own fields (the keeper checks
// it against the session: the count, the voucher's signature).
func ValidateCheckpoint(msg *MsgCheckpoint) error {
	if msg.Count == 0 {
		return errorsmod.Wrap(ErrInvalidVoucher, "a voucher counts at least one request")
	}
	if len(msg.LastInput) != serving.CommitmentLen { // a SHA-256 digest (x/jobs/serving), any value
		return errorsmod.Wrapf(ErrInvalidVoucher, "last_input must be a %d-byte digest, got %d bytes", serving.CommitmentLen, len(msg.LastInput))
	}
	if err := ValidateCommitment("receipts_root", msg.ReceiptsRoot); err != nil {
		return err
	}
	return checkString(ErrInvalidSession, "receipts_uri", msg.ReceiptsUri, MaxURILen, true)
}
