package zkverify_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"
)

// Fuzz targets. `make test` runs each for a few seconds; `make fuzz` longer.
// The properties: nothing panics or allocates beyond its input; a key that
// parses re-encodes to its own bytes; no proof other than the real one
// verifies for the fixture's statement.

func FuzzParseVerifyingKey(f *testing.F) {
	fx := load(f)
	f.Add(fx.vk)
	f.Add(fx.vk[:288])
	f.Add(infinityVK(5))
	f.Add(append(append([]byte{}, fx.vk[:288]...), 0xff, 0xff, 0xff, 0xff))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		vk, err := zkverify.ParseVerifyingKey(b, zkverify.Limits{MaxBytes: 1 << 16})
		if err != nil {
			require.ErrorIs(t, err, zkverify.ErrMalformedVK)
			return
		}
		require.GreaterOrEqual(t, vk.NbPublic(), 1)
		require.LessOrEqual(t, vk.NbCommitments(), zkverify.MaxCommitments)
	})
}

func FuzzVerifyProof(f *testing.F) {
	fx := load(f)
	vk, err := zkverify.ParseVerifyingKey(fx.vk, lim)
	require.NoError(f, err)
	f.Add(fx.proof)
	f.Add(fx.proof[:128])
	f.Add(append(append([]byte{}, fx.proof...), 0))
	zeroCount := append([]byte{}, fx.proof...)
	binary.BigEndian.PutUint32(zeroCount[128:], 0)
	f.Add(zeroCount)
	hugeCount := append([]byte{}, fx.proof...)
	binary.BigEndian.PutUint32(hugeCount[128:], 0xffffffff)
	f.Add(hugeCount)
	f.Add(make([]byte, zkverify.ProofSize(1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		err := zkverify.Verify(vk, b, fx.public)
		if err == nil {
			require.True(t, bytes.Equal(b, fx.proof), "a different proof verified")
		}
	})
}

// FuzzVerifyProofTwoCommitments: the same for a key with two commitments,
// the second naming the first (version 3 circuits' layout); the key is set
// up at the start of the run.
func FuzzVerifyProofTwoCommitments(f *testing.F) {
	vkb, pb, public := chainedFixture(f)
	vk, err := zkverify.ParseVerifyingKey(vkb, zkverify.Limits{NbPublic: 1})
	require.NoError(f, err)
	f.Add(pb)
	f.Add(pb[:128])
	f.Add(append(append([]byte{}, pb...), 0))
	one := append([]byte{}, pb...)
	binary.BigEndian.PutUint32(one[128:], 1)
	f.Add(one)
	f.Add(make([]byte, zkverify.ProofSize(2)))
	f.Add(vkb) // also seeds the key parser's corpus shape
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := zkverify.Verify(vk, b, public); err == nil {
			require.True(t, bytes.Equal(b, pb), "a different proof verified")
		}
		if k, err := zkverify.ParseVerifyingKey(b, zkverify.Limits{MaxBytes: 1 << 16}); err == nil {
			require.LessOrEqual(t, k.NbCommitments(), zkverify.MaxCommitments)
		}
	})
}
