package haltclock_test

import (
	"testing"
	"time"

	"cosmossdk.io/collections"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/internal/haltclock"
)

var prefixes = haltclock.Prefixes{
	Last: collections.NewPrefix(0), Credit: collections.NewPrefix(1), Pace: collections.NewPrefix(5),
	From: collections.NewPrefix(2), To: collections.NewPrefix(3), Before: collections.NewPrefix(4),
}

// storeClock is a clock in a fresh store, and the store's context.
func storeClock(t *testing.T) (haltclock.Clock, sdk.Context) {
	t.Helper()
	key := storetypes.NewKVStoreKey("test")
	ctx := testutil.DefaultContext(key, storetypes.NewTransientStoreKey("t"))
	sb := collections.NewSchemaBuilder(runtime.NewKVStoreService(key))
	c := haltclock.New(sb, prefixes)
	_, err := sb.Build()
	require.NoError(t, err)
	return c, ctx
}

// newClock is a clock ticked with maxGap 30 s; at(d) makes a block at
// t0+d.
func newClock(t *testing.T) (haltclock.Clock, func(time.Duration) time.Duration) {
	c, ctx := storeClock(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return c, func(d time.Duration) time.Duration {
		ctx = ctx.WithBlockTime(t0.Add(d))
		require.NoError(t, c.Tick(ctx, 30*time.Second))
		credit, err := c.Credit(ctx)
		require.NoError(t, err)
		return credit
	}
}

// A chain whose blocks all come slowly is live: its pace catches up (a
// halt raises it by a quarter, so 3 gaps of 31 s, 12 of five minutes, 27
// of two hours are credited) and the rest of its time counts, so a
// deadline arrives. Every gap over maxGap counted whole would freeze every
// deadline.
func TestSteadySlowBlocksAreLive(t *testing.T) {
	for _, gap := range []time.Duration{31 * time.Second, 45 * time.Second, 5 * time.Minute, 2 * time.Hour} {
		_, at := newClock(t)
		var credit time.Duration
		for i := range 200 { // 5 s blocks, then slow ones
			at(time.Duration(i) * 5 * time.Second)
		}
		start := 199 * 5 * time.Second
		n := 1000
		for i := 1; i <= n; i++ {
			credit = at(start + time.Duration(i)*gap)
		}
		require.LessOrEqual(t, credit, 30*gap, "%s blocks: %s of %s credited", gap, credit, time.Duration(n)*gap)
	}
}

// One long halt does not blind the clock to the next: an upgrade of six
// hours, five blocks, then a ten-minute halt, and both count whole; so do
// halts that come every few hundred blocks.
func TestHaltsAfterHalts(t *testing.T) {
	_, at := newClock(t)
	d := time.Duration(0)
	block := func() time.Duration { d += 5 * time.Second; return at(d) }
	for range 100 {
		block()
	}
	d += 6 * time.Hour
	require.Equal(t, 6*time.Hour, at(d))
	for range 5 {
		block()
	}
	d += 10 * time.Minute
	require.Equal(t, 6*time.Hour+10*time.Minute, at(d))
	want := 6*time.Hour + 10*time.Minute
	for range 20 {
		for range 300 {
			block()
		}
		d += 3 * time.Minute
		want += 3 * time.Minute
		require.Equal(t, want, at(d))
	}
}

// Gaps up to maxGap are block time; a longer one is a halt and counts
// whole; the state survives a restart.
func TestClock(t *testing.T) {
	c, ctx := storeClock(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) {
		ctx = ctx.WithBlockTime(t0.Add(d))
		require.NoError(t, c.Tick(ctx, 30*time.Second))
	}
	at(0)
	at(30 * time.Second) // a slow block, not a halt
	credit, err := c.Credit(ctx)
	require.NoError(t, err)
	require.Zero(t, credit)
	at(30*time.Second + time.Hour) // a halt
	at(30*time.Second + time.Hour + 5*time.Second)
	credit, err = c.Credit(ctx)
	require.NoError(t, err)
	require.Equal(t, time.Hour, credit)

	// the reading at any time since the last halt began: inside the halt
	// it counts the halt up to that time
	for _, tc := range []struct {
		at   time.Duration
		want time.Duration
		ok   bool
	}{
		{10 * time.Second, 0, false}, // before the last halt: not kept
		{30 * time.Second, 0, true},  // the block before it
		{30*time.Second + 20*time.Minute, 20 * time.Minute, true},
		{30*time.Second + time.Hour, time.Hour, true},
		{2 * time.Hour, time.Hour, true},
	} {
		got, ok, err := c.CreditAt(ctx, t0.Add(tc.at))
		require.NoError(t, err)
		require.Equal(t, tc.ok, ok, tc.at)
		require.Equal(t, tc.want, got, tc.at)
	}

	st, err := c.State(ctx)
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Hour+35*time.Second), st.Last)
	require.Equal(t, haltclock.LastHalt{From: t0.Add(30 * time.Second), To: t0.Add(30*time.Second + time.Hour)}, st.LastHalt)
	require.Positive(t, st.Pace)
	require.NoError(t, c.SetState(ctx, st))
	at(time.Hour + 35*time.Second + 10*time.Minute) // a restart ten minutes later counts as a halt
	credit, err = c.Credit(ctx)
	require.NoError(t, err)
	require.Equal(t, time.Hour+10*time.Minute, credit)
	st, err = c.State(ctx)
	require.NoError(t, err)
	require.Equal(t, time.Hour, st.LastHalt.CreditBefore, "the last halt is now the restart")
}
