package types

import (
	"fmt"
	"math/bits"
	"strconv"
	"time"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/bps"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// Key is the series' canonical store key: class/start-unix/length-seconds.
func (s Series) Key() string {
	return fmt.Sprintf("%d/%d/%d", int32(s.Class), s.WindowStart.Unix(), int64(s.WindowLength/time.Second))
}

// WindowEnd is when delivery stops.
func (s Series) WindowEnd() time.Time { return s.WindowStart.Add(s.WindowLength) }

// ValidateSeries checks a series against the params: a known class, a
// start on the window grid (hourly), in the future (for new orders) and within
// max_horizon, and a length from window_lengths.
func ValidateSeries(s Series, p Params, now time.Time) error {
	if s.Class == jobstypes.WorkloadClass_WORKLOAD_CLASS_UNSPECIFIED || jobstypes.WorkloadClass_name[int32(s.Class)] == "" {
		return errorsmod.Wrapf(ErrInvalidSeries, "unknown workload class %d", s.Class)
	}
	grid := int64(p.WindowGrid / time.Second)
	if s.WindowStart.IsZero() || grid <= 0 || s.WindowStart.Unix()%grid != 0 || s.WindowStart.Nanosecond() != 0 {
		return errorsmod.Wrapf(ErrInvalidSeries, "window_start %s is not on the %s grid", s.WindowStart.UTC().Format(time.RFC3339), p.WindowGrid)
	}
	if !s.WindowStart.After(now) {
		return errorsmod.Wrapf(ErrInvalidSeries, "window starting %s has begun: trading closes at the window start", s.WindowStart.UTC().Format(time.RFC3339))
	}
	if s.WindowStart.Sub(now) > p.MaxHorizon {
		return errorsmod.Wrapf(ErrInvalidSeries, "window starts beyond max_horizon %s", p.MaxHorizon)
	}
	for _, l := range p.WindowLengths {
		if l == s.WindowLength {
			return nil
		}
	}
	return errorsmod.Wrapf(ErrInvalidSeries, "window_length %s is not one of %v", s.WindowLength, p.WindowLengths)
}

// ParseSeriesKey inverts Key (for queries).
func ParseSeriesKey(class jobstypes.WorkloadClass, startUnix int64, length string) (Series, error) {
	d, err := time.ParseDuration(length)
	if err != nil {
		secs, err2 := strconv.ParseInt(length, 10, 64)
		if err2 != nil {
			return Series{}, errorsmod.Wrapf(ErrInvalidSeries, "window length %q", length)
		}
		d = time.Duration(secs) * time.Second
	}
	return Series{Class: class, WindowStart: time.Unix(startUnix, 0).UTC(), WindowLength: d}, nil
}

// CollateralPerUnit is ceil(price x bps / 10,000): a seller always locks
// at least one base unit per unit sold.
func CollateralPerUnit(price sdk.Coin, b uint32) sdk.Coin {
	c := bps.Ceil(price.Amount, b)
	if c.IsZero() {
		c = math.OneInt()
	}
	return sdk.NewCoin(price.Denom, c)
}

// Mul is coin x n.
func Mul(c sdk.Coin, n uint64) sdk.Coin {
	return sdk.NewCoin(c.Denom, c.Amount.Mul(math.NewIntFromUint64(n)))
}

// PenaltyPerUnit is what one undelivered unit costs its seller beyond the
// price refunded: max(fee_bps x price, index - price); the fee alone when
// the index is stale.
func PenaltyPerUnit(price math.Int, feeBps uint32, index math.Int, stale bool) math.Int {
	fee := bps.Floor(price, feeBps)
	if stale || index.IsNil() {
		return fee
	}
	if gap := index.Sub(price); gap.GT(fee) {
		return gap
	}
	return fee
}

// FaultSettlement is how a position's undelivered units are paid for.
type FaultSettlement struct {
	// Penalty: taken from the collateral.
	Penalty math.Int
	// Compensation: of the penalty, what the buyer receives; the rest goes
	// to the community pool.
	Compensation math.Int
}

// SettleFaults prices fault units of a position at price: the penalty is
// PenaltyPerUnit for every fault unit, capped by the collateral; the buyer
// is compensated only for the compensated units (a refusal, a proven
// fraud — not an expiry, which may be the buyer's doing), and only up to
// fee_bps of the price each: the late-delivery compensation its trade
// fixed. Whatever the index adds above that deters a seller from defaulting
// when spot rises and goes to the community pool, so nobody gains by moving
// the index.
func SettleFaults(price math.Int, fault, compensated uint64, feeBps uint32, index math.Int, stale bool, collateral math.Int) FaultSettlement {
	perUnit := PenaltyPerUnit(price, feeBps, index, stale)
	penalty := math.MinInt(perUnit.Mul(math.NewIntFromUint64(fault)), collateral)
	comp := bps.Floor(price, feeBps).Mul(math.NewIntFromUint64(min(compensated, fault)))
	return FaultSettlement{Penalty: penalty, Compensation: math.MinInt(comp, penalty)}
}

// PriceLevelOf puts a price on a logarithmic grid: its binary magnitude and
// the next six bits below the leading one, so prices within 1/64 of each
// other share a level and levels order like prices (0 < level < 4096).
// Index volume accumulates per level, whoever trades it: the number of
// levels, not of traders, bounds a bucket.
func PriceLevelOf(price uint64) uint32 {
	if price == 0 {
		return 0
	}
	e := bits.Len64(price) - 1 // 0..63
	var m uint64
	if e >= 6 {
		m = (price >> uint(e-6)) & 63
	} else {
		m = (price << uint(6-e)) & 63
	}
	return uint32(e)<<6 | uint32(m)
}

// ClassOf is the workload class a store key holds.
func ClassOf(c int32) jobstypes.WorkloadClass { return jobstypes.WorkloadClass(c) }

// RatableShare is a trade's share of its sell order's ratable limit: a fill
// of n units of an order of orderUnits carries ceil(ratable x n /
// orderUnits) an hour (at least 1), so the trades of one order together
// draw about what the seller allowed, and no buyer of the order can use up
// another's allowance. Zero (no limit) stays zero.
func RatableShare(ratable, n, orderUnits uint64) uint64 {
	if ratable == 0 || orderUnits == 0 || n >= orderUnits {
		return ratable
	}
	hi, lo := bits.Mul64(ratable, n)
	q, r := bits.Div64(hi, lo, orderUnits) // ratable x n / orderUnits < ratable: no overflow
	if r != 0 {
		q++
	}
	return max(q, 1)
}

// DeliveryEnd is when a position stops delivering: its window end as halts
// moved it (the series' window end for records from before positions kept
// their own).
func DeliveryEnd(p Position) time.Time {
	if p.WindowEnd.IsZero() {
		return p.Series.WindowEnd()
	}
	return p.WindowEnd
}

// DeliveryEndAsOf is DeliveryEnd as it stands when the chain's halt clock
// reads credit and read atStart when the window opened: an open position's
// end stands later by the halt time since it was last set that fell after
// its window opened (the chain writes the move when the position is next
// touched). A halt before the window took no delivery time.
func DeliveryEndAsOf(p Position, credit, atStart time.Duration) time.Time {
	end := DeliveryEnd(p)
	if base := max(p.HaltCredit, atStart); p.Status == PositionStatus_POSITION_STATUS_OPEN && credit > base {
		end = end.Add(credit - base)
	}
	return end
}
