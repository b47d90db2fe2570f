package setup

import (
	"math/big"
	"testing"

	bn254 "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/stretchr/testify/require"
)

func testScalars(t *testing.T, n int) []fr.Element {
	t.Helper()
	s := make([]fr.Element, n)
	for i := 3; i < n; i++ {
		_, err := s[i].SetRandom()
		require.NoError(t, err)
	}
	s[0].SetZero()
	s[1].SetOne()
	s[2].SetOne()
	s[2].Neg(&s[2]) // r − 1
	return s
}

// The comb computes what gnark-crypto's batch multiplication computes, for
// the window widths a small and a large batch choose.
func TestBatchMulMatchesGnark(t *testing.T) {
	_, _, g1, g2 := bn254.Generators()
	for _, n := range []int{5, 700} {
		s := testScalars(t, n)
		require.Equal(t, bn254.BatchScalarMultiplicationG1(&g1, s), batchMulG1(&g1, s), "G1, %d scalars", n)
		require.Equal(t, bn254.BatchScalarMultiplicationG2(&g2, s), batchMulG2(&g2, s), "G2, %d scalars", n)
	}
	require.NotEqual(t, combWindow(10), combWindow(2_000_000), "the window grows with the batch")
	// a scalar with every window's digit at its maximum
	var all fr.Element
	all.SetBigInt(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 253), big.NewInt(1))) // 253 one bits
	s := []fr.Element{all}
	require.Equal(t, bn254.BatchScalarMultiplicationG1(&g1, s), batchMulG1(&g1, s))
}
