package app_test

import (
	"crypto/ed25519"
	"sync"
	"testing"
	"time"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/verdict-chain/verdict/testutil/snpsim"
	attesttypes "github.com/verdict-chain/verdict/x/attest/types"
	forwardstypes "github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// The second round of attacks (the economic-safety issue, round two), each
// tried through the real app against x/forwards, x/attest and the seams
// between modules. Each test failed on the code before this round; each
// strategy is now refused or loses. Numbers are uverd.

var gov = authtypes.NewModuleAddress("gov").String()

// run delivers msg and decodes its response into out.
func (r *arena) run(msg sdk.Msg, out proto.Message) error {
	h := r.a.MsgServiceRouter().Handler(msg)
	require.NotNil(r.t, h)
	res, err := h(r.ctx, msg)
	if err != nil {
		return err
	}
	require.NoError(r.t, proto.Unmarshal(res.MsgResponses[0].Value, out))
	return nil
}

// offer is a sized offer for inference at price.
func offer(price int64, perJob, capacity uint64) jobstypes.ClassPrice {
	return jobstypes.ClassPrice{Class: inference, PricePerUnit: coin(price), MaxUnitsPerJob: perJob, MaxOpenUnits: capacity}
}

func (r *arena) provider(op sdk.AccAddress, bond int64, o jobstypes.ClassPrice) {
	require.NoError(r.t, r.do(&jobstypes.MsgRegisterProvider{
		Operator: op.String(), Moniker: "gpu", Endpoint: "https://gpu.example",
		Classes: []jobstypes.WorkloadClass{inference}, Prices: []jobstypes.ClassPrice{o}, Bond: coin(bond),
	}))
}

// series is the next hour's one-hour delivery window.
func (r *arena) series() forwardstypes.Series {
	return forwardstypes.Series{Class: inference, WindowStart: r.ctx.BlockTime().Truncate(time.Hour).Add(time.Hour), WindowLength: time.Hour}
}

func (r *arena) place(owner sdk.AccAddress, s forwardstypes.Series, side forwardstypes.Side, price int64, units uint64, mod func(*forwardstypes.MsgPlaceOrder)) (*forwardstypes.MsgPlaceOrderResponse, error) {
	m := &forwardstypes.MsgPlaceOrder{Owner: owner.String(), Series: s, Side: side, PricePerUnit: coin(price), Units: units}
	if mod != nil {
		mod(m)
	}
	var out forwardstypes.MsgPlaceOrderResponse
	err := r.run(m, &out)
	return &out, err
}

func (r *arena) draw(owner sdk.AccAddress, pos, units uint64, limit time.Duration) (*forwardstypes.MsgSubmitPositionJobResponse, error) {
	var out forwardstypes.MsgSubmitPositionJobResponse
	err := r.run(&forwardstypes.MsgSubmitPositionJob{
		Owner: owner.String(), PositionId: pos, Units: units, ModelCommitment: commitment(1), InputCommitment: commitment(2), TimeLimit: limit,
	}, &out)
	return &out, err
}

func (r *arena) position(id uint64) forwardstypes.Position {
	p, err := r.a.ForwardsKeeper.GetPosition(r.ctx, id)
	require.NoError(r.t, err)
	return p
}

// until advances in one-minute blocks to t.
func (r *arena) until(t time.Time) {
	for r.ctx.BlockTime().Before(t) {
		r.advance(min(time.Minute, t.Sub(r.ctx.BlockTime())))
	}
}

const (
	buy  = forwardstypes.Side_SIDE_BUY
	sell = forwardstypes.Side_SIDE_SELL
)

// Consent has a size. A provider offering SLA terms at 1 uverd a unit with
// a 5,000 VERD bond was offline for half a minute; one direct SLA order of
// 4·10⁹ units at the floor time limit expired and took its whole bond (a
// penalty of twice a payment the provider never sized), the buyer netting
// 10% of it. Its offer now says 1,000 units a job and 10,000 open at once:
// the whale order is refused before a coin moves, and however the buyer
// fills the capacity with orders the provider cannot serve, an expiry costs
// at most what the offer consented to.
func TestAttackWhaleOrderCannotWipeABond(t *testing.T) {
	prov, whale := sdk.AccAddress("provider____________"), sdk.AccAddress("whale_______________")
	r := newArena(t, prov, whale)
	o := offer(1, 1_000, 10_000)
	o.Sla = &jobstypes.SLAOffer{P99LatencyMs: 100, MaxSlashBps: 10_000}
	r.provider(prov, 5_000_000_000, o)
	terms := &jobstypes.SLATerms{MaxP99LatencyMs: 100, MaxSlashBps: 10_000}
	b0, bond0 := r.bal(whale), r.bond(prov)

	m := &jobstypes.MsgSubmitJob{
		Buyer: whale.String(), Class: inference, ModelCommitment: commitment(1), InputCommitment: commitment(2),
		Units: 4_000_000_000, MaxPricePerUnit: coin(1), TimeLimit: 30 * time.Second, Sla: terms, Provider: prov.String(),
	}
	require.ErrorIs(t, r.do(m), jobstypes.ErrNotEligible, "4·10⁹ units against an offer of 1,000 a job")
	require.Equal(t, b0, r.bal(whale), "nothing escrowed")

	// the most the whale can place at once: the capacity, 10 jobs of 1,000
	m.Units = 1_000
	for range 10 {
		require.NoError(t, r.do(m))
	}
	require.ErrorIs(t, r.do(m), jobstypes.ErrNotEligible, "the eleventh is over max_open_units")
	r.advance(31 * time.Second) // the provider is offline: all ten expire
	lost := bond0 - r.bond(prov)
	consented := int64(2 * 1 * 10_000) // max_sla_penalty_multiple (2×) × price × capacity
	require.LessOrEqual(t, lost, consented, "an expiry costs at most what the offer consented to")
	require.Equal(t, int64(20_000), lost)
	require.Greater(t, r.bond(prov), bond0*99/100, "the bond is intact")
	require.Equal(t, int64(10*100), r.bal(whale)-b0, "the whale got 10% of each payment, 1,000 uverd, for 10 orders' gas")
}

// A deadline is checked where it is used. A sell order past its expiry
// could still be filled in the first block after it, before EndBlock
// removed it: the seller was bound past the time it gave. The taker now
// finds it closed and refunded.
func TestAttackExpiredForwardOrderIsNotFilled(t *testing.T) {
	seller, buyer := sdk.AccAddress("seller______________"), sdk.AccAddress("buyer_______________")
	r := newArena(t, seller, buyer)
	r.provider(seller, 1_000_000_000, offer(100, 1_000, 10_000))
	s := r.series()
	s0 := r.bal(seller)
	_, err := r.place(seller, s, sell, 100, 100, func(m *forwardstypes.MsgPlaceOrder) { m.ExpiresAfter = 10 * time.Minute })
	require.NoError(t, err)
	// the next block is past the expiry; EndBlock has not run in between
	r.ctx = r.ctx.WithBlockTime(r.ctx.BlockTime().Add(10*time.Minute + time.Second)).WithBlockHeight(r.ctx.BlockHeight() + 1)
	res, err := r.place(buyer, s, buy, 100, 100, nil)
	require.NoError(t, err)
	require.Zero(t, res.FilledUnits, "the expired sell is not traded")
	require.NotZero(t, res.OrderId, "the buy rests instead")
	require.Equal(t, s0, r.bal(seller), "the seller's collateral is back")
	_, err = r.a.ForwardsKeeper.GetOrder(r.ctx, 1)
	require.ErrorIs(t, err, forwardstypes.ErrOrderNotFound)
	r.advance(time.Second)
}

// Terms are frozen per trade. A later fill joined an older position and
// inherited its terms: the seller raised its minimum time limit to 30
// minutes, sold again, and the buyer drew one-minute jobs on the new units
// under the old terms — refused by x/jobs against today's offer and booked
// as the seller's fault. Each trade now keeps its own terms: the new
// units' one-minute draw is the buyer's error, and a draw on the old units
// is served under the old terms, not refused.
func TestAttackLaterTradesKeepTheirOwnTerms(t *testing.T) {
	seller, buyer := sdk.AccAddress("seller______________"), sdk.AccAddress("buyer_______________")
	r := newArena(t, seller, buyer)
	o := offer(100, 1_000, 10_000)
	o.MinTimeLimit = time.Minute
	r.provider(seller, 1_000_000_000, o)
	s := r.series()
	trade := func() uint64 {
		_, err := r.place(seller, s, sell, 100, 100, nil)
		require.NoError(t, err)
		res, err := r.place(buyer, s, buy, 100, 100, nil)
		require.NoError(t, err)
		require.Len(t, res.PositionIds, 1)
		return res.PositionIds[0]
	}
	old := trade()
	o.MinTimeLimit = 30 * time.Minute
	require.NoError(t, r.do(&jobstypes.MsgUpdateProvider{
		Operator: seller.String(), Moniker: "gpu", Endpoint: "https://gpu.example",
		Classes: []jobstypes.WorkloadClass{inference}, Prices: []jobstypes.ClassPrice{o},
	}))
	later := trade()
	require.NotEqual(t, old, later, "the later trade is a position of its own")
	require.Equal(t, 30*time.Minute, r.position(later).Terms.MinTimeLimit)
	require.Equal(t, time.Minute, r.position(old).Terms.MinTimeLimit)

	r.until(s.WindowStart)
	_, err := r.draw(buyer, later, 10, time.Minute)
	require.ErrorIs(t, err, forwardstypes.ErrInvalidPosition, "below what the seller accepted for these units")
	res, err := r.draw(buyer, old, 10, time.Minute)
	require.NoError(t, err)
	require.False(t, res.Refused, "the old units' terms still hold: not a fault")
	require.Zero(t, r.position(old).Fault+r.position(later).Fault)
}

// A free decline became a paid fault: a position job the seller declined
// inside decline_window later expired and was booked against its
// collateral. A contract job is now not declinable at all (the seller sold
// the capacity), so no path both offers a free exit and charges for it.
func TestAttackContractJobsCannotBeDeclinedIntoAFault(t *testing.T) {
	seller, buyer := sdk.AccAddress("seller______________"), sdk.AccAddress("buyer_______________")
	r := newArena(t, seller, buyer)
	r.provider(seller, 1_000_000_000, offer(100, 1_000, 10_000))
	s := r.series()
	_, err := r.place(seller, s, sell, 100, 100, nil)
	require.NoError(t, err)
	pres, err := r.place(buyer, s, buy, 100, 100, nil)
	require.NoError(t, err)
	r.until(s.WindowStart)
	res, err := r.draw(buyer, pres.PositionIds[0], 10, 10*time.Minute)
	require.NoError(t, err)
	require.ErrorIs(t, r.do(&jobstypes.MsgDeclineJob{Provider: seller.String(), JobId: res.JobId}), jobstypes.ErrNotDeclinable)
	j, err := r.a.JobsKeeper.GetJob(r.ctx, res.JobId)
	require.NoError(t, err)
	require.Equal(t, jobstypes.JobStatus_JOB_STATUS_ASSIGNED, j.Status)
}

// The decline window renewed: decline, accept again, and the window (and
// the SLA clock, measured from the assignment) restarted, so a provider
// could hold a job to its deadline and hand it back with no time left. A
// provider that declined a job never takes it again, and the window ends
// half-way to the deadline at the latest.
func TestAttackDeclineRenewalIsRefused(t *testing.T) {
	prov, buyer := sdk.AccAddress("provider____________"), sdk.AccAddress("buyer_______________")
	r := newArena(t, prov, buyer)
	r.register(prov, 100, jobstypes.ClassPrice{})
	id, err := r.submit(buyer, prov, 10, 3*time.Minute, nil)
	require.NoError(t, err)
	r.advance(100 * time.Second)
	require.ErrorIs(t, r.do(&jobstypes.MsgDeclineJob{Provider: prov.String(), JobId: id}), jobstypes.ErrWindowClosed,
		"past half of the 3-minute limit: too late to hand the job back")

	id, err = r.submit(buyer, prov, 10, time.Hour, nil)
	require.NoError(t, err)
	r.advance(110 * time.Second)
	require.NoError(t, r.do(&jobstypes.MsgDeclineJob{Provider: prov.String(), JobId: id}))
	require.ErrorIs(t, r.do(&jobstypes.MsgAcceptJob{Provider: prov.String(), JobId: id}), jobstypes.ErrNotEligible,
		"taking it again would restart the window")
}

// Transfers reached addresses that cannot receive: a position sent to a
// module account made its window-end payout fail, and the settlement was
// dead-lettered with the seller's collateral and the escrow stuck. Such a
// transfer is now refused when the address is named.
func TestAttackPositionsCannotBeSentWhereNoPayoutArrives(t *testing.T) {
	seller, buyer := sdk.AccAddress("seller______________"), sdk.AccAddress("buyer_______________")
	r := newArena(t, seller, buyer)
	r.provider(seller, 1_000_000_000, offer(100, 1_000, 10_000))
	s := r.series()
	_, err := r.place(seller, s, sell, 100, 100, nil)
	require.NoError(t, err)
	res, err := r.place(buyer, s, buy, 100, 100, nil)
	require.NoError(t, err)
	for _, module := range []string{"distribution", "forwards", "jobs", "bonded_tokens_pool"} {
		err := r.do(&forwardstypes.MsgTransferPosition{Owner: buyer.String(), PositionId: res.PositionIds[0], To: authtypes.NewModuleAddress(module).String()})
		require.ErrorIs(t, err, forwardstypes.ErrInvalidPosition, module)
	}
	s0, b0 := r.bal(seller), r.bal(buyer)
	r.until(s.WindowEnd())
	r.advance(time.Second)
	p := r.position(res.PositionIds[0])
	require.Equal(t, forwardstypes.PositionStatus_POSITION_STATUS_SETTLED, p.Status)
	require.Equal(t, b0, r.bal(buyer), "take-or-pay: nothing back")
	require.Equal(t, s0+10_000-200+2_000, r.bal(seller), "paid (less the 2% fee), collateral back")
}

// Per-period limits reset on transfer: a transferred position started with
// nothing drawn this hour, so the ratable delivery limit was bypassed by
// moving units to a second account. The limit now belongs to the sell
// order (its lot), shared by every position it sold, however they move.
func TestAttackRatableLimitSurvivesTransfers(t *testing.T) {
	seller, buyer, sybil := sdk.AccAddress("seller______________"), sdk.AccAddress("buyer_______________"), sdk.AccAddress("sybil_______________")
	r := newArena(t, seller, buyer, sybil)
	r.provider(seller, 1_000_000_000, offer(100, 1_000, 10_000))
	s := r.series()
	s.WindowLength = 4 * time.Hour
	_, err := r.place(seller, s, sell, 100, 100, func(m *forwardstypes.MsgPlaceOrder) { m.RatableLimit = 30 })
	require.NoError(t, err)
	res, err := r.place(buyer, s, buy, 100, 100, nil)
	require.NoError(t, err)
	pos := res.PositionIds[0]
	r.until(s.WindowStart)
	_, err = r.draw(buyer, pos, 30, 10*time.Minute)
	require.NoError(t, err)
	var tr forwardstypes.MsgTransferPositionResponse
	require.NoError(t, r.run(&forwardstypes.MsgTransferPosition{Owner: buyer.String(), PositionId: pos, To: sybil.String()}, &tr))
	_, err = r.draw(sybil, tr.PositionId, 10, 10*time.Minute)
	require.ErrorIs(t, err, forwardstypes.ErrAboveRatable, "the order's 30 units this hour are drawn, whoever holds the units")
	r.advance(time.Hour)
	_, err = r.draw(sybil, tr.PositionId, 30, 10*time.Minute)
	require.NoError(t, err, "the next hour, the next 30")
}

// The spot index capped weight per address: two sybil providers with
// volume just above the honest volume, steered to themselves through SLA
// terms only they offered, held most of a bucket's weight; the index went
// from the honest ~100 to 9,999 and every forward fault unit then cost its
// seller the whole collateral, paid to the ring's buyer. Now weight is paid
// volume alone (splitting it across addresses changes nothing), a bucket
// moves the index at most index_max_move_bps, and the index's premium goes
// to the community pool: the ring pays its fees and gains nothing.
func TestAttackIndexSybilsBuyNothing(t *testing.T) {
	honest, s1, s2, ring, seller := sdk.AccAddress("honest______________"), sdk.AccAddress("sybil-1_____________"),
		sdk.AccAddress("sybil-2_____________"), sdk.AccAddress("ring-buyer__________"), sdk.AccAddress("seller______________")
	r := newArena(t, honest, s1, s2, ring, seller)
	r.provider(honest, 1_000_000_000, offer(100, 10_000, 1_000_000))
	for _, sy := range []sdk.AccAddress{s1, s2} {
		o := offer(9_999, 10_000, 1_000_000)
		o.Sla = &jobstypes.SLAOffer{P99LatencyMs: 1, MaxSlashBps: 1} // terms only the ring asks for
		r.provider(sy, 1_000_000_000, o)
	}
	r.provider(seller, 1_000_000_000, offer(100, 1_000, 10_000))
	ringWealth := func() int64 { return r.bal(s1) + r.bal(s2) + r.bal(ring) + r.bond(s1) + r.bond(s2) }
	w0, pool0 := ringWealth(), r.pool()

	// the ring buys a forward from an honest seller that will be paused
	fs := forwardstypes.Series{Class: inference, WindowStart: r.ctx.BlockTime().Truncate(time.Hour).Add(7 * time.Hour), WindowLength: time.Hour}
	_, err := r.place(seller, fs, sell, 100, 1_000, nil)
	require.NoError(t, err)
	fres, err := r.place(ring, fs, buy, 100, 1_000, nil)
	require.NoError(t, err)

	// an hour of honest trading (1,000 units at 100) forms the index; then
	// for five hours the ring washes 2,002 units an hour at 9,999 through
	// its two sybils, two thirds of the volume
	job := func(buyer sdk.AccAddress, units uint64, max int64, sla *jobstypes.SLATerms) {
		var res jobstypes.MsgSubmitJobResponse
		require.NoError(t, r.run(&jobstypes.MsgSubmitJob{
			Buyer: buyer.String(), Class: inference, ModelCommitment: commitment(1), InputCommitment: commitment(2),
			Units: units, MaxPricePerUnit: coin(max), TimeLimit: 10 * time.Minute, Sla: sla,
		}, &res))
		require.NoError(t, r.do(&jobstypes.MsgPostResult{Provider: res.Provider, JobId: res.JobId, OutputCommitment: commitment(3), UnitsUsed: units}))
	}
	steer := &jobstypes.SLATerms{MaxP99LatencyMs: 1, MaxSlashBps: 1}
	job(seller, 1_000, 100, nil)
	r.advance(time.Hour)
	for range 5 {
		job(seller, 1_000, 100, nil) // an honest buyer (the seller buys compute too)
		job(ring, 1_001, 9_999, steer)
		job(ring, 1_001, 9_999, steer)
		r.advance(time.Hour)
	}
	idx, err := r.a.ForwardsKeeper.Index(r.ctx, inference)
	require.NoError(t, err)
	require.False(t, idx.Stale)
	require.Less(t, idx.Price.Amount.Int64(), int64(250), "five hours of a two-thirds majority at 9,999 moved the index from 100 to %s, 20%% an hour at most", idx.Price)

	// the seller pauses and the ring's draws are refused: faults
	require.NoError(t, r.do(&jobstypes.MsgPauseProvider{Operator: seller.String()}))
	r.until(fs.WindowStart)
	for range 3 {
		res, err := r.draw(ring, fres.PositionIds[0], 300, 10*time.Minute)
		require.NoError(t, err)
		require.True(t, res.Refused)
		r.advance(time.Minute)
	}
	r.until(fs.WindowEnd())
	r.advance(time.Minute)
	st := r.position(fres.PositionIds[0]).Settlement
	require.NotNil(t, st)
	require.Equal(t, uint64(900), st.FaultUnits)
	require.Equal(t, int64(900*10), st.ToBuyer.Amount.Int64()-900*100, "compensated at the fee its trade fixed, whatever the index")
	require.Positive(t, st.Penalty.Amount.Int64()-900*10, "the index premium was charged ...")
	require.Equal(t, st.Penalty.Amount.Int64()-900*10, st.ToCommunityPool.Amount.Int64()-st.ProtocolFee.Amount.Int64(), "... and went to the community pool")

	spent := w0 - ringWealth()
	t.Logf("ring: washed 10,010 units at 9,999 (fees %d uverd), moved the index to %s, net %d uverd; the pool gained %d", 10_010*9_999/50, idx.Price, -spent, r.pool()-pool0)
	require.Positive(t, spent, "the ring ends below its start")
}

// require_tee was checked once, at assignment: the result of a require_tee
// job was accepted without the enclave's signature, so an attested
// provider ran such jobs on any machine. The result must now carry the
// attested enclave's signature, over the output and the units paid for.
func TestAttackTEEPretenderCannotPostUnsigned(t *testing.T) {
	prov, buyer := sdk.AccAddress("provider____________"), sdk.AccAddress("buyer_______________")
	r := newArena(t, prov, buyer)
	r.register(prov, 100, jobstypes.ClassPrice{})
	enclave := r.attest(prov)
	var res jobstypes.MsgSubmitJobResponse
	require.NoError(t, r.run(&jobstypes.MsgSubmitJob{
		Buyer: buyer.String(), Class: inference, ModelCommitment: commitment(1), InputCommitment: commitment(2),
		Units: 10, MaxPricePerUnit: coin(100), TimeLimit: time.Hour, RequireTee: true,
	}, &res))
	require.Equal(t, prov.String(), res.Provider)
	post := &jobstypes.MsgPostResult{Provider: prov.String(), JobId: res.JobId, OutputCommitment: commitment(3), UnitsUsed: 10}
	require.ErrorIs(t, r.do(post), attesttypes.ErrEnclaveSignatureRequired)
	post.EnclaveSignature = ed25519.Sign(enclave, attesttypes.ResultSignBytes("verdict-test", res.JobId, commitment(3), 9))
	require.ErrorIs(t, r.do(post), attesttypes.ErrInvalidSignature, "signed for 9 units, claims 10")
	post.EnclaveSignature = ed25519.Sign(enclave, attesttypes.ResultSignBytes("verdict-test", res.JobId, commitment(3), 10))
	require.NoError(t, r.do(post))
}

// Revocation did not reach collateral: a resting sell placed while the
// seller was attested kept the lower collateral rate after governance
// removed the measurement, and later fills were under-collateralised. The
// order is now closed and refunded when a taker meets it.
func TestAttackRevocationReachesRestingCollateral(t *testing.T) {
	seller, buyer := sdk.AccAddress("seller______________"), sdk.AccAddress("buyer_______________")
	r := newArena(t, seller, buyer)
	r.provider(seller, 1_000_000_000, offer(100, 1_000, 10_000))
	r.attest(seller)
	s := r.series()
	_, err := r.place(seller, s, sell, 100, 100, nil)
	require.NoError(t, err)
	o, err := r.a.ForwardsKeeper.GetOrder(r.ctx, 1)
	require.NoError(t, err)
	require.Equal(t, int64(15), o.CollateralPerUnit.Amount.Int64(), "20% × 0.75 while attested")
	require.NoError(t, r.do(&attesttypes.MsgRemoveMeasurement{Authority: gov, TeeType: attesttypes.TeeType_TEE_TYPE_SEV_SNP, Value: teeMeasurement[:]}))
	res, err := r.place(buyer, s, buy, 100, 100, nil)
	require.NoError(t, err)
	require.Zero(t, res.FilledUnits, "not sold on 15 a unit when the seller's rate is now 20")
	_, err = r.a.ForwardsKeeper.GetOrder(r.ctx, 1)
	require.ErrorIs(t, err, forwardstypes.ErrOrderNotFound, "closed and refunded")
	// a fresh sell posts the full rate and trades
	res, err = r.place(seller, s, sell, 100, 100, nil)
	require.NoError(t, err)
	require.Equal(t, uint64(100), res.FilledUnits)
	require.Equal(t, int64(20), r.position(res.PositionIds[0]).CollateralPerUnit.Amount.Int64())
}

// A resting sell of a seller that paused (or is jailed, unbonding, or
// withdrew the class) stayed fillable and blocked the best price of its
// series. A taker now closes it and trades with the next order.
func TestAttackIneligibleSellersDoNotBlockTheBook(t *testing.T) {
	a, b, buyer := sdk.AccAddress("seller-a____________"), sdk.AccAddress("seller-b____________"), sdk.AccAddress("buyer_______________")
	r := newArena(t, a, b, buyer)
	r.provider(a, 1_000_000_000, offer(100, 1_000, 10_000))
	r.provider(b, 1_000_000_000, offer(100, 1_000, 10_000))
	s := r.series()
	_, err := r.place(a, s, sell, 90, 100, nil) // the best price
	require.NoError(t, err)
	_, err = r.place(b, s, sell, 95, 100, nil)
	require.NoError(t, err)
	require.NoError(t, r.do(&jobstypes.MsgPauseProvider{Operator: a.String()}))
	res, err := r.place(buyer, s, buy, 100, 100, nil)
	require.NoError(t, err)
	require.Equal(t, uint64(100), res.FilledUnits)
	require.Equal(t, b.String(), r.position(res.PositionIds[0]).Seller, "the paused seller's order was closed, not traded")
}

// One party, one role: a registered monitor reported on a job it bought;
// its report counted as a monitor's, the honest provider was slashed twice
// the job and the monitor-buyer got its payment back. Now its report is
// the buyer's, whose word alone moves no money.
func TestAttackMonitorBuyerMovesNoMoney(t *testing.T) {
	prov, mb := sdk.AccAddress("provider____________"), sdk.AccAddress("monitor-buyer_______")
	r := newArena(t, prov, mb)
	r.register(prov, 100, jobstypes.ClassPrice{Sla: &jobstypes.SLAOffer{P99LatencyMs: 100, MaxSlashBps: 10_000}})
	r.monitor(mb)
	id, err := r.submit(mb, nil, 10, time.Hour, &jobstypes.SLATerms{MaxP99LatencyMs: 200, MaxSlashBps: 10_000})
	require.NoError(t, err)
	require.NoError(t, r.do(&jobstypes.MsgPostResult{Provider: prov.String(), JobId: id, OutputCommitment: commitment(3), UnitsUsed: 10}))
	w0, bond0 := r.bal(mb), r.bond(prov)
	require.NoError(t, r.do(&slatypes.MsgSubmitReport{Reporter: mb.String(), JobId: id, Metrics: slatypes.SLAMetrics{LatencyP99Ms: 10_000, Window: time.Minute}}))
	r.advance(2 * time.Hour)
	a, err := r.a.SlashingSLAKeeper.Assessments.Get(r.ctx, id)
	require.NoError(t, err)
	require.True(t, a.BuyerOnly)
	require.Equal(t, bond0, r.bond(prov))
	require.Equal(t, w0, r.bal(mb), "nothing back: it paid for an honest result")
}

var teeMeasurement = func() [48]byte { var m [48]byte; copy(m[:], "verdict inference image v1"); return m }()

// testSNP is the test-only SEV-SNP signing chain (testutil/snpsim), made
// once per test binary.
var testSNP = sync.OnceValues(func() (*snpsim.Signer, error) {
	return snpsim.New(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
})

// attest makes op an attested SEV-SNP provider: governance trusts the
// test-only signing chain and allows the image, and op registers a report.
func (r *arena) attest(op sdk.AccAddress) ed25519.PrivateKey {
	signer, err := testSNP()
	require.NoError(r.t, err)
	pol, err := r.a.AttestKeeper.Policy.Get(r.ctx)
	require.NoError(r.t, err)
	pol.AmdRoots = []attesttypes.AmdRoot{{ProductLine: signer.ProductLine(), ArkPem: string(signer.ArkPEM()), AskPem: string(signer.AskPEM())}}
	require.NoError(r.t, r.do(&attesttypes.MsgUpdatePolicy{Authority: gov, Policy: pol}))
	require.NoError(r.t, r.do(&attesttypes.MsgAllowMeasurement{Authority: gov, Measurement: attesttypes.Measurement{TeeType: attesttypes.TeeType_TEE_TYPE_SEV_SNP, Value: teeMeasurement[:], Note: "test image"}}))
	enclave, err := r.registerAttestation(op)
	require.NoError(r.t, err)
	return enclave
}

// registerAttestation sends op's report binding a recent block and its
// enclave key (the chain must already trust the test-only chain and the
// image), and returns the enclave key and the transaction's error.
func (r *arena) registerAttestation(op sdk.AccAddress) (ed25519.PrivateKey, error) {
	signer, err := testSNP()
	require.NoError(r.t, err)
	r.advance(time.Second)
	height := uint64(r.ctx.BlockHeight())
	hash, err := r.a.AttestKeeper.Nonces.Get(r.ctx, height)
	require.NoError(r.t, err)
	enclave := ed25519.NewKeyFromSeed(append(make([]byte, 31), byte(len(op))))
	pub := enclave.Public().(ed25519.PublicKey)
	report, err := signer.Report(snpsim.ReportOptions{ReportData: attesttypes.ReportData("verdict-test", op, hash, pub), Measurement: teeMeasurement})
	require.NoError(r.t, err)
	r.advance(time.Second)
	return enclave, r.do(&attesttypes.MsgRegisterAttestation{
		Operator: op.String(), TeeType: attesttypes.TeeType_TEE_TYPE_SEV_SNP, Evidence: report, Vcek: signer.VcekDER(),
		NonceHeight: height, EnclavePubkey: pub,
	})
}
