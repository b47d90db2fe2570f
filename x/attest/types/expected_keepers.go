package types

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// JobsKeeper is the part of x/jobs that x/attest reads.
type JobsKeeper interface {
	GetJob(ctx context.Context, id uint64) (jobstypes.Job, error)
	GetProvider(ctx context.Context, operator sdk.AccAddress) (jobstypes.Provider, error)
}
