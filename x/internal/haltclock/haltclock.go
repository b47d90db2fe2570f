// Package haltclock measures how long a chain stood still, so that a
// deadline which can cost an honest party is not eaten by a halt.
//
// A deadline set in block time passes in the first block after a long halt
// (a scheduled upgrade, a consensus failure), before anyone could act on
// it: a provider's proof ready all along would be refused and the provider
// slashed in that block's EndBlock. The clock keeps, in the owning
// module's store, the block time of the last block it saw and the credit:
// the sum of every halt, a gap between consecutive blocks that stands out.
// A deadline records the credit when it is set; it has passed only once
// block time is at or past it plus the credit earned since, so every halt
// extends it by its whole length and the party keeps all the live time it
// was given, however little was left when the chain stopped.
//
// A halt stands out from the chain's pace. The clock keeps the pace, a
// moving average of the gaps (each block weighs 1/8); a gap is a halt when
// it is longer than maxGap and longer than 3× the pace. A chain whose
// blocks all come slowly (every 31 s against a 30 s maxGap, or every five
// minutes) is live — a transaction lands in every block — and its pace
// catches up within a few blocks, after which its gaps count as block time
// and deadlines arrive; were every gap over maxGap credited, no deadline
// would ever come and a provider that never proves would never be
// slashed. A halt enters the average as the threshold it crossed, not its
// length, so it raises the pace by at most a quarter: one long halt (an
// upgrade of hours) does not blind the clock to the next, and on a chain
// whose pace is under maxGap/3 (any ordinary chain) the rule is exactly
// "every gap over maxGap counts whole". What a party can lose to a gap that
// is not credited is at most max(maxGap, 3× the pace): the margin it must
// keep before a deadline, a few blocks at the chain's own pace.
//
// Block time never runs backwards for the clock: a chain restarted from an
// export whose first block carries the original genesis time (earlier than
// the last block the clock saw) does not move the clock back, so its next
// block credits the restart, not the chain's age.
//
// Tick runs in BeginBlock, before any transaction of the block reads the
// credit. Everything is integer nanoseconds of block time: deterministic.
package haltclock

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// The pace's weighting and what stands out from it.
const (
	paceWeight = 8 // each gap moves the pace by 1/8 of its difference
	haltFactor = 3 // a halt is longer than 3× the pace (and maxGap)
)

// Clock is a module's halt clock.
type Clock struct {
	last   collections.Item[int64] // unix nanos of the last block seen
	credit collections.Item[int64] // nanoseconds of halt so far
	pace   collections.Item[int64] // the chain's typical gap, nanoseconds
	// the last halt: unix nanos of the block before and after it, and the
	// credit before it
	from, to, before collections.Item[int64]
}

// Prefixes are the store prefixes of the clock's entries in a module's
// schema.
type Prefixes struct {
	Last, Credit, Pace collections.Prefix
	// the last halt's start, end and credit before it
	From, To, Before collections.Prefix
}

