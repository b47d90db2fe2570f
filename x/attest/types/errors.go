package types

import errorsmod "cosmossdk.io/errors"

// x/attest errors. Codes start at 2 and never change once released.
var (
	ErrInvalidAddress           = errorsmod.Register(ModuleName, 2, "invalid address")
	ErrInvalidParams            = errorsmod.Register(ModuleName, 3, "invalid params")
	ErrInvalidPolicy            = errorsmod.Register(ModuleName, 4, "invalid policy")
	ErrUnauthorized             = errorsmod.Register(ModuleName, 5, "signer not allowed")
	ErrInvalidEvidence          = errorsmod.Register(ModuleName, 6, "malformed attestation evidence")
	ErrEvidenceRejected         = errorsmod.Register(ModuleName, 7, "attestation evidence failed verification")
	ErrPolicyViolation          = errorsmod.Register(ModuleName, 8, "attestation refused by policy")
	ErrMeasurementNotAllowed    = errorsmod.Register(ModuleName, 9, "measurement not on the allowlist")
	ErrBadBinding               = errorsmod.Register(ModuleName, 10, "report data does not bind this chain, provider, nonce and enclave key")
	ErrStaleNonce               = errorsmod.Register(ModuleName, 11, "nonce block unknown or too old")
	ErrInvalidCollateral        = errorsmod.Register(ModuleName, 12, "invalid collateral")
	ErrStaleCollateral          = errorsmod.Register(ModuleName, 13, "collateral is not newer than the stored one")
	ErrMissingCollateral        = errorsmod.Register(ModuleName, 14, "collateral missing or expired")
	ErrNotAttested              = errorsmod.Register(ModuleName, 15, "provider has no valid attestation")
	ErrInvalidSignature         = errorsmod.Register(ModuleName, 16, "invalid enclave signature")
	ErrNotFound                 = errorsmod.Register(ModuleName, 17, "not found")
	ErrInvalidGenesis           = errorsmod.Register(ModuleName, 18, "invalid genesis")
	ErrInvalidMeasurement       = errorsmod.Register(ModuleName, 19, "invalid measurement")
	ErrNotProvider              = errorsmod.Register(ModuleName, 20, "not an active provider")
	ErrTcbStatus                = errorsmod.Register(ModuleName, 21, "TCB status not up to date")
	ErrCertificateExpired       = errorsmod.Register(ModuleName, 22, "certificate not valid at block time")
	ErrEnclaveSignatureRequired = errorsmod.Register(ModuleName, 23, "enclave signature required")
	ErrCooldown                 = errorsmod.Register(ModuleName, 24, "attestation barred for now")
)
