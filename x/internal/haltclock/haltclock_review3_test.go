package haltclock_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/haltclock"
)

// r3clock is a clock (maxGap 30 s) with its context exposed, so a test can
// read the pace and restore genesis state.
type r3clock struct {
	t   *testing.T
	c   haltclock.Clock
	ctx sdk.Context
	now time.Time
}

func newR3(t *testing.T, now time.Time) *r3clock {
	c, ctx := storeClock(t)
	return &r3clock{t: t, c: c, ctx: ctx, now: now}
}

func (r *r3clock) at(t time.Time) {
	r.now = t
	r.ctx = r.ctx.WithBlockTime(t)
	require.NoError(r.t, r.c.Tick(r.ctx, 30*time.Second))
}
func (r *r3clock) gap(d time.Duration) { r.at(r.now.Add(d)) }
func (r *r3clock) blocks(n int, d time.Duration) {
	for range n {
		r.gap(d)
	}
}

func (r *r3clock) state() haltclock.State {
	st, err := r.c.State(r.ctx)
	require.NoError(r.t, err)
	return st
}

func (r *r3clock) threshold() time.Duration {
	return haltclock.Threshold(30*time.Second, r.state().Pace)
}

var r3t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// FIXED (was an attack with a 4× pace factor; honest but unlucky): blocks every 20 s — under max_block_gap,
// so the OLD rule had nothing to fix here — raise the pace to ~20 s and
// the threshold to ~80 s. A real 75 s halt is then not credited at all
// (the old rule credited it). Any pace between 7.5 s and 30 s lifts the
// threshold over max_block_gap, up to 2 minutes.
func TestReview3SubGapBlocksRaiseTheThreshold(t *testing.T) {
	r := newR3(t, r3t0)
	r.at(r3t0)
	r.blocks(30, 20*time.Second)
	thr := r.threshold()
	r.gap(75 * time.Second)
	require.Equal(t, 75*time.Second, r.state().Credit,
		"20 s blocks (live under max_block_gap) left a threshold of %s: a 75 s halt was not credited", thr)
}

// FIXED (was an attack while a halt entered the pace at twice its
// threshold; honest but unlucky): a botched upgrade — the chain restarts,
// commits one block, halts again, ten times for ten minutes. Each credited
// halt raises the pace (a halt enters it at up to twice the threshold), so
// the 8th 10-minute halt is not credited (threshold ~11.2 min); with 1 h
// halts the 12th is not (threshold ~1.5 h, longer than a proof window).
func TestReview3CrashLoopBlindsTheClock(t *testing.T) {
	r := newR3(t, r3t0)
	r.at(r3t0)
	r.blocks(100, 5*time.Second)
	for k := 1; k <= 10; k++ {
		c0, thr := r.state().Credit, r.threshold()
		r.gap(10 * time.Minute)
		require.Equal(t, c0+10*time.Minute, r.state().Credit, "10-minute halt #%d not credited (threshold %s)", k, thr)
		r.gap(5 * time.Second)
	}
}

// FIXED (was an attack: genesis carried a pace up to 24 h, a threshold of
// 96 h that left the restart and the next halts uncredited): genesis no
// longer carries the pace; a restarted chain learns it from zero, so the
// restart (2 h) and a 1 h halt ten blocks later both count whole.
func TestReview3GenesisPaceBlindsTheClock(t *testing.T) {
	r := newR3(t, r3t0)
	require.NoError(t, r.c.SetState(r.ctx, haltclock.State{Last: r3t0}))
	r.at(r3t0.Add(2 * time.Hour)) // restart
	r.blocks(10, 5*time.Second)
	r.gap(time.Hour) // validators drop off again
	require.Equal(t, 3*time.Hour, r.state().Credit)
}

// FIXED (was an attack, pre-existing; a chain restarted from
// `verdictd export`): the SDK's export keeps the ORIGINAL genesis_time, and
// CometBFT gives the first block of the restarted chain that time. The
// first Tick sees a block before halt_last_block, clamps the gap to zero
// but moves `last` back a year; the second block (real time) then credits
// the chain's whole age as a halt: every open deadline moves a year.
func TestReview3RestartWithOriginalGenesisTimeCreditsTheChainsAge(t *testing.T) {
	genesisTime := r3t0.Add(-365 * 24 * time.Hour)
	r := newR3(t, r3t0)
	require.NoError(t, r.c.SetState(r.ctx, haltclock.State{Last: r3t0, Pace: 5 * time.Second}))
	r.at(genesisTime)         // the restarted chain's first block
	r.at(r3t0.Add(time.Hour)) // the second block: real time, an hour after the export
	require.LessOrEqual(t, r.state().Credit, time.Hour,
		"the restart stood still 1 h but %s was credited", r.state().Credit)
}

// HOLDS? the pace arithmetic does not overflow at the genesis bound: a
// 24 h pace, a ten-year gap and then ordinary blocks keep the pace
// non-negative and the credit exact.
func TestReview3PaceArithmeticAtTheBounds(t *testing.T) {
	r := newR3(t, r3t0)
	require.NoError(t, r.c.SetState(r.ctx, haltclock.State{Last: r3t0, Pace: 24 * time.Hour}))
	r.gap(10 * 365 * 24 * time.Hour)
	require.Equal(t, 10*365*24*time.Hour, r.state().Credit)
	r.blocks(500, 5*time.Second)
	require.GreaterOrEqual(t, r.state().Pace, time.Duration(0))
	require.Less(t, r.state().Pace, 6*time.Second)
}