// New declares the clock's entries in a module's schema.
func New(sb *collections.SchemaBuilder, p Prefixes) Clock {
	return Clock{
		last:   collections.NewItem(sb, p.Last, "haltclock_last", collections.Int64Value),
		credit: collections.NewItem(sb, p.Credit, "haltclock_credit", collections.Int64Value),
		pace:   collections.NewItem(sb, p.Pace, "haltclock_pace", collections.Int64Value),
		from:   collections.NewItem(sb, p.From, "haltclock_last_halt_from", collections.Int64Value),
		to:     collections.NewItem(sb, p.To, "haltclock_last_halt_to", collections.Int64Value),
		before: collections.NewItem(sb, p.Before, "haltclock_credit_before_last_halt", collections.Int64Value),
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
// and than 3× the pace is a halt, and adds its whole length to the credit;
// every gap moves the pace. A block earlier than the last one seen (a
// restart at the original genesis time) changes nothing.
func (c Clock) Tick(ctx context.Context, maxGap time.Duration) error {
	now := sdk.UnwrapSDKContext(ctx).BlockTime().UnixNano()
	last, err := get(ctx, c.last)
	if err != nil {
		return err
	}
	if last != 0 {
		if now <= last {
			return nil
		}
		if err := c.gap(ctx, last, now, int64(maxGap)); err != nil {
			return err
		}
	}
	return c.last.Set(ctx, now)
}

// Threshold is the longest gap that counts as block time at a pace.
func Threshold(maxGap, pace time.Duration) time.Duration {
	return max(maxGap, haltFactor*pace)
}

func (c Clock) gap(ctx context.Context, last, now, maxGap int64) error {
	pace, err := get(ctx, c.pace)
	if err != nil {
		return err
	}
	gap := now - last
	threshold := int64(Threshold(time.Duration(maxGap), time.Duration(pace)))
	sample := gap
	if gap > threshold {
		sample = threshold
		credit, err := get(ctx, c.credit)
		if err != nil {
			return err
		}
		for _, kv := range []struct {
			it collections.Item[int64]
			v  int64
		}{{c.credit, credit + gap}, {c.from, last}, {c.to, now}, {c.before, credit}} {
			if err := kv.it.Set(ctx, kv.v); err != nil {
				return err
			}
		}
	}
	return c.pace.Set(ctx, pace+(sample-pace)/paceWeight)
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
type State struct {
	Last     time.Time     // the last block seen
	Credit   time.Duration // halt so far
	Pace     time.Duration // the chain's typical gap
	LastHalt LastHalt
}

// State reads the clock.
func (c Clock) State(ctx context.Context) (State, error) {
	var v [6]int64
	for i, it := range []collections.Item[int64]{c.last, c.credit, c.pace, c.from, c.to, c.before} {
		var err error
		if v[i], err = get(ctx, it); err != nil {
			return State{}, err
		}
	}
	return State{
		Last: unixTime(v[0]), Credit: time.Duration(v[1]), Pace: time.Duration(v[2]),
		LastHalt: LastHalt{From: unixTime(v[3]), To: unixTime(v[4]), CreditBefore: time.Duration(v[5])},
	}, nil
}

// Bounds of a valid state: block times the clock can hold as unix
// nanoseconds, and a credit that cannot overflow. MaxCredit also bounds
// the pace.
var (
	minTime   = time.Unix(0, 1).UTC()
	maxTime   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxCredit = 100 * 365 * 24 * time.Hour
)

// Validate rejects a state the clock could not have reached: times outside
// what it can hold, a negative or century-long credit, a last halt that
// ends after the last block or starts after it ends, a credit before the
// last halt above the credit.
func (st State) Validate() error {
	for _, v := range []struct {
		name string
		t    time.Time
	}{{"last block", st.Last}, {"last halt start", st.LastHalt.From}, {"last halt end", st.LastHalt.To}} {
		if !v.t.IsZero() && (v.t.Before(minTime) || v.t.After(maxTime)) {
			return fmt.Errorf("%s %s outside [%s, %s]", v.name, v.t, minTime, maxTime)
		}
	}
	if st.Credit < 0 || st.Credit > MaxCredit {
		return fmt.Errorf("credit %s outside [0, %s]", st.Credit, MaxCredit)
	}
	if st.Pace < 0 || st.Pace > MaxCredit {
		return fmt.Errorf("pace %s outside [0, %s]", st.Pace, MaxCredit)
	}
	if h := st.LastHalt; !h.From.IsZero() || !h.To.IsZero() {
		if h.From.IsZero() || h.To.IsZero() || !h.From.Before(h.To) || h.To.After(st.Last) {
			return fmt.Errorf("last halt [%s, %s] is not a gap before the last block %s", h.From, h.To, st.Last)
		}
		if h.CreditBefore < 0 || h.CreditBefore+h.To.Sub(h.From) > st.Credit {
			return fmt.Errorf("credit before the last halt %s plus the halt is above the credit %s", h.CreditBefore, st.Credit)
		}
	}
	return nil
}

// SetState restores the clock from genesis.
func (c Clock) SetState(ctx context.Context, st State) error {
	if !st.Last.IsZero() {
		if err := c.last.Set(ctx, st.Last.UnixNano()); err != nil {
			return err
		}
	}
	if halt := st.LastHalt; !halt.From.IsZero() {
		for _, kv := range []struct {
			it collections.Item[int64]
			v  int64
		}{{c.from, halt.From.UnixNano()}, {c.to, halt.To.UnixNano()}, {c.before, int64(halt.CreditBefore)}} {
			if err := kv.it.Set(ctx, kv.v); err != nil {
				return err
			}
		}
	}
	if err := c.pace.Set(ctx, int64(st.Pace)); err != nil {
		return err
	}
	return c.credit.Set(ctx, int64(st.Credit))
}
