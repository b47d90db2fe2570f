// Package zkverify is the chain's Groth16 (BN254) verification path. It never
// hands transaction bytes to gnark's length-prefixed decoders: verifying keys
// and proofs are parsed here by a bounds-checked reader, point by point with
// gnark-crypto's fixed-size SetBytes (which checks the curve equation and the
// subgroup), and their structure is checked before gnark's Verify runs.
//
// Accepted encodings are gnark's compressed ones (what VerifyingKey.WriteTo
// and Proof.WriteTo produce), and only those: a VK must re-encode to exactly
// its input bytes, so each key has one encoding and one hash.
//
//	VK:    α₁ β₁ β₂ γ₂ δ₁ δ₂ (288 B) | u32 nK | K₁ × nK |
//	       u32 nC | nC × (u32 n | u64 × n)      (public inputs committed) |
//	       u32 nC | nC × (G₂ G₂)                (Pedersen keys G, −σG)
//	proof: Ar₁ Bs₂ Krs₁ (128 B) | u32 nC | nC × G₁ | PoK₁
package zkverify

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/pedersen"
	groth16 "github.com/consensys/gnark/backend/groth16/bn254"
)

const (
	g1Size = curve.SizeOfG1AffineCompressed // 32
	g2Size = curve.SizeOfG2AffineCompressed // 64
	// MaxCommitments bounds the Pedersen commitments a circuit may use:
	// gnark's range checks use one, and version 3 circuits commit to their
	// model in another.
	MaxCommitments = 2
)

// ProofSize is the exact length of a proof for a VK with nCommitments.
func ProofSize(nCommitments int) int {
	return 2*g1Size + g2Size + 4 + nCommitments*g1Size + g1Size
}

var (
	ErrMalformedVK    = errors.New("malformed verifying key")
	ErrMalformedProof = errors.New("malformed proof")
	ErrPublicInputs   = errors.New("bad public inputs")
	ErrRejected       = errors.New("proof rejected")
)

// VerifyingKey is a parsed, validated Groth16 BN254 key, ready to verify
// (its pairing e(α, β) is precomputed once).
type VerifyingKey struct {
	vk          groth16.VerifyingKey
	nbPublic    int
	commitments int
}

// NbPublic is the number of public inputs the key verifies.
func (v *VerifyingKey) NbPublic() int { return v.nbPublic }

// NbCommitments is the number of Pedersen commitments in its proofs.
func (v *VerifyingKey) NbCommitments() int { return v.commitments }

type cursor struct {
	b   []byte
	off int
	err error
}

func (c *cursor) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("byte %d: %s", c.off, fmt.Sprintf(format, args...))
	}
}

func (c *cursor) take(n int) []byte {
	if c.err != nil {
		return nil
	}
	if n < 0 || len(c.b)-c.off < n {
		c.fail("need %d bytes, %d left", n, len(c.b)-c.off)
		return nil
	}
	s := c.b[c.off : c.off+n]
	c.off += n
	return s
}

func (c *cursor) u32() int {
	s := c.take(4)
	if s == nil {
		return 0
	}
	v := binary.BigEndian.Uint32(s)
	if v > 1<<20 {
		c.fail("count %d too large", v)
		return 0
	}
	return int(v)
}

func (c *cursor) u64() uint64 {
	s := c.take(8)
	if s == nil {
		return 0
	}
	return binary.BigEndian.Uint64(s)
}

// point is a G1 or G2 affine point.
type point interface {
	SetBytes(buf []byte) (int, error)
	IsInfinity() bool
}

// readPoint reads one compressed point of size bytes into p: on the curve,
// in the subgroup (SetBytes checks both), not the point at infinity.
func readPoint(c *cursor, p point, size int, what string) {
	s := c.take(size)
	if s == nil {
		return
	}
	n, err := p.SetBytes(s)
	switch {
	case err != nil:
		c.fail("%s: %v", what, err)
	case n != size:
		c.fail("%s: not a compressed point", what)
	case p.IsInfinity():
		c.fail("%s is the point at infinity", what)
	}
}

