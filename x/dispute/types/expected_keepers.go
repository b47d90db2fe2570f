package types

import (
	"context"

	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// AccountKeeper is the part of x/auth that x/dispute uses.
type AccountKeeper interface {
	GetModuleAddress(moduleName string) sdk.AccAddress
}

// BankKeeper moves challenge bonds.
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, senderAddr sdk.AccAddress, recipientModule string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, senderModule string, recipientAddr sdk.AccAddress, amt sdk.Coins) error
	GetBalance(ctx context.Context, addr sdk.AccAddress, denom string) sdk.Coin
}

// DistrKeeper receives the community pool's shares.
type DistrKeeper interface {
	FundCommunityPool(ctx context.Context, amount sdk.Coins, sender sdk.AccAddress) error
}

// JobsKeeper is the part of x/jobs that x/dispute drives.
type JobsKeeper interface {
	GetJob(ctx context.Context, id uint64) (jobstypes.Job, error)
	GetProvider(ctx context.Context, operator sdk.AccAddress) (jobstypes.Provider, error)
	MarkDisputed(ctx context.Context, id uint64) (jobstypes.Job, error)
	ResolveDispute(ctx context.Context, id uint64, providerWins bool) (jobstypes.Job, error)
	JobIDsByStatus(ctx context.Context, status jobstypes.JobStatus) ([]uint64, error)
	SlashBond(ctx context.Context, operator sdk.AccAddress, amount math.Int, reason string, payouts []jobstypes.Payout) (math.Int, error)
}

// DisputeHooks lets other modules (x/reputation) follow dispute outcomes.
// Hooks run in registration order inside the transaction or EndBlock that
// resolved the dispute; an error aborts the resolution.
type DisputeHooks interface {
	// AfterDisputeResolved sees the dispute with its final status and
	// resolution: kind CHALLENGE or AUDIT, PROVIDER_WON or PROVIDER_LOST.
	AfterDisputeResolved(ctx context.Context, d Dispute) error
}

// AuditWeigher scales the audit rate for a provider: the returned factor is
// in ppm (1e6 leaves audit_rate_ppm as it is).
type AuditWeigher interface {
	AuditWeightPPM(ctx context.Context, provider string, class jobstypes.WorkloadClass) (uint32, error)
}
