package keeper_test

import (
	"bytes"
	"crypto/sha256"
	"time"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"

	"github.com/verdict-chain/verdict/x/dispute/keeper"
	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// snapshot is every balance and the dispute, to show a failed call changed
// nothing.
type snapshot struct {
	balances map[string]string
	dispute  string
	job      string
}

func (s *Suite) snap(id uint64) snapshot {
	sn := snapshot{balances: map[string]string{}}
	for a, c := range s.bank.Balances {
		sn.balances[a] = c.String()
	}
	if d, err := s.k.Disputes.Get(s.ctx, id); err == nil {
		sn.dispute = (&d).String()
	}
	j := s.job(id)
	sn.job = j.String()
	return sn
}

// Every malformed or invalid proof is a failed call with a registered error
// and changes nothing.
func (s *Suite) TestInvalidProofsChangeNothing() {
	id, kj := s.jobWithResult("bad-proofs", false)
	s.challenge(id, nil)
	good := s.kit.Prove(s.T(), kj, id)
	other, kj2 := s.jobWithResult("other-job", false)
	s.challenge(other, nil)
	replay := s.kit.Prove(s.T(), kj2, other) // valid, but for another job

	flipped := append([]byte{}, good...)
	flipped[40] ^= 0x01
	var inf [32]byte
	inf[0] = 0x40 // compressed point at infinity
	atInfinity := append(append([]byte{}, inf[:]...), good[32:]...)
	before := s.snap(id)
	for _, c := range []struct {
		name  string
		claim types.Claim
		proof []byte
		want  error
	}{
		{"empty", types.Claim_CLAIM_PROVIDER, nil, types.ErrMalformedProof},
		{"garbage", types.Claim_CLAIM_PROVIDER, bytes.Repeat([]byte{0xab}, 196), types.ErrMalformedProof},
		{"truncated", types.Claim_CLAIM_PROVIDER, good[:195], types.ErrMalformedProof},
		{"trailing byte", types.Claim_CLAIM_PROVIDER, append(append([]byte{}, good...), 0), types.ErrMalformedProof},
		{"over the absolute cap", types.Claim_CLAIM_PROVIDER, make([]byte, types.AbsMaxProofBytes+1), types.ErrMalformedProof},
		{"over max_proof_bytes", types.Claim_CLAIM_PROVIDER, make([]byte, 1025), types.ErrMalformedProof},
		{"Ar at infinity", types.Claim_CLAIM_PROVIDER, atInfinity, types.ErrMalformedProof},
		{"one bit flipped", types.Claim_CLAIM_PROVIDER, flipped, nil},
		{"proof of another job replayed", types.Claim_CLAIM_PROVIDER, replay, types.ErrInvalidProof},
		{"counter claim with no counter commitment", types.Claim_CLAIM_COUNTER, good, types.ErrInvalidClaim},
		{"unspecified claim", types.Claim_CLAIM_UNSPECIFIED, good, types.ErrInvalidClaim},
		{"unknown claim value", types.Claim(9), good, types.ErrInvalidClaim},
	} {
		_, err := s.submitProof(s.stranger, id, c.claim, c.proof)
		s.Require().Error(err, c.name)
		if c.want != nil {
			s.Require().ErrorIs(err, c.want, c.name)
		} else {
			s.Require().True(types.ErrMalformedProof.Is(err) || types.ErrInvalidProof.Is(err), "%s: %v", c.name, err)
		}
		s.Equal(before, s.snap(id), c.name)
	}
	_, err := s.submitProof(s.stranger, 999, types.Claim_CLAIM_PROVIDER, good)
	s.Require().ErrorIs(err, types.ErrDisputeNotFound)

	// the real proof still works afterwards
	_, err = s.submitProof(s.stranger, id, types.Claim_CLAIM_PROVIDER, good)
	s.Require().NoError(err)
}

// Verification gas is charged before the proof is even decoded: a sender
// with too little gas runs out before any parsing, and a malformed proof
// still pays it.
func (s *Suite) TestVerifyGasChargedFirst() {
	id, kj := s.jobWithResult("gas", false)
	s.challenge(id, nil)
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)

	ctx := s.ctx
	s.ctx = ctx.WithGasMeter(storetypes.NewGasMeter(p.VerifyGas - 1))
	s.Require().PanicsWithValue(storetypes.ErrorOutOfGas{Descriptor: "x/dispute: groth16 proof check"}, func() {
		_, _ = s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, []byte{1})
	})
	meter := storetypes.NewInfiniteGasMeter()
	s.ctx = ctx.WithGasMeter(meter)
	_, err = s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, []byte{1})
	s.Require().ErrorIs(err, types.ErrMalformedProof)
	s.GreaterOrEqual(meter.GasConsumed(), p.VerifyGas)
	s.ctx = ctx
	_, err = s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.Require().NoError(err)
}

