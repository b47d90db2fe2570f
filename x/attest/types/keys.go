package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the name of the module.
	ModuleName = "attest"
	// StoreKey is its KV store key.
	StoreKey = ModuleName
)

// Store prefixes.
var (
	ParamsKey       = collections.NewPrefix(0)
	PolicyKey       = collections.NewPrefix(1)
	MeasurementsKey = collections.NewPrefix(2)
	AttestationsKey = collections.NewPrefix(3)
	CollateralsKey  = collections.NewPrefix(4)
	NoncesKey       = collections.NewPrefix(5)
	// ExpiryQueueKey: (expires_at, operator) of every attestation, for the
	// bounded EndBlock cleanup.
	ExpiryQueueKey       = collections.NewPrefix(6)
	ExpiryDeadLettersKey = collections.NewPrefix(7)
	// CooldownsKey: providers barred from attesting until a time, after a
	// revocation by a lost dispute.
	CooldownsKey = collections.NewPrefix(8)
)

const (
	// EnclaveKeySize is an ed25519 public key; EnclaveSignatureSize its
	// signature.
	EnclaveKeySize       = 32
	EnclaveSignatureSize = 64
	// ReportDataSize is the user data of a TDX quote or SNP report.
	ReportDataSize = 64
	// AbsMaxEvidenceBytes and AbsMaxCollateralBytes bound the params.
	AbsMaxEvidenceBytes   = 64 << 10
	AbsMaxCollateralBytes = 256 << 10
	// MaxNonceAgeBlocks bounds nonce_max_age_blocks (the ring of block
	// hashes kept).
	MaxNonceAgeBlocks = 10_000
	// MaxMeasurementBytes: a TDX workload id is 32 bytes, an SNP launch
	// measurement 48.
	MaxMeasurementBytes = 48
	// MaxNoteBytes bounds a measurement's note.
	MaxNoteBytes = 256
	// MaxPolicyPEMBytes bounds the roots in the policy.
	MaxPolicyPEMBytes = 64 << 10
)
