package keeper_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/reputation/keeper"
	"github.com/verdict-chain/verdict/x/reputation/types"
)

const q62 = float64(uint64(1) << 62)

// The decay factor is 2^(-t/H): exactly 1/2 per half-life, and within
// 1e-12 relative of the float reference everywhere else (floats only here,
// in the test, as the reference).
func TestDecayHalfLife(t *testing.T) {
	h := 30 * 24 * time.Hour
	require.Equal(t, uint64(1)<<62, keeper.DecayFactorQ62(0, h))
	require.Equal(t, uint64(1)<<61, keeper.DecayFactorQ62(h, h), "one half-life halves exactly")
	require.Equal(t, uint64(1)<<60, keeper.DecayFactorQ62(2*h, h))
	require.Zero(t, keeper.DecayFactorQ62(62*h, h))
	require.Equal(t, uint64(500_000), keeper.Decay(1_000_000, h, h), "evidence halves per half-life")

	r := rand.New(rand.NewPCG(1, 2))
	prev := uint64(1) << 62
	for i := 0; i <= 2000; i++ {
		el := time.Duration(i) * h / 200 // 0 .. 10 half-lives, increasing
		got := keeper.DecayFactorQ62(el, h)
		want := math.Exp2(-float64(el) / float64(h))
		require.InEpsilon(t, want, float64(got)/q62, 1e-12, "t = %s", el)
		require.LessOrEqual(t, got, prev, "monotone in elapsed time")
		prev = got
	}
	for range 1000 {
		hl := time.Duration(1 + r.Int64N(int64(365*24*time.Hour)))
		el := time.Duration(r.Int64N(int64(20 * hl)))
		want := math.Exp2(-float64(el) / float64(hl))
		got := float64(keeper.DecayFactorQ62(el, hl)) / q62
		require.InDelta(t, want, got, 1e-12*math.Max(want, 1e-6)+1e-18, "t=%d h=%d", el, hl)
	}
}

// The score is bounded, rises with good evidence, falls with bad, and is
// neutral with none.
func TestScoreProperties(t *testing.T) {
	prior := uint64(10 * types.Micro)
	require.Equal(t, uint32(500_000), keeper.ScorePPM(0, 0, prior))
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		g, b := r.Uint64N(types.MaxEvidence), r.Uint64N(types.MaxEvidence)
		s := keeper.ScorePPM(g, b, prior)
		require.LessOrEqual(t, s, uint32(types.PPM))
		d := r.Uint64N(1 << 40)
		require.GreaterOrEqual(t, keeper.ScorePPM(g+d, b, prior), s, "good evidence never lowers the score")
		require.LessOrEqual(t, keeper.ScorePPM(g, b+d, prior), s, "bad evidence never raises it")
	}
	require.Equal(t, uint32(types.PPM-1), keeper.ScorePPM(types.MaxEvidence, 0, 2), "saturates below 1")
	require.Zero(t, keeper.ScorePPM(0, types.MaxEvidence, 1))
}

// With no new outcomes the score returns toward the prior: the distance
// shrinks every half-life, by at least half when the evidence is small
// against the prior and never by more than the evidence does.
func TestScoreDecaysTowardPrior(t *testing.T) {
	prior := uint64(10 * types.Micro)
	h := time.Hour
	for _, ev := range [][2]uint64{{20 * types.Micro, 0}, {0, 40 * types.Micro}, {types.Micro / 10, 0}} {
		g, b := ev[0], ev[1]
		dist := func(g, b uint64) float64 { return math.Abs(float64(keeper.ScorePPM(g, b, prior)) - 500_000) }
		d0 := dist(g, b)
		g1, b1 := keeper.Decay(g, h, h), keeper.Decay(b, h, h)
		d1 := dist(g1, b1)
		require.Less(t, d1, d0)
		require.GreaterOrEqual(t, d1, d0/2-1, "never faster than the evidence halves")
		if g+b < prior/50 {
			require.InEpsilon(t, d0/2, d1, 0.02, "small evidence: the distance halves to 2%")
		}
	}
}

func TestEWMAAndStability(t *testing.T) {
	require.Equal(t, uint64(100), keeper.EWMA(0, 100, 200_000, true), "first sample taken as is")
	require.Equal(t, uint64(120), keeper.EWMA(100, 200, 200_000, false))
	require.Equal(t, uint64(^uint64(0)), keeper.EWMA(^uint64(0), ^uint64(0), 500_000, false), "no overflow")
	require.Equal(t, uint32(types.PPM), keeper.StabilityPPM(0, 0))
	require.Equal(t, uint32(900_000), keeper.StabilityPPM(1000, 100))
	require.Zero(t, keeper.StabilityPPM(1000, 5000))
}