func (s *Suite) TestChallengeRules() {
	id, kj := s.jobWithResult("rules", false)
	for _, c := range []struct {
		name    string
		from    sdk.AccAddress
		counter []byte
		want    error
	}{
		{"provider challenges itself", s.prov, nil, types.ErrUnauthorized},
		{"counter equals the posted output", s.challenger, kj.OutputC, types.ErrInvalidCommitment},
		{"counter above the modulus", s.challenger, bytes.Repeat([]byte{0xff}, 32), types.ErrInvalidCommitment},
		{"short counter", s.challenger, []byte{1, 2, 3}, types.ErrInvalidCommitment},
	} {
		before := s.snap(id)
		_, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: c.from.String(), JobId: id, CounterCommitment: c.counter})
		s.Require().ErrorIs(err, c.want, c.name)
		s.Equal(before, s.snap(id), c.name)
	}
	// not enough funds for the bond
	poor := sdk.AccAddress("poor________________")
	s.bank.Balances[poor.String()] = sdk.NewCoins(coin(10))
	_, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: poor.String(), JobId: id})
	s.Require().ErrorIs(err, sdkerrors.ErrInsufficientFunds)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(id).Status)
	delete(s.bank.Balances, poor.String())

	_, err = s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.challenger.String(), JobId: 999})
	s.Require().ErrorIs(err, jobstypes.ErrJobNotFound)
	_, err = s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: "not-an-address", JobId: id})
	s.Require().ErrorIs(err, types.ErrInvalidAddress)

	// once disputed, a job cannot be challenged again
	s.challenge(id, nil)
	_, err = s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.stranger.String(), JobId: id})
	s.Require().ErrorIs(err, types.ErrNotDisputable)

	// after the window
	id2, _ := s.jobWithResult("late", false)
	s.advance(time.Hour)
	_, err = s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.challenger.String(), JobId: id2})
	s.Require().ErrorIs(err, types.ErrNotDisputable)

	// a job that names no circuit settles by other means
	kj3 := s.kit.NewJob(s.T(), "nocircuit")
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		ModelCommitment: kj3.ModelC, InputCommitment: kj3.InputC, Units: units, MaxPricePerUnit: coin(150), TimeLimit: time.Hour,
	})
	s.Require().NoError(err)
	_, err = s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: s.prov.String(), JobId: res.JobId, OutputCommitment: kj3.OutputC, UnitsUsed: 1})
	s.Require().NoError(err)
	_, err = s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.challenger.String(), JobId: res.JobId})
	s.Require().ErrorIs(err, types.ErrNotDisputable)

	// x/jobs refuses unregistered circuits on jobs and provider offers
	_, err = s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, CircuitId: "no-such-circuit",
		ModelCommitment: kj3.ModelC, InputCommitment: kj3.InputC, Units: units, MaxPricePerUnit: coin(150), TimeLimit: time.Hour,
	})
	s.Require().ErrorIs(err, jobstypes.ErrInvalidJob)
	_, err = s.jobsMsg.UpdateProvider(s.ctx, &jobstypes.MsgUpdateProvider{
		Operator: s.prov.String(), Moniker: "gpu", Endpoint: "https://gpu.example:8443",
		Classes:    []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		CircuitIds: []string{"no-such-circuit"},
		Prices:     []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: coin(price)}},
	})
	s.Require().ErrorIs(err, jobstypes.ErrInvalidProvider)
}

