package settle_test

import (
	"bytes"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections/colltest"

	"github.com/verdict-chain/verdict/x/internal/settle"
)

// The compact time key round-trips, sorts as the times do (before 1970 and
// within a second included) and rejects malformed bytes without panicking.
func TestTimeKeyOrderAndRoundTrip(t *testing.T) {
	times := []time.Time{
		time.Date(1969, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Unix(0, 0).UTC(),
		time.Unix(0, 1).UTC(),
		time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 30, 3, 0, 0, 1, time.UTC),
		time.Date(2026, 11, 30, 3, 0, 1, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
	}
	encoded := make([][]byte, len(times))
	for i, tm := range times {
		colltest.TestKeyCodec(t, settle.TimeKey, tm)
		buf := make([]byte, settle.TimeKey.Size(tm))
		n, err := settle.TimeKey.Encode(buf, tm)
		require.NoError(t, err)
		require.Equal(t, 12, n)
		encoded[i] = buf
		_, got, err := settle.TimeKey.Decode(buf)
		require.NoError(t, err)
		require.True(t, got.Equal(tm), "%s decoded as %s", tm, got)
	}
	require.True(t, sort.SliceIsSorted(encoded, func(i, j int) bool { return bytes.Compare(encoded[i], encoded[j]) < 0 }),
		"byte order follows time order")

	// a time with a zone encodes as the same instant
	inZone := times[3].In(time.FixedZone("x", 3600))
	buf := make([]byte, 12)
	_, err := settle.TimeKey.Encode(buf, inZone)
	require.NoError(t, err)
	require.Equal(t, encoded[3], buf)

	for _, bad := range [][]byte{nil, make([]byte, 11), make([]byte, 13), append(make([]byte, 8), 0xff, 0xff, 0xff, 0xff)} {
		_, _, err := settle.TimeKey.Decode(bad)
		require.Error(t, err, "% x", bad)
	}
	_, _, err = settle.TimeKey.DecodeNonTerminal(make([]byte, 5))
	require.Error(t, err)
	_, err = settle.TimeKey.Encode(make([]byte, 4), times[0])
	require.Error(t, err)
}

func FuzzTimeKeyDecode(f *testing.F) {
	f.Add(make([]byte, 12))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, tm, err := settle.TimeKey.DecodeNonTerminal(b)
		if err != nil {
			return
		}
		buf := make([]byte, 12)
		m, err := settle.TimeKey.Encode(buf, tm)
		require.NoError(t, err)
		require.Equal(t, n, m)
		require.Equal(t, b[:n], buf, "decode then encode is the identity")
	})
}
