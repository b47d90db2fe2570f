package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/verdict-chain/verdict/app"
	"github.com/verdict-chain/verdict/testutil/zk"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// The attacks found against the earlier rules (the economic-safety issue),
// each tried again through the real app: every one now fails or loses the
// attacker money. Numbers are uverd.

// arena is the real app with a provider, a buyer, a stranger, and a clock.
type arena struct {
	t   *testing.T
	a   *app.App
	ctx sdk.Context
}

var inference = jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE

func newArena(t *testing.T, funded ...sdk.AccAddress) *arena {
	a, ctx := setup(t, funded...)
	return &arena{t: t, a: a, ctx: ctx}
}

func (r *arena) bal(addr sdk.AccAddress) int64 {
	return r.a.BankKeeper.GetBalance(r.ctx, addr, app.BondDenom).Amount.Int64()
}

func (r *arena) pool() int64 {
	fp, err := r.a.DistrKeeper.FeePool.Get(r.ctx)
	require.NoError(r.t, err)
	return fp.CommunityPool.AmountOf(app.BondDenom).TruncateInt64()
}

func (r *arena) bond(op sdk.AccAddress) int64 {
	p, err := r.a.JobsKeeper.GetProvider(r.ctx, op)
	require.NoError(r.t, err)
	return p.Bond.Amount.Int64()
}

func (r *arena) do(msg sdk.Msg) error { return deliver(r.t, r.a, r.ctx, msg) }

// monitor registers an SLA monitor through governance's authority.
func (r *arena) monitor(m sdk.AccAddress) {
	require.NoError(r.t, r.do(&slatypes.MsgRegisterMonitor{Authority: authtypes.NewModuleAddress("gov").String(), Monitor: m.String()}))
}

// advance moves the clock to the next block, runs x/attest's BeginBlocker
// (the block hash evidence binds) and Verdict's EndBlockers in app order,
// and checks every module's books.
func (r *arena) advance(d time.Duration) {
	h := r.ctx.BlockHeight() + 1
	r.ctx = r.ctx.WithBlockTime(r.ctx.BlockTime().Add(d)).WithBlockHeight(h).WithHeaderHash([]byte(fmt.Sprintf("block-%d", h)))
	require.NoError(r.t, r.a.AttestKeeper.BeginBlocker(r.ctx))
	require.NoError(r.t, r.a.JobsKeeper.EndBlocker(r.ctx))
	require.NoError(r.t, r.a.DisputeKeeper.EndBlocker(r.ctx))
	require.NoError(r.t, r.a.SlashingSLAKeeper.EndBlocker(r.ctx))
	require.NoError(r.t, r.a.ReputationKeeper.EndBlocker(r.ctx))
	require.NoError(r.t, r.a.AttestKeeper.EndBlocker(r.ctx))
	require.NoError(r.t, r.a.ForwardsKeeper.EndBlocker(r.ctx))
	require.NoError(r.t, r.a.JobsKeeper.CheckAccounting(r.ctx))
	require.NoError(r.t, r.a.JobsKeeper.CheckIndexes(r.ctx))
	require.NoError(r.t, r.a.DisputeKeeper.CheckAccounting(r.ctx))
	require.NoError(r.t, r.a.ForwardsKeeper.CheckAccounting(r.ctx))
}

func coin(n int64) sdk.Coin { return sdk.NewInt64Coin(app.BondDenom, n) }

func commitment(b byte) []byte { c := make([]byte, 32); c[31] = b; return c }

func (r *arena) register(op sdk.AccAddress, price int64, o jobstypes.ClassPrice) {
	o.Class, o.PricePerUnit = inference, coin(price)
	if o.MaxUnitsPerJob == 0 {
		o.MaxUnitsPerJob, o.MaxOpenUnits = 1<<40, 1<<50
	}
	require.NoError(r.t, r.do(&jobstypes.MsgRegisterProvider{
		Operator: op.String(), Moniker: "gpu", Endpoint: "https://gpu.example",
		Classes: []jobstypes.WorkloadClass{inference}, Prices: []jobstypes.ClassPrice{o},
		Bond: coin(1_000_000_000),
	}))
}