// The bond is the larger of the minimum and the fraction of the payment.
func (s *Suite) TestChallengeBondFormula() {
	p := types.DefaultParams()
	s.Equal(coin(1_000_000), p.ChallengeBond(sdkInt(100_000)))
	s.Equal(coin(5_000_000), p.ChallengeBond(sdkInt(50_000_000)))
}

// Only the authority registers circuits and changes params; each signer
// field is the actor the Msg acts for.
func (s *Suite) TestWrongSignerFails() {
	_, err := s.msg.RegisterCircuit(s.ctx, &types.MsgRegisterCircuit{
		Authority: s.stranger.String(), CircuitId: "x", ProofSystem: types.ProofSystem_PROOF_SYSTEM_GROTH16_BN254, VerifyingKey: s.kit.VKBytes,
	})
	s.Require().ErrorIs(err, types.ErrUnauthorized)
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.stranger.String(), Params: types.DefaultParams()})
	s.Require().ErrorIs(err, types.ErrUnauthorized)
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: "garbage", Params: types.DefaultParams()})
	s.Require().ErrorIs(err, types.ErrInvalidAddress)

	// the signer of each Msg, as the ante handler derives it
	for _, c := range []struct {
		msg    sdk.Msg
		signer sdk.AccAddress
	}{
		{&types.MsgChallenge{Challenger: s.challenger.String(), JobId: 1}, s.challenger},
		{&types.MsgSubmitProof{Submitter: s.prov.String(), JobId: 1, Proof: []byte{1}}, s.prov},
		{&types.MsgRegisterCircuit{Authority: s.authority}, mustAddr(s.authority)},
		{&types.MsgUpdateParams{Authority: s.authority}, mustAddr(s.authority)},
	} {
		signers, _, err := s.cdc.GetMsgV1Signers(c.msg)
		s.Require().NoError(err)
		s.Require().Len(signers, 1)
		s.Equal([]byte(c.signer), signers[0], "%T", c.msg)
	}
	// the challenger pays the bond: a challenge signed for someone else's
	// address would debit that address, which is why the signer is the
	// challenger field (checked above) and the ante handler verifies it.
}

func (s *Suite) TestUpdateParams() {
	p := types.DefaultParams()
	p.ProofWindow = 10 * time.Minute
	_, err := s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().NoError(err)
	got, err := s.q.Params(s.ctx, &types.QueryParamsRequest{})
	s.Require().NoError(err)
	s.Equal(10*time.Minute, got.Params.ProofWindow)

	for name, mut := range map[string]func(*types.Params){
		"zero proof window":       func(p *types.Params) { p.ProofWindow = 0 },
		"bps over 100%":           func(p *types.Params) { p.FraudSlashBps = 10_001 },
		"no slash multiple":       func(p *types.Params) { p.FraudSlashMultiple = 0 },
		"proof window over 30d":   func(p *types.Params) { p.ProofWindow = types.MaxProofWindow + 1 },
		"audit rate over 100%":    func(p *types.Params) { p.AuditRatePpm = 1_000_001 },
		"zero verify gas":         func(p *types.Params) { p.VerifyGas = 0 },
		"vk cap over absolute":    func(p *types.Params) { p.MaxVkBytes = types.AbsMaxVKBytes + 1 },
		"proof cap over absolute": func(p *types.Params) { p.MaxProofBytes = types.AbsMaxProofBytes + 1 },
		"zero resolutions":        func(p *types.Params) { p.MaxResolutionsPerBlock = 0 },
		"zero min bond":           func(p *types.Params) { p.MinChallengeBond = coin(0) },
		"other bond denom":        func(p *types.Params) { p.MinChallengeBond = sdk.NewInt64Coin("uatom", 5) },
	} {
		bad := types.DefaultParams()
		mut(&bad)
		_, err := s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: bad})
		s.Require().ErrorIs(err, types.ErrInvalidParams, name)
	}
}

