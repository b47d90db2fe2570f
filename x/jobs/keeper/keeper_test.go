package keeper_test

import (
	"bytes"
	"testing"
	"time"

	"cosmossdk.io/core/address"
	"cosmossdk.io/math"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/stretchr/testify/suite"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/verdict-chain/verdict/testutil/keepertest"
	"github.com/verdict-chain/verdict/x/jobs/keeper"
	"github.com/verdict-chain/verdict/x/jobs/types"
)

type jobT = types.Job

const denom = types.DefaultDenom

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type KeeperSuite struct {
	suite.Suite
	ctx   sdk.Context
	key   *storetypes.KVStoreKey
	cdc   codec.Codec
	k     *keeper.Keeper
	msg   types.MsgServer
	q     types.QueryServer
	bank  *fakeBank
	hooks *recordingHooks

	authority                     string
	prov1, prov2, buyer, stranger sdk.AccAddress
}

func TestKeeperSuite(t *testing.T) { suite.Run(t, new(KeeperSuite)) }

func (s *KeeperSuite) SetupTest() {
	s.key = storetypes.NewKVStoreKey(types.StoreKey)
	tctx := testutil.DefaultContextWithDB(s.T(), s.key, storetypes.NewTransientStoreKey("transient_test"))
	s.ctx = tctx.Ctx.WithBlockTime(t0).WithBlockHeight(1)
	var ac address.Codec
	s.cdc, ac = keepertest.Codec(s.T(), types.RegisterInterfaces)
	s.bank = newFakeBank()
	s.authority = authtypes.NewModuleAddress("gov").String()
	s.k = keeper.NewKeeper(s.cdc, runtime.NewKVStoreService(s.key), ac,
		s.authority, fakeAccounts{}, s.bank, fakeDistr{Bank: s.bank})
	s.hooks = &recordingHooks{}
	s.k.SetHooks(s.hooks)
	s.msg = keeper.NewMsgServerImpl(s.k)
	s.q = keeper.NewQueryServerImpl(s.k)
	s.Require().NoError(s.k.InitGenesis(s.ctx, *types.DefaultGenesis()))

	s.prov1 = sdk.AccAddress("provider-one________")
	s.prov2 = sdk.AccAddress("provider-two________")
	s.buyer = sdk.AccAddress("buyer_______________")
	s.stranger = sdk.AccAddress("stranger____________")
	for _, a := range []sdk.AccAddress{s.prov1, s.prov2, s.buyer, s.stranger} {
		s.bank.Balances[a.String()] = sdk.NewCoins(sdk.NewInt64Coin(denom, 100_000_000_000))
	}
}

// TearDownTest checks the module invariant after every scenario.
func (s *KeeperSuite) TearDownTest() {
	s.Require().NoError(s.k.CheckAccounting(s.ctx), "accounting invariant")
	s.Require().NoError(s.k.CheckIndexes(s.ctx), "index invariant")
}

func (s *KeeperSuite) bal(a sdk.AccAddress) int64 {
	return s.bank.Balances[a.String()].AmountOf(denom).Int64()
}

func (s *KeeperSuite) pool() int64 { return s.bal(authtypes.NewModuleAddress("distribution")) }

func coin(n int64) sdk.Coin { return sdk.NewInt64Coin(denom, n) }

func commit(b byte) []byte {
	out := make([]byte, types.CommitmentLen)
	for i := range out {
		out[i] = b
	}
	return out
}

func registerMsg(op sdk.AccAddress, price int64) *types.MsgRegisterProvider {
	return &types.MsgRegisterProvider{
		Operator: op.String(), Moniker: "gpu", Endpoint: "https://gpu.example:8443", Region: "eu-west",
		Hardware:   types.HardwareOffer{AcceleratorModel: "L4", AcceleratorCount: 1, MemoryMb: 24576},
		Classes:    []types.WorkloadClass{types.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		CircuitIds: []string{"mlp-16-16-4"},
		Prices:     []types.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: types.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: coin(price)}},
		Bond:       coin(1_000_000_000),
	}
}