func (r *arena) submit(buyer, provider sdk.AccAddress, units uint64, limit time.Duration, sla *jobstypes.SLATerms) (uint64, error) {
	msg := &jobstypes.MsgSubmitJob{
		Buyer: buyer.String(), Class: inference, ModelCommitment: commitment(1), InputCommitment: commitment(2),
		Units: units, MaxPricePerUnit: coin(100), TimeLimit: limit, Sla: sla,
	}
	if provider != nil {
		msg.Provider = provider.String()
	}
	h := r.a.MsgServiceRouter().Handler(msg)
	res, err := h(r.ctx, msg)
	if err != nil {
		return 0, err
	}
	var out jobstypes.MsgSubmitJobResponse
	require.NoError(r.t, out.Unmarshal(res.MsgResponses[0].Value))
	return out.JobId, nil
}

var harsh = &jobstypes.SLATerms{MaxP99LatencyMs: 1, MaxJitterMs: 1, MaxSlashBps: 10_000}

// Forced expiry: a buyer sends direct orders with a time limit shorter than
// a block and harsh SLA terms the provider never agreed to. Every such
// order is now refused before any coin moves; orders within the provider's
// terms that it then fails to deliver cost it at most twice each job's
// payment, of which the buyer gets only the late-delivery compensation.
func TestAttackForcedExpiryCannotDrainABond(t *testing.T) {
	prov, buyer := sdk.AccAddress("provider____________"), sdk.AccAddress("buyer_______________")
	r := newArena(t, prov, buyer)
	r.register(prov, 100, jobstypes.ClassPrice{MinTimeLimit: time.Minute})
	b0, bond0 := r.bal(buyer), r.bond(prov)

	_, err := r.submit(buyer, prov, 1_000, time.Second, harsh)
	require.ErrorIs(t, err, jobstypes.ErrInvalidJob, "below the protocol's min_time_limit")
	_, err = r.submit(buyer, prov, 1_000, 50*time.Second, nil)
	require.ErrorIs(t, err, jobstypes.ErrNotEligible, "below the provider's own minimum")
	_, err = r.submit(buyer, prov, 1_000, 2*time.Minute, harsh)
	require.ErrorIs(t, err, jobstypes.ErrNotEligible, "SLA terms the offer does not cover")
	require.Equal(t, b0, r.bal(buyer))
	require.Equal(t, bond0, r.bond(prov))

	// The provider consents to SLA terms and a one-minute minimum, then
	// fails fifty jobs in one block: the old rule moved ~99% of its bond
	// to the buyer.
	require.NoError(t, r.do(&jobstypes.MsgUpdateProvider{
		Operator: prov.String(), Moniker: "gpu", Endpoint: "https://gpu.example",
		Classes: []jobstypes.WorkloadClass{inference},
		Prices: []jobstypes.ClassPrice{{
			Class: inference, PricePerUnit: coin(100), MinTimeLimit: time.Minute, MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50,
			Sla: &jobstypes.SLAOffer{P99LatencyMs: 1, JitterMs: 1, MaxSlashBps: 10_000},
		}},
	}))
	pool0 := r.pool()
	for range 50 {
		_, err := r.submit(buyer, prov, 10, time.Minute, harsh)
		require.NoError(t, err)
	}
	r.advance(time.Minute + time.Second)
	payment := int64(100 * 10)
	lost := bond0 - r.bond(prov)
	require.Equal(t, 50*2*payment, lost, "each expiry costs twice its payment, not a share of the bond")
	require.Less(t, lost*100/bond0, int64(1), "fifty failed jobs took under 1% of the bond")
	got := r.bal(buyer) - b0
	require.Equal(t, 50*payment/10, got, "the buyer gets its escrow back plus 10% of each payment")
	require.Equal(t, lost-got, r.pool()-pool0, "the rest goes to the community pool")
}

// The same path without SLA terms destroyed a provider's reputation for
// free. Now a provider declines unwanted orders within decline_window at no
// cost, and what expires anyway weighs by its value: ten cheap orders
// barely move the score.
func TestAttackCheapOrdersCannotBuryAReputation(t *testing.T) {
	prov, buyer := sdk.AccAddress("provider____________"), sdk.AccAddress("buyer_______________")
	r := newArena(t, prov, buyer)
	r.register(prov, 1, jobstypes.ClassPrice{})
	view := func() uint32 {
		v, err := r.a.ReputationKeeper.View(r.ctx, prov, inference)
		require.NoError(t, err)
		return v.ScorePpm
	}
	s0 := view()
	// declined within the window: no trace
	id, err := r.submit(buyer, prov, 1, time.Minute, nil)
	require.NoError(t, err)
	require.NoError(t, r.do(&jobstypes.MsgDeclineJob{Provider: prov.String(), JobId: id}))
	j, err := r.a.JobsKeeper.GetJob(r.ctx, id)
	require.NoError(t, err)
	require.Equal(t, jobstypes.JobStatus_JOB_STATUS_SUBMITTED, j.Status)
	require.Empty(t, j.Provider)
	// ten 1-uverd orders left to expire
	for range 10 {
		_, err := r.submit(buyer, prov, 1, time.Minute, nil)
		require.NoError(t, err)
	}
	r.advance(2 * time.Minute)
	require.Greater(t, view(), s0-1_000, "ten worthless expiries moved the score by less than 0.1%%: it was %d, now %d", s0, view())
	// after the window a decline is refused
	id, err = r.submit(buyer, prov, 1, 10*time.Minute, nil)
	require.NoError(t, err)
	r.advance(3 * time.Minute)
	require.ErrorIs(t, r.do(&jobstypes.MsgDeclineJob{Provider: prov.String(), JobId: id}), jobstypes.ErrWindowClosed)
	require.ErrorIs(t, r.do(&jobstypes.MsgDeclineJob{Provider: buyer.String(), JobId: id}), jobstypes.ErrUnauthorized)
}

