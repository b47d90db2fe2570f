package types

import errorsmod "cosmossdk.io/errors"

// x/dispute errors. Codes start at 2 and never change once released.
var (
	ErrInvalidAddress    = errorsmod.Register(ModuleName, 2, "invalid address")
	ErrInvalidParams     = errorsmod.Register(ModuleName, 3, "invalid params")
	ErrInvalidCircuit    = errorsmod.Register(ModuleName, 4, "invalid circuit")
	ErrCircuitExists     = errorsmod.Register(ModuleName, 5, "circuit already registered")
	ErrCircuitNotFound   = errorsmod.Register(ModuleName, 6, "circuit not found")
	ErrInvalidVK         = errorsmod.Register(ModuleName, 7, "invalid verifying key")
	ErrNotDisputable     = errorsmod.Register(ModuleName, 8, "job cannot be disputed")
	ErrDisputeNotFound   = errorsmod.Register(ModuleName, 9, "dispute not found")
	ErrDisputeClosed     = errorsmod.Register(ModuleName, 10, "dispute is not open")
	ErrInvalidClaim      = errorsmod.Register(ModuleName, 11, "invalid claim")
	ErrMalformedProof    = errorsmod.Register(ModuleName, 12, "malformed proof")
	ErrInvalidProof      = errorsmod.Register(ModuleName, 13, "proof does not verify")
	ErrProofDeadline     = errorsmod.Register(ModuleName, 14, "proof deadline has passed")
	ErrInvalidCommitment = errorsmod.Register(ModuleName, 15, "invalid commitment")
	ErrUnauthorized      = errorsmod.Register(ModuleName, 16, "signer not allowed")
	ErrInvalidGenesis    = errorsmod.Register(ModuleName, 17, "invalid genesis")
	ErrAccounting        = errorsmod.Register(ModuleName, 18, "module accounting mismatch")
	ErrInvalidItem       = errorsmod.Register(ModuleName, 19, "invalid batch item evidence")
	ErrInvalidReceipt    = errorsmod.Register(ModuleName, 20, "invalid serving receipt evidence")
)
