// Package haltclock measures how long a chain stood still, so that a
// deadline which can cost an honest party is not eaten by a halt.
//
// A deadline set in block time passes in the first block after a long halt
// (a scheduled upgrade, a consensus failure), before anyone could act on
// it: a provider's proof ready all along would be refused and the provider
// slashed in that block's EndBlock. The clock keeps, in the owning
// module's store, the block time of the last block it saw and the credit:
// the sum of every gap between consecutive blocks longer than maxGap (a
// shorter gap is ordinary block time, and counts as live). A deadline
// records the credit when it is set; it has passed only once block time is
// at or past it plus the credit earned since, so every halt extends it by
// its whole length and the party keeps all the live time it was given,
// however little was left when the chain stopped.
//
// Tick runs in BeginBlock, before any transaction of the block reads the
// credit. Everything is integer nanoseconds of block time: deterministic.
package haltclock

import (
	"context"
	"errors"
	"time"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Clock is a module's halt clock.
type Clock struct {
	last   collections.Item[int64] // unix nanos of the last block seen
	credit collections.Item[int64] // nanoseconds of halt so far
	// the last halt: unix nanos of the block before and after it, and the
	// credit before it
	from, to, before collections.Item[int64]
}

// New declares the clock's entries in a module's schema: the last block,
// the credit, and the last halt's start, end and credit before it.
func New(sb *collections.SchemaBuilder, lastPrefix, creditPrefix, fromPrefix, toPrefix, beforePrefix collections.Prefix) Clock {
	return Clock{
		last:   collections.NewItem(sb, lastPrefix, "haltclock_last", collections.Int64Value),
		credit: collections.NewItem(sb, creditPrefix, "haltclock_credit", collections.Int64Value),
		from:   collections.NewItem(sb, fromPrefix, "haltclock_last_halt_from", collections.Int64Value),
		to:     collections.NewItem(sb, toPrefix, "haltclock_last_halt_to", collections.Int64Value),
		before: collections.NewItem(sb, beforePrefix, "haltclock_credit_before_last_halt", collections.Int64Value),
	}
}

// LastHalt is the last halt the clock saw (zero times: none).
type LastHalt struct {
	From, To     time.Time
	CreditBefore time.Duration
}

func get(ctx context.Context, it collections.Item[int64]) (int64, error) {
	v, err := it.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return 0, nil
	}
	return v, err
}

// Tick records this block: a gap since the last block longer than maxGap
// is a halt, and adds its whole length to the credit.
func (c Clock) Tick(ctx context.Context, maxGap time.Duration) error {
	now := sdk.UnwrapSDKContext(ctx).BlockTime().UnixNano()
	last, err := get(ctx, c.last)
	if err != nil {
		return err
	}
	if last != 0 && now-last > int64(maxGap) {
		credit, err := get(ctx, c.credit)
		if err != nil {
			return err
		}
		if err := c.credit.Set(ctx, credit+(now-last)); err != nil {
			return err
		}
		for _, kv := range []struct {
			it collections.Item[int64]
			v  int64
		}{{c.from, last}, {c.to, now}, {c.before, credit}} {
			if err := kv.it.Set(ctx, kv.v); err != nil {
				return err
			}
		}
	}
	return c.last.Set(ctx, now)
}

// CreditAt is the credit as it stood at block time t, known for any t
// since the last halt began. A t inside the halt counts the halt up to t.
// For an earlier t it returns false and the credit before the last halt:
// the clock keeps only the last halt.
func (c Clock) CreditAt(ctx context.Context, t time.Time) (time.Duration, bool, error) {
	credit, err := c.Credit(ctx)
	if err != nil {
		return 0, false, err
	}
	from, err := get(ctx, c.from)
	if err != nil {
		return 0, false, err
	}
	if from == 0 { // never halted
		return credit, true, nil
	}
	to, err := get(ctx, c.to)
	if err != nil {
		return 0, false, err
	}
	before, err := get(ctx, c.before)
	if err != nil {
		return 0, false, err
	}
	switch at := t.UnixNano(); {
	case at >= to:
		return credit, true, nil
	case at >= from:
		return time.Duration(before + (at - from)), true, nil
	default:
		return time.Duration(before), false, nil // the halts before the last one are not kept
	}
}

// Credit is the halt credit so far.
func (c Clock) Credit(ctx context.Context) (time.Duration, error) {
	v, err := get(ctx, c.credit)
	return time.Duration(v), err
}

// Extended is a deadline set when the credit was creditThen, as it stands
// now: later by every halt since.
func (c Clock) Extended(ctx context.Context, deadline time.Time, creditThen time.Duration) (time.Time, time.Duration, error) {
	now, err := c.Credit(ctx)
	if err != nil {
		return deadline, now, err
	}
	return deadline.Add(now - creditThen), now, nil
}

func unixTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// State is the clock as genesis carries it.
func (c Clock) State(ctx context.Context) (last time.Time, credit time.Duration, halt LastHalt, err error) {
	var v [5]int64
	for i, it := range []collections.Item[int64]{c.last, c.credit, c.from, c.to, c.before} {
		if v[i], err = get(ctx, it); err != nil {
			return time.Time{}, 0, LastHalt{}, err
		}
	}
	return unixTime(v[0]), time.Duration(v[1]), LastHalt{From: unixTime(v[2]), To: unixTime(v[3]), CreditBefore: time.Duration(v[4])}, nil
}

// SetState restores the clock from genesis.
func (c Clock) SetState(ctx context.Context, last time.Time, credit time.Duration, halt LastHalt) error {
	if !last.IsZero() {
		if err := c.last.Set(ctx, last.UnixNano()); err != nil {
			return err
		}
	}
	if !halt.From.IsZero() {
		for _, kv := range []struct {
			it collections.Item[int64]
			v  int64
		}{{c.from, halt.From.UnixNano()}, {c.to, halt.To.UnixNano()}, {c.before, int64(halt.CreditBefore)}} {
			if err := kv.it.Set(ctx, kv.v); err != nil {
				return err
			}
		}
	}
	return c.credit.Set(ctx, int64(credit))
}
