package keeper_test

import (
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
	"github.com/verdict-chain/verdict/testutil/zk"
	"github.com/verdict-chain/verdict/x/dispute/keeper"
	"github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

const (
	denom     = "uverd"
	circuitID = "mlp-16-16-4"
	price     = 100
	units     = 1_000
	bond      = 3_000_000_000 // 3x min_provider_bond: two fraud slashes still leave it eligible
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Suite runs x/dispute on a real store next to a real x/jobs keeper, with
// the fake bank from testutil/fakes and real Groth16 keys and proofs for the
// 16-16-4 circuit.
type Suite struct {
	suite.Suite
	ctx       sdk.Context
	keys      map[string]*storetypes.KVStoreKey
	cdc       codec.Codec
	ac        address.Codec
	bank      *fakes.Bank
	jobs      keepertest.Jobs
	jobsMsg   jobstypes.MsgServer
	k         *keeper.Keeper
	msg       types.MsgServer
	q         types.QueryServer
	kit       *zk.Kit
	authority string

	prov, buyer, challenger, stranger sdk.AccAddress
}

func TestSuite(t *testing.T) { suite.Run(t, new(Suite)) }

func (s *Suite) SetupTest() {
	s.kit = zk.Small(s.T())
	s.keys = storetypes.NewKVStoreKeys(jobstypes.StoreKey, types.StoreKey)
	s.ctx = testutil.DefaultContextWithKeys(s.keys, nil, nil)
	s.setBlock(t0, 1)
	s.cdc, s.ac = keepertest.Codec(s.T(), types.RegisterInterfaces, jobstypes.RegisterInterfaces)
	s.bank = fakes.NewBank()
	s.authority = authtypes.NewModuleAddress("gov").String()
	s.newKeepers()
	s.Require().NoError(s.jobs.InitGenesis(s.ctx, *jobstypes.DefaultGenesis()))
	gs := types.DefaultGenesis()
	gs.Params.AuditRatePpm = 0 // audits are tested on their own
	s.Require().NoError(s.k.InitGenesis(s.ctx, *gs))
	_, err := s.msg.RegisterCircuit(s.ctx, &types.MsgRegisterCircuit{
		Authority: s.authority, CircuitId: circuitID, Name: "MLP 16-16-4",
		ProofSystem: types.ProofSystem_PROOF_SYSTEM_GROTH16_BN254, VerifyingKey: s.kit.VKBytes,
	})
	s.Require().NoError(err)

	s.prov = sdk.AccAddress("provider____________")
	s.buyer = sdk.AccAddress("buyer_______________")
	s.challenger = sdk.AccAddress("challenger__________")
	s.stranger = sdk.AccAddress("stranger____________")
	for _, a := range []sdk.AccAddress{s.prov, s.buyer, s.challenger, s.stranger} {
		s.bank.Balances[a.String()] = sdk.NewCoins(sdk.NewInt64Coin(denom, 100_000_000_000))
	}
	_, err = s.jobsMsg.RegisterProvider(s.ctx, &jobstypes.MsgRegisterProvider{
		Operator: s.prov.String(), Moniker: "gpu", Endpoint: "https://gpu.example:8443",
		Classes:    []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		CircuitIds: []string{circuitID},
		Prices:     []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: coin(price)}},
		Bond:       coin(bond),
	})
	s.Require().NoError(err)
}

// newKeepers builds fresh keepers over the same stores (a restarted node:
// empty caches, same state).
func (s *Suite) newKeepers() {
	s.jobs, s.jobsMsg = keepertest.NewJobs(s.cdc, runtime.NewKVStoreService(s.keys[jobstypes.StoreKey]), s.ac, s.authority, s.bank)
	s.k = keeper.NewKeeper(s.cdc, runtime.NewKVStoreService(s.keys[types.StoreKey]), s.ac, s.authority,
		fakes.Accounts{}, s.bank, fakes.Distr{Bank: s.bank}, s.jobs)
	s.jobs.SetHooks(s.k.JobHooks())
	s.jobs.SetCircuitRegistry(s.k)
	s.msg = keeper.NewMsgServerImpl(s.k)
	s.q = keeper.NewQueryServerImpl(s.k)
}

