package types

import (
	"time"

	"github.com/verdict-chain/verdict/x/jobs/batch"

	"cosmossdk.io/collections"
)

const (
	// ModuleName is the module's name, store key and account (it holds
	// challenge bonds).
	ModuleName = "dispute"
	StoreKey   = ModuleName
)

// Store prefixes.
var (
	ParamsKey           = collections.NewPrefix(0)
	CircuitsKey         = collections.NewPrefix(1)
	DisputesKey         = collections.NewPrefix(2)
	DisputesByStatusKey = collections.NewPrefix(3)
	DeadlineQueueKey    = collections.NewPrefix(4)
	PendingAuditsKey    = collections.NewPrefix(5)
	TotalBondsKey       = collections.NewPrefix(6)
	// DeadlineDeadLettersKey: dead letters of the proof deadline queue.
	DeadlineDeadLettersKey = collections.NewPrefix(7)
	// PruneQueueKey: resolved disputes, deleted retention after resolution.
	PruneQueueKey       = collections.NewPrefix(8)
	PruneDeadLettersKey = collections.NewPrefix(9)
	// 10 held a proving queue of times (when each provider was next free);
	// 11 and 12 held a halt clock of its own; the chain's is x/jobs'.
	// ProvingBacklogKey: what stands in front of each provider's next
	// dispute (deadlines are spaced by it).
	ProvingBacklogKey = collections.NewPrefix(13)
	// DeferredAuditsKey: batch jobs whose audit lottery is postponed while an item is disputed.
	DeferredAuditsKey = collections.NewPrefix(14)
)

// Limits.
const (
	MaxCircuitIDLen   = 64 // same as x/jobs' limit on circuit ids
	MaxNameLen        = 64
	MaxDescriptionLen = 512
	CommitmentLen     = 32
	// AbsMaxProofBytes and AbsMaxVKBytes are hard caps checked statelessly
	// (ValidateBasic, so also in CheckTx) before any param is read.
	AbsMaxProofBytes = 4096
	AbsMaxVKBytes    = 1 << 20
	MaxPpm           = 1_000_000
	// MaxProofWindow bounds the proof_window param (a deadline adds it to
	// the block time; 30 days is far beyond any use and far from overflow).
	MaxProofWindow = 30 * 24 * time.Hour
	// MaxItemBytes bounds a batch item's tensor in MsgSubmitProof (checked
	// statelessly): 2^18 int8 values, a 3×256×256 image. x/jobs accepts a
	// batch only on a circuit whose items fit (batch.CheckCircuit).
	MaxItemBytes = batch.MaxItemBytes
	// ItemHashGas is charged per SHA-256 call of an item's path check and
	// ItemCommitGasPerByte per tensor byte the chain commits to, before
	// either runs (BenchmarkItemCheck calibrates them against verify_gas).
	ItemHashGas          = 60
	ItemCommitGasPerByte = 40
	// ReceiptSigGas is charged per ed25519 check of a challenge's receipt
	// evidence (what the SDK's auth module charges for an ed25519
	// signature, sig_verify_cost_ed25519).
	ReceiptSigGas = 590
)

// PublicInputNames is the public input layout every circuit verifies.
var PublicInputNames = []string{"model_commitment", "input_commitment", "output_commitment", "job_id"}
