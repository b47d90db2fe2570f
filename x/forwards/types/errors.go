package types

import errorsmod "cosmossdk.io/errors"

// x/forwards errors. Codes start at 2 and never change once released.
var (
	ErrInvalidAddress   = errorsmod.Register(ModuleName, 2, "invalid address")
	ErrInvalidParams    = errorsmod.Register(ModuleName, 3, "invalid params")
	ErrUnauthorized     = errorsmod.Register(ModuleName, 4, "signer not allowed")
	ErrInvalidSeries    = errorsmod.Register(ModuleName, 5, "invalid series")
	ErrInvalidOrder     = errorsmod.Register(ModuleName, 6, "invalid order")
	ErrOrderNotFound    = errorsmod.Register(ModuleName, 7, "order not found")
	ErrSelfTrade        = errorsmod.Register(ModuleName, 8, "order would trade with its owner's own order")
	ErrTooManyOrders    = errorsmod.Register(ModuleName, 9, "too many open orders")
	ErrNotSeller        = errorsmod.Register(ModuleName, 10, "only an active provider offering the class may sell")
	ErrPositionNotFound = errorsmod.Register(ModuleName, 11, "position not found")
	ErrInvalidPosition  = errorsmod.Register(ModuleName, 12, "operation not allowed on this position")
	ErrOutsideWindow    = errorsmod.Register(ModuleName, 13, "outside the delivery window")
	ErrAboveRatable     = errorsmod.Register(ModuleName, 14, "above the ratable delivery limit this hour")
	ErrInsufficient     = errorsmod.Register(ModuleName, 15, "not enough available units")
	ErrInvalidGenesis   = errorsmod.Register(ModuleName, 16, "invalid genesis")
	ErrAccounting       = errorsmod.Register(ModuleName, 17, "module accounting mismatch")
)
