package haltclock_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"

	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"

	"github.com/verdict-chain/verdict/x/internal/haltclock"
)

// Gaps up to maxGap are block time; a longer one is a halt and counts
// whole; the state survives a restart.
func TestClock(t *testing.T) {
	key := storetypes.NewKVStoreKey("test")
	ctx := testutil.DefaultContext(key, storetypes.NewTransientStoreKey("t"))
	sb := collections.NewSchemaBuilder(runtime.NewKVStoreService(key))
	c := haltclock.New(sb, collections.NewPrefix(0), collections.NewPrefix(1), collections.NewPrefix(2), collections.NewPrefix(3), collections.NewPrefix(4))
	_, err := sb.Build()
	require.NoError(t, err)
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

	last, cr, halt, err := c.State(ctx)
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Hour+35*time.Second), last)
	require.Equal(t, haltclock.LastHalt{From: t0.Add(30 * time.Second), To: t0.Add(30*time.Second + time.Hour)}, halt)
	require.NoError(t, c.SetState(ctx, last, cr, halt))
	at(time.Hour + 35*time.Second + 10*time.Minute) // a restart ten minutes later counts as a halt
	credit, err = c.Credit(ctx)
	require.NoError(t, err)
	require.Equal(t, time.Hour+10*time.Minute, credit)
	_, _, halt, err = c.State(ctx)
	require.NoError(t, err)
	require.Equal(t, time.Hour, halt.CreditBefore, "the last halt is now the restart")
}
