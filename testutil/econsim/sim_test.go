// Package econsim runs the adversarial economic simulation: the real app
// (every module, real bank and distribution, real Groth16 proofs) driven
// block by block through FinalizeBlock and Commit with signed transactions
// from actors that each follow one strategy, honest or not. See
// TestEconomicSimulation for the claims it checks and TestEconomicTable
// (make bench-econ) for the per-strategy table.
package econsim_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmted25519 "github.com/cometbft/cometbft/crypto/ed25519"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
	dbm "github.com/cosmos/cosmos-db"
	bip39 "github.com/cosmos/go-bip39"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"
	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/baseapp"
	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/verdict-chain/verdict/app"
	"github.com/verdict-chain/verdict/testutil/snpsim"
	"github.com/verdict-chain/verdict/testutil/zk"
	attesttypes "github.com/verdict-chain/verdict/x/attest/types"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	forwardstypes "github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
)

const (
	denom     = app.BondDenom
	circuitID = "mlp-16-16-4"
	blockTime = 2 * time.Second
	fund      = int64(100_000_000_000)
	bond      = int64(2_000_000_000)
	txFee     = int64(5_000) // 1,000,000 gas at 0.005 uverd
	txGas     = uint64(1_000_000)
)

var inference = jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE

// Strategies, one account (or a pair) each.
const (
	honest1    = "honest-provider-1"
	honest2    = "honest-provider-2"
	lazy       = "lazy-provider"
	slow       = "slow-provider"
	buyer      = "buyer"
	monitor    = "monitor"
	greedy     = "greedy-buyer"
	sybilProv  = "sybil-provider"
	sybilBuyer = "sybil-buyer"
	griefer    = "griefing-challenger"
	spammer    = "spammer"
	// the second round (see round2_test.go)
	ringProv1    = "ring-provider-1"
	ringProv2    = "ring-provider-2"
	ringBuyer    = "ring-buyer"
	fwdGreedy    = "forward-greedy-buyer"
	deadbeat     = "deadbeat-seller"
	pretender    = "tee-pretender"
	monitorBuyer = "monitor-buyer"
	whale        = "whale-buyer"
	intermittent = "intermittent-provider"
	renewer      = "decline-renewer"
	// the third round: see round3_test.go
)

var actors = []string{
	honest1, honest2, lazy, slow, buyer, monitor, greedy, sybilProv, sybilBuyer, griefer, spammer,
	ringProv1, ringProv2, ringBuyer, fwdGreedy, deadbeat, pretender, monitorBuyer, whale, intermittent, renewer,
	prover, flooder, haltTimer,
	partial50, partial90, partial99, batchBuyer, batchWatcher,
	servingCheat, servingBuyer,
}

// strategy groups accounts whose wealth is judged together.
var strategies = []struct {
	name     string
	accounts []string
	attack   bool
	provider bool
}{
	{"honest provider", []string{honest1, honest2}, false, true},
	{"lazy provider (30% wrong outputs)", []string{lazy}, true, true},
	{"slow provider (late or missing results)", []string{slow}, true, true},
	{"honest buyer", []string{buyer}, false, false},
	{"greedy buyer (tight limits, harsh terms, false and late reports)", []string{greedy}, true, false},
	{"sybil self-dealer (farms reputation)", []string{sybilProv, sybilBuyer}, true, false},
	{"griefing challenger", []string{griefer}, true, false},
	{"spammer (invalid proofs, tiny jobs)", []string{spammer}, true, false},
	{"wash-trading sybil ring on the index (two providers, one buyer)", []string{ringProv1, ringProv2, ringBuyer}, true, false},
	{"forward buyer drawing jobs the seller cannot run", []string{fwdGreedy}, true, false},
	{"seller who sells forward and never delivers", []string{deadbeat}, true, true},
	{"TEE pretender (attested, runs require_tee jobs elsewhere)", []string{pretender}, true, true},
	{"monitor-buyer (reports on its own jobs)", []string{monitorBuyer}, true, false},
	{"whale buyer against an offline provider", []string{whale}, true, false},
	{"intermittent provider (offline 30 s a minute)", []string{intermittent}, false, true},
	{"decline-renewer (holds jobs, declines, takes them again)", []string{renewer}, true, true},
	{"honest provider under a challenge flood (proves one at a time)", []string{prover}, false, true},
	{"challenge flooder (a dozen challenges in one block, minimum bond)", []string{flooder}, true, false},
	{"halt timer (challenges in the block before a 3-minute halt)", []string{haltTimer}, true, false},
	{"partial batch provider (computes 50% of each batch's items)", []string{partial50}, true, true},
	{"partial batch provider (computes 90%)", []string{partial90}, true, true},
	{"partial batch provider (computes 63 of 64 items)", []string{partial99}, true, true},
	{"batch buyer", []string{batchBuyer}, false, false},
	{"batch watcher (samples 4 items of every batch)", []string{batchWatcher}, false, false},
	{"serving provider (answers 1 request in 4 of a session wrong)", []string{servingCheat}, true, true},
	{"serving buyer (checks 1 request of every checkpoint)", []string{servingBuyer}, false, false},
}

