package haltclock_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BOUNDED (honest but unlucky; a 5 s chain, no stake): an incident in
// which the chain stalls, commits one block, stalls again raises the pace
// by a quarter per stall while the block between takes back an eighth:
// after five 10-minute stalls the threshold is ~45 s, and a 40 s stall
// right then counts as block time. What a party can lose stays within the
// documented margin, max(max_block_gap, 3× the pace) — a longer stall is
// credited whole — and the pace falls back within a few dozen ordinary
// blocks, after which a 31 s stall counts again.
func TestReview4CrashLoopThenShortHaltIsNotCredited(t *testing.T) {
	r := newR3(t, r3t0)
	r.at(r3t0)
	r.blocks(100, 5*time.Second)
	for range 5 {
		r.gap(10 * time.Minute)
		r.gap(5 * time.Second)
	}
	thr := r.threshold()
	require.Greater(t, thr, 40*time.Second)
	require.Less(t, thr, time.Minute)
	c0 := r.state().Credit
	r.gap(thr) // at the margin: block time
	require.Equal(t, c0, r.state().Credit)
	r.gap(5 * time.Second)
	thr = r.threshold()
	r.gap(thr + time.Second) // beyond it: a halt, whole
	require.Equal(t, c0+thr+time.Second, r.state().Credit)
	r.blocks(40, 5*time.Second)
	require.Equal(t, 30*time.Second, r.threshold(), "back to max_block_gap")
	c0 = r.state().Credit
	r.gap(31 * time.Second)
	require.Equal(t, c0+31*time.Second, r.state().Credit)
}

// HOLDS: every state Tick reaches validates (an export never bricks a
// restart): random gaps from 1 ns to 3 h, blocks at the same time and
// earlier (a restart at genesis_time), restores with the pace dropped.
func TestReview4ReachableStatesValidate(t *testing.T) {
	r := newR3(t, r3t0)
	r.at(r3t0)
	seed := uint64(7)
	next := func(n uint64) uint64 { seed = seed*6364136223846793005 + 1442695040888963407; return (seed >> 33) % n }
	for i := range 20000 {
		switch next(20) {
		case 0:
			r.gap(time.Duration(1 + next(uint64(3*time.Hour))))
		case 1:
			r.at(r.now.Add(-time.Duration(next(uint64(24 * time.Hour))))) // same time or earlier
		case 2:
			st := r.state()
			st.Pace = 0
			require.NoError(t, r.c.SetState(r.ctx, st))
		default:
			r.gap(time.Duration(1 + next(uint64(40*time.Second))))
		}
		require.NoError(t, r.state().Validate(), "step %d", i)
	}
}
