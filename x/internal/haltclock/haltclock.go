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
}

// New declares the clock's two entries in a module's schema.
func New(sb *collections.SchemaBuilder, lastPrefix, creditPrefix collections.Prefix) Clock {
	return Clock{
		last:   collections.NewItem(sb, lastPrefix, "haltclock_last", collections.Int64Value),
		credit: collections.NewItem(sb, creditPrefix, "haltclock_credit", collections.Int64Value),
	}
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
	}
	return c.last.Set(ctx, now)
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

// State is the clock as genesis carries it.
func (c Clock) State(ctx context.Context) (last time.Time, credit time.Duration, err error) {
	l, err := get(ctx, c.last)
	if err != nil {
		return time.Time{}, 0, err
	}
	cr, err := get(ctx, c.credit)
	if l == 0 {
		return time.Time{}, time.Duration(cr), err
	}
	return time.Unix(0, l).UTC(), time.Duration(cr), err
}

// SetState restores the clock from genesis.
func (c Clock) SetState(ctx context.Context, last time.Time, credit time.Duration) error {
	if !last.IsZero() {
		if err := c.last.Set(ctx, last.UnixNano()); err != nil {
			return err
		}
	}
	return c.credit.Set(ctx, int64(credit))
}
