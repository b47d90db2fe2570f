package keepertest

import (
	"context"

	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/testutil/fakes"
	attesttypes "github.com/verdict-chain/verdict/x/attest/types"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	forwardstypes "github.com/verdict-chain/verdict/x/forwards/types"
	jobskeeper "github.com/verdict-chain/verdict/x/jobs/keeper"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	reputationkeeper "github.com/verdict-chain/verdict/x/reputation/keeper"
	reputationtypes "github.com/verdict-chain/verdict/x/reputation/types"
	slashingslatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// Jobs is a real x/jobs keeper as the other modules' keeper suites drive
// it: what their expected keepers ask for, plus genesis, EndBlock, the
// invariant and the wiring calls. Modules never import x/jobs/keeper; the
// suites get it from here, as the app gets it from its wiring.
type Jobs interface {
	attesttypes.JobsKeeper
	forwardstypes.JobsKeeper
	disputetypes.JobsKeeper
	reputationtypes.JobsKeeper
	slashingslatypes.JobsKeeper

	InitGenesis(ctx context.Context, gs jobstypes.GenesisState) error
	ExportGenesis(ctx context.Context) (*jobstypes.GenesisState, error)
	BeginBlocker(ctx context.Context) error
	EndBlocker(ctx context.Context) error
	CheckAccounting(ctx context.Context) error
	CheckIndexes(ctx context.Context) error
	GetSession(ctx context.Context, id uint64) (jobstypes.Session, error)
	ProviderView(ctx context.Context, p jobstypes.Provider) (jobstypes.Provider, error)
	SetHooks(hooks ...jobstypes.JobHooks)
	SetScheduler(s jobstypes.Scheduler)
	SetCircuitRegistry(r jobstypes.CircuitRegistry)
	AddEligibilityRule(name string, r jobstypes.EligibilityRule)
	SetChallengeWindowPolicy(p jobstypes.ChallengeWindowPolicy)
}

// NewJobs builds an x/jobs keeper over storeService with the fake bank and
// distribution, and its Msg server.
func NewJobs(cdc codec.Codec, storeService corestore.KVStoreService, ac address.Codec, authority string, bank *fakes.Bank) (Jobs, jobstypes.MsgServer) {
	k := jobskeeper.NewKeeper(cdc, storeService, ac, authority, fakes.Accounts{}, bank, fakes.Distr{Bank: bank})
	return k, jobskeeper.NewMsgServerImpl(k)
}

// Reputation is a real x/reputation keeper as x/slashingsla's suite drives
// it (the scheduler, the hooks, the SLA feed and the scores).
type Reputation interface {
	slashingslatypes.ReputationHooks
	forwardstypes.ReputationSource
	forwardstypes.ReputationHooks
	JobHooks() jobstypes.JobHooks
	Scheduler() jobstypes.Scheduler
	InitGenesis(ctx context.Context, gs reputationtypes.GenesisState) error
	View(ctx context.Context, op sdk.AccAddress, class jobstypes.WorkloadClass) (reputationtypes.Reputation, error)
}

// NewReputation builds an x/reputation keeper reading jobs.
func NewReputation(cdc codec.Codec, storeService corestore.KVStoreService, ac address.Codec, authority string, jobs Jobs) Reputation {
	return reputationkeeper.NewKeeper(cdc, storeService, ac, authority, jobs)
}