func (s *KeeperSuite) register(op sdk.AccAddress, price int64) {
	_, err := s.msg.RegisterProvider(s.ctx, registerMsg(op, price))
	s.Require().NoError(err)
}

func (s *KeeperSuite) submitMsg() *types.MsgSubmitJob {
	return &types.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: types.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		ModelCommitment: commit(1), InputCommitment: commit(2), InputUri: "ipfs://in",
		Units: 1000, MaxPricePerUnit: coin(150), TimeLimit: time.Minute,
	}
}

func (s *KeeperSuite) submit() *types.MsgSubmitJobResponse {
	res, err := s.msg.SubmitJob(s.ctx, s.submitMsg())
	s.Require().NoError(err)
	return res
}

func (s *KeeperSuite) post(op sdk.AccAddress, id, used uint64) error {
	_, err := s.msg.PostResult(s.ctx, &types.MsgPostResult{Provider: op.String(), JobId: id, OutputCommitment: commit(3), UnitsUsed: used})
	return err
}

func (s *KeeperSuite) job(id uint64) types.Job {
	j, err := s.k.GetJob(s.ctx, id)
	s.Require().NoError(err)
	return j
}

// advance moves block time and runs EndBlock.
func (s *KeeperSuite) advance(d time.Duration) {
	s.ctx = s.ctx.WithBlockTime(s.ctx.BlockTime().Add(d)).WithBlockHeight(s.ctx.BlockHeight() + 1)
	s.Require().NoError(s.k.EndBlocker(s.ctx))
}

func (s *KeeperSuite) TestLifecycleFinalizePaysExactly() {
	s.register(s.prov1, 120)
	s.register(s.prov2, 100) // cheaper: the scheduler must pick it
	b0, p0, c0 := s.bal(s.buyer), s.bal(s.prov2), s.pool()

	res := s.submit()
	s.Equal(s.prov2.String(), res.Provider)
	j := s.job(res.JobId)
	s.Equal(types.JobStatus_JOB_STATUS_ASSIGNED, j.Status)
	s.Equal(int64(100), j.PricePerUnit.Amount.Int64())
	s.Equal(b0-150_000, s.bal(s.buyer), "escrow = max price x units")

	s.Require().NoError(s.post(s.prov2, res.JobId, 800))
	s.Equal(types.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(res.JobId).Status)

	s.advance(59 * time.Minute) // inside the 1h window: nothing happens
	s.Equal(types.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(res.JobId).Status)
	s.advance(time.Minute)
	j = s.job(res.JobId)
	s.Equal(types.JobStatus_JOB_STATUS_FINALIZED, j.Status)

	// payment 100 x 800 = 80,000; fee 2% = 1,600; refund 70,000
	s.Equal(p0+78_400, s.bal(s.prov2))
	s.Equal(c0+1_600, s.pool())
	s.Equal(b0-80_000, s.bal(s.buyer))
	s.Equal(int64(78_400), j.Settlement.ProviderPayment.Amount.Int64())
	s.Equal([]string{"posted:1", "finalized:1"}, s.hooks.calls)
	got, err := s.q.Provider(s.ctx, &types.QueryProviderRequest{Operator: s.prov2.String()})
	s.Require().NoError(err)
	s.Zero(got.Provider.OpenJobs)
}

