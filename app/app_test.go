package app_test

import (
	"encoding/json"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"
	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/baseapp"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/verdict-chain/verdict/app"
	"github.com/verdict-chain/verdict/testutil/zk"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// setup builds the real app with one validator and funded accounts, and
// commits the genesis block.
func setup(t *testing.T, funded ...sdk.AccAddress) (*app.App, sdk.Context) {
	t.Helper()
	return setupWith(t, nil, funded...)
}

// setupWith is setup with extra baseapp options.
func setupWith(t *testing.T, opts []func(*baseapp.BaseApp), funded ...sdk.AccAddress) (*app.App, sdk.Context) {
	t.Helper()
	opts = append([]func(*baseapp.BaseApp){baseapp.SetChainID("verdict-test")}, opts...)
	a := app.New(log.NewNopLogger(), dbm.NewMemDB(), true, appOpts(t), opts...)
	valSet, err := simtestutil.CreateRandomValidatorSet()
	require.NoError(t, err)
	var accs []authtypes.GenesisAccount
	var balances []banktypes.Balance
	for _, addr := range funded {
		accs = append(accs, authtypes.NewBaseAccountWithAddress(addr))
		balances = append(balances, banktypes.Balance{Address: addr.String(), Coins: sdk.NewCoins(sdk.NewInt64Coin(app.BondDenom, 10_000_000_000))})
	}
	gs, err := simtestutil.GenesisStateWithValSet(a.AppCodec(), a.DefaultGenesis(), valSet, accs, balances...)
	require.NoError(t, err)
	stateBytes, err := json.Marshal(gs)
	require.NoError(t, err)
	genTime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err = a.InitChain(&abci.RequestInitChain{
		ChainId: "verdict-test", Time: genTime, AppStateBytes: stateBytes,
		ConsensusParams: simtestutil.DefaultConsensusParams, Validators: []abci.ValidatorUpdate{},
	})
	require.NoError(t, err)
	_, err = a.FinalizeBlock(&abci.RequestFinalizeBlock{Height: 1, Time: genTime, NextValidatorsHash: valSet.Hash()})
	require.NoError(t, err)
	_, err = a.Commit()
	require.NoError(t, err)
	ctx := a.NewNextBlockContext(cmtproto.Header{Height: 2, Time: genTime.Add(time.Second), ChainID: "verdict-test"})
	return a, ctx
}

func deliver(t *testing.T, a *app.App, ctx sdk.Context, msg sdk.Msg) error {
	t.Helper()
	h := a.MsgServiceRouter().Handler(msg)
	require.NotNil(t, h, "no route for %T", msg)
	_, err := h(ctx, msg)
	return err
}

func TestJobLifecycleThroughAppWiring(t *testing.T) {
	provider, buyer := sdk.AccAddress("provider____________"), sdk.AccAddress("buyer_______________")
	a, ctx := setup(t, provider, buyer)
	bal := func(addr sdk.AccAddress) int64 {
		return a.BankKeeper.GetBalance(ctx, addr, app.BondDenom).Amount.Int64()
	}
	pool := func() math.LegacyDec {
		fp, err := a.DistrKeeper.FeePool.Get(ctx)
		require.NoError(t, err)
		return fp.CommunityPool.AmountOf(app.BondDenom)
	}

	require.NoError(t, deliver(t, a, ctx, &jobstypes.MsgRegisterProvider{
		Operator: provider.String(), Moniker: "gpu", Endpoint: "https://gpu.example",
		Classes: []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		Prices:  []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: sdk.NewInt64Coin(app.BondDenom, 100)}},
		Bond:    sdk.NewInt64Coin(app.BondDenom, 1_000_000_000),
	}))
	commit := make([]byte, 32)
	p0, b0, c0 := bal(provider), bal(buyer), pool()
	require.NoError(t, deliver(t, a, ctx, &jobstypes.MsgSubmitJob{
		Buyer: buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		ModelCommitment: commit, InputCommitment: commit, Units: 10,
		MaxPricePerUnit: sdk.NewInt64Coin(app.BondDenom, 150), TimeLimit: time.Minute,
	}))
	require.NoError(t, deliver(t, a, ctx, &jobstypes.MsgPostResult{Provider: provider.String(), JobId: 1, OutputCommitment: commit, UnitsUsed: 10}))

	// Wrong signer through the real router: the buyer cannot post, a stranger cannot cancel.
	require.ErrorIs(t, deliver(t, a, ctx, &jobstypes.MsgPostResult{Provider: buyer.String(), JobId: 1, OutputCommitment: commit, UnitsUsed: 1}), jobstypes.ErrUnauthorized)
	require.ErrorIs(t, deliver(t, a, ctx, &jobstypes.MsgUpdateParams{Authority: buyer.String(), Params: jobstypes.DefaultParams()}), jobstypes.ErrUnauthorized)

	ctx = ctx.WithBlockTime(ctx.BlockTime().Add(2 * time.Hour))
	require.NoError(t, a.JobsKeeper.EndBlocker(ctx))
	j, err := a.JobsKeeper.GetJob(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, jobstypes.JobStatus_JOB_STATUS_FINALIZED, j.Status)

	// 100 x 10 = 1,000; fee 2% = 20 to the real community pool.
	require.Equal(t, p0+980, bal(provider))
	require.Equal(t, b0-1_000, bal(buyer))
	require.True(t, pool().Sub(c0).Equal(math.LegacyNewDec(20)), "community pool grew by %s", pool().Sub(c0))
	require.NoError(t, a.JobsKeeper.CheckAccounting(ctx))

	// The module account is blocked: coins cannot be slipped in outside the accounting.
	require.True(t, a.BankKeeper.BlockedAddr(authtypes.NewModuleAddress(jobstypes.ModuleName)))

	// Gov is the authority: a params change from it applies.
	p := jobstypes.DefaultParams()
	p.ProtocolFeeBps = 300
	require.NoError(t, deliver(t, a, ctx, &jobstypes.MsgUpdateParams{Authority: authtypes.NewModuleAddress("gov").String(), Params: p}))
	got, err := a.JobsKeeper.Params.Get(ctx)
	require.NoError(t, err)
	require.Equal(t, uint32(300), got.ProtocolFeeBps)
}