type account struct {
	addr     sdk.AccAddress
	accNo    uint64
	seq      uint64
	feesPaid int64
}

type jobInfo struct {
	id       uint64
	kj       zk.Job
	buyer    string
	provider string
	wrong    bool // a lazy provider posted a wrong output
	posted   bool
	proved   bool
	reported bool
	postAt   int64 // the block the provider intends to post at (slow)
	sla      bool
	declined bool       // the decline-renewer handed it back
	retook   bool       // and tried to take it again
	accepted bool       // an honest provider took it while open
	batch    *batchInfo // a batch job (round 4)
}

type sim struct {
	t        testing.TB
	seed     uint64
	rng      *rand.Rand
	a        *app.App
	kr       keyring.Keyring
	acct     map[string]*account
	byAddr   map[string]string
	kit      *zk.Kit
	snp      *snpsim.Signer
	kjobs    []zk.Job
	jobs     map[uint64]*jobInfo
	order    []uint64
	height   int64
	now      time.Time
	appHash  []byte
	start    map[string]int64
	supply   math.Int
	auditPPM uint32

	// counters for the table
	jobsOf     map[string]int
	failedTxs  map[string]int
	lazyEV     math.Int // Σ over wrong results of payment − p × (slash + payment)
	lazyWrong  int
	proofsMade int
	proverNext int64 // the honest prover's next proof, not before this height

	// round 4
	bd             *batchData
	partialEV      map[string]math.Int // per partial provider: Σ expected value against honest service
	partialAuditEV map[string]math.Int // the same, audits alone (no watcher)

	// round 5
	ss *servingState
}

type config struct {
	seed     uint64
	blocks   int
	auditPPM uint32
}

func newSim(t testing.TB, cfg config) *sim {
	s := &sim{
		t: t, seed: cfg.seed, rng: rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x9e3779b97f4a7c15)),
		acct: map[string]*account{}, byAddr: map[string]string{}, jobs: map[uint64]*jobInfo{},
		jobsOf: map[string]int{}, failedTxs: map[string]int{}, lazyEV: math.ZeroInt(), auditPPM: cfg.auditPPM,
	}
	s.kit = zk.Small(t)
	var err error
	s.snp, err = testSNP()
	require.NoError(t, err)
	for i := range 6 {
		s.kjobs = append(s.kjobs, s.kit.NewJob(t, fmt.Sprintf("econ-%d", i)))
	}
	s.a = app.New(log.NewNopLogger(), dbm.NewMemDB(), true, simtestutil.NewAppOptionsWithFlagHome(t.TempDir()), baseapp.SetChainID("verdict-econ"))
	s.kr = keyring.NewInMemory(s.a.AppCodec())
	var accs []authtypes.GenesisAccount
	var balances []banktypes.Balance
	for i, name := range actors {
		// deterministic keys: the same seed gives the same accounts
		mn := deterministicMnemonic(s.seed, i)
		rec, err := s.kr.NewAccount(name, mn, "", sdk.FullFundraiserPath, hd.Secp256k1)
		require.NoError(t, err)
		addr, err := rec.GetAddress()
		require.NoError(t, err)
		s.acct[name] = &account{addr: addr}
		s.byAddr[addr.String()] = name
		accs = append(accs, authtypes.NewBaseAccountWithAddress(addr))
		balances = append(balances, banktypes.Balance{Address: addr.String(), Coins: sdk.NewCoins(sdk.NewInt64Coin(denom, fund))})
	}
	s.initChain(accs, balances)
	return s
}