func (s *KeeperSuite) TestDirectOrderAndOpenJobAccept() {
	s.register(s.prov1, 120)
	msg := s.submitMsg()
	msg.Provider = s.prov1.String()
	res, err := s.msg.SubmitJob(s.ctx, msg)
	s.Require().NoError(err)
	s.Equal(s.prov1.String(), res.Provider)

	// A direct order to a provider above the max price is refused before any coin moves.
	msg = s.submitMsg()
	msg.Provider = s.prov1.String()
	msg.MaxPricePerUnit = coin(110)
	b0 := s.bal(s.buyer)
	_, err = s.msg.SubmitJob(s.ctx, msg)
	s.ErrorIs(err, types.ErrNotEligible)
	s.Equal(b0, s.bal(s.buyer))

	// No eligible provider: the job stays open and a provider may accept it later.
	msg = s.submitMsg()
	msg.MaxPricePerUnit = coin(50)
	res, err = s.msg.SubmitJob(s.ctx, msg)
	s.Require().NoError(err)
	s.Empty(res.Provider)
	s.Equal(types.JobStatus_JOB_STATUS_SUBMITTED, s.job(res.JobId).Status)
	_, err = s.msg.AcceptJob(s.ctx, &types.MsgAcceptJob{Provider: s.prov1.String(), JobId: res.JobId})
	s.ErrorIs(err, types.ErrNotEligible, "price 120 > max 50")
	s.register(s.prov2, 40)
	_, err = s.msg.AcceptJob(s.ctx, &types.MsgAcceptJob{Provider: s.prov2.String(), JobId: res.JobId})
	s.Require().NoError(err)
	s.Equal(types.JobStatus_JOB_STATUS_ASSIGNED, s.job(res.JobId).Status)
	_, err = s.msg.AcceptJob(s.ctx, &types.MsgAcceptJob{Provider: s.prov1.String(), JobId: res.JobId})
	s.ErrorIs(err, types.ErrInvalidStatus, "already assigned")
}

func (s *KeeperSuite) TestExpiryRefundsBuyer() {
	s.register(s.prov1, 100)
	b0 := s.bal(s.buyer)
	res := s.submit()
	s.advance(59 * time.Second)
	s.Equal(types.JobStatus_JOB_STATUS_ASSIGNED, s.job(res.JobId).Status)
	s.advance(time.Second)
	j := s.job(res.JobId)
	s.Equal(types.JobStatus_JOB_STATUS_EXPIRED, j.Status)
	s.Equal(b0, s.bal(s.buyer))
	s.Equal([]string{"expired:1"}, s.hooks.calls)
	s.ErrorIs(s.post(s.prov1, res.JobId, 1), types.ErrInvalidStatus)
}

func (s *KeeperSuite) TestResultAfterDeadlineRejected() {
	s.register(s.prov1, 100)
	res := s.submit()
	// Deadline passed but EndBlock has not run yet (e.g. carried over).
	s.ctx = s.ctx.WithBlockTime(t0.Add(time.Minute))
	s.ErrorIs(s.post(s.prov1, res.JobId, 10), types.ErrDeadlinePassed)
}

func (s *KeeperSuite) TestCancel() {
	// Unassigned: full refund.
	msg := s.submitMsg()
	b0 := s.bal(s.buyer)
	res, err := s.msg.SubmitJob(s.ctx, msg)
	s.Require().NoError(err)
	_, err = s.msg.CancelJob(s.ctx, &types.MsgCancelJob{Buyer: s.buyer.String(), JobId: res.JobId})
	s.Require().NoError(err)
	s.Equal(b0, s.bal(s.buyer))
	s.Equal(types.JobStatus_JOB_STATUS_CANCELLED, s.job(res.JobId).Status)

	// Assigned: cancel_fee_bps (5%) of price x units to the provider.
	s.register(s.prov1, 100)
	p0 := s.bal(s.prov1)
	res = s.submit()
	_, err = s.msg.CancelJob(s.ctx, &types.MsgCancelJob{Buyer: s.buyer.String(), JobId: res.JobId})
	s.Require().NoError(err)
	s.Equal(p0+5_000, s.bal(s.prov1))
	s.Equal(b0-5_000, s.bal(s.buyer))

	// After a result: refused.
	res = s.submit()
	s.Require().NoError(s.post(s.prov1, res.JobId, 10))
	_, err = s.msg.CancelJob(s.ctx, &types.MsgCancelJob{Buyer: s.buyer.String(), JobId: res.JobId})
	s.ErrorIs(err, types.ErrInvalidStatus)
	// Twice: refused.
	_, err = s.msg.CancelJob(s.ctx, &types.MsgCancelJob{Buyer: s.buyer.String(), JobId: 1})
	s.ErrorIs(err, types.ErrInvalidStatus)
}

