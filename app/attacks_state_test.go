package app_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	"github.com/cosmos/cosmos-sdk/baseapp"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"

	"github.com/verdict-chain/verdict/app"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// Free CPU: a node with the minimum gas price a fresh node gets refuses a
// zero-fee transaction in CheckTx, before any Msg (an invalid proof, say)
// costs a validator anything; the same transaction with a fee is accepted.
func TestAttackZeroFeeTransactionsAreRefused(t *testing.T) {
	k := newSigningKitWith(t, []func(*baseapp.BaseApp){baseapp.SetMinGasPrices("0.01" + app.BondDenom)}, "alice")
	msg := &jobstypes.MsgPauseProvider{Operator: k.addrs["alice"]}

	free := k.signWithFee("alice", signing.SignMode_SIGN_MODE_DIRECT, msg, "")
	res := k.checkTx("alice", free)
	require.Equal(t, sdkerrors.ErrInsufficientFee.ABCICode(), res.Code, res.Log)

	paid := k.signWithFee("alice", signing.SignMode_SIGN_MODE_DIRECT, msg, "50000"+app.BondDenom) // 5,000,000 gas at 0.01
	res = k.checkTx("alice", paid)
	require.Zero(t, res.Code, res.Log)
}

// A provider with a pending SLA grading cannot take its bond out: the old
// rules returned it at the end of unbonding and dropped the grading.
func TestAttackUnbondingWaitsForPendingGradings(t *testing.T) {
	prov, buyer, mon := sdk.AccAddress("provider____________"), sdk.AccAddress("buyer_______________"), sdk.AccAddress("monitor_____________")
	r := newArena(t, prov, buyer, mon)
	r.register(prov, 100, jobstypes.ClassPrice{Sla: &jobstypes.SLAOffer{P99LatencyMs: 100, MaxSlashBps: 10_000}})
	r.monitor(mon)
	p, err := r.a.JobsKeeper.Params.Get(r.ctx)
	require.NoError(t, err)
	id, err := r.submit(buyer, nil, 10, time.Hour, &jobstypes.SLATerms{MaxP99LatencyMs: 200, MaxSlashBps: 10_000})
	require.NoError(t, err)
	require.NoError(t, r.do(&jobstypes.MsgPostResult{Provider: prov.String(), JobId: id, OutputCommitment: commitment(3), UnitsUsed: 10}))
	require.NoError(t, r.do(&slatypes.MsgSubmitReport{
		Reporter: mon.String(), JobId: id,
		Metrics: slatypes.SLAMetrics{LatencyP99Ms: 400, CompletedPpm: 1_000_000, Window: time.Minute},
	}))
	require.NoError(t, r.do(&jobstypes.MsgDeregisterProvider{Operator: prov.String()}))
	open, err := r.a.SlashingSLAKeeper.HasOpenClaims(r.ctx, prov)
	require.NoError(t, err)
	require.True(t, open)

	b0 := r.bal(prov)
	// One block at the end of unbonding: x/jobs' EndBlock finalizes the job
	// and reaches the unbonding entry while the grading is still pending
	// (x/slashingsla grades after it): the exit is pushed back. Then the
	// grading takes its penalty from the bond.
	r.advance(p.UnbondingPeriod + time.Second)
	_, err = r.a.JobsKeeper.GetProvider(r.ctx, prov)
	require.NoError(t, err, "still bonded: a claim was open when unbonding ended")
	a, err := r.a.SlashingSLAKeeper.Assessments.Get(r.ctx, id)
	require.NoError(t, err)
	require.True(t, a.Slashed.IsPositive())
	open, err = r.a.SlashingSLAKeeper.HasOpenClaims(r.ctx, prov)
	require.NoError(t, err)
	require.False(t, open)
	r.advance(p.ChallengeWindow + time.Second)
	_, err = r.a.JobsKeeper.GetProvider(r.ctx, prov)
	require.ErrorIs(t, err, jobstypes.ErrProviderNotFound)
	require.Equal(t, b0+1_000_000_000-a.Slashed.Amount.Int64()+1_000-20, r.bal(prov), "bond back minus the penalty, plus the job's pay (1,000 less the 2% fee)")
}

