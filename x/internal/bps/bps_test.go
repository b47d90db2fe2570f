package bps_test

import (
	"testing"
	"time"

	"cosmossdk.io/math"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/internal/bps"
)

func TestRoundingAtTheEdges(t *testing.T) {
	i := math.NewInt
	for _, tc := range []struct {
		x           int64
		b           uint32
		floor, ceil int64
	}{
		{0, 5000, 0, 0},
		{1, 0, 0, 0},
		{1, 1, 0, 1},               // the smallest share: floor gives nothing, ceil one base unit
		{9_999, 1, 0, 1},           // just under a whole base unit
		{10_000, 1, 1, 1},          // exact
		{10_001, 1, 1, 2},          // just over
		{3, 3_333, 0, 1},           // 0.9999
		{100, bps.Whole, 100, 100}, // 100% is exact both ways
		{7, 2 * bps.Whole, 14, 14}, // over 100% (a clamp band)
	} {
		require.Equal(t, i(tc.floor).String(), bps.Floor(i(tc.x), tc.b).String(), "floor %d bps of %d", tc.b, tc.x)
		require.Equal(t, i(tc.ceil).String(), bps.Ceil(i(tc.x), tc.b).String(), "ceil %d bps of %d", tc.b, tc.x)
		require.True(t, bps.Ceil(i(tc.x), tc.b).Sub(bps.Floor(i(tc.x), tc.b)).LTE(math.OneInt()))
	}
	// a bps of a bps is rounded once: 1 bps of 1 bps of 10^8 is exactly 1,
	// of 10^8−1 it is 0.9999… → 0; 50% of 50% of 3 is 0.75 → 0
	require.Equal(t, i(1).String(), bps.Floor2(i(100_000_000), 1, 1).String())
	require.Equal(t, i(0).String(), bps.Floor2(i(99_999_999), 1, 1).String())
	require.Equal(t, i(0).String(), bps.Floor2(i(3), 5000, 5000).String())
	require.Equal(t, uint64(2_500), bps.Scale(5_000, 5_000))
	require.Equal(t, uint64(0), bps.Scale(1, 9_999))
	// CeilOver: 1 bps of 1 as a fraction of 1, in ppm, is 100 exactly; as a
	// fraction of 3 it is 33.3… → 34
	require.Equal(t, i(100).String(), bps.CeilOver(i(1), 1, i(1), 1_000_000).String())
	require.Equal(t, i(34).String(), bps.CeilOver(i(1), 1, i(3), 1_000_000).String())
	require.Equal(t, 90*time.Second, bps.FloorDuration(3*time.Minute, 5_000))
	require.Equal(t, time.Duration(0), bps.FloorDuration(time.Nanosecond, 9_999))
	require.Equal(t, time.Duration(10_001*9_999/10_000), bps.FloorDuration(10_001, 9_999))
	year := 365 * 24 * time.Hour // a window whose d·b overflows int64
	require.Equal(t, year/2, bps.FloorDuration(year, 5_000))
	require.True(t, bps.Valid(bps.Whole))
	require.False(t, bps.Valid(bps.Whole+1))
}