func (s *KeeperSuite) TestWrongSignerFails() {
	s.register(s.prov1, 100)
	res := s.submit()
	x := s.stranger.String()
	cases := []struct {
		name string
		run  func() error
		want error
	}{
		{"update provider", func() error {
			m := registerMsg(s.stranger, 1)
			_, err := s.msg.UpdateProvider(s.ctx, &types.MsgUpdateProvider{Operator: x, Moniker: m.Moniker, Endpoint: m.Endpoint, Classes: m.Classes, Prices: m.Prices})
			return err
		}, types.ErrProviderNotFound},
		{"pause provider", func() error { _, err := s.msg.PauseProvider(s.ctx, &types.MsgPauseProvider{Operator: x}); return err }, types.ErrProviderNotFound},
		{"resume provider", func() error { _, err := s.msg.ResumeProvider(s.ctx, &types.MsgResumeProvider{Operator: x}); return err }, types.ErrProviderNotFound},
		{"deregister provider", func() error {
			_, err := s.msg.DeregisterProvider(s.ctx, &types.MsgDeregisterProvider{Operator: x})
			return err
		}, types.ErrProviderNotFound},
		{"accept job", func() error {
			_, err := s.msg.AcceptJob(s.ctx, &types.MsgAcceptJob{Provider: x, JobId: res.JobId})
			return err
		}, types.ErrProviderNotFound},
		{"cancel someone else's job", func() error {
			_, err := s.msg.CancelJob(s.ctx, &types.MsgCancelJob{Buyer: x, JobId: res.JobId})
			return err
		}, types.ErrUnauthorized},
		{"post result for a job assigned to another", func() error { return s.post(s.stranger, res.JobId, 10) }, types.ErrUnauthorized},
		{"post result as the buyer", func() error { return s.post(s.buyer, res.JobId, 10) }, types.ErrUnauthorized},
		{"update params without authority", func() error {
			_, err := s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: x, Params: types.DefaultParams()})
			return err
		}, types.ErrUnauthorized},
	}
	for _, c := range cases {
		before := s.bank.Snapshot()
		err := c.run()
		s.Error(err, c.name)
		if c.want != nil {
			s.ErrorIs(err, c.want, c.name)
		}
		s.Equal(before, s.bank.Snapshot(), "%s: no account's balance moved", c.name)
	}
	s.Equal(types.JobStatus_JOB_STATUS_ASSIGNED, s.job(res.JobId).Status)
}

// TestSignersAreTheActors checks, through the signing context the ante
// handler uses, that every Msg must be signed by the account it acts for.
func (s *KeeperSuite) TestSignersAreTheActors() {
	a := s.prov1.String()
	for _, m := range []sdk.Msg{
		&types.MsgRegisterProvider{Operator: a}, &types.MsgUpdateProvider{Operator: a}, &types.MsgPauseProvider{Operator: a},
		&types.MsgResumeProvider{Operator: a}, &types.MsgDeregisterProvider{Operator: a}, &types.MsgSubmitJob{Buyer: a},
		&types.MsgAcceptJob{Provider: a}, &types.MsgCancelJob{Buyer: a}, &types.MsgPostResult{Provider: a},
		&types.MsgUpdateParams{Authority: a},
	} {
		signers, _, err := s.cdc.GetMsgV1Signers(m)
		s.Require().NoError(err, "%T", m)
		s.Require().Len(signers, 1, "%T", m)
		s.Equal([]byte(s.prov1), signers[0], "%T", m)
	}
}