func (c *cursor) g1(what string) (p curve.G1Affine) {
	readPoint(c, &p, g1Size, what)
	return p
}

func (c *cursor) g2(what string) (p curve.G2Affine) {
	readPoint(c, &p, g2Size, what)
	return p
}

// Limits bound what a VK may declare.
type Limits struct {
	MaxBytes int // total encoded size
	NbPublic int // exact number of public inputs required
}

// ParseVerifyingKey decodes and validates a VK. Every count is checked against
// the bytes left before anything is allocated, so no input can make it
// allocate more than its own length.
func ParseVerifyingKey(b []byte, lim Limits) (*VerifyingKey, error) {
	if lim.MaxBytes > 0 && len(b) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, max %d", ErrMalformedVK, len(b), lim.MaxBytes)
	}
	c := &cursor{b: b}
	var vk groth16.VerifyingKey
	vk.G1.Alpha = c.g1("alpha")
	vk.G1.Beta = c.g1("beta1")
	vk.G2.Beta = c.g2("beta2")
	vk.G2.Gamma = c.g2("gamma")
	vk.G1.Delta = c.g1("delta1")
	vk.G2.Delta = c.g2("delta2")

	nK := c.u32()
	if c.err == nil && nK*g1Size > len(b)-c.off {
		c.fail("%d K points do not fit", nK)
	}
	if c.err == nil {
		vk.G1.K = make([]curve.G1Affine, nK)
		for i := range vk.G1.K {
			vk.G1.K[i] = c.g1(fmt.Sprintf("K[%d]", i))
		}
	}

	nC := c.u32()
	if c.err == nil && nC > MaxCommitments {
		c.fail("%d commitments, max %d", nC, MaxCommitments)
	}
	committed := make([][]int, 0, nC)
	for i := 0; c.err == nil && i < nC; i++ {
		n := c.u32()
		if c.err == nil && n*8 > len(b)-c.off {
			c.fail("commitment %d: %d indices do not fit", i, n)
		}
		idx := make([]int, 0, n)
		for j := 0; c.err == nil && j < n; j++ {
			idx = append(idx, int(min(c.u64(), 1<<31)))
		}
		committed = append(committed, idx)
	}
	vk.PublicAndCommitmentCommitted = committed

	nKeys := c.u32()
	if c.err == nil && nKeys != nC {
		c.fail("%d commitment keys for %d commitments", nKeys, nC)
	}
	for i := 0; c.err == nil && i < nKeys; i++ {
		vk.CommitmentKeys = append(vk.CommitmentKeys, pedersen.VerifyingKey{
			G:         c.g2(fmt.Sprintf("commitment key %d G", i)),
			GSigmaNeg: c.g2(fmt.Sprintf("commitment key %d GSigmaNeg", i)),
		})
		// One σ per commitment (gnark ≥ 0.11, CVE-2024-45039): under a
		// shared σ the folded proof of knowledge no longer separates the
		// commitments, and values could move from one to another.
		for j := 0; c.err == nil && j < i; j++ {
			if vk.CommitmentKeys[j].GSigmaNeg.Equal(&vk.CommitmentKeys[i].GSigmaNeg) {
				c.fail("commitment keys %d and %d share σ", j, i)
			}
		}
	}
	if c.err == nil && c.off != len(b) {
		c.fail("%d trailing bytes", len(b)-c.off)
	}
	if c.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedVK, c.err)
	}

	// Structure: K holds the constant term, the public inputs and one entry
	// per commitment; committed indices name public inputs (1..nbPublic)
	// or an earlier commitment's hash (nbPublic+1+c for commitment c < i:
	// the verifier appends each hash to the public inputs in order), in
	// increasing order.
	nbPublic := nK - 1 - nC
	if nbPublic < 1 {
		return nil, fmt.Errorf("%w: %d K points for %d commitments", ErrMalformedVK, nK, nC)
	}
	if lim.NbPublic > 0 && nbPublic != lim.NbPublic {
		return nil, fmt.Errorf("%w: %d public inputs, want %d", ErrMalformedVK, nbPublic, lim.NbPublic)
	}
	for i, idx := range committed {
		for j, v := range idx {
			if v < 1 || v > nbPublic+i || (j > 0 && v <= idx[j-1]) {
				return nil, fmt.Errorf("%w: commitment %d: committed index %d out of range or order", ErrMalformedVK, i, v)
			}
		}
	}
	// One encoding per key: it must re-encode to its own bytes.
	var re bytes.Buffer
	if _, err := vk.WriteTo(&re); err != nil || !bytes.Equal(re.Bytes(), b) {
		return nil, fmt.Errorf("%w: not in canonical compressed encoding", ErrMalformedVK)
	}
	if err := vk.Precompute(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedVK, err)
	}
	return &VerifyingKey{vk: vk, nbPublic: nbPublic, commitments: nC}, nil
}