func (s *Suite) TestRegisterCircuitValidation() {
	reg := func(id string, vk []byte) error {
		_, err := s.msg.RegisterCircuit(s.ctx, &types.MsgRegisterCircuit{
			Authority: s.authority, CircuitId: id, ProofSystem: types.ProofSystem_PROOF_SYSTEM_GROTH16_BN254, VerifyingKey: vk,
		})
		return err
	}
	s.Require().ErrorIs(reg(circuitID, s.kit.VKBytes), types.ErrCircuitExists)
	s.Require().ErrorIs(reg("Bad ID!", s.kit.VKBytes), types.ErrInvalidCircuit)
	s.Require().ErrorIs(reg("", s.kit.VKBytes), types.ErrInvalidCircuit)
	s.Require().ErrorIs(reg("trunc", s.kit.VKBytes[:100]), types.ErrInvalidVK)
	s.Require().ErrorIs(reg("empty", nil), types.ErrInvalidVK)
	s.Require().ErrorIs(reg("huge", make([]byte, types.AbsMaxVKBytes+1)), types.ErrInvalidVK)
	s.Require().ErrorIs(reg("over-param", make([]byte, 5000)), types.ErrInvalidVK)
	zeroed := append([]byte{}, s.kit.VKBytes...)
	copy(zeroed[:32], append([]byte{0x40}, make([]byte, 31)...)) // alpha at infinity
	s.Require().ErrorIs(reg("alpha-infinity", zeroed), types.ErrInvalidVK)
	_, err := s.msg.RegisterCircuit(s.ctx, &types.MsgRegisterCircuit{
		Authority: s.authority, CircuitId: "plonk", ProofSystem: types.ProofSystem_PROOF_SYSTEM_UNSPECIFIED, VerifyingKey: s.kit.VKBytes,
	})
	s.Require().ErrorIs(err, types.ErrInvalidCircuit)

	// a version 3 circuit comes with its commitment key's sha256, no other does
	withCK := func(id string, ck []byte) error {
		_, err := s.msg.RegisterCircuit(s.ctx, &types.MsgRegisterCircuit{
			Authority: s.authority, CircuitId: id, ProofSystem: types.ProofSystem_PROOF_SYSTEM_GROTH16_BN254, VerifyingKey: s.kit.VKBytes,
			CommitmentKeyHash: ck,
		})
		return err
	}
	ckHash := sha256.Sum256([]byte("a commitment key"))
	s.Require().ErrorIs(withCK("mlp3-16-16-4", nil), types.ErrInvalidCircuit, "version 3 without its key's hash")
	s.Require().ErrorIs(withCK("cnn3-1x10x10-2k3-3k3-5-4", ckHash[:31]), types.ErrInvalidCircuit, "a short hash")
	s.Require().ErrorIs(withCK("mlp2-16-16-4", ckHash[:]), types.ErrInvalidCircuit, "a hash for a circuit without a key")
	s.Require().NoError(withCK("mlp3-16-16-4", ckHash[:]))

	c, err := s.q.Circuit(s.ctx, &types.QueryCircuitRequest{Id: circuitID})
	s.Require().NoError(err)
	h := sha256.Sum256(s.kit.VKBytes)
	s.Equal(h[:], c.Circuit.VkHash)
	s.Equal(types.PublicInputNames, c.Circuit.PublicInputs)
	s.Empty(c.Circuit.CommitmentKeyHash)
	c, err = s.q.Circuit(s.ctx, &types.QueryCircuitRequest{Id: "mlp3-16-16-4"})
	s.Require().NoError(err)
	s.Equal(ckHash[:], c.Circuit.CommitmentKeyHash)
	list, err := s.q.Circuits(s.ctx, &types.QueryCircuitsRequest{})
	s.Require().NoError(err)
	s.Len(list.Circuits, 2)
}

// A restarted node (empty key cache) reaches the same verdicts, and a proof
// for one circuit does not verify under another key.
func (s *Suite) TestVKCacheNeverChangesResults() {
	id, kj := s.jobWithResult("cache", false)
	s.challenge(id, nil)
	proof := s.kit.Prove(s.T(), kj, id)
	bad := append([]byte{}, proof...)
	bad[70] ^= 1

	s.newKeepers() // cold cache
	_, errCold := s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, bad)
	s.newKeepers()
	_, errWarmup := s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, bad) // fills the cache
	_, errWarm := s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, bad)
	s.Equal(errCold.Error(), errWarmup.Error())
	s.Equal(errCold.Error(), errWarm.Error())

	// verifying against another setup's key fails
	other, err := types.ParseVK(otherVK(s), types.DefaultParams().MaxVkBytes)
	s.Require().NoError(err)
	pub, err := types.PublicInputs(s.job(id), kj.OutputC)
	s.Require().NoError(err)
	s.Require().ErrorIs(zkverify.Verify(other, proof, pub), zkverify.ErrRejected)

	_, err = s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, proof)
	s.Require().NoError(err)
}