func (s *KeeperSuite) TestBadInputsMoveNoCoin() {
	s.register(s.prov1, 100)
	posted := s.submit()
	s.Require().NoError(s.post(s.prov1, posted.JobId, 10))
	open := s.submit()

	neg := coin(0)
	neg.Amount = math.NewInt(-5)
	type tc struct {
		name string
		run  func() error
		want error
	}
	reg := func(f func(m *types.MsgRegisterProvider)) func() error {
		return func() error {
			m := registerMsg(s.prov2, 100)
			f(m)
			_, err := s.msg.RegisterProvider(s.ctx, m)
			return err
		}
	}
	sub := func(f func(m *types.MsgSubmitJob)) func() error {
		return func() error {
			m := s.submitMsg()
			f(m)
			_, err := s.msg.SubmitJob(s.ctx, m)
			return err
		}
	}
	long := string(make([]byte, 1000))
	cases := []tc{
		{"register twice", func() error { _, err := s.msg.RegisterProvider(s.ctx, registerMsg(s.prov1, 100)); return err }, types.ErrProviderExists},
		{"bond below min", reg(func(m *types.MsgRegisterProvider) { m.Bond = coin(5) }), types.ErrBondTooLow},
		{"bond unknown denom", reg(func(m *types.MsgRegisterProvider) { m.Bond = sdk.NewInt64Coin("uatom", 1_000_000_000) }), types.ErrInvalidDenom},
		{"missing moniker", reg(func(m *types.MsgRegisterProvider) { m.Moniker = "" }), types.ErrInvalidProvider},
		{"oversized endpoint", reg(func(m *types.MsgRegisterProvider) { m.Endpoint = long }), types.ErrInvalidProvider},
		{"no classes", reg(func(m *types.MsgRegisterProvider) { m.Classes = nil; m.Prices = nil }), types.ErrInvalidProvider},
		{"unknown class", reg(func(m *types.MsgRegisterProvider) { m.Classes = []types.WorkloadClass{99}; m.Prices[0].Class = 99 }), types.ErrInvalidProvider},
		{"zero price", reg(func(m *types.MsgRegisterProvider) { m.Prices[0].PricePerUnit = coin(0) }), types.ErrInvalidAmount},
		{"negative price", reg(func(m *types.MsgRegisterProvider) { m.Prices[0].PricePerUnit = neg }), types.ErrInvalidAmount},
		{"price in wrong denom", reg(func(m *types.MsgRegisterProvider) { m.Prices[0].PricePerUnit = sdk.NewInt64Coin("uatom", 1) }), types.ErrInvalidDenom},
		{"bad operator address", reg(func(m *types.MsgRegisterProvider) { m.Operator = "not-an-address" }), types.ErrInvalidAddress},
		{"zero units", sub(func(m *types.MsgSubmitJob) { m.Units = 0 }), types.ErrInvalidAmount},
		{"negative max price", sub(func(m *types.MsgSubmitJob) { m.MaxPricePerUnit = neg }), types.ErrInvalidAmount},
		{"max price unknown denom", sub(func(m *types.MsgSubmitJob) { m.MaxPricePerUnit = sdk.NewInt64Coin("uatom", 10) }), types.ErrInvalidDenom},
		{"short commitment", sub(func(m *types.MsgSubmitJob) { m.ModelCommitment = []byte{1, 2} }), types.ErrInvalidCommitment},
		{"missing input commitment", sub(func(m *types.MsgSubmitJob) { m.InputCommitment = nil }), types.ErrInvalidCommitment},
		{"sla without any bound", sub(func(m *types.MsgSubmitJob) { m.Sla = &types.SLATerms{MaxSlashBps: 100} }), types.ErrInvalidJob},
		{"sla without a slash cap", sub(func(m *types.MsgSubmitJob) { m.Sla = &types.SLATerms{MaxP99LatencyMs: 100} }), types.ErrInvalidJob},
		{"sla slash cap over 100%", sub(func(m *types.MsgSubmitJob) { m.Sla = &types.SLATerms{MaxP99LatencyMs: 100, MaxSlashBps: 10_001} }), types.ErrInvalidJob},
		{"sla completion after the time limit", sub(func(m *types.MsgSubmitJob) {
			m.Sla = &types.SLATerms{CompletionTime: 2 * time.Minute, MaxSlashBps: 100}
		}), types.ErrInvalidJob},
		{"model commitment above the BN254 modulus", sub(func(m *types.MsgSubmitJob) { m.ModelCommitment = bytes.Repeat([]byte{0xff}, 32) }), types.ErrInvalidCommitment},
		{"input commitment equal to the BN254 modulus", sub(func(m *types.MsgSubmitJob) { m.InputCommitment = fr.Modulus().FillBytes(make([]byte, 32)) }), types.ErrInvalidCommitment},
		{"oversized input uri", sub(func(m *types.MsgSubmitJob) { m.InputUri = long }), types.ErrInvalidJob},
		{"oversized model uri", sub(func(m *types.MsgSubmitJob) { m.ModelUri = long }), types.ErrInvalidJob},
		{"unspecified class", sub(func(m *types.MsgSubmitJob) { m.Class = 0 }), types.ErrInvalidJob},
		{"time limit too long", sub(func(m *types.MsgSubmitJob) { m.TimeLimit = 30 * 24 * time.Hour }), types.ErrInvalidJob},
		{"no time limit", sub(func(m *types.MsgSubmitJob) { m.TimeLimit = 0 }), types.ErrInvalidJob},
		{"escrow beyond balance", sub(func(m *types.MsgSubmitJob) { m.Units = 1 << 40 }), nil},
		{"unknown direct provider", sub(func(m *types.MsgSubmitJob) { m.Provider = s.stranger.String() }), types.ErrProviderNotFound},
		{"self-dealing direct order", func() error {
			m := s.submitMsg()
			m.Buyer, m.Provider = s.prov1.String(), s.prov1.String()
			_, err := s.msg.SubmitJob(s.ctx, m)
			return err
		}, types.ErrNotEligible},
		{"double result", func() error { return s.post(s.prov1, posted.JobId, 10) }, types.ErrInvalidStatus},
		{"result of unknown job", func() error { return s.post(s.prov1, 999, 10) }, types.ErrJobNotFound},
		{"result uses more units than bought", func() error { return s.post(s.prov1, open.JobId, 1001) }, types.ErrInvalidResult},
		{"result uses zero units", func() error { return s.post(s.prov1, open.JobId, 0) }, types.ErrInvalidResult},
		{"result with short commitment", func() error {
			_, err := s.msg.PostResult(s.ctx, &types.MsgPostResult{Provider: s.prov1.String(), JobId: open.JobId, OutputCommitment: []byte{1}, UnitsUsed: 1})
			return err
		}, types.ErrInvalidCommitment},
		{"result with non-canonical commitment", func() error {
			_, err := s.msg.PostResult(s.ctx, &types.MsgPostResult{Provider: s.prov1.String(), JobId: open.JobId, OutputCommitment: bytes.Repeat([]byte{0xee}, 32), UnitsUsed: 1})
			return err
		}, types.ErrInvalidCommitment},
		{"cancel after result", func() error {
			_, err := s.msg.CancelJob(s.ctx, &types.MsgCancelJob{Buyer: s.buyer.String(), JobId: posted.JobId})
			return err
		}, types.ErrInvalidStatus},
		{"resume an active provider", func() error {
			_, err := s.msg.ResumeProvider(s.ctx, &types.MsgResumeProvider{Operator: s.prov1.String()})
			return err
		}, types.ErrInvalidStatus},
		{"invalid params", func() error {
			p := types.DefaultParams()
			p.ProtocolFeeBps = 20_000
			_, err := s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
			return err
		}, types.ErrInvalidParams},
		{"params change denom", func() error {
			p := types.DefaultParams()
			p.Denom = "uatom"
			p.MinProviderBond = sdk.NewInt64Coin("uatom", 1)
			_, err := s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
			return err
		}, types.ErrInvalidParams},
	}
	for _, c := range cases {
		before := map[string]int64{}
		for _, a := range []sdk.AccAddress{s.prov1, s.prov2, s.buyer, s.stranger, authtypes.NewModuleAddress(types.ModuleName)} {
			before[a.String()] = s.bal(a)
		}
		// Run each in a cached context like a failed tx: nothing may stick.
		cache, _ := s.ctx.CacheContext()
		saved := s.ctx
		s.ctx = cache
		err := c.run()
		s.ctx = saved
		s.Error(err, c.name)
		if c.want != nil {
			s.ErrorIs(err, c.want, c.name)
		}
		for a, v := range before {
			s.Equal(v, s.bank.Balances[a].AmountOf(denom).Int64(), "%s moved coins of %s", c.name, a)
		}
	}
}
