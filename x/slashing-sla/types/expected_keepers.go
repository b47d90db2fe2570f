package types

import (
	"context"
	"time"

	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// JobsKeeper is the part of x/jobs that x/slashingsla drives.
type JobsKeeper interface {
	GetJob(ctx context.Context, id uint64) (jobstypes.Job, error)
	GetProvider(ctx context.Context, operator sdk.AccAddress) (jobstypes.Provider, error)
	SlashBond(ctx context.Context, operator sdk.AccAddress, amount math.Int, reason string, payouts []jobstypes.Payout) (math.Int, error)
	Jail(ctx context.Context, operator sdk.AccAddress, until time.Time) error
	Unjail(ctx context.Context, operator sdk.AccAddress) error
	// HaltCredit is the chain's halt clock: an open job's times stand later
	// by its growth since they were set (jobstypes.AsOf).
	HaltCredit(ctx context.Context) (time.Duration, error)
}

// ReputationHooks receives graded violations (x/reputation), with the value
// at stake (the job's payment) that weighs the evidence.
type ReputationHooks interface {
	RecordSLAViolation(ctx context.Context, provider string, class jobstypes.WorkloadClass, severityPPM uint32, value math.Int) error
}
