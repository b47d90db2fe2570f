package types

import "cosmossdk.io/collections"

const (
	// ModuleName is "slashingsla" (never "slashing", which is the SDK's);
	// the folder is x/slashing-sla.
	ModuleName = "slashingsla"
	// StoreKey differs from the module name: the SDK refuses store keys that
	// are prefixes of one another, and "slashing" is a prefix of
	// "slashingsla".
	StoreKey = "gradedsla"
)

// Store prefixes.
var (
	ParamsKey      = collections.NewPrefix(0)
	MonitorsKey    = collections.NewPrefix(1)
	ReportsKey     = collections.NewPrefix(2)
	PendingKey     = collections.NewPrefix(3)
	QueueKey       = collections.NewPrefix(4)
	AssessmentsKey = collections.NewPrefix(5)
	ViolationsKey  = collections.NewPrefix(6)
	// QueueDeadLettersKey: dead letters of the grading queue.
	QueueDeadLettersKey = collections.NewPrefix(7)
	// PendingByProviderKey: (provider, job id) of every pending grading, so
	// x/jobs keeps a provider's bond while one is open.
	PendingByProviderKey = collections.NewPrefix(8)
	// PruneQueueKey: assessments, deleted retention after grading.
	PruneQueueKey       = collections.NewPrefix(9)
	PruneDeadLettersKey = collections.NewPrefix(10)
)

const (
	// PPM is 1.0 in parts per million.
	PPM = 1_000_000
	// MaxPenaltyMultipleBps bounds max_sla_penalty_multiple_bps (10× the
	// payment).
	MaxPenaltyMultipleBps = 100_000
	// MaxReportsPerJob bounds the reports one job may gather (the buyer and
	// up to this many monitors).
	MaxReportsPerJob = 32
	// MaxMeasurementWindow bounds a report's measurement window.
	MaxMeasurementWindowSeconds = 7 * 24 * 3600
	// MaxViolationWindowDays bounds violation_window; violations are kept
	// that long, so any window up to it counts exactly, whatever its past
	// values were.
	MaxViolationWindowDays = 90
)