// ParseProof decodes a proof for vk: exact length, compressed points in the
// right subgroups, none at infinity, the commitment count the VK expects.
func ParseProof(vk *VerifyingKey, b []byte) (*groth16.Proof, error) {
	if want := ProofSize(vk.commitments); len(b) != want {
		return nil, fmt.Errorf("%w: %d bytes, want exactly %d", ErrMalformedProof, len(b), want)
	}
	c := &cursor{b: b}
	p := &groth16.Proof{}
	p.Ar = c.g1("Ar")
	p.Bs = c.g2("Bs")
	p.Krs = c.g1("Krs")
	if n := c.u32(); c.err == nil && n != vk.commitments {
		c.fail("%d commitments, want %d", n, vk.commitments)
	}
	p.Commitments = make([]curve.G1Affine, vk.commitments)
	for i := range p.Commitments {
		p.Commitments[i] = c.g1(fmt.Sprintf("commitment %d", i))
	}
	if vk.commitments > 0 {
		p.CommitmentPok = c.g1("commitment proof of knowledge")
	} else if s := c.take(g1Size); s != nil {
		// With no commitments gnark still encodes the (unused) proof of
		// knowledge, as the point at infinity; accept only that encoding.
		var inf curve.G1Affine
		if enc := inf.Bytes(); !bytes.Equal(s, enc[:]) {
			c.fail("proof of knowledge must be the point at infinity when the key has no commitments")
		}
	}
	if c.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedProof, c.err)
	}
	return p, nil
}

// PublicInput turns a 32-byte big-endian canonical field element into an
// input; values at or above the modulus are refused, never reduced.
func PublicInput(b []byte) (fr.Element, error) {
	var e fr.Element
	if err := e.SetBytesCanonical(b); err != nil {
		return e, fmt.Errorf("%w: not a canonical field element", ErrPublicInputs)
	}
	return e, nil
}

// Verify checks proof bytes against a parsed VK and public inputs the caller
// built from its own state. Every structural condition gnark's Verify assumes
// is checked first; the recover is a last line only.
func Verify(vk *VerifyingKey, proofBytes []byte, public []fr.Element) (err error) {
	if vk == nil {
		return fmt.Errorf("%w: no verifying key", ErrRejected)
	}
	if len(public) != vk.nbPublic {
		return fmt.Errorf("%w: %d public inputs, key expects %d", ErrPublicInputs, len(public), vk.nbPublic)
	}
	proof, err := ParseProof(vk, proofBytes)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: verifier panic: %v", ErrRejected, r)
		}
	}()
	pub := make(fr.Vector, len(public))
	copy(pub, public)
	if err := groth16.Verify(proof, &vk.vk, pub); err != nil {
		return fmt.Errorf("%w: %v", ErrRejected, err)
	}
	return nil
}
