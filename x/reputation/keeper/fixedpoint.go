package keeper

import (
	"math/bits"
	"time"

	"github.com/verdict-chain/verdict/x/reputation/types"
)

// Integer fixed-point arithmetic for the score: no floats anywhere in the
// state machine. Q62 numbers are uint64 with 62 fractional bits.

const (
	q62One = uint64(1) << 62
	// ln2Q62 is round(ln 2 × 2^62).
	ln2Q62 = uint64(3196577161300663915)
)

// mulQ62 returns a × b / 2^62 (truncated); a and b may be any uint64 as long
// as the result fits (it does whenever b <= 2^62).
func mulQ62(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi<<2 | lo>>62
}

// expNegQ62 is e^(-y) for y = yQ62 / 2^62 in [0, 1], by its alternating
// Taylor series: terms shrink below 2^-62 within 24 steps.
func expNegQ62(yQ62 uint64) uint64 {
	pos, neg := q62One, uint64(0)
	term := q62One
	for k := uint64(1); k <= 24; k++ {
		term = mulQ62(term, yQ62) / k
		if term == 0 {
			break
		}
		if k%2 == 1 {
			neg += term
		} else {
			pos += term
		}
	}
	return pos - neg
}

// DecayFactorQ62 is 2^(-elapsed / halfLife) in Q62: exactly 1/2 per whole
// half-life; the fractional part comes from e^(-f·ln 2) with f in 48-bit
// fixed point: within 1e-12 relative of the exact value (TestDecayHalfLife).
func DecayFactorQ62(elapsed, halfLife time.Duration) uint64 {
	if elapsed <= 0 {
		return q62One
	}
	if halfLife <= 0 || elapsed >= 62*halfLife {
		return 0
	}
	// x = elapsed / halfLife in Q48 (elapsed < 62·halfLife, so x < 2^54).
	hi, lo := bits.Mul64(uint64(elapsed), 1<<48)
	x, _ := bits.Div64(hi, lo, uint64(halfLife))
	whole, frac := x>>48, x&(1<<48-1)
	// y = frac/2^48 · ln 2 in Q62
	fhi, flo := bits.Mul64(frac, ln2Q62)
	y := fhi<<16 | flo>>48
	return expNegQ62(y) >> whole
}

// Decay scales evidence by the factor for the elapsed time.
func Decay(evidence uint64, elapsed, halfLife time.Duration) uint64 {
	return mulQ62(evidence, DecayFactorQ62(elapsed, halfLife))
}

// satAdd adds without passing MaxEvidence.
func satAdd(a, b uint64) uint64 {
	if a > types.MaxEvidence-b {
		return types.MaxEvidence
	}
	return a + b
}

// ScorePPM is the beta-reputation score (Jøsang & Ismail, "The Beta
// Reputation System", 2002) with a neutral prior: (good + prior/2) / (good
// + bad + prior), in ppm. It stays in [0, 1e6], rises with good evidence,
// falls with bad, and returns to 500,000 as evidence decays. Because
// evidence only adds, outcomes within one block commute.
func ScorePPM(good, bad, prior uint64) uint32 {
	num := good + prior/2
	den := good + bad + prior // each <= 2^60: no overflow
	if den == 0 {
		return types.PPM / 2
	}
	hi, lo := bits.Mul64(num, types.PPM)
	q, _ := bits.Div64(hi, lo, den) // num <= den, so q <= 1e6 and hi < den
	return uint32(q)
}

// EWMA moves old toward sample by alpha (ppm); the first sample is taken
// as is.
func EWMA(old, sample uint64, alphaPPM uint32, first bool) uint64 {
	if first {
		return sample
	}
	hi, lo := bits.Mul64(old, uint64(types.PPM-alphaPPM))
	hi2, lo2 := bits.Mul64(sample, uint64(alphaPPM))
	lo, carry := bits.Add64(lo, lo2, 0)
	hi += hi2 + carry
	q, _ := bits.Div64(hi, lo, types.PPM) // a weighted mean of two uint64s fits
	return q
}

// StabilityPPM is 1 − deviation/mean of throughput, floored at 0; no
// samples (mean 0) count as steady.
func StabilityPPM(mean, dev uint64) uint32 {
	if mean == 0 || dev >= mean {
		if mean == 0 {
			return types.PPM
		}
		return 0
	}
	hi, lo := bits.Mul64(dev, types.PPM)
	q, _ := bits.Div64(hi, lo, mean)
	return uint32(types.PPM - q)
}
