package types

import errorsmod "cosmossdk.io/errors"

// x/reputation errors. Codes start at 2 and never change once released.
var (
	ErrInvalidAddress   = errorsmod.Register(ModuleName, 2, "invalid address")
	ErrInvalidParams    = errorsmod.Register(ModuleName, 3, "invalid params")
	ErrUnauthorized     = errorsmod.Register(ModuleName, 4, "signer not allowed")
	ErrInvalidGenesis   = errorsmod.Register(ModuleName, 5, "invalid genesis")
	ErrInvalidPlacement = errorsmod.Register(ModuleName, 6, "invalid placement")
	ErrEfficiencyTooLow = errorsmod.Register(ModuleName, 7, "placement efficiency below the job's minimum")
	ErrInvalidClass     = errorsmod.Register(ModuleName, 8, "invalid workload class")
)
