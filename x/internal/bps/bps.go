// Package bps is the protocol's basis-point arithmetic, with its rounding
// decided once. A basis point is 1/10,000 (Whole is 100%).
//
// Who each rounding favours:
//   - Ceil — what a party must put up or pay for what it uses: the
//     protocol fee (no paid job is too small to pay one), a seller's
//     collateral per unit (the buyer is covered to the base unit). The
//     party paying carries the remainder of the division.
//   - Floor — everything taken from a party as a penalty or paid to one
//     out of someone else's money: slashes and their caps, compensation,
//     rewards, a forfeited bond's shares, cancel fees, a challenge bond's
//     proportional part, bounds derived from a price. The penalised party
//     never pays more than the exact share it accepted.
//
// Every function takes non-negative amounts (money); a negative x is
// rounded toward zero like math.Int's division.
package bps

import (
	"time"

	"cosmossdk.io/math"
)

// Whole is 10,000 basis points: 100%.
const Whole = 10_000

// Valid is whether b is at most 100%.
func Valid(b uint32) bool { return b <= Whole }

// Floor is b basis points of x, rounded down.
func Floor(x math.Int, b uint32) math.Int {
	return x.MulRaw(int64(b)).QuoRaw(Whole)
}

// Ceil is b basis points of x, rounded up.
func Ceil(x math.Int, b uint32) math.Int {
	return ceilQuo(x.MulRaw(int64(b)), math.NewInt(Whole))
}

// Floor2 is a basis points of b basis points of x (x·a·b / Whole²), with a
// single rounding, down.
func Floor2(x math.Int, a, b uint32) math.Int {
	return x.MulRaw(int64(a)).MulRaw(int64(b)).QuoRaw(Whole * Whole)
}

// Scale is f basis points of a rate of b basis points, rounded down (a
// rate discounted by a factor).
func Scale(b uint64, f uint32) uint64 {
	return b * uint64(f) / Whole
}

// FloorDuration is b basis points of d, rounded down to the nanosecond (a
// window shortened by a factor). It never forms d·b, which overflows int64
// for windows over ~10 days: d = q·Whole + r gives q·b + r·b/Whole.
func FloorDuration(d time.Duration, b uint32) time.Duration {
	q, r := d/Whole, d%Whole
	return q*time.Duration(b) + r*time.Duration(b)/Whole
}

// CeilOver is b basis points of x as a fraction of y, in units of 1/unit,
// rounded up: ceil(x·b·unit / (Whole·y)). y must be positive.
func CeilOver(x math.Int, b uint32, y math.Int, unit int64) math.Int {
	return ceilQuo(x.MulRaw(int64(b)).MulRaw(unit), y.MulRaw(Whole))
}

func ceilQuo(num, den math.Int) math.Int {
	q := num.Quo(den)
	if !num.Mod(den).IsZero() && num.Sign() == den.Sign() {
		q = q.AddRaw(1)
	}
	return q
}
