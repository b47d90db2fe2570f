package keeper

import (
	"math/bits"
	"sort"
	"time"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// Grading is pure integer arithmetic on a job's terms and the aggregated
// measurement; see x/slashing-sla/README.md for the formulas.

// ratioPPM is (num / den) in ppm, capped at 1e6.
func ratioPPM(num, den uint64) uint32 {
	if den == 0 || num == 0 {
		return 0
	}
	if num >= den {
		return types.PPM
	}
	hi, lo := bits.Mul64(num, types.PPM)
	q, _ := bits.Div64(hi, lo, den) // num < den, so the quotient < 1e6 and hi < den
	return uint32(q)
}

// excessPPM is how far v is above bound, in ppm of the bound (0 if no bound).
func excessPPM(v, bound uint64) uint32 {
	if bound == 0 || v <= bound {
		return 0
	}
	return ratioPPM(v-bound, bound)
}

// LatenessPPM is how late a result came, in ppm of the completion time.
func LatenessPPM(terms jobstypes.SLATerms, assignedAt, postedAt time.Time) uint32 {
	if terms.CompletionTime <= 0 {
		return 0
	}
	late := postedAt.Sub(assignedAt) - terms.CompletionTime
	if late <= 0 {
		return 0
	}
	return ratioPPM(uint64(late), uint64(terms.CompletionTime))
}

// Grade turns terms and a measurement into a severity and a slash.
func Grade(p types.Params, terms jobstypes.SLATerms, m types.SLAMetrics, latenessPPM uint32, buyerOnly bool) (types.Severity, uint32) {
	s := types.Severity{
		LatencyExcessPpm: excessPPM(uint64(m.LatencyP99Ms), uint64(terms.MaxP99LatencyMs)),
		JitterExcessPpm:  excessPPM(uint64(m.JitterMs), uint64(terms.MaxJitterMs)),
		IncompletePpm:    types.PPM - min(m.CompletedPpm, types.PPM),
		LatenessPpm:      latenessPPM,
	}
	if terms.MinThroughputMilli > 0 {
		if m.ThroughputMeanMilli < terms.MinThroughputMilli {
			s.ThroughputShortfallPpm = ratioPPM(terms.MinThroughputMilli-m.ThroughputMeanMilli, terms.MinThroughputMilli)
		}
		if m.ThroughputCvPpm > p.VarianceTolerancePpm {
			s.ThroughputVariancePpm = min(m.ThroughputCvPpm-p.VarianceTolerancePpm, types.PPM)
		}
	}
	w := p.Weights
	total := (uint64(w.Latency)*uint64(s.LatencyExcessPpm) +
		uint64(w.Jitter)*uint64(s.JitterExcessPpm) +
		uint64(w.Incomplete)*uint64(s.IncompletePpm) +
		uint64(w.Lateness)*uint64(s.LatenessPpm) +
		uint64(w.ThroughputShortfall)*uint64(s.ThroughputShortfallPpm) +
		uint64(w.ThroughputVariance)*uint64(s.ThroughputVariancePpm)) / types.PPM
	total = min(total, types.PPM)
	if buyerOnly {
		total = total * uint64(p.BuyerOnlyWeightPpm) / types.PPM
	}
	s.TotalPpm = uint32(total)
	slash := min(uint64(terms.MaxSlashBps), uint64(p.BaseSlashBps)*total/types.PPM)
	return s, uint32(slash)
}

// median of integers: the mean of the two middle values for an even count
// (rounded down).
func median(vs []uint64) uint64 {
	if len(vs) == 0 {
		return 0
	}
	s := append([]uint64{}, vs...)
	sort.Slice(s, func(a, b int) bool { return s[a] < s[b] })
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	a, b := s[n/2-1], s[n/2]
	return a/2 + b/2 + (a%2+b%2)/2
}

// Aggregate is the field-by-field median of several monitors' metrics: one
// monitor cannot move any figure past the others.
func Aggregate(ms []types.SLAMetrics) types.SLAMetrics {
	col := func(f func(types.SLAMetrics) uint64) uint64 {
		vs := make([]uint64, len(ms))
		for i, m := range ms {
			vs[i] = f(m)
		}
		return median(vs)
	}
	return types.SLAMetrics{
		LatencyP50Ms:        uint32(col(func(m types.SLAMetrics) uint64 { return uint64(m.LatencyP50Ms) })),
		LatencyP99Ms:        uint32(col(func(m types.SLAMetrics) uint64 { return uint64(m.LatencyP99Ms) })),
		JitterMs:            uint32(col(func(m types.SLAMetrics) uint64 { return uint64(m.JitterMs) })),
		ThroughputMeanMilli: col(func(m types.SLAMetrics) uint64 { return m.ThroughputMeanMilli }),
		ThroughputCvPpm:     uint32(col(func(m types.SLAMetrics) uint64 { return uint64(m.ThroughputCvPpm) })),
		CompletedPpm:        uint32(col(func(m types.SLAMetrics) uint64 { return uint64(m.CompletedPpm) })),
		Window:              time.Duration(col(func(m types.SLAMetrics) uint64 { return uint64(m.Window) })),
	}
}
