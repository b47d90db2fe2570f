package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the module's name and store key.
	ModuleName = "reputation"
	StoreKey   = ModuleName
)

// Store prefixes.
var (
	ParamsKey  = collections.NewPrefix(0)
	RecordsKey = collections.NewPrefix(1)
	// PruneQueueKey: records by the time they become idle enough to delete.
	PruneQueueKey       = collections.NewPrefix(2)
	PruneDeadLettersKey = collections.NewPrefix(3)
)

// Fixed-point units.
const (
	// PPM is 1.0 in parts per million (scores, shares).
	PPM = 1_000_000
	// Micro is 1.0 unit of evidence.
	Micro = 1_000_000
)

// Outcome names, as events and hooks report them.
const (
	OutcomeCompleted    = "completed"
	OutcomeFailed       = "failed"
	OutcomeExpired      = "expired"
	OutcomeDisputeWon   = "dispute_won"
	OutcomeDisputeLost  = "dispute_lost"
	OutcomeAuditPassed  = "audit_passed"
	OutcomeAuditFailed  = "audit_failed"
	OutcomeSLAViolation = "sla_violation"
)
