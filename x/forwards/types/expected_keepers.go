package types

import (
	"context"
	"time"

	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// JobsKeeper is the part of x/jobs that x/forwards drives: providers to
// check sellers against, and contract jobs drawn on positions.
type JobsKeeper interface {
	Denom(ctx context.Context) (string, error)
	// ProtocolFeeBps is x/jobs' protocol fee now; a trade keeps it for its
	// take-or-pay units.
	ProtocolFeeBps(ctx context.Context) (uint32, error)
	GetProvider(ctx context.Context, operator sdk.AccAddress) (jobstypes.Provider, error)
	SubmitContractJob(ctx context.Context, payer sdk.AccAddress, msg *jobstypes.MsgSubmitJob, c jobstypes.Contract) (jobstypes.Job, error)
	// HaltCredit is the chain's halt clock: how long it has stood still
	// (a halt moves every open position's window end by its length).
	HaltCredit(ctx context.Context) (time.Duration, error)
	// HaltCreditAt is the clock's reading at block time t, when known (any
	// t since the last halt began): only halt time after a window opened
	// moves its end.
	HaltCreditAt(ctx context.Context, t time.Time) (time.Duration, bool, error)
}

// ReputationSource gives a seller's score in a class (x/reputation); a
// high score lowers the collateral it posts.
type ReputationSource interface {
	ScorePPM(ctx context.Context, operator sdk.AccAddress, class jobstypes.WorkloadClass) (uint32, error)
}

// AttestationSource tells whether a seller is TEE-attested now (x/attest);
// an attested seller posts less collateral.
type AttestationSource interface {
	IsAttested(ctx context.Context, operator string) (bool, error)
}

// ReputationHooks receives a seller's undelivered forward units
// (x/reputation), weighted by their value.
type ReputationHooks interface {
	RecordForwardFault(ctx context.Context, provider string, class jobstypes.WorkloadClass, value math.Int) error
}
