package types

import (
	"context"
	"time"

	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/funds"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// AccountKeeper is the part of x/auth that x/dispute uses.
type AccountKeeper interface {
	GetModuleAddress(moduleName string) sdk.AccAddress
}

// BankKeeper and DistrKeeper are the parts of x/bank and x/distribution
// that x/dispute moves coins with (through x/internal/funds).
type (
	BankKeeper  = funds.BankKeeper
	DistrKeeper = funds.DistrKeeper
)

// JobsKeeper is the part of x/jobs that x/dispute drives.
type JobsKeeper interface {
	GetJob(ctx context.Context, id uint64) (jobstypes.Job, error)
	GetProvider(ctx context.Context, operator sdk.AccAddress) (jobstypes.Provider, error)
	MarkDisputed(ctx context.Context, id uint64) (jobstypes.Job, error)
	ResolveDispute(ctx context.Context, id uint64, providerWins bool) (jobstypes.Job, error)
	ResumeWindow(ctx context.Context, id uint64, left time.Duration) (jobstypes.Job, error)
	JobIDsByStatus(ctx context.Context, status jobstypes.JobStatus) ([]uint64, error)
	SlashBond(ctx context.Context, operator sdk.AccAddress, amount math.Int, reason string, payouts []jobstypes.Payout) (math.Int, error)
	// HaltCredit is the chain's halt clock (x/internal/haltclock): how
	// long it has stood still so far; a proof deadline moves by what it
	// grows after the deadline was set.
	HaltCredit(ctx context.Context) (time.Duration, error)
}

// DisputeHooks lets other modules (x/reputation) follow dispute outcomes.
// Hooks run in registration order inside the transaction or EndBlock that
// resolved the dispute; an error aborts the resolution.
type DisputeHooks interface {
	// AfterDisputeResolved sees the dispute with its final status and
	// resolution: kind CHALLENGE or AUDIT, PROVIDER_WON or PROVIDER_LOST.
	AfterDisputeResolved(ctx context.Context, d Dispute) error
}

// AuditWeigher scales the audit rate of a posted job: the returned factor
// is in ppm (1e6 leaves audit_rate_ppm as it is). x/reputation weighs the
// provider's score, x/attest an enclave-signed result; factors multiply.
type AuditWeigher interface {
	AuditWeightPPM(ctx context.Context, j jobstypes.Job) (uint32, error)
}
