package keeper_test

import (
	"fmt"
	"testing"
	"time"

	"cosmossdk.io/core/address"
	"cosmossdk.io/core/header"
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
	reptypes "github.com/verdict-chain/verdict/x/reputation/types"
	"github.com/verdict-chain/verdict/x/slashing-sla/keeper"
	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

const (
	denom = "uverd"
	bond  = 2_000_000_000 // twice min_provider_bond: SLA penalties never take it below the floor here
	fund  = 1_000_000_000_000
)

var (
	t0        = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	inference = jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE
	commit    = append(make([]byte, 31), 1)
)

// Suite runs x/slashingsla with real x/jobs and x/reputation keepers, wired
// as the app wires them.
type Suite struct {
	suite.Suite
	ctx       sdk.Context
	cdc       codec.Codec
	ac        address.Codec
	bank      *fakes.Bank
	jobs      keepertest.Jobs
	jobsMsg   jobstypes.MsgServer
	rep       keepertest.Reputation
	k         *keeper.Keeper
	msg       types.MsgServer
	q         types.QueryServer
	authority string

	fast, steady, buyer, mon1, mon2, mon3, stranger sdk.AccAddress
}

func TestSuite(t *testing.T) { suite.Run(t, new(Suite)) }

func (s *Suite) SetupTest() {
	keys := storetypes.NewKVStoreKeys(jobstypes.StoreKey, reptypes.StoreKey, types.StoreKey)
	s.ctx = testutil.DefaultContextWithKeys(keys, nil, nil)
	s.setTime(t0)
	s.cdc, s.ac = keepertest.Codec(s.T(), types.RegisterInterfaces, jobstypes.RegisterInterfaces)
	s.bank = fakes.NewBank()
	s.authority = authtypes.NewModuleAddress("gov").String()
	s.jobs, s.jobsMsg = keepertest.NewJobs(s.cdc, runtime.NewKVStoreService(keys[jobstypes.StoreKey]), s.ac, s.authority, s.bank)
	s.rep = keepertest.NewReputation(s.cdc, runtime.NewKVStoreService(keys[reptypes.StoreKey]), s.ac, s.authority, s.jobs)
	s.k = keeper.NewKeeper(s.cdc, runtime.NewKVStoreService(keys[types.StoreKey]), s.ac, s.authority, s.jobs)
	s.jobs.SetHooks(s.rep.JobHooks(), s.k.JobHooks())
	s.jobs.SetScheduler(s.rep.Scheduler())
	s.k.SetReputationHooks(s.rep)
	s.msg = keeper.NewMsgServerImpl(s.k)
	s.q = keeper.NewQueryServerImpl(s.k)
	s.Require().NoError(s.jobs.InitGenesis(s.ctx, *jobstypes.DefaultGenesis()))
	rgs := reptypes.DefaultGenesis()
	rgs.Params.ExplorationPpm = 0
	rgs.Params.EvidenceUnit = 10_000 // a suite job (100 units at 100) counts one full outcome
	s.Require().NoError(s.rep.InitGenesis(s.ctx, *rgs))
	s.Require().NoError(s.k.InitGenesis(s.ctx, *types.DefaultGenesis()))

	addr := func(n string) sdk.AccAddress {
		a := sdk.AccAddress(fmt.Sprintf("%-20s", n)[:20])
		s.bank.Balances[a.String()] = sdk.NewCoins(sdk.NewInt64Coin(denom, fund))
		return a
	}
	s.fast, s.steady, s.buyer = addr("fast"), addr("steady"), addr("buyer")
	s.mon1, s.mon2, s.mon3, s.stranger = addr("mon1"), addr("mon2"), addr("mon3"), addr("stranger")
	for _, p := range []struct {
		op    sdk.AccAddress
		price int64
	}{{s.fast, 100}, {s.steady, 110}} {
		_, err := s.jobsMsg.RegisterProvider(s.ctx, &jobstypes.MsgRegisterProvider{
			Operator: p.op.String(), Moniker: "p", Endpoint: "https://p.example", Region: "eu",
			Classes: []jobstypes.WorkloadClass{inference},
			Prices:  []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: inference, PricePerUnit: coin(p.price), Sla: &offer}},
			Bond:    coin(bond),
		})
		s.Require().NoError(err)
	}
	for _, m := range []sdk.AccAddress{s.mon1, s.mon2, s.mon3} {
		_, err := s.msg.RegisterMonitor(s.ctx, &types.MsgRegisterMonitor{Authority: s.authority, Monitor: m.String()})
		s.Require().NoError(err)
	}
}

