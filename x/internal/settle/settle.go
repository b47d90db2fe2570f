// Package settle is the one shape of every EndBlock settlement in Verdict:
// a time-keyed queue of entries, each settled once its time has come, at
// most a block budget of entries per block, each in its own cache context.
//
// The failure policy is the same for every queue: an entry whose settlement
// fails is rolled back, moved to the queue's dead-letter set and reported
// (the module emits a typed event); it never blocks the entries behind it,
// and it is never read again by EndBlock, so it cannot eat the budget of
// later blocks. A genesis export writes dead letters back into the queue,
// so a chain restarted from an export (after a fix) tries them once more.
//
// Several queues that share one budget take turns (Run): each due queue
// settles one entry per round, so none starves another.
package settle

import (
	"context"
	"fmt"
	"time"

	"cosmossdk.io/collections"
	"cosmossdk.io/collections/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Key orders a queue: due time, then the entry's own key.
type Key[K any] = collections.Pair[time.Time, K]

// SettleFunc settles one due entry. It runs in a cache context that is
// committed only if it returns nil; the entry is already off the queue.
type SettleFunc[K any] func(ctx context.Context, due time.Time, key K) error

// DeadLetterFunc reports an entry that failed to settle (a typed event of
// the owning module). It runs in the block's context, after the failed
// attempt was rolled back.
type DeadLetterFunc[K any] func(ctx context.Context, due time.Time, key K, cause error) error

// Queue is a time-keyed settlement queue with its dead-letter set.
type Queue[K any] struct {
	name    string
	entries collections.KeySet[Key[K]]
	dead    collections.KeySet[Key[K]]
	settle  SettleFunc[K]
	onDead  DeadLetterFunc[K]
}

// New declares a queue and its dead-letter set in a module's schema.
func New[K any](sb *collections.SchemaBuilder, prefix, deadPrefix collections.Prefix, name string, kc codec.KeyCodec[K]) *Queue[K] {
	pair := collections.PairKeyCodec(TimeKey, kc)
	return &Queue[K]{
		name:    name,
		entries: collections.NewKeySet(sb, prefix, name, pair),
		dead:    collections.NewKeySet(sb, deadPrefix, name+"_dead_letters", pair),
	}
}

// Handle sets how entries settle and how failures are reported. Call once,
// in the owning keeper's constructor.
func (q *Queue[K]) Handle(settle SettleFunc[K], onDead DeadLetterFunc[K]) {
	if q.settle != nil {
		panic(fmt.Sprintf("settle: queue %s already has a handler", q.name))
	}
	q.settle, q.onDead = settle, onDead
}

// Name is the queue's name, as events report it.
func (q *Queue[K]) Name() string { return q.name }

// Push schedules key at due.
func (q *Queue[K]) Push(ctx context.Context, due time.Time, key K) error {
	return q.entries.Set(ctx, collections.Join(due, key))
}

// Remove unschedules key at due, whether it is waiting or dead-lettered.
func (q *Queue[K]) Remove(ctx context.Context, due time.Time, key K) error {
	k := collections.Join(due, key)
	if err := q.entries.Remove(ctx, k); err != nil {
		return err
	}
	return q.dead.Remove(ctx, k)
}

// Has reports whether key waits at due.
func (q *Queue[K]) Has(ctx context.Context, due time.Time, key K) (bool, error) {
	return q.entries.Has(ctx, collections.Join(due, key))
}

// Walk visits the waiting entries in due order.
func (q *Queue[K]) Walk(ctx context.Context, fn func(due time.Time, key K) (stop bool, err error)) error {
	return q.entries.Walk(ctx, nil, func(k Key[K]) (bool, error) { return fn(k.K1(), k.K2()) })
}

// WalkDeadLetters visits the dead-lettered entries in due order.
func (q *Queue[K]) WalkDeadLetters(ctx context.Context, fn func(due time.Time, key K) (stop bool, err error)) error {
	return q.dead.Walk(ctx, nil, func(k Key[K]) (bool, error) { return fn(k.K1(), k.K2()) })
}

// WalkAll visits waiting entries, then dead letters: what a genesis export
// writes out (dead letters are retried after a restart from it).
func (q *Queue[K]) WalkAll(ctx context.Context, fn func(due time.Time, key K) (stop bool, err error)) error {
	stopped := false
	wrap := func(due time.Time, key K) (bool, error) {
		stop, err := fn(due, key)
		stopped = stop
		return stop, err
	}
	if err := q.Walk(ctx, wrap); err != nil || stopped {
		return err
	}
	return q.WalkDeadLetters(ctx, wrap)
}

// head returns the first waiting entry due at or before now.
func (q *Queue[K]) head(ctx context.Context, now time.Time) (Key[K], bool, error) {
	var out Key[K]
	found := false
	err := q.entries.Walk(ctx, nil, func(k Key[K]) (bool, error) {
		if !k.K1().After(now) {
			out, found = k, true
		}
		return true, nil
	})
	return out, found, err
}

// settleNext settles (or dead-letters) the first due entry. It reports
// false when nothing is due.
func (q *Queue[K]) settleNext(ctx sdk.Context, now time.Time) (bool, error) {
	if q.settle == nil {
		return false, fmt.Errorf("settle: queue %s has no handler", q.name)
	}
	k, ok, err := q.head(ctx, now)
	if err != nil || !ok {
		return false, err
	}
	cacheCtx, write := ctx.CacheContext()
	err = q.entries.Remove(cacheCtx, k)
	if err == nil {
		err = q.settle(cacheCtx, k.K1(), k.K2())
	}
	if err == nil {
		write()
		return true, nil
	}
	// Roll back the attempt; park the entry where EndBlock never looks.
	ctx.Logger().Error("settlement failed; entry moved to dead letters", "queue", q.name, "due", k.K1(), "key", fmt.Sprint(k.K2()), "err", err)
	if rmErr := q.entries.Remove(ctx, k); rmErr != nil {
		return false, rmErr
	}
	if setErr := q.dead.Set(ctx, k); setErr != nil {
		return false, setErr
	}
	if q.onDead != nil {
		if evErr := q.onDead(ctx, k.K1(), k.K2(), err); evErr != nil {
			return false, evErr
		}
	}
	return true, nil
}

// Settler is a queue Run can drain.
type Settler interface {
	settleNext(ctx sdk.Context, now time.Time) (bool, error)
}

// Run settles due entries of the queues, at most budget in all, taking
// turns: every round gives each queue that still has a due entry one
// settlement, in the order given, until the budget is spent or nothing is
// due. A dead-lettered entry counts against the budget of this block only.
// It returns how many entries were handled. Errors are store failures,
// never a failing entry.
func Run(ctx context.Context, budget int, queues ...Settler) (int, error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	now := sdkCtx.BlockTime()
	active := append([]Settler(nil), queues...)
	done := 0
	for done < budget && len(active) > 0 {
		still := active[:0:0]
		for _, q := range active {
			if done >= budget {
				break
			}
			ok, err := q.settleNext(sdkCtx, now)
			if err != nil {
				return done, err
			}
			if ok {
				done++
				still = append(still, q)
			}
		}
		active = still
	}
	return done, nil
}
