package setup_test

import (
	"bytes"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/frontend"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/zkml"
	"github.com/verdict-chain/verdict/zkml/setup"
)

var small = zkml.Shape{16, 16, 4}

// Keys from this setup have the shape gnark's have, and proofs go both
// ways: gnark's prover with these keys, verified by gnark and by the
// chain's verifier (TestGroth16RoundTrip), and no proof crosses between
// two setups.
func TestSetupMatchesGnark(t *testing.T) {
	ccs, err := zkml.Poseidon2.Compile(small)
	require.NoError(t, err)
	pk, vk, err := setup.Setup(ccs)
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

	m, err := zkml.ExampleModel(small, "setup")
	require.NoError(t, err)
	in := zkml.ExampleInput(16, "setup")
	a, _, err := zkml.Poseidon2.Assign(m, in, 5)
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
