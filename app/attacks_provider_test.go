package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/verdict-chain/verdict/testutil/zk"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// The honest provider's side (the honest-provider issue): attacks through
// the real app that used to cost a provider that served every job honestly.

// provingProvider registers an honest provider of the 16-16-4 circuit that
// declares its proving time, and the circuit itself.
func (r *arena) provingProvider(op sdk.AccAddress, prove time.Duration) *zk.Kit {
	kit := zk.Small(r.t)
	require.NoError(r.t, r.do(&disputetypes.MsgRegisterCircuit{
		Authority: authtypes.NewModuleAddress("gov").String(), CircuitId: "mlp-16-16-4",
		ProofSystem: disputetypes.ProofSystem_PROOF_SYSTEM_GROTH16_BN254, VerifyingKey: kit.VKBytes,
	}))
	require.NoError(r.t, r.do(&jobstypes.MsgRegisterProvider{
		Operator: op.String(), Moniker: "gpu", Endpoint: "https://gpu.example", CircuitIds: []string{"mlp-16-16-4"},
		Classes: []jobstypes.WorkloadClass{inference}, Prices: []jobstypes.ClassPrice{offer(1, 1_000, 1_000_000)},
		Proving: []jobstypes.ProvingTime{{CircuitId: "mlp-16-16-4", ProveTime: prove}},
		Bond:    coin(1_000_000_000),
	}))
	return kit
}

// honestJob is a direct order of one unit at 1 uverd, and its true result.
func (r *arena) honestJob(kit *zk.Kit, buyer, prov sdk.AccAddress, seed string) (uint64, zk.Job) {
	kj := kit.NewJob(r.t, seed)
	var res jobstypes.MsgSubmitJobResponse
	require.NoError(r.t, r.run(&jobstypes.MsgSubmitJob{
		Buyer: buyer.String(), Class: inference, ModelCommitment: kj.ModelC, InputCommitment: kj.InputC, CircuitId: "mlp-16-16-4",
		Units: 1, MaxPricePerUnit: coin(1), TimeLimit: time.Hour, Provider: prov.String(),
	}, &res))
	require.NoError(r.t, r.do(&jobstypes.MsgPostResult{Provider: prov.String(), JobId: res.JobId, OutputCommitment: kj.OutputC, UnitsUsed: 1}))
	return res.JobId, kj
}

// A flood of challenges. A buyer sent an honest provider many cheap direct
// orders and then challenged every result in one block at the minimum
// bond: all shared one proof deadline, the provider proved one at a time,
// and every unanswered one slashed a tenth of its whole bond — 200
// challenges at 1 VERD bought ~98% of a 1,000 VERD bond slashed, half of it
// to the attacker. Now the deadlines are spaced by the provider's declared
// proving time (here 40 s a proof, so 100 take longer than the one-hour
// window): proving at that pace it answers all 100, keeps its whole bond
// and takes half of every bond the flooder lost.
func TestAttackChallengeFloodCostsAnHonestProviderNothing(t *testing.T) {
	prov, buyer, flooder := sdk.AccAddress("provider____________"), sdk.AccAddress("buyer_______________"), sdk.AccAddress("flooder_____________")
	r := newArena(t, prov, buyer, flooder)
	kit := r.provingProvider(prov, 40*time.Second)
	const n = 100
	ids := make([]uint64, n)
	kjs := make([]zk.Job, n)
	for i := range n {
		ids[i], kjs[i] = r.honestJob(kit, buyer, prov, fmt.Sprintf("flood-%d", i))
	}
	bond0, p0, f0 := r.bond(prov), r.bal(prov), r.bal(flooder)
	for _, id := range ids {
		require.NoError(t, r.do(&disputetypes.MsgChallenge{Challenger: flooder.String(), JobId: id}))
	}
	last, err := r.a.DisputeKeeper.Disputes.Get(r.ctx, ids[n-1])
	require.NoError(t, err)
	dp, err := r.a.DisputeKeeper.Params.Get(r.ctx)
	require.NoError(t, err)
	require.Equal(t, r.ctx.BlockTime().Add(dp.ProofWindow+n*40*time.Second), last.ProofDeadline, "the 100th waits for the 99 before it and its own proof")
	for i, id := range ids {
		r.advance(40 * time.Second)
		require.NoError(t, r.do(&disputetypes.MsgSubmitProof{Submitter: prov.String(), JobId: id, Claim: disputetypes.Claim_CLAIM_PROVIDER, Proof: kit.Prove(t, kjs[i], id)}),
			"proof %d, %s after the flood", i, time.Duration(i+1)*40*time.Second)
	}
	r.advance(time.Hour)
	require.Equal(t, bond0, r.bond(prov), "the honest provider's bond is whole")
	require.Equal(t, int64(n)*dp.MinChallengeBond.Amount.Int64()/2, r.bal(prov)-p0, "and it took half of each lost bond (its 1-uverd jobs pay it nothing after the fee)")
	require.Equal(t, -int64(n)*dp.MinChallengeBond.Amount.Int64(), r.bal(flooder)-f0, "the flooder lost every bond")
}

// A halt timed after a challenge. The height of a scheduled upgrade is
// public weeks ahead: a challenge opened just before it expired in the
// first block after the restart, whose time was past the proof deadline,
// and a proof sent in that block was refused too; the provider, whose
// proof was ready all along, was slashed. A halt now extends every open
// proof deadline by its length: the proof sent after the restart wins.
func TestAttackHaltCannotEatAProofWindow(t *testing.T) {
	prov, buyer, challenger := sdk.AccAddress("provider____________"), sdk.AccAddress("buyer_______________"), sdk.AccAddress("challenger__________")
	r := newArena(t, prov, buyer, challenger)
	kit := r.provingProvider(prov, 10*time.Second)
	block := func(d time.Duration) { // a block d after the last, BeginBlock included
		r.advance(d)
		_, err := r.a.BeginBlocker(r.ctx) // the app's own: every module's BeginBlock
		require.NoError(t, err)
	}
	block(5 * time.Second)
	id, kj := r.honestJob(kit, buyer, prov, "halt")
	require.NoError(t, r.do(&disputetypes.MsgChallenge{Challenger: challenger.String(), JobId: id}))
	d, err := r.a.DisputeKeeper.Disputes.Get(r.ctx, id)
	require.NoError(t, err)
	block(5 * time.Second)
	bond0 := r.bond(prov)
	// the chain halts for two hours, past the deadline as it was set
	r.ctx = r.ctx.WithBlockTime(r.ctx.BlockTime().Add(2 * time.Hour)).WithBlockHeight(r.ctx.BlockHeight() + 1)
	_, err = r.a.BeginBlocker(r.ctx)
	require.NoError(t, err)
	credit, err := r.a.JobsKeeper.HaltCredit(r.ctx)
	require.NoError(t, err)
	require.Equal(t, 2*time.Hour, credit, "the app's BeginBlock ticks the halt clock")
	require.True(t, r.ctx.BlockTime().After(d.ProofDeadline))
	require.NoError(t, r.do(&disputetypes.MsgSubmitProof{Submitter: prov.String(), JobId: id, Claim: disputetypes.Claim_CLAIM_PROVIDER, Proof: kit.Prove(t, kj, id)}),
		"the proof sent in the first block after the halt is on time")
	block(5 * time.Second)
	d, err = r.a.DisputeKeeper.Disputes.Get(r.ctx, id)
	require.NoError(t, err)
	require.Equal(t, disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, d.Status)
	require.Equal(t, bond0, r.bond(prov))
}