// testSNP is the test-only SEV-SNP signing chain, made once per test
// binary: its keys are random, and the same seed must give the same
// genesis.
var testSNP = sync.OnceValues(func() (*snpsim.Signer, error) {
	return snpsim.New(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
})

func deterministicMnemonic(seed uint64, i int) string {
	var b [32]byte
	binary.BigEndian.PutUint64(b[:8], seed)
	binary.BigEndian.PutUint64(b[8:16], uint64(i))
	h := sha256.Sum256(b[:])
	mn, err := bip39.NewMnemonic(h[:])
	if err != nil {
		panic(err)
	}
	return mn
}

// genesis: the defaults, with windows short enough for a few hundred
// two-second blocks, no inflation, the reference circuit, a monitor.
func (s *sim) initChain(accs []authtypes.GenesisAccount, balances []banktypes.Balance) {
	t := s.t
	// one validator with a key derived from the seed: the same seed, the
	// same genesis
	secret := sha256.Sum256([]byte(fmt.Sprintf("verdict-econ-validator-%d", s.seed)))
	valSet := cmttypes.NewValidatorSet([]*cmttypes.Validator{cmttypes.NewValidator(cmted25519.GenPrivKeyFromSecret(secret[:]).PubKey(), 1)})
	gs, err := simtestutil.GenesisStateWithValSet(s.a.AppCodec(), s.a.DefaultGenesis(), valSet, accs, balances...)
	require.NoError(t, err)
	cdc := s.a.AppCodec()

	var jg jobstypes.GenesisState
	cdc.MustUnmarshalJSON(gs[jobstypes.ModuleName], &jg)
	jg.Params.ChallengeWindow = 30 * time.Second
	jg.Params.MaxJobDuration = 5 * time.Minute
	jg.Params.UnbondingPeriod = 10 * time.Minute
	jg.Params.MinTimeLimit = 20 * time.Second
	jg.Params.DeclineWindow = 10 * time.Second
	jg.Params.Retention = 24 * time.Hour // the run keeps every record to account from
	gs[jobstypes.ModuleName] = cdc.MustMarshalJSON(&jg)

	var dg disputetypes.GenesisState
	cdc.MustUnmarshalJSON(gs[disputetypes.ModuleName], &dg)
	dg.Params.ProofWindow = 40 * time.Second
	dg.Params.AuditRatePpm = s.auditPPM
	dg.Params.Retention = 24 * time.Hour
	vh := sha256.Sum256(s.kit.VKBytes)
	dg.Circuits = []disputetypes.Circuit{{
		Id: circuitID, Name: "MLP 16-16-4", ProofSystem: disputetypes.ProofSystem_PROOF_SYSTEM_GROTH16_BN254,
		VerifyingKey: s.kit.VKBytes, VkHash: vh[:], PublicInputs: disputetypes.PublicInputNames,
	}}
	gs[disputetypes.ModuleName] = cdc.MustMarshalJSON(&dg)

	var sg slatypes.GenesisState
	cdc.MustUnmarshalJSON(gs[slatypes.ModuleName], &sg)
	sg.Params.ReportWindow = 15 * time.Second
	sg.Params.Retention = 24 * time.Hour
	sg.Monitors = []string{s.acct[monitor].addr.String(), s.acct[monitorBuyer].addr.String()}
	gs[slatypes.ModuleName] = cdc.MustMarshalJSON(&sg)

	// forwards: two-minute windows on a one-minute grid, so a few hundred
	// blocks see several delivery windows
	var fg forwardstypes.GenesisState
	cdc.MustUnmarshalJSON(gs[forwardstypes.ModuleName], &fg)
	fg.Params.WindowGrid = time.Minute
	fg.Params.WindowLengths = []time.Duration{2 * time.Minute}
	fg.Params.MaxHorizon = time.Hour
	fg.Params.Retention = 24 * time.Hour
	gs[forwardstypes.ModuleName] = cdc.MustMarshalJSON(&fg)

	// attest: the test-only SEV-SNP chain (testutil/snpsim) and one image
	var ag attesttypes.GenesisState
	cdc.MustUnmarshalJSON(gs[attesttypes.ModuleName], &ag)
	ag.Policy.AmdRoots = []attesttypes.AmdRoot{{ProductLine: s.snp.ProductLine(), ArkPem: string(s.snp.ArkPEM()), AskPem: string(s.snp.AskPEM())}}
	ag.Measurements = []attesttypes.Measurement{{TeeType: attesttypes.TeeType_TEE_TYPE_SEV_SNP, Value: teeImage[:], Note: "econsim image"}}
	gs[attesttypes.ModuleName] = cdc.MustMarshalJSON(&ag)

	var mint map[string]any
	require.NoError(t, json.Unmarshal(gs["mint"], &mint))
	mint["minter"].(map[string]any)["inflation"] = "0.000000000000000000"
	params := mint["params"].(map[string]any)
	params["inflation_min"], params["inflation_max"], params["mint_denom"] = "0.000000000000000000", "0.000000000000000000", denom
	gs["mint"], err = json.Marshal(mint)
	require.NoError(t, err)

	stateBytes, err := json.Marshal(gs)
	require.NoError(t, err)
	s.now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	_, err = s.a.InitChain(&abci.RequestInitChain{
		ChainId: "verdict-econ", Time: s.now, AppStateBytes: stateBytes,
		ConsensusParams: simtestutil.DefaultConsensusParams, Validators: []abci.ValidatorUpdate{},
	})
	require.NoError(t, err)
	s.height = 0
	s.block(nil, valSet.Hash())
	ctx := s.queryCtx()
	for name, acc := range s.acct {
		a := s.a.AccountKeeper.GetAccount(ctx, acc.addr)
		require.NotNil(t, a, name)
		acc.accNo = a.GetAccountNumber()
	}
	s.supply = s.a.BankKeeper.GetSupply(ctx, denom).Amount
}

func (s *sim) queryCtx() sdk.Context {
	return s.a.NewContextLegacy(true, cmtproto.Header{Height: s.height, Time: s.now, ChainID: "verdict-econ"})
}

// tx is one account's transaction in the block being built: one Msg, or
// a provider agent's batch (results and proofs go out together).
type tx struct {
	from  string
	msg   sdk.Msg
	batch []sdk.Msg
	note  string
}

func (x tx) msgs() []sdk.Msg {
	if x.batch != nil {
		return x.batch
	}
	return []sdk.Msg{x.msg}
}

// block runs one block with the given txs (at most one per account, so
// sequences need no guessing) and commits it.
func (s *sim) block(txs []tx, nextVals []byte) []*abci.ExecTxResult {
	s.height++
	s.now = s.now.Add(blockTime + haltBefore(s.height))
	var raw [][]byte
	seen := map[string]bool{}
	for _, x := range txs {
		require.False(s.t, seen[x.from], "%s sends two txs in one block", x.from)
		seen[x.from] = true
		raw = append(raw, s.sign(x.from, x.msgs()...))
	}
	var hash [32]byte
	binary.BigEndian.PutUint64(hash[:8], s.seed)
	binary.BigEndian.PutUint64(hash[8:16], uint64(s.height))
	hash = sha256.Sum256(hash[:])
	res, err := s.a.FinalizeBlock(&abci.RequestFinalizeBlock{Height: s.height, Time: s.now, Txs: raw, Hash: hash[:], NextValidatorsHash: nextVals})
	require.NoError(s.t, err)
	_, err = s.a.Commit()
	require.NoError(s.t, err)
	s.appHash = res.AppHash
	// A tx that passed the ante handler used its sequence and paid its fee
	// (even if its Msg then failed); one refused by the ante did neither.
	ctx := s.queryCtx()
	for i, r := range res.TxResults {
		acc := s.acct[txs[i].from]
		onChain := s.a.AccountKeeper.GetAccount(ctx, acc.addr).GetSequence()
		if onChain > acc.seq {
			acc.feesPaid += int64(onChain-acc.seq) * txFee * int64(len(txs[i].msgs()))
			acc.seq = onChain
		}
		if r.Code != 0 {
			s.failedTxs[txs[i].from]++
		}
	}
	return res.TxResults
}

func (s *sim) sign(from string, msgs ...sdk.Msg) []byte {
	acc := s.acct[from]
	f := clienttx.Factory{}.WithTxConfig(s.a.ClientTxConfig()).WithKeybase(s.kr).WithChainID("verdict-econ").
		WithAccountNumber(acc.accNo).WithSequence(acc.seq).WithGas(txGas).WithFees(fmt.Sprintf("%d%s", txFee, denom)).
		WithSignMode(signing.SignMode_SIGN_MODE_DIRECT)
	f = f.WithGas(txGas * uint64(len(msgs))).WithFees(fmt.Sprintf("%d%s", txFee*int64(len(msgs)), denom))
	b, err := f.BuildUnsignedTx(msgs...)
	require.NoError(s.t, err)
	require.NoError(s.t, clienttx.Sign(context.Background(), f, from, b, true))
	bz, err := s.a.TxConfig().TxEncoder()(b.GetTx())
	require.NoError(s.t, err)
	return bz
}