// Finite state: closed jobs, resolved disputes, assessments and idle
// reputation records are deleted after their retention through bounded
// queues; nothing grows with history.
func TestAttackStateIsPruned(t *testing.T) {
	prov, buyer, mon := sdk.AccAddress("provider____________"), sdk.AccAddress("buyer_______________"), sdk.AccAddress("monitor_____________")
	r := newArena(t, prov, buyer, mon)
	r.register(prov, 100, jobstypes.ClassPrice{Sla: &jobstypes.SLAOffer{P99LatencyMs: 100, MaxSlashBps: 10_000}})
	id, err := r.submit(buyer, nil, 10, time.Hour, &jobstypes.SLATerms{MaxP99LatencyMs: 200, MaxSlashBps: 10_000})
	require.NoError(t, err)
	require.NoError(t, r.do(&jobstypes.MsgPostResult{Provider: prov.String(), JobId: id, OutputCommitment: commitment(3), UnitsUsed: 10}))
	require.NoError(t, r.do(&slatypes.MsgSubmitReport{
		Reporter: buyer.String(), JobId: id,
		Metrics: slatypes.SLAMetrics{LatencyP99Ms: 150, CompletedPpm: 1_000_000, Window: time.Minute},
	}))
	r.advance(2 * time.Hour)
	_, err = r.a.JobsKeeper.GetJob(r.ctx, id)
	require.NoError(t, err)
	_, err = r.a.SlashingSLAKeeper.Assessments.Get(r.ctx, id)
	require.NoError(t, err)
	key := collections.Join(prov, int32(inference))
	_, err = r.a.ReputationKeeper.Records.Get(r.ctx, key)
	require.NoError(t, err)

	jp, err := r.a.JobsKeeper.Params.Get(r.ctx)
	require.NoError(t, err)
	r.advance(jp.Retention)
	_, err = r.a.JobsKeeper.GetJob(r.ctx, id)
	require.ErrorIs(t, err, jobstypes.ErrJobNotFound, "a closed job is pruned after retention")
	_, err = r.a.SlashingSLAKeeper.Assessments.Get(r.ctx, id)
	require.ErrorIs(t, err, collections.ErrNotFound, "its assessment too")
	it, err := r.a.JobsKeeper.Jobs.Indexes.Buyer.MatchExact(r.ctx, buyer)
	require.NoError(t, err)
	ids, err := it.PrimaryKeys()
	require.NoError(t, err)
	require.Empty(t, ids, "with its index entries")

	rp, err := r.a.ReputationKeeper.Params.Get(r.ctx)
	require.NoError(t, err)
	r.advance(rp.RecordRetention)
	_, err = r.a.ReputationKeeper.Records.Get(r.ctx, key)
	require.ErrorIs(t, err, collections.ErrNotFound, "an idle record is pruned once its evidence has decayed away")
}

// SLA grading walked a provider's whole violation history on every
// assessment. It now reads only the violations inside the window (and
// deletes a bounded number of stale ones): an assessment's cost (gas, i.e.
// store reads and writes) with a thousand violations older than the window
// is the cost with none, within the bounded clean-up.
func TestAttackGradingCostDoesNotGrowWithHistory(t *testing.T) {
	cost := func(history int) uint64 {
		prov, buyer := sdk.AccAddress("provider____________"), sdk.AccAddress("buyer_______________")
		r := newArena(t, prov, buyer)
		r.register(prov, 100, jobstypes.ClassPrice{Sla: &jobstypes.SLAOffer{P99LatencyMs: 100, MaxSlashBps: 10_000}})
		sp, err := r.a.SlashingSLAKeeper.Params.Get(r.ctx)
		require.NoError(t, err)
		sp.MaxViolations = 1_000_000
		require.NoError(t, r.a.SlashingSLAKeeper.Params.Set(r.ctx, sp))
		for i := range history {
			at := r.ctx.BlockTime().Add(-time.Duration(2*24+i%(78*24)) * time.Hour)
			require.NoError(t, r.a.SlashingSLAKeeper.Violations.Set(r.ctx, collections.Join3(prov, at, uint64(1_000_000+i))))
		}
		id, err := r.submit(buyer, nil, 10, time.Hour, &jobstypes.SLATerms{MaxP99LatencyMs: 200, MaxSlashBps: 10_000})
		require.NoError(t, err)
		require.NoError(t, r.do(&jobstypes.MsgPostResult{Provider: prov.String(), JobId: id, OutputCommitment: commitment(3), UnitsUsed: 10}))
		require.NoError(t, r.do(&slatypes.MsgSubmitReport{
			Reporter: buyer.String(), JobId: id,
			Metrics: slatypes.SLAMetrics{LatencyP99Ms: 400, CompletedPpm: 1_000_000, Window: time.Minute},
		}))
		// close the job, then grade it with a gas meter
		r.ctx = r.ctx.WithBlockTime(r.ctx.BlockTime().Add(2 * time.Hour))
		require.NoError(t, r.a.JobsKeeper.EndBlocker(r.ctx))
		metered := r.ctx.WithGasMeter(storetypes.NewGasMeter(1 << 40))
		_, err = r.a.SlashingSLAKeeper.Assess(metered, id, false)
		require.NoError(t, err)
		return metered.GasMeter().GasConsumed()
	}
	none, many := cost(0), cost(1_000)
	t.Logf("assessment gas: %d with no history, %d with 1,000 old violations (ratio %.2f)", none, many, float64(many)/float64(none))
	require.Less(t, float64(many)/float64(none), 1.5, "bounded: at most 16 stale deletions, then only the window")
}