// A provider facing a fraud challenge tried to move its bond to a second
// account through self-inflicted SLA penalties before the slash landed.
// Now its accomplice receives at most the late compensation while the bond
// pays twice each payment to the community pool; the bond it drains cannot
// be withdrawn while claims are open; the scheme loses far more than the
// fraud slash it dodges.
func TestAttackSelfPenaltiesCannotMoveABondAway(t *testing.T) {
	prov, sybil, buyer, challenger := sdk.AccAddress("provider____________"), sdk.AccAddress("sybil_______________"),
		sdk.AccAddress("buyer_______________"), sdk.AccAddress("challenger__________")
	r := newArena(t, prov, sybil, buyer, challenger)
	kit := zk.Small(t)
	require.NoError(t, r.do(&disputetypes.MsgRegisterCircuit{
		Authority: authtypes.NewModuleAddress("gov").String(), CircuitId: "mlp-16-16-4",
		ProofSystem: disputetypes.ProofSystem_PROOF_SYSTEM_GROTH16_BN254, VerifyingKey: kit.VKBytes,
	}))
	require.NoError(t, r.do(&jobstypes.MsgRegisterProvider{
		Operator: prov.String(), Moniker: "gpu", Endpoint: "https://gpu.example", CircuitIds: []string{"mlp-16-16-4"},
		Classes: []jobstypes.WorkloadClass{inference},
		Prices: []jobstypes.ClassPrice{{
			Class: inference, PricePerUnit: coin(100), MinTimeLimit: time.Minute, MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50,
			Sla: &jobstypes.SLAOffer{P99LatencyMs: 1, JitterMs: 1, MaxSlashBps: 10_000},
		}},
		Bond: coin(1_000_000_000),
	}))
	// a wrong result, challenged
	kj := kit.NewJob(t, "fraud")
	require.NoError(t, r.do(&jobstypes.MsgSubmitJob{
		Buyer: buyer.String(), Class: inference, CircuitId: "mlp-16-16-4",
		ModelCommitment: kj.ModelC, InputCommitment: kj.InputC, Units: 10, MaxPricePerUnit: coin(100), TimeLimit: time.Hour,
	}))
	require.NoError(t, r.do(&jobstypes.MsgPostResult{Provider: prov.String(), JobId: 1, OutputCommitment: commitment(9), UnitsUsed: 10}))
	require.NoError(t, r.do(&disputetypes.MsgChallenge{Challenger: challenger.String(), JobId: 1}))
	wealth0 := r.bal(prov) + r.bond(prov) + r.bal(sybil)

	// the scheme: the sybil orders big jobs the provider lets expire, and
	// the provider tries to leave
	for range 20 {
		_, err := r.submit(sybil, prov, 100_000, time.Minute, harsh)
		require.NoError(t, err)
	}
	require.NoError(t, r.do(&jobstypes.MsgDeregisterProvider{Operator: prov.String()}))
	r.advance(time.Hour + time.Minute) // expiries graded, proof deadline passed: the fraud slash lands
	d, err := r.a.DisputeKeeper.Disputes.Get(r.ctx, 1)
	require.NoError(t, err)
	require.Equal(t, disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, d.Status)
	wealth := r.bal(prov) + r.bond(prov) + r.bal(sybil)
	schemeLoss := wealth0 - wealth

	// the honest alternative: only the fraud slash, sized by the job (100 x
	// its 1,000 uverd payment)
	require.Equal(t, int64(100_000), d.Resolution.Slashed.Amount.Int64())
	honestLoss := d.Resolution.Slashed.Amount.Int64()
	require.Greater(t, schemeLoss, honestLoss, "the scheme lost %d, the slash alone would have taken %d", schemeLoss, honestLoss)
	require.Equal(t, int64(20*10_000_000/10), r.bal(sybil)-10_000_000_000, "the accomplice got only 10%% of each payment")
}

