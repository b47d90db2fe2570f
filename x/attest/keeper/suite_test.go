package keeper_test

import (
	"crypto/ed25519"
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
	"github.com/verdict-chain/verdict/testutil/snpsim"
	"github.com/verdict-chain/verdict/x/attest/keeper"
	"github.com/verdict-chain/verdict/x/attest/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

const (
	chainID = "verdict-attest-test"
	denom   = "uverd"
	bond    = 1_000_000_000
	fund    = 1_000_000_000_000
)

var (
	t0        = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	inference = jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE
	commit    = append(make([]byte, 31), 1)
	// measurement is the SNP launch measurement the suite's policy allows.
	measurement = func() [48]byte { var m [48]byte; copy(m[:], "verdict inference image v1"); return m }()
)

// Suite runs x/attest with a real x/jobs keeper, wired as the app wires
// them, and SEV-SNP reports signed by go-sev-guest's test-only chain
// (testutil/snpsim), which the suite's policy trusts in place of AMD's.
type Suite struct {
	suite.Suite
	ctx       sdk.Context
	cdc       codec.Codec
	ac        address.Codec
	bank      *fakes.Bank
	jobs      keepertest.Jobs
	jobsMsg   jobstypes.MsgServer
	k         *keeper.Keeper
	msg       types.MsgServer
	q         types.QueryServer
	authority string
	signer    *snpsim.Signer

	tee, plain, buyer, stranger sdk.AccAddress
	enclave                     ed25519.PrivateKey
}

func TestSuite(t *testing.T) { suite.Run(t, new(Suite)) }

func (s *Suite) SetupTest() {
	keys := storetypes.NewKVStoreKeys(jobstypes.StoreKey, types.StoreKey)
	s.ctx = testutil.DefaultContextWithKeys(keys, nil, nil).WithChainID(chainID)
	s.cdc, s.ac = keepertest.Codec(s.T(), types.RegisterInterfaces, jobstypes.RegisterInterfaces)
	s.bank = fakes.NewBank()
	s.authority = authtypes.NewModuleAddress("gov").String()
	s.jobs, s.jobsMsg = keepertest.NewJobs(s.cdc, runtime.NewKVStoreService(keys[jobstypes.StoreKey]), s.ac, s.authority, s.bank)
	s.k = keeper.NewKeeper(s.cdc, runtime.NewKVStoreService(keys[types.StoreKey]), s.ac, s.authority, s.jobs)
	s.jobs.AddEligibilityRule("tee", s.k)
	s.jobs.SetChallengeWindowPolicy(s.k)
	s.msg = keeper.NewMsgServerImpl(s.k)
	s.q = keeper.NewQueryServerImpl(s.k)
	s.Require().NoError(s.jobs.InitGenesis(s.ctx, *jobstypes.DefaultGenesis()))

	var err error
	s.signer, err = snpsim.New(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	s.Require().NoError(err)
	gs := types.DefaultGenesis()
	gs.Policy.AmdRoots = []types.AmdRoot{{ProductLine: s.signer.ProductLine(), ArkPem: string(s.signer.ArkPEM()), AskPem: string(s.signer.AskPEM())}}
	gs.Measurements = []types.Measurement{{TeeType: types.TeeType_TEE_TYPE_SEV_SNP, Value: measurement[:], Note: "suite image"}}
	s.Require().NoError(s.k.InitGenesis(s.ctx, *gs))
	s.advance(0) // height 1, its hash recorded
	s.advance(time.Second)

	addr := func(n string) sdk.AccAddress {
		a := sdk.AccAddress(fmt.Sprintf("%-20s", n)[:20])
		s.bank.Balances[a.String()] = sdk.NewCoins(sdk.NewInt64Coin(denom, fund))
		return a
	}
	s.tee, s.plain, s.buyer, s.stranger = addr("tee"), addr("plain"), addr("buyer"), addr("stranger")
	for _, p := range []struct {
		op    sdk.AccAddress
		price int64
	}{{s.tee, 120}, {s.plain, 100}} {
		_, err := s.jobsMsg.RegisterProvider(s.ctx, &jobstypes.MsgRegisterProvider{
			Operator: p.op.String(), Moniker: "p", Endpoint: "https://p.example", Region: "eu",
			Classes: []jobstypes.WorkloadClass{inference},
			Prices:  []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: inference, PricePerUnit: coin(p.price)}},
			Bond:    coin(bond),
		})
		s.Require().NoError(err)
	}
	s.enclave = ed25519.NewKeyFromSeed(make([]byte, 32))
}

// TearDownTest: x/attest holds no coins; x/jobs' books balance.
func (s *Suite) TearDownTest() {
	s.Require().NoError(s.jobs.CheckAccounting(s.ctx))
	s.Require().NoError(s.jobs.CheckIndexes(s.ctx))
}

func coin(n int64) sdk.Coin { return sdk.NewInt64Coin(denom, n) }

// advance moves to the next block d later: BeginBlock records its hash,
// EndBlock settles jobs and expiries.
func (s *Suite) advance(d time.Duration) {
	h := s.ctx.BlockHeight() + 1
	t := t0.Add(0)
	if h > 1 {
		t = s.ctx.BlockTime().Add(d)
	}
	hash := []byte(fmt.Sprintf("block-hash-%d", h))
	s.ctx = s.ctx.WithBlockTime(t).WithBlockHeight(h).WithHeaderHash(hash).
		WithHeaderInfo(header.Info{Time: t, Height: h, Hash: hash, ChainID: chainID})
	s.Require().NoError(s.k.BeginBlocker(s.ctx))
	if s.jobs != nil {
		s.Require().NoError(s.jobs.EndBlocker(s.ctx))
	}
	s.Require().NoError(s.k.EndBlocker(s.ctx))
}

// evidence is an SNP report for op binding the previous block and key.
func (s *Suite) evidence(op sdk.AccAddress, key ed25519.PublicKey, m [48]byte, chain string) *types.MsgRegisterAttestation {
	height := uint64(s.ctx.BlockHeight() - 1)
	hash, err := s.k.Nonces.Get(s.ctx, height)
	s.Require().NoError(err)
	report, err := s.signer.Report(snpsim.ReportOptions{ReportData: types.ReportData(chain, op, hash, key), Measurement: m})
	s.Require().NoError(err)
	return &types.MsgRegisterAttestation{
		Operator: op.String(), TeeType: types.TeeType_TEE_TYPE_SEV_SNP, Evidence: report, Vcek: s.signer.VcekDER(),
		NonceHeight: height, EnclavePubkey: key,
	}
}

func (s *Suite) attest(op sdk.AccAddress) *types.MsgRegisterAttestationResponse {
	res, err := s.msg.RegisterAttestation(s.ctx, s.evidence(op, s.enclave.Public().(ed25519.PublicKey), measurement, chainID))
	s.Require().NoError(err)
	return res
}

func (s *Suite) requireCode(err error, want *errorsmod.Error) {
	s.T().Helper()
	s.Require().Error(err)
	s.Require().Truef(want.Is(err), "want %q, got %v", want.Error(), err)
}

func (s *Suite) attested(op sdk.AccAddress) (bool, string) {
	r, err := s.q.Attestation(s.ctx, &types.QueryAttestationRequest{Operator: op.String()})
	if err != nil {
		return false, err.Error()
	}
	return r.Attested, r.Reason
}