// TearDownTest checks both modules' invariants: each module account holds
// exactly what its records say it holds.
func (s *Suite) TearDownTest() {
	s.Require().NoError(s.jobs.CheckAccounting(s.ctx), "x/jobs accounting")
	s.Require().NoError(s.jobs.CheckIndexes(s.ctx), "x/jobs indexes")
	s.Require().NoError(s.k.CheckAccounting(s.ctx), "x/dispute accounting")
}

func coin(n int64) sdk.Coin { return sdk.NewInt64Coin(denom, n) }

func (s *Suite) bal(a sdk.AccAddress) int64 { return s.bank.Balance(a, denom) }
func (s *Suite) pool() int64                { return s.bank.Balance(fakes.CommunityPool(), denom) }

func (s *Suite) setBlock(t time.Time, h int64) {
	s.ctx = s.ctx.WithBlockTime(t).WithBlockHeight(h).
		WithHeaderInfo(header.Info{Time: t, Height: h, Hash: []byte{byte(h), byte(h >> 8), 0xab}})
}

// endBlock runs both EndBlockers as the app does (jobs first).
func (s *Suite) endBlock() {
	s.Require().NoError(s.jobs.EndBlocker(s.ctx))
	s.Require().NoError(s.k.EndBlocker(s.ctx))
}

// advance moves to the next block d later and ends it.
func (s *Suite) advance(d time.Duration) {
	s.setBlock(s.ctx.BlockTime().Add(d), s.ctx.BlockHeight()+1)
	s.endBlock()
}

// jobWithResult submits a job for a kit job (model and input from seed),
// and has the provider post output (the true output unless wrong is set).
func (s *Suite) jobWithResult(seed string, wrong bool) (uint64, zk.Job) {
	kj := s.kit.NewJob(s.T(), seed)
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		ModelCommitment: kj.ModelC, InputCommitment: kj.InputC, InputUri: "ipfs://in", CircuitId: circuitID,
		Units: units, MaxPricePerUnit: coin(150), TimeLimit: time.Hour,
	})
	s.Require().NoError(err)
	s.Require().Equal(s.prov.String(), res.Provider)
	out := kj.OutputC
	if wrong {
		bad := append([]int8{}, kj.Output...)
		bad[0]++
		oc := zkml.TensorCommitment(bad)
		out = oc[:]
	}
	_, err = s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: s.prov.String(), JobId: res.JobId, OutputCommitment: out, UnitsUsed: units})
	s.Require().NoError(err)
	return res.JobId, kj
}

func (s *Suite) job(id uint64) jobstypes.Job {
	j, err := s.jobs.GetJob(s.ctx, id)
	s.Require().NoError(err)
	return j
}

func (s *Suite) dispute(id uint64) types.Dispute {
	d, err := s.k.Disputes.Get(s.ctx, id)
	s.Require().NoError(err)
	return d
}

func (s *Suite) providerBond() int64 {
	p, err := s.jobs.GetProvider(s.ctx, s.prov)
	s.Require().NoError(err)
	return p.Bond.Amount.Int64()
}

func (s *Suite) challenge(id uint64, counter []byte) types.Dispute {
	res, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.challenger.String(), JobId: id, CounterCommitment: counter})
	s.Require().NoError(err)
	return res.Dispute
}

func (s *Suite) submitProof(from sdk.AccAddress, id uint64, claim types.Claim, proof []byte) (*types.MsgSubmitProofResponse, error) {
	return s.msg.SubmitProof(s.ctx, &types.MsgSubmitProof{Submitter: from.String(), JobId: id, Claim: claim, Proof: proof})
}