// A buyer alone reported an SLA breach a month after its job was
// FINALIZED and received more than it paid. Reports now close
// report_window after the result, the job must still be open, a buyer's
// word alone moves no money, and what a buyer receives on a monitor's
// evidence is capped at what it paid.
func TestAttackLateReportsAreRefused(t *testing.T) {
	prov, buyer, mon := sdk.AccAddress("provider____________"), sdk.AccAddress("buyer_______________"), sdk.AccAddress("monitor_____________")
	r := newArena(t, prov, buyer, mon)
	r.register(prov, 100, jobstypes.ClassPrice{Sla: &jobstypes.SLAOffer{P99LatencyMs: 100, MaxSlashBps: 10_000}})
	r.monitor(mon)
	terms := &jobstypes.SLATerms{MaxP99LatencyMs: 200, MaxSlashBps: 10_000}
	id, err := r.submit(buyer, nil, 10, time.Hour, terms)
	require.NoError(t, err)
	require.NoError(t, r.do(&jobstypes.MsgPostResult{Provider: prov.String(), JobId: id, OutputCommitment: commitment(3), UnitsUsed: 10}))
	r.advance(2 * time.Hour) // finalized
	dead := slatypes.SLAMetrics{LatencyP99Ms: 10_000, CompletedPpm: 0, Window: time.Minute}
	r.ctx = r.ctx.WithBlockTime(r.ctx.BlockTime().Add(30 * 24 * time.Hour))
	require.ErrorIs(t, r.do(&slatypes.MsgSubmitReport{Reporter: buyer.String(), JobId: id, Metrics: dead}), slatypes.ErrInvalidReport)

	// the buyer's own damning report on an honest result: no money moves
	id, err = r.submit(buyer, nil, 10, time.Hour, terms)
	require.NoError(t, err)
	require.NoError(t, r.do(&jobstypes.MsgPostResult{Provider: prov.String(), JobId: id, OutputCommitment: commitment(3), UnitsUsed: 10}))
	b0, bond0 := r.bal(buyer), r.bond(prov) // escrow 1,000 already out
	require.NoError(t, r.do(&slatypes.MsgSubmitReport{Reporter: buyer.String(), JobId: id, Metrics: dead}))
	r.advance(2 * time.Hour)
	require.Equal(t, bond0, r.bond(prov), "a buyer-only report slashes nothing")
	require.Equal(t, int64(0), r.bal(buyer)-b0, "and returns nothing: the buyer paid for its job")

	// a monitor's evidence pays the buyer at most what it paid
	id, err = r.submit(buyer, nil, 10, time.Hour, terms)
	require.NoError(t, err)
	require.NoError(t, r.do(&jobstypes.MsgPostResult{Provider: prov.String(), JobId: id, OutputCommitment: commitment(3), UnitsUsed: 10}))
	b0 = r.bal(buyer)
	require.NoError(t, r.do(&slatypes.MsgSubmitReport{Reporter: mon.String(), JobId: id, Metrics: dead}))
	r.advance(2 * time.Hour)
	a, err := r.a.SlashingSLAKeeper.Assessments.Get(r.ctx, id)
	require.NoError(t, err)
	require.Equal(t, int64(1_000), a.BuyerLoss.Amount.Int64())
	require.Equal(t, int64(2_000), a.Slashed.Amount.Int64(), "twice the payment")
	require.Equal(t, int64(1_000), r.bal(buyer)-b0, "paid 1,000 for the job, got back 1,000, not more")
}