// EndBlock settles at most max_resolutions_per_block deadlines a block.
func (s *Suite) TestDeadlinesBoundedPerBlock() {
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.MaxResolutionsPerBlock = 1
	s.Require().NoError(s.k.Params.Set(s.ctx, p))
	a, _ := s.jobWithResult("b1", true)
	b, _ := s.jobWithResult("b2", true)
	s.challenge(a, nil)
	s.challenge(b, nil)
	s.advance(time.Hour + 2*time.Minute) // b's window starts after a's proving time and its own
	open := 0
	for _, id := range []uint64{a, b} {
		if s.dispute(id).Status == types.DisputeStatus_DISPUTE_STATUS_OPEN {
			open++
		}
	}
	s.Equal(1, open, "one settled, one carried over")
	s.advance(time.Second)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, s.dispute(a).Status)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, s.dispute(b).Status)
	s.Equal(int64(bond-2*fraudSlash), s.providerBond(), "each loss slashes 100 times its job's payment, not a share of the bond")
}

// The audit lottery hits about audit_rate of results and depends on the
// block hash and the job id.
func (s *Suite) TestAuditDrawRate() {
	const n, rate = 20_000, 100_000 // 10%
	hits := 0
	for id := uint64(1); id <= n; id++ {
		if keeper.AuditDraw([]byte("block-hash"), 7, id) < rate {
			hits++
		}
	}
	// binomial sd = sqrt(20000 x 0.1 x 0.9) ~ 42; allow 5 sd
	s.InDelta(n/10, hits, 210)
	s.NotEqual(keeper.AuditDraw([]byte("a"), 7, 1), keeper.AuditDraw([]byte("b"), 7, 1))
}

func (s *Suite) TestQueries() {
	id, _ := s.jobWithResult("q", false)
	s.challenge(id, nil)
	d, err := s.q.Dispute(s.ctx, &types.QueryDisputeRequest{JobId: id})
	s.Require().NoError(err)
	s.Equal(s.challenger.String(), d.Dispute.Challenger)
	_, err = s.q.Dispute(s.ctx, &types.QueryDisputeRequest{JobId: 999})
	s.Require().Error(err)
	open, err := s.q.Disputes(s.ctx, &types.QueryDisputesRequest{Status: types.DisputeStatus_DISPUTE_STATUS_OPEN})
	s.Require().NoError(err)
	s.Len(open.Disputes, 1)
	won, err := s.q.Disputes(s.ctx, &types.QueryDisputesRequest{Status: types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON})
	s.Require().NoError(err)
	s.Empty(won.Disputes)
	_, err = s.q.ChallengeBond(s.ctx, &types.QueryChallengeBondRequest{JobId: id})
	s.Require().Error(err, "already disputed")
	_, err = s.q.Circuit(s.ctx, &types.QueryCircuitRequest{Id: "nope"})
	s.Require().Error(err)
	for _, f := range []func() error{
		func() error { _, err := s.q.Dispute(s.ctx, nil); return err },
		func() error { _, err := s.q.Disputes(s.ctx, nil); return err },
		func() error { _, err := s.q.Circuit(s.ctx, nil); return err },
		func() error { _, err := s.q.Circuits(s.ctx, nil); return err },
		func() error { _, err := s.q.ChallengeBond(s.ctx, nil); return err },
	} {
		s.Require().Error(f())
	}
}

