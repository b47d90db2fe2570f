package types

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// JobsKeeper is the part of x/jobs the scheduler and the hooks read.
type JobsKeeper interface {
	GetJob(ctx context.Context, id uint64) (jobstypes.Job, error)
	GetProvider(ctx context.Context, operator sdk.AccAddress) (jobstypes.Provider, error)
	WalkCandidates(ctx context.Context, j jobstypes.Job, maxScan uint32, fn func(jobstypes.Candidate) (bool, error)) error
}
