package keeper_test

import (
	"fmt"
	"testing"
	"time"

	"cosmossdk.io/core/address"
	"cosmossdk.io/core/header"
	"cosmossdk.io/math"
	"github.com/stretchr/testify/suite"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/verdict-chain/verdict/testutil/fakes"
	"github.com/verdict-chain/verdict/testutil/keepertest"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/reputation/keeper"
	"github.com/verdict-chain/verdict/x/reputation/types"
)

const denom = "uverd"

var (
	t0        = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	inference = jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE
)

// Suite runs x/reputation on a real store next to a real x/jobs keeper
// that uses it as its scheduler and hooks.
type Suite struct {
	suite.Suite
	ctx       sdk.Context
	cdc       codec.Codec
	ac        address.Codec
	bank      *fakes.Bank
	jobs      keepertest.Jobs
	jobsMsg   jobstypes.MsgServer
	k         *keeper.Keeper
	q         types.QueryServer
	msg       types.MsgServer
	authority string
	buyer     sdk.AccAddress
}

func TestSuite(t *testing.T) { suite.Run(t, new(Suite)) }

func (s *Suite) SetupTest() {
	keys := storetypes.NewKVStoreKeys(jobstypes.StoreKey, types.StoreKey)
	s.ctx = testutil.DefaultContextWithKeys(keys, nil, nil)
	s.setTime(t0)
	s.cdc, s.ac = keepertest.Codec(s.T(), types.RegisterInterfaces, jobstypes.RegisterInterfaces)
	s.bank = fakes.NewBank()
	s.authority = authtypes.NewModuleAddress("gov").String()
	s.jobs, s.jobsMsg = keepertest.NewJobs(s.cdc, runtime.NewKVStoreService(keys[jobstypes.StoreKey]), s.ac, s.authority, s.bank)
	s.k = keeper.NewKeeper(s.cdc, runtime.NewKVStoreService(keys[types.StoreKey]), s.ac, s.authority, s.jobs)
	s.jobs.SetHooks(s.k.JobHooks())
	s.jobs.SetScheduler(s.k.Scheduler())
	s.q = keeper.NewQueryServerImpl(s.k)
	s.msg = keeper.NewMsgServerImpl(s.k)
	s.Require().NoError(s.jobs.InitGenesis(s.ctx, *jobstypes.DefaultGenesis()))
	gs := types.DefaultGenesis()
	gs.Params.ExplorationPpm = 0 // exploration is tested on its own
	// every job counts its outcome's full weight; value weighting is
	// tested on its own
	gs.Params.EvidenceUnit, gs.Params.MaxValueFactorPpm = 1, types.PPM
	s.Require().NoError(s.k.InitGenesis(s.ctx, *gs))
	s.buyer = sdk.AccAddress("buyer_______________")
	s.fund(s.buyer)
}

func (s *Suite) TearDownTest() {
	s.Require().NoError(s.jobs.CheckAccounting(s.ctx))
	s.Require().NoError(s.jobs.CheckIndexes(s.ctx))
}

func (s *Suite) setTime(t time.Time) {
	h := s.ctx.BlockHeight() + 1
	s.ctx = s.ctx.WithBlockTime(t).WithBlockHeight(h).WithHeaderInfo(header.Info{Time: t, Height: h, Hash: []byte(fmt.Sprintf("block-%d", h))})
}

func (s *Suite) fund(a sdk.AccAddress) {
	s.bank.Balances[a.String()] = sdk.NewCoins(sdk.NewInt64Coin(denom, 1_000_000_000_000))
}

func coin(n int64) sdk.Coin { return sdk.NewInt64Coin(denom, n) }

func (s *Suite) provider(name string, price int64, region string) sdk.AccAddress {
	op := sdk.AccAddress(fmt.Sprintf("%-20s", name)[:20])
	s.fund(op)
	_, err := s.jobsMsg.RegisterProvider(s.ctx, &jobstypes.MsgRegisterProvider{
		Operator: op.String(), Moniker: name, Endpoint: "https://" + name + ".example", Region: region,
		Classes:           []jobstypes.WorkloadClass{inference},
		Prices:            []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: inference, PricePerUnit: coin(price)}},
		Bond:              coin(1_000_000_000),
		DeclaredLatencyMs: 20, DeclaredBandwidthMbps: 1000,
	})
	s.Require().NoError(err)
	return op
}

var commit = append(make([]byte, 31), 1)

// submit lets the scheduler pick and returns the job id and provider.
func (s *Suite) submit() (uint64, string) {
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: inference, ModelCommitment: commit, InputCommitment: commit,
		Units: 10, MaxPricePerUnit: coin(1000), TimeLimit: time.Hour,
	})
	s.Require().NoError(err)
	return res.JobId, res.Provider
}

// complete posts a result for a job and lets its window pass.
func (s *Suite) complete(id uint64, provider string, m jobstypes.Metrics) {
	_, err := s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: provider, JobId: id, OutputCommitment: commit, UnitsUsed: 10, Metrics: m})
	s.Require().NoError(err)
	s.setTime(s.ctx.BlockTime().Add(2 * time.Hour))
	s.Require().NoError(s.jobs.EndBlocker(s.ctx))
	j, err := s.jobs.GetJob(s.ctx, id)
	s.Require().NoError(err)
	s.Require().Equal(jobstypes.JobStatus_JOB_STATUS_FINALIZED, j.Status)
}

func (s *Suite) rep(op sdk.AccAddress) types.Reputation {
	r, err := s.q.Reputation(s.ctx, &types.QueryReputationRequest{Provider: op.String(), Class: inference})
	s.Require().NoError(err)
	return r.Reputation
}

func (s *Suite) rank() []types.RankedProvider {
	r, err := s.q.RankProviders(s.ctx, &types.QueryRankProvidersRequest{Class: inference, MaxPricePerUnit: "1000uverd"})
	s.Require().NoError(err)
	return r.Providers
}

// oneUnit is a job value that counts one full outcome under the suite's
// params (evidence_unit 1, factor capped at 1).
var oneUnit = math.NewInt(1)