func (s *Suite) TestGenesisRoundTrip() {
	id, _ := s.jobWithResult("g1", true)
	s.challenge(id, nil)
	id2, kj2 := s.jobWithResult("g2", false)
	s.challenge(id2, nil)
	_, err := s.submitProof(s.prov, id2, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj2, id2))
	s.Require().NoError(err)

	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().NoError(gs.Validate(s.ac))
	s.Len(gs.Circuits, 1)
	s.Len(gs.Disputes, 2)

	// import into a fresh store and export again: identical; the open
	// dispute's deadline is queued and still settles
	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.keys = storetypes.NewKVStoreKeys(jobstypes.StoreKey, types.StoreKey)
	s.ctx = testutilCtx(s.keys)
	s.setBlock(t0, 1)
	s.newKeepers()
	s.Require().NoError(s.jobs.InitGenesis(s.ctx, *jobsGS))
	s.Require().NoError(s.k.InitGenesis(s.ctx, *gs))
	gs2, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Equal(gs, gs2)
	s.advance(time.Hour + time.Minute)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, s.dispute(id).Status)

	// inconsistent documents are refused
	for name, mut := range map[string]func(*types.GenesisState){
		"vk hash mismatch":     func(g *types.GenesisState) { g.Circuits[0].VkHash = make([]byte, 32) },
		"duplicate circuit":    func(g *types.GenesisState) { g.Circuits = append(g.Circuits, g.Circuits[0]) },
		"duplicate dispute":    func(g *types.GenesisState) { g.Disputes = append(g.Disputes, g.Disputes[0]) },
		"unknown circuit":      func(g *types.GenesisState) { g.Disputes[0].CircuitId = "nope" },
		"open with resolution": func(g *types.GenesisState) { g.Disputes[0].Status = types.DisputeStatus_DISPUTE_STATUS_OPEN },
		"open, nothing booked": func(g *types.GenesisState) {
			g.Disputes[0].Status, g.Disputes[0].Resolution, g.Disputes[0].ProveTime = types.DisputeStatus_DISPUTE_STATUS_OPEN, nil, 0
		},
		"negative prove time": func(g *types.GenesisState) { g.Disputes[0].ProveTime = -time.Second },
		"prove time over 1h":  func(g *types.GenesisState) { g.Disputes[0].ProveTime = time.Hour + 1 },
		"audit with bond": func(g *types.GenesisState) {
			g.Disputes[0].Kind = types.DisputeKind_DISPUTE_KIND_AUDIT
		},
	} {
		bad, err := s.k.ExportGenesis(s.ctx)
		s.Require().NoError(err)
		mut(bad)
		s.Require().ErrorIs(bad.Validate(s.ac), types.ErrInvalidGenesis, name)
	}
	// a VK that fails validation is refused by InitGenesis
	bad := types.DefaultGenesis()
	vk := append([]byte{}, s.kit.VKBytes[:100]...)
	h := sha256.Sum256(vk)
	bad.Circuits = []types.Circuit{{Id: "c", ProofSystem: types.ProofSystem_PROOF_SYSTEM_GROTH16_BN254, VerifyingKey: vk, VkHash: h[:]}}
	keys, ctx, jobs, k := s.keys, s.ctx, s.jobs, s.k
	s.keys = storetypes.NewKVStoreKeys(jobstypes.StoreKey, types.StoreKey)
	s.ctx = testutilCtx(s.keys)
	s.newKeepers()
	s.Require().ErrorIs(s.k.InitGenesis(s.ctx, *bad), types.ErrInvalidVK)

	// x/jobs and x/dispute must agree on which jobs are disputed
	s.Require().NoError(s.jobs.InitGenesis(s.ctx, *jobsGS))
	missing := *gs
	missing.Disputes = nil
	s.Require().ErrorIs(s.k.InitGenesis(s.ctx, missing), types.ErrInvalidGenesis)
	s.keys = storetypes.NewKVStoreKeys(jobstypes.StoreKey, types.StoreKey)
	s.ctx = testutilCtx(s.keys)
	s.newKeepers()
	s.Require().NoError(s.jobs.InitGenesis(s.ctx, *jobstypes.DefaultGenesis()))
	s.Require().ErrorIs(s.k.InitGenesis(s.ctx, *gs), types.ErrInvalidGenesis, "open dispute of a job x/jobs does not have")
	s.keys, s.ctx, s.jobs, s.k = keys, ctx, jobs, k
}
