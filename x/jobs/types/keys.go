package types

import (
	"time"

	"cosmossdk.io/collections"
)

const (
	// ModuleName is the name of the module, its store key and its account.
	ModuleName = "jobs"
	// StoreKey is the KV store key.
	StoreKey = ModuleName
)

// Store prefixes, declared once.
var (
	ParamsKey            = collections.NewPrefix(0)
	ProvidersKey         = collections.NewPrefix(1)
	ProvidersByStatusKey = collections.NewPrefix(2)
	OffersKey            = collections.NewPrefix(3)
	LedgerKey            = collections.NewPrefix(4) // next job id and running totals
	JobsKey              = collections.NewPrefix(5)
	JobsByBuyerKey       = collections.NewPrefix(6)
	JobsByProviderKey    = collections.NewPrefix(7)
	JobsByStatusKey      = collections.NewPrefix(8)
	DeadlineQueueKey     = collections.NewPrefix(9)
	WindowQueueKey       = collections.NewPrefix(10)
	UnbondingQueueKey    = collections.NewPrefix(11)
	// 12 and 13 held the running totals before they joined the Ledger
	// (prefix 4); do not reuse them.
	// Dead letters of the settlement queues (x/internal/settle).
	DeadlineDeadLettersKey  = collections.NewPrefix(14)
	WindowDeadLettersKey    = collections.NewPrefix(15)
	UnbondingDeadLettersKey = collections.NewPrefix(16)
	// PruneQueueKey: closed jobs, deleted retention after they closed.
	PruneQueueKey       = collections.NewPrefix(17)
	PruneDeadLettersKey = collections.NewPrefix(18)
	// OpenJobsKey: each provider's count of open jobs (slots), kept apart
	// from the provider record so that assigning and closing a job writes a
	// few bytes instead of rewriting and re-indexing the provider.
	OpenJobsKey = collections.NewPrefix(19)
	// OpenUnitsKey: each provider's units in open jobs, per class (its
	// capacity in use, against the offer's max_open_units).
	OpenUnitsKey = collections.NewPrefix(20)
	// The chain's halt clock (x/internal/haltclock): the last block's time,
	// the halt credit so far, the last halt, and the chain's pace.
	HaltLastKey   = collections.NewPrefix(21)
	HaltCreditKey = collections.NewPrefix(22)
	HaltFromKey   = collections.NewPrefix(23)
	HaltToKey     = collections.NewPrefix(24)
	HaltBeforeKey = collections.NewPrefix(25)
	HaltPaceKey   = collections.NewPrefix(26)
	// Serving sessions and their indexes; SessionQueueKey: each session's
	// next due time (its expiry, the end of its notice, then its pruning).
	SessionsKey           = collections.NewPrefix(27)
	SessionsByBuyerKey    = collections.NewPrefix(28)
	SessionsByProviderKey = collections.NewPrefix(29)
	SessionsByStatusKey   = collections.NewPrefix(30)
	SessionQueueKey       = collections.NewPrefix(31)
	SessionDeadLettersKey = collections.NewPrefix(32)
	// OpenSessionsKey: each provider's count of open sessions.
	OpenSessionsKey = collections.NewPrefix(33)
)

// Size limits for user-supplied strings and lists.
const (
	MaxMonikerLen  = 64
	MaxEndpointLen = 256
	MaxRegionLen   = 32
	MaxURILen      = 512
	// EnclaveSignatureSize is an ed25519 signature (x/attest).
	EnclaveSignatureSize = 64
	MaxAcceleratorLen    = 64
	MaxCircuitIDLen      = 64
	MaxCircuitIDs        = 16
	MaxClasses           = 8
	CommitmentLen        = 32
	// MaxNodes bounds a multi-node job.
	MaxNodes = 64
	// MaxProveTime bounds the max_prove_time param, and so any declared
	// proving time (x/dispute spaces a provider's disputes by what it
	// declared, in full).
	MaxProveTime = time.Hour
	// MaxChallengeWindow bounds the challenge_window param, and so the
	// window a batch job resumes after an item is proven (x/dispute records
	// what was left).
	MaxChallengeWindow = 365 * 24 * time.Hour
	// MaxSessionDuration bounds max_session_duration: a session's times
	// stay far from any overflow, and its escrow is not locked for ever.
	MaxSessionDuration = 365 * 24 * time.Hour
	// MinMaxBlockGap is the least max_block_gap: a gap shorter is a slow
	// block, never a halt.
	MinMaxBlockGap = 10 * time.Second
	// MaxDeclines: a job declined by this many providers is closed with a
	// full refund (nobody it could reach wants it); it bounds declined_by.
	MaxDeclines = 16
)