// Collateral below the floor: a provider slashed below min_provider_bond
// stayed assignable. It now takes no new job until it tops its bond up.
func TestAttackBondBelowFloorTakesNoJob(t *testing.T) {
	prov, buyer := sdk.AccAddress("provider____________"), sdk.AccAddress("buyer_______________")
	r := newArena(t, prov, buyer)
	r.register(prov, 100, jobstypes.ClassPrice{})
	op := prov
	_, err := r.a.JobsKeeper.SlashBond(r.ctx, op, math.NewInt(1), "test", nil)
	require.NoError(t, err)
	id, err := r.submit(buyer, nil, 10, time.Hour, nil)
	require.NoError(t, err)
	j, err := r.a.JobsKeeper.GetJob(r.ctx, id)
	require.NoError(t, err)
	require.Empty(t, j.Provider, "not assigned below the floor")
	_, err = r.submit(buyer, prov, 10, time.Hour, nil)
	require.ErrorIs(t, err, jobstypes.ErrNotEligible)
	require.ErrorIs(t, r.do(&jobstypes.MsgAddBond{Operator: buyer.String(), Amount: coin(1)}), jobstypes.ErrProviderNotFound)
	require.ErrorIs(t, r.do(&jobstypes.MsgAddBond{Operator: prov.String(), Amount: sdk.NewInt64Coin("uatom", 1)}), jobstypes.ErrInvalidDenom)
	require.NoError(t, r.do(&jobstypes.MsgAddBond{Operator: prov.String(), Amount: coin(1)}))
	require.NoError(t, r.do(&jobstypes.MsgAcceptJob{Provider: prov.String(), JobId: id}), "back above the floor")
}

// Reputation for sale: fees rounded to zero below 50 uverd and evidence
// ignored value, so 1-uverd jobs from a second account farmed a perfect
// score. Every paid job now pays a fee, and a 1-uverd job adds a
// millionth of a completed job's evidence.
func TestAttackReputationIsNotForSale(t *testing.T) {
	prov, sybil := sdk.AccAddress("provider____________"), sdk.AccAddress("sybil_______________")
	r := newArena(t, prov, sybil)
	r.register(prov, 1, jobstypes.ClassPrice{})
	require.Equal(t, int64(1), jobstypes.Fee(math.NewInt(1), 200).Int64(), "a 1-uverd payment pays a 1-uverd fee")
	s0, err := r.a.ReputationKeeper.View(r.ctx, prov, inference)
	require.NoError(t, err)
	pool0, w0 := r.pool(), r.bal(prov)+r.bal(sybil)
	for i := range 100 {
		id, err := r.submit(sybil, prov, 1, time.Minute, nil)
		require.NoError(t, err, "job %d", i)
		require.NoError(t, r.do(&jobstypes.MsgPostResult{Provider: prov.String(), JobId: id, OutputCommitment: commitment(3), UnitsUsed: 1}))
	}
	r.advance(2 * time.Hour)
	s1, err := r.a.ReputationKeeper.View(r.ctx, prov, inference)
	require.NoError(t, err)
	require.Equal(t, uint64(100), s1.Record.Completed)
	require.Equal(t, int64(100), r.pool()-pool0, "and cost a fee each")
	require.Equal(t, w0-100, r.bal(prov)+r.bal(sybil))

	// one real job worth evidence_unit (0.1 VERD)
	farmed := s1.ScorePpm - s0.ScorePpm
	id, err := r.submit(sybil, prov, 100_000, time.Minute, nil)
	require.NoError(t, err)
	require.NoError(t, r.do(&jobstypes.MsgPostResult{Provider: prov.String(), JobId: id, OutputCommitment: commitment(3), UnitsUsed: 100_000}))
	r.advance(2 * time.Hour)
	s2, err := r.a.ReputationKeeper.View(r.ctx, prov, inference)
	require.NoError(t, err)
	real := s2.ScorePpm - s1.ScorePpm
	require.Less(t, farmed*100, real, "100 farmed jobs (+%d ppm) are worth under 1%% of one real job (+%d ppm)", farmed, real)
}

// Genesis export failed to re-import after governance lowered
// max_vk_bytes below a registered key's size.
func TestAttackGenesisSurvivesALowerVKCap(t *testing.T) {
	someone := sdk.AccAddress("someone_____________")
	r := newArena(t, someone)
	kit := zk.Small(t)
	require.NoError(t, r.do(&disputetypes.MsgRegisterCircuit{
		Authority: authtypes.NewModuleAddress("gov").String(), CircuitId: "c",
		ProofSystem: disputetypes.ProofSystem_PROOF_SYSTEM_GROTH16_BN254, VerifyingKey: kit.VKBytes,
	}))
	p, err := r.a.DisputeKeeper.Params.Get(r.ctx)
	require.NoError(t, err)
	p.MaxVkBytes = uint32(len(kit.VKBytes)) - 1
	require.NoError(t, r.do(&disputetypes.MsgUpdateParams{Authority: authtypes.NewModuleAddress("gov").String(), Params: p}))
	gs, err := r.a.DisputeKeeper.ExportGenesis(r.ctx)
	require.NoError(t, err)
	fresh := newArena(t, someone)
	require.NoError(t, fresh.a.DisputeKeeper.InitGenesis(fresh.ctx, *gs))
}
