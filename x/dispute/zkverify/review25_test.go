package zkverify_test

import (
	"bytes"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"
)

// Review 25 (version 3, two commitments).

// HARDENING (low): a two-commitment key whose Pedersen keys share one σ
// is what gnark < 0.11 set up (CVE-2024-45039, GHSA-q3hw-3gm4-w5cr): with
// one σ the folded proof of knowledge no longer separates the
// commitments, so a prover can move committed values from one commitment
// into another — for version 3, change the model behind a fixed model
// commitment. gnark 0.14 and zkml/setup never produce such a key; the
// chain's parser accepts it. Safe behaviour: refused as malformed.
func TestReview25SharedSigmaKeyRefused(t *testing.T) {
	vkb, _, _ := chainedFixture(t)
	vk := groth16.NewVerifyingKey(ecc.BN254)
	_, err := vk.ReadFrom(bytes.NewReader(vkb))
	require.NoError(t, err)
	g := vk.(*groth16bn254.VerifyingKey)
	require.Len(t, g.CommitmentKeys, 2)
	g.CommitmentKeys[1] = g.CommitmentKeys[0]
	var b bytes.Buffer
	_, err = g.WriteTo(&b)
	require.NoError(t, err)
	_, err = zkverify.ParseVerifyingKey(b.Bytes(), zkverify.Limits{NbPublic: 1})
	require.ErrorIs(t, err, zkverify.ErrMalformedVK, "two commitments under one σ accepted")
}

// Proof commitments are parsed in order and each is bound to its own
// hash: swapping the two commitments of a valid proof (and its proof of
// knowledge kept) is refused, never a panic.
func TestReview25SwappedCommitments(t *testing.T) {
	vkb, pb, public := chainedFixture(t)
	vk, err := zkverify.ParseVerifyingKey(vkb, zkverify.Limits{NbPublic: 1})
	require.NoError(t, err)
	require.NoError(t, zkverify.Verify(vk, pb, public))
	bad := append([]byte{}, pb...)
	off := 128 + 4
	c0 := append([]byte{}, bad[off:off+32]...)
	copy(bad[off:off+32], bad[off+32:off+64])
	copy(bad[off+32:off+64], c0)
	require.ErrorIs(t, zkverify.Verify(vk, bad, public), zkverify.ErrRejected)
}
