package keeper_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/slashing-sla/keeper"
	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// sdkDowntimeBps is what the SDK's binary x/slashing would take for the same
// provider if it were a validator: nothing unless it missed more than half
// of the signed-blocks window (min_signed_per_window 0.5), then
// slash_fraction_downtime = 1% and jail — with defaults from
// cosmos-sdk x/slashing/types/params.go.
func sdkDowntimeBps(completedPPM uint32) uint32 {
	if completedPPM < types.PPM/2 {
		return 100
	}
	return 0
}

// TestGradingTable shows the grading: each case gets a penalty in proportion
// to how badly it broke its terms — sized by the job's payment, at most
// max_sla_penalty_multiple of it — next to the SDK's binary downtime rule,
// which takes a share of the whole stake.
func TestGradingTable(t *testing.T) {
	p := types.DefaultParams()
	terms := jobstypes.SLATerms{MaxP99LatencyMs: 200, MaxJitterMs: 20, MinThroughputMilli: 10_000, MaxSlashBps: 10_000}
	payment := math.NewInt(1_000_000)
	ok := types.SLAMetrics{LatencyP50Ms: 50, LatencyP99Ms: 150, JitterMs: 10, ThroughputMeanMilli: 12_000, ThroughputCvPpm: 50_000, CompletedPpm: types.PPM, Window: time.Minute}
	with := func(f func(*types.SLAMetrics)) types.SLAMetrics { m := ok; f(&m); return m }
	cases := []struct {
		name     string
		m        types.SLAMetrics
		severity uint32
		slashBps uint32
	}{
		{"within terms", ok, 0, 0},
		// p99 220 ms vs 200: 10% over, weight 0.5 -> severity 0.05 -> 5% of the scale (10% of the payment)
		{"small latency spike", with(func(m *types.SLAMetrics) { m.LatencyP99Ms = 220 }), 50_000, 500},
		// jitter 60 vs 20 (capped at 100% over, weight 0.3) + cv 40% (30% over tolerance, weight 0.2)
		{"jittery provider", with(func(m *types.SLAMetrics) { m.JitterMs = 60; m.ThroughputCvPpm = 400_000 }), 360_000, 3_600},
		// half the work delivered, throughput halved
		{"half-finished job", with(func(m *types.SLAMetrics) { m.CompletedPpm = 500_000; m.ThroughputMeanMilli = 5_000 }), 750_000, 7_500},
		// nothing delivered
		{"dead provider", types.SLAMetrics{CompletedPpm: 0, Window: time.Minute}, types.PPM, 10_000},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| case | severity | penalty (%% of the job's payment) | SDK binary downtime (bps of the whole stake) |\n|---|---|---|---|\n")
	prev := uint32(0)
	for _, c := range cases {
		s, slash := keeper.Grade(p, terms, c.m, 0, false)
		require.Equal(t, c.severity, s.TotalPpm, c.name)
		require.Equal(t, c.slashBps, slash, c.name)
		require.GreaterOrEqual(t, slash, prev, "%s: graded, so each worse case costs more", c.name)
		prev = slash
		pen := types.Penalty(p, slash, payment)
		require.True(t, pen.LTE(payment.MulRaw(2)), "%s: never more than twice the payment", c.name)
		fmt.Fprintf(&b, "| %s | %.3f | %s | %d |\n", c.name, float64(s.TotalPpm)/types.PPM, pen.MulRaw(100).Quo(payment), sdkDowntimeBps(c.m.CompletedPpm))
	}
	t.Log(b.String())
	// the job's cap holds, and a lone buyer report weighs half
	s, slash := keeper.Grade(p, jobstypes.SLATerms{MaxSlashBps: 30, MaxP99LatencyMs: 1}, types.SLAMetrics{Window: time.Second}, 0, false)
	require.Equal(t, uint32(types.PPM), s.TotalPpm)
	require.Equal(t, uint32(30), slash)
	s, _ = keeper.Grade(p, terms, cases[3].m, 0, true)
	require.Equal(t, uint32(375_000), s.TotalPpm)
}

func TestLatenessAndMedian(t *testing.T) {
	terms := jobstypes.SLATerms{CompletionTime: 10 * time.Minute}
	t0 := time.Unix(0, 0)
	require.Zero(t, keeper.LatenessPPM(terms, t0, t0.Add(9*time.Minute)))
	require.Equal(t, uint32(500_000), keeper.LatenessPPM(terms, t0, t0.Add(15*time.Minute)))
	require.Equal(t, uint32(types.PPM), keeper.LatenessPPM(terms, t0, t0.Add(time.Hour)))

	// one monitor far off cannot move the median
	m := func(p99 uint32) types.SLAMetrics {
		return types.SLAMetrics{LatencyP99Ms: p99, CompletedPpm: types.PPM, Window: time.Minute}
	}
	agg := keeper.Aggregate([]types.SLAMetrics{m(100), m(110), m(5_000)})
	require.Equal(t, uint32(110), agg.LatencyP99Ms)
	agg = keeper.Aggregate([]types.SLAMetrics{m(100), m(120)})
	require.Equal(t, uint32(110), agg.LatencyP99Ms, "even count: mean of the middle two")
}
