package types

import errorsmod "cosmossdk.io/errors"

// x/slashingsla errors. Codes start at 2 and never change once released.
var (
	ErrInvalidAddress     = errorsmod.Register(ModuleName, 2, "invalid address")
	ErrInvalidParams      = errorsmod.Register(ModuleName, 3, "invalid params")
	ErrUnauthorized       = errorsmod.Register(ModuleName, 4, "signer not allowed")
	ErrInvalidReport      = errorsmod.Register(ModuleName, 5, "invalid SLA report")
	ErrNoSLA              = errorsmod.Register(ModuleName, 6, "job has no SLA terms")
	ErrDuplicateReport    = errorsmod.Register(ModuleName, 7, "reporter already reported on this job")
	ErrAlreadyAssessed    = errorsmod.Register(ModuleName, 8, "job already assessed")
	ErrMonitorExists      = errorsmod.Register(ModuleName, 9, "monitor already registered")
	ErrMonitorNotFound    = errorsmod.Register(ModuleName, 10, "monitor not found")
	ErrInvalidGenesis     = errorsmod.Register(ModuleName, 11, "invalid genesis")
	ErrNotFound           = errorsmod.Register(ModuleName, 12, "not found")
	ErrReportWindowClosed = errorsmod.Register(ModuleName, 13, "report window closed")
)
