package zkml

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	bn254 "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/frontend"
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

// Keys from this setup have the shape gnark's have, and proofs go both
// ways: gnark's prover with these keys, verified by gnark and by the
// chain's verifier (TestGroth16RoundTrip), and no proof crosses between
// two setups.
func TestSetupMatchesGnark(t *testing.T) {
	ccs, err := Poseidon2.Compile(small)
	require.NoError(t, err)
	pk, vk, err := Setup(ccs)
	require.NoError(t, err)
	gpk, gvk, err := groth16.Setup(ccs)
	require.NoError(t, err)
	ours, theirs := pk.(*groth16bn254.ProvingKey), gpk.(*groth16bn254.ProvingKey)
	require.Equal(t, len(theirs.G1.A), len(ours.G1.A))
	require.Equal(t, len(theirs.G1.B), len(ours.G1.B))
	require.Equal(t, len(theirs.G1.Z), len(ours.G1.Z))
	require.Equal(t, len(theirs.G1.K), len(ours.G1.K))
	require.Equal(t, len(theirs.G2.B), len(ours.G2.B))
	require.Equal(t, theirs.InfinityA, ours.InfinityA)
	require.Equal(t, theirs.InfinityB, ours.InfinityB)
	require.Equal(t, theirs.Domain.Cardinality, ours.Domain.Cardinality)
	require.Len(t, ours.CommitmentKeys, 1)
	require.Equal(t, len(theirs.CommitmentKeys[0].Basis), len(ours.CommitmentKeys[0].Basis))
	require.Equal(t, gvk.NbPublicWitness(), vk.NbPublicWitness())

	m, err := ExampleModel(small, "setup")
	require.NoError(t, err)
	in := ExampleInput(16, "setup")
	a, _, err := Poseidon2.Assign(m, in, 5)
	require.NoError(t, err)
	w, err := frontend.NewWitness(a, ecc.BN254.ScalarField())
	require.NoError(t, err)
	pw, err := w.Public()
	require.NoError(t, err)
	proof, err := groth16.Prove(ccs, pk, w)
	require.NoError(t, err)
	require.NoError(t, groth16.Verify(proof, vk, pw))
	require.Error(t, groth16.Verify(proof, gvk, pw), "a proof under one setup fails another's key")
	gproof, err := groth16.Prove(ccs, gpk, w)
	require.NoError(t, err)
	require.Error(t, groth16.Verify(gproof, vk, pw))

	// the serialized keys read back
	var buf bytes.Buffer
	_, err = vk.WriteTo(&buf)
	require.NoError(t, err)
	vk2 := groth16.NewVerifyingKey(ecc.BN254)
	_, err = vk2.ReadFrom(&buf)
	require.NoError(t, err)
	require.NoError(t, groth16.Verify(proof, vk2, pw))
}
