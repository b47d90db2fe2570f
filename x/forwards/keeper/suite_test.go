package keeper_test

import (
	"fmt"
	"testing"
	"time"

	"cosmossdk.io/core/address"
	"cosmossdk.io/core/header"
	errorsmod "cosmossdk.io/errors"
	"github.com/stretchr/testify/suite"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/verdict-chain/verdict/testutil/fakes"
	"github.com/verdict-chain/verdict/testutil/keepertest"
	"github.com/verdict-chain/verdict/x/forwards/keeper"
	"github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	reptypes "github.com/verdict-chain/verdict/x/reputation/types"
)

const (
	denom = "uverd"
	fund  = 1_000_000_000_000
	bond  = 1_000_000_000
)

var (
	// t0 is on the hourly grid; the suite's series delivers in [t0+2h, t0+6h).
	t0        = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	inference = jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE
	commit    = append(make([]byte, 31), 1)
)

// Suite runs x/forwards with real x/jobs and x/reputation keepers, wired as
// the app wires them, over the fake bank.
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
	series    types.Series
	supply    sdk.Coins

	seller, seller2, buyer, buyer2, stranger sdk.AccAddress
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
	s.k = keeper.NewKeeper(s.cdc, runtime.NewKVStoreService(keys[types.StoreKey]), s.ac, s.authority, fakes.Accounts{}, s.bank, fakes.Distr{Bank: s.bank}, s.jobs)
	s.jobs.SetHooks(s.rep.JobHooks(), s.k.JobHooks())
	s.jobs.SetScheduler(s.rep.Scheduler())
	s.k.SetReputation(s.rep, s.rep)
	s.msg = keeper.NewMsgServerImpl(s.k)
	s.q = keeper.NewQueryServerImpl(s.k)
	s.Require().NoError(s.jobs.InitGenesis(s.ctx, *jobstypes.DefaultGenesis()))
	rgs := reptypes.DefaultGenesis()
	rgs.Params.ExplorationPpm = 0
	s.Require().NoError(s.rep.InitGenesis(s.ctx, *rgs))
	s.Require().NoError(s.k.InitGenesis(s.ctx, *types.DefaultGenesis()))

	addr := func(n string) sdk.AccAddress {
		a := sdk.AccAddress(fmt.Sprintf("%-20s", n)[:20])
		s.bank.Balances[a.String()] = sdk.NewCoins(sdk.NewInt64Coin(denom, fund))
		return a
	}
	s.seller, s.seller2, s.buyer, s.buyer2, s.stranger = addr("seller"), addr("seller2"), addr("buyer"), addr("buyer2"), addr("stranger")
	for _, p := range []struct {
		op    sdk.AccAddress
		price int64
	}{{s.seller, 150}, {s.seller2, 160}} {
		_, err := s.jobsMsg.RegisterProvider(s.ctx, &jobstypes.MsgRegisterProvider{
			Operator: p.op.String(), Moniker: "p", Endpoint: "https://p.example", Region: "eu",
			Classes: []jobstypes.WorkloadClass{inference}, CircuitIds: []string{"mlp-16-16-4"},
			Prices: []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: inference, PricePerUnit: coin(p.price), MinTimeLimit: time.Minute}},
			Bond:   coin(bond),
		})
		s.Require().NoError(err)
	}
	s.series = types.Series{Class: inference, WindowStart: t0.Add(2 * time.Hour), WindowLength: 4 * time.Hour}
	s.supply = s.total()
}

// TearDownTest: after every scenario both modules' books balance and no
// coin was created or destroyed.
func (s *Suite) TearDownTest() {
	s.Require().NoError(s.k.CheckAccounting(s.ctx), "x/forwards accounting")
	s.Require().NoError(s.jobs.CheckAccounting(s.ctx), "x/jobs accounting")
	s.Require().NoError(s.jobs.CheckIndexes(s.ctx), "x/jobs indexes")
	s.Require().Equal(s.supply.String(), s.total().String(), "supply")
}

func (s *Suite) total() sdk.Coins {
	var t sdk.Coins
	for _, c := range s.bank.Balances {
		t = t.Add(c...)
	}
	return t
}

func coin(n int64) sdk.Coin { return sdk.NewInt64Coin(denom, n) }

func (s *Suite) bal(a sdk.AccAddress) int64 { return s.bank.Balance(a, denom) }

func (s *Suite) setTime(t time.Time) {
	h := s.ctx.BlockHeight() + 1
	s.ctx = s.ctx.WithBlockTime(t).WithBlockHeight(h).WithHeaderInfo(header.Info{Time: t, Height: h, Hash: []byte(fmt.Sprintf("b%d", h))})
}

// advance moves d later and runs both EndBlockers, as the app orders them.
func (s *Suite) advance(d time.Duration) {
	s.setTime(s.ctx.BlockTime().Add(d))
	s.Require().NoError(s.jobs.EndBlocker(s.ctx))
	s.Require().NoError(s.k.EndBlocker(s.ctx))
}

func (s *Suite) advanceTo(t time.Time) { s.advance(t.Sub(s.ctx.BlockTime())) }

func (s *Suite) place(owner sdk.AccAddress, side types.Side, price int64, units uint64) (*types.MsgPlaceOrderResponse, error) {
	return s.msg.PlaceOrder(s.ctx, &types.MsgPlaceOrder{Owner: owner.String(), Series: s.series, Side: side, PricePerUnit: coin(price), Units: units})
}

func (s *Suite) mustPlace(owner sdk.AccAddress, side types.Side, price int64, units uint64) *types.MsgPlaceOrderResponse {
	res, err := s.place(owner, side, price, units)
	s.Require().NoError(err)
	return res
}

func (s *Suite) position(id uint64) types.Position {
	p, err := s.k.GetPosition(s.ctx, id)
	s.Require().NoError(err)
	return p
}

func (s *Suite) requireCode(err error, want *errorsmod.Error) {
	s.T().Helper()
	s.Require().Error(err)
	s.Require().Truef(want.Is(err), "want %q, got %v", want.Error(), err)
}

// trade: seller sells units at price, buyer buys them: one position.
func (s *Suite) trade(price int64, units uint64) types.Position {
	s.mustPlace(s.seller, types.Side_SIDE_SELL, price, units)
	res := s.mustPlace(s.buyer, types.Side_SIDE_BUY, price, units)
	s.Require().Len(res.PositionIds, 1)
	return s.position(res.PositionIds[0])
}

func (s *Suite) draw(pos uint64, units uint64) *types.MsgSubmitPositionJobResponse {
	res, err := s.msg.SubmitPositionJob(s.ctx, &types.MsgSubmitPositionJob{
		Owner: s.buyer.String(), PositionId: pos, Units: units, ModelCommitment: commit, InputCommitment: commit, TimeLimit: 10 * time.Minute,
	})
	s.Require().NoError(err)
	return res
}

func (s *Suite) deliver(jobID, used uint64) {
	_, err := s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: s.seller.String(), JobId: jobID, OutputCommitment: commit, UnitsUsed: used})
	s.Require().NoError(err)
}
