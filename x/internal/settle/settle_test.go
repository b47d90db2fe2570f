package settle_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/settle"
)

type harness struct {
	ctx     sdk.Context
	a, b    *settle.Queue[uint64]
	settled []string
	dead    []string
	fail    map[uint64]bool
	marker  collections.Item[uint64] // written by settlements, to see rollbacks
}

func newHarness(t *testing.T) *harness {
	key := storetypes.NewKVStoreKey("settle")
	ctx := testutil.DefaultContext(key, storetypes.NewTransientStoreKey("t"))
	sb := collections.NewSchemaBuilder(runtime.NewKVStoreService(key))
	h := &harness{
		a:      settle.New(sb, collections.NewPrefix(1), collections.NewPrefix(2), "a", collections.Uint64Key),
		b:      settle.New(sb, collections.NewPrefix(3), collections.NewPrefix(4), "b", collections.Uint64Key),
		marker: collections.NewItem(sb, collections.NewPrefix(5), "marker", collections.Uint64Value),
		fail:   map[uint64]bool{},
	}
	_, err := sb.Build()
	require.NoError(t, err)
	h.ctx = ctx.WithBlockTime(time.Unix(1_000, 0))
	for _, q := range []*settle.Queue[uint64]{h.a, h.b} {
		q.Handle(
			func(ctx context.Context, _ time.Time, id uint64) error {
				// a settlement that writes, then fails: must leave nothing
				if err := h.marker.Set(ctx, id); err != nil {
					return err
				}
				if h.fail[id] {
					return errors.New("boom")
				}
				h.settled = append(h.settled, q.Name()+string(rune('0'+id)))
				return nil
			},
			func(_ context.Context, _ time.Time, id uint64, cause error) error {
				h.dead = append(h.dead, q.Name()+string(rune('0'+id))+":"+cause.Error())
				return nil
			})
	}
	return h
}

func (h *harness) at(sec int64) time.Time { return time.Unix(sec, 0) }

func TestFailingEntryDoesNotBlockTheQueue(t *testing.T) {
	h := newHarness(t)
	for id := uint64(1); id <= 4; id++ {
		require.NoError(t, h.a.Push(h.ctx, h.at(int64(100+id)), id))
	}
	h.fail[1] = true // the head of the queue fails

	n, err := settle.Run(h.ctx, 10, h.a)
	require.NoError(t, err)
	require.Equal(t, 4, n)
	require.Equal(t, []string{"a2", "a3", "a4"}, h.settled, "the entries behind the failing head settle")
	require.Equal(t, []string{"a1:boom"}, h.dead)
	got, err := h.marker.Get(h.ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(4), got, "the failed attempt's writes were rolled back, the others kept")

	var dead []uint64
	require.NoError(t, h.a.WalkDeadLetters(h.ctx, func(_ time.Time, id uint64) (bool, error) {
		dead = append(dead, id)
		return false, nil
	}))
	require.Equal(t, []uint64{1}, dead)

	// Next block: the dead letter is not read again and costs nothing.
	h.fail[1] = false
	h.settled, h.dead = nil, nil
	n, err = settle.Run(h.ctx.WithBlockTime(h.at(2_000)), 10, h.a)
	require.NoError(t, err)
	require.Zero(t, n)
	require.Empty(t, h.settled)

	// A genesis export lists it with the waiting entries (retried after a
	// restart from the export).
	var all []uint64
	require.NoError(t, h.a.WalkAll(h.ctx, func(_ time.Time, id uint64) (bool, error) {
		all = append(all, id)
		return false, nil
	}))
	require.Equal(t, []uint64{1}, all)

	// Removing an entry removes it from the dead letters too.
	require.NoError(t, h.a.Remove(h.ctx, h.at(101), 1))
	all = nil
	require.NoError(t, h.a.WalkAll(h.ctx, func(_ time.Time, id uint64) (bool, error) {
		all = append(all, id)
		return false, nil
	}))
	require.Empty(t, all)
}

func TestBudgetAndFairness(t *testing.T) {
	h := newHarness(t)
	for id := uint64(1); id <= 5; id++ {
		require.NoError(t, h.a.Push(h.ctx, h.at(int64(100+id)), id))
		require.NoError(t, h.b.Push(h.ctx, h.at(int64(200+id)), id))
	}
	require.NoError(t, h.b.Push(h.ctx, h.at(5_000), 9)) // not due

	// One budget, two queues: they take turns, so a full first queue does
	// not starve the second.
	n, err := settle.Run(h.ctx, 4, h.a, h.b)
	require.NoError(t, err)
	require.Equal(t, 4, n)
	require.Equal(t, []string{"a1", "b1", "a2", "b2"}, h.settled)

	// A failure spends budget in this block only.
	h.settled = nil
	h.fail[3] = true
	n, err = settle.Run(h.ctx, 3, h.a, h.b)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	require.Equal(t, []string{"a3:boom", "b3:boom"}, h.dead)
	require.Equal(t, []string{"a4"}, h.settled)

	// When one queue runs dry the other takes the rest of the budget;
	// entries not yet due stay.
	h.settled = nil
	n, err = settle.Run(h.ctx, 10, h.a, h.b)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	require.Equal(t, []string{"a5", "b4", "b5"}, h.settled)
	has, err := h.b.Has(h.ctx, h.at(5_000), 9)
	require.NoError(t, err)
	require.True(t, has)

	// Zero budget: nothing happens.
	n, err = settle.Run(h.ctx.WithBlockTime(h.at(10_000)), 0, h.a, h.b)
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestHandleTwicePanics(t *testing.T) {
	h := newHarness(t)
	require.Panics(t, func() { h.a.Handle(nil, nil) })
}
