package types

import errorsmod "cosmossdk.io/errors"

// x/jobs errors. Codes start at 2 and never change once released.
var (
	ErrInvalidAddress    = errorsmod.Register(ModuleName, 2, "invalid address")
	ErrInvalidProvider   = errorsmod.Register(ModuleName, 3, "invalid provider description")
	ErrProviderExists    = errorsmod.Register(ModuleName, 4, "provider already registered")
	ErrProviderNotFound  = errorsmod.Register(ModuleName, 5, "provider not found")
	ErrBondTooLow        = errorsmod.Register(ModuleName, 6, "bond below min_provider_bond")
	ErrInvalidDenom      = errorsmod.Register(ModuleName, 7, "invalid denom")
	ErrInvalidAmount     = errorsmod.Register(ModuleName, 8, "invalid amount")
	ErrInvalidStatus     = errorsmod.Register(ModuleName, 9, "operation not allowed in this status")
	ErrInvalidJob        = errorsmod.Register(ModuleName, 10, "invalid job")
	ErrJobNotFound       = errorsmod.Register(ModuleName, 11, "job not found")
	ErrUnauthorized      = errorsmod.Register(ModuleName, 12, "signer not allowed")
	ErrNotEligible       = errorsmod.Register(ModuleName, 13, "provider not eligible for this job")
	ErrDeadlinePassed    = errorsmod.Register(ModuleName, 14, "job deadline has passed")
	ErrInvalidCommitment = errorsmod.Register(ModuleName, 15, "invalid commitment")
	ErrInvalidResult     = errorsmod.Register(ModuleName, 16, "invalid result")
	ErrInvalidParams     = errorsmod.Register(ModuleName, 17, "invalid params")
	ErrInvalidGenesis    = errorsmod.Register(ModuleName, 18, "invalid genesis")
	ErrAccounting        = errorsmod.Register(ModuleName, 19, "module accounting mismatch")
	ErrWindowClosed      = errorsmod.Register(ModuleName, 20, "window has closed")
	ErrNotDeclinable     = errorsmod.Register(ModuleName, 21, "job cannot be declined")
	ErrSessionNotFound   = errorsmod.Register(ModuleName, 22, "session not found")
	ErrInvalidSession    = errorsmod.Register(ModuleName, 23, "invalid session")
	ErrInvalidVoucher    = errorsmod.Register(ModuleName, 24, "invalid voucher")
)