// TearDownTest checks x/jobs' invariant (slashes leave its bond pool
// exactly as recorded); x/slashingsla itself holds no coins. Each test
// checks the balances of the accounts it moves.
func (s *Suite) TearDownTest() {
	s.Require().NoError(s.jobs.CheckAccounting(s.ctx))
	s.Require().NoError(s.jobs.CheckIndexes(s.ctx))
}

func coin(n int64) sdk.Coin { return sdk.NewInt64Coin(denom, n) }

func (s *Suite) bal(a sdk.AccAddress) int64 { return s.bank.Balance(a, denom) }
func (s *Suite) pool() int64                { return s.bank.Balance(fakes.CommunityPool(), denom) }

func (s *Suite) setTime(t time.Time) {
	h := s.ctx.BlockHeight() + 1
	s.ctx = s.ctx.WithBlockTime(t).WithBlockHeight(h).WithHeaderInfo(header.Info{Time: t, Height: h, Hash: []byte(fmt.Sprintf("b%d", h))})
}

func (s *Suite) advance(d time.Duration) {
	s.setTime(s.ctx.BlockTime().Add(d))
	s.Require().NoError(s.jobs.EndBlocker(s.ctx))
	s.Require().NoError(s.k.EndBlocker(s.ctx))
}

// terms are the jobs' SLA terms; offer is what both providers consent to
// (at least as tight, the full penalty scale).
var (
	terms = jobstypes.SLATerms{MaxP99LatencyMs: 200, MaxJitterMs: 20, MinThroughputMilli: 10_000, MaxSlashBps: 10_000}
	offer = jobstypes.SLAOffer{P99LatencyMs: 100, JitterMs: 10, ThroughputMilli: 20_000, MaxSlashBps: 10_000}
)

// slaJob submits a job with SLA terms (the scheduler picks), and has the
// provider post its result.
func (s *Suite) slaJob() (uint64, sdk.AccAddress) {
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: inference, ModelCommitment: commit, InputCommitment: commit,
		Units: 100, MaxPricePerUnit: coin(150), TimeLimit: time.Hour, Sla: &terms,
	})
	s.Require().NoError(err)
	op := sdk.MustAccAddressFromBech32(res.Provider)
	_, err = s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: res.Provider, JobId: res.JobId, OutputCommitment: commit, UnitsUsed: 100})
	s.Require().NoError(err)
	return res.JobId, op
}

func good() types.SLAMetrics {
	return types.SLAMetrics{LatencyP50Ms: 50, LatencyP99Ms: 150, JitterMs: 10, ThroughputMeanMilli: 12_000, ThroughputCvPpm: 50_000, CompletedPpm: types.PPM, Window: time.Minute}
}

func (s *Suite) report(from sdk.AccAddress, id uint64, m types.SLAMetrics) error {
	_, err := s.msg.SubmitReport(s.ctx, &types.MsgSubmitReport{Reporter: from.String(), JobId: id, Metrics: m})
	return err
}

func (s *Suite) providerBond(op sdk.AccAddress) int64 {
	p, err := s.jobs.GetProvider(s.ctx, op)
	s.Require().NoError(err)
	return p.Bond.Amount.Int64()
}

func (s *Suite) assessment(id uint64) types.Assessment {
	a, err := s.q.Assessment(s.ctx, &types.QueryAssessmentRequest{JobId: id})
	s.Require().NoError(err)
	return a.Assessment
}