func TestDefaultGenesisValidates(t *testing.T) {
	a := app.New(log.NewNopLogger(), dbm.NewMemDB(), true, appOpts(t))
	require.NoError(t, a.BasicModuleManager.ValidateGenesis(a.AppCodec(), a.TxConfig(), a.DefaultGenesis()))
	require.Equal(t, "verdict", sdk.GetConfig().GetBech32AccountAddrPrefix())
}

// A dispute end to end through the real router, bank and distribution: gov
// registers the circuit, a challenge moves a real bond, a real proof
// resolves it.
func TestDisputeThroughAppWiring(t *testing.T) {
	provider, buyer, challenger := sdk.AccAddress("provider____________"), sdk.AccAddress("buyer_______________"), sdk.AccAddress("challenger__________")
	a, ctx := setup(t, provider, buyer, challenger)
	kit := zk.Small(t)
	gov := authtypes.NewModuleAddress("gov").String()
	bal := func(addr sdk.AccAddress) int64 {
		return a.BankKeeper.GetBalance(ctx, addr, app.BondDenom).Amount.Int64()
	}

	reg := &disputetypes.MsgRegisterCircuit{Authority: buyer.String(), CircuitId: "mlp-16-16-4", ProofSystem: disputetypes.ProofSystem_PROOF_SYSTEM_GROTH16_BN254, VerifyingKey: kit.VKBytes}
	require.ErrorIs(t, deliver(t, a, ctx, reg), disputetypes.ErrUnauthorized)
	reg.Authority = gov
	require.NoError(t, deliver(t, a, ctx, reg))

	require.NoError(t, deliver(t, a, ctx, &jobstypes.MsgRegisterProvider{
		Operator: provider.String(), Moniker: "gpu", Endpoint: "https://gpu.example", CircuitIds: []string{"mlp-16-16-4"},
		Classes: []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		Prices:  []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: sdk.NewInt64Coin(app.BondDenom, 100)}},
		Bond:    sdk.NewInt64Coin(app.BondDenom, 1_000_000_000),
	}))
	kj := kit.NewJob(t, "app")
	require.NoError(t, deliver(t, a, ctx, &jobstypes.MsgSubmitJob{
		Buyer: buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, CircuitId: "mlp-16-16-4",
		ModelCommitment: kj.ModelC, InputCommitment: kj.InputC, Units: 10,
		MaxPricePerUnit: sdk.NewInt64Coin(app.BondDenom, 150), TimeLimit: time.Minute,
	}))
	require.NoError(t, deliver(t, a, ctx, &jobstypes.MsgPostResult{Provider: provider.String(), JobId: 1, OutputCommitment: kj.OutputC, UnitsUsed: 10}))

	c0, p0 := bal(challenger), bal(provider)
	require.NoError(t, deliver(t, a, ctx, &disputetypes.MsgChallenge{Challenger: challenger.String(), JobId: 1}))
	require.Equal(t, c0-1_000_000, bal(challenger))
	dispAddr := authtypes.NewModuleAddress(disputetypes.ModuleName)
	require.Equal(t, int64(1_000_000), bal(dispAddr))
	require.True(t, a.BankKeeper.BlockedAddr(dispAddr))

	require.NoError(t, deliver(t, a, ctx, &disputetypes.MsgSubmitProof{Submitter: provider.String(), JobId: 1, Claim: disputetypes.Claim_CLAIM_PROVIDER, Proof: kit.Prove(t, kj, 1)}))
	j, err := a.JobsKeeper.GetJob(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, jobstypes.JobStatus_JOB_STATUS_FINALIZED, j.Status)
	require.Equal(t, p0+980+500_000, bal(provider), "payment minus fee, plus half the bond")
	require.Zero(t, bal(dispAddr))
	require.NoError(t, a.JobsKeeper.CheckAccounting(ctx))
	require.NoError(t, a.DisputeKeeper.CheckAccounting(ctx))
}
