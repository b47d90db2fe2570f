package zkverify_test

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"
)

// Review 26, question 4: the shared-σ check. It compares the two keys'
// −σ·G points only, so a key whose σ is shared under another G (G₁ = 2·G₀,
// −σG₁ = 2·(−σG₀)), or whose σ are related (σ₁ = −σ₀), passes it. Safe:
// no such key panics the parser or the verifier, the literal shared σ is
// refused in either position, and under the keys that pass no proof
// verifies (gnark's folded check requires one G for every commitment, and
// a related σ is not the setup's), so nothing is forged with them.
func TestReview26SigmaCheckVariants(t *testing.T) {
	vkb, pb, public := chainedFixture(t)
	read := func() *groth16bn254.VerifyingKey {
		vk := groth16.NewVerifyingKey(ecc.BN254)
		_, err := vk.ReadFrom(bytes.NewReader(vkb))
		require.NoError(t, err)
		return vk.(*groth16bn254.VerifyingKey)
	}
	enc := func(g *groth16bn254.VerifyingKey) []byte {
		var b bytes.Buffer
		_, err := g.WriteTo(&b)
		require.NoError(t, err)
		return b.Bytes()
	}
	two := big.NewInt(2)

	g := read()
	g.CommitmentKeys[0] = g.CommitmentKeys[1]
	_, err := zkverify.ParseVerifyingKey(enc(g), zkverify.Limits{NbPublic: 1})
	require.ErrorIs(t, err, zkverify.ErrMalformedVK, "shared σ in position 0")

	variants := map[string]func(g *groth16bn254.VerifyingKey){
		"shared σ under another G": func(g *groth16bn254.VerifyingKey) {
			k := g.CommitmentKeys[0]
			g.CommitmentKeys[1].G.ScalarMultiplication(&k.G, two)
			g.CommitmentKeys[1].GSigmaNeg.ScalarMultiplication(&k.GSigmaNeg, two)
		},
		"σ₁ = −σ₀": func(g *groth16bn254.VerifyingKey) {
			g.CommitmentKeys[1].GSigmaNeg.Neg(&g.CommitmentKeys[0].GSigmaNeg)
		},
		"σ₁ = 2σ₀": func(g *groth16bn254.VerifyingKey) {
			g.CommitmentKeys[1].GSigmaNeg.ScalarMultiplication(&g.CommitmentKeys[0].GSigmaNeg, two)
		},
	}
	for name, change := range variants {
		g := read()
		change(g)
		vk, err := zkverify.ParseVerifyingKey(enc(g), zkverify.Limits{NbPublic: 1})
		if err != nil {
			continue // refused: safe
		}
		t.Logf("%s: accepted by the parser", name)
		require.NotPanics(t, func() {
			err = zkverify.Verify(vk, pb, public)
		})
		require.ErrorIs(t, err, zkverify.ErrRejected, "%s: a proof verifies", name)
	}
}
