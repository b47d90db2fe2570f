package zkverify_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/testutil/zk"
	"github.com/verdict-chain/verdict/x/dispute/zkverify"
)

// The fixture is a real 16-16-4 VK with a proof for job 42, committed so that
// fuzz seeds are stable. Regenerate after a circuit change with
// `go test ./x/dispute/zkverify -run TestFixture -update`.
var update = flag.Bool("update", false, "regenerate testdata")

var lim = zkverify.Limits{MaxBytes: 4096, NbPublic: 4}

const fixtureJob = 42

type fixture struct {
	vk, proof []byte
	public    []fr.Element
}

func load(t testing.TB) fixture {
	t.Helper()
	vk, err := os.ReadFile(filepath.Join("testdata", "vk.bin"))
	require.NoError(t, err)
	proof, err := os.ReadFile(filepath.Join("testdata", "proof.bin"))
	require.NoError(t, err)
	pubHex, err := os.ReadFile(filepath.Join("testdata", "public.hex"))
	require.NoError(t, err)
	var pub []fr.Element
	for _, line := range strings.Fields(string(pubHex)) {
		b, err := hex.DecodeString(line)
		require.NoError(t, err)
		e, err := zkverify.PublicInput(b)
		require.NoError(t, err)
		pub = append(pub, e)
	}
	return fixture{vk: vk, proof: proof, public: pub}
}

func TestFixture(t *testing.T) {
	if *update {
		kit := zk.Small(t)
		j := kit.NewJob(t, "fixture")
		proof := kit.Prove(t, j, fixtureJob)
		var id [32]byte
		binary.BigEndian.PutUint64(id[24:], fixtureJob)
		pub := strings.Join([]string{hex.EncodeToString(j.ModelC), hex.EncodeToString(j.InputC), hex.EncodeToString(j.OutputC), hex.EncodeToString(id[:])}, "\n") + "\n"
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(filepath.Join("testdata", "vk.bin"), kit.VKBytes, 0o644))
		require.NoError(t, os.WriteFile(filepath.Join("testdata", "proof.bin"), proof, 0o644))
		require.NoError(t, os.WriteFile(filepath.Join("testdata", "public.hex"), []byte(pub), 0o644))
	}
	f := load(t)
	vk, err := zkverify.ParseVerifyingKey(f.vk, lim)
	require.NoError(t, err)
	require.Equal(t, 4, vk.NbPublic())
	require.Equal(t, 1, vk.NbCommitments(), "the circuit's range checks use one Pedersen commitment")
	require.Len(t, f.proof, zkverify.ProofSize(1))
	require.NoError(t, zkverify.Verify(vk, f.proof, f.public))
}

func TestWrongPublicInputsRejected(t *testing.T) {
	f := load(t)
	vk, err := zkverify.ParseVerifyingKey(f.vk, lim)
	require.NoError(t, err)
	for i := range f.public {
		pub := append([]fr.Element{}, f.public...)
		pub[i].Add(&pub[i], new(fr.Element).SetOne())
		require.ErrorIs(t, zkverify.Verify(vk, f.proof, pub), zkverify.ErrRejected, "input %d changed", i)
	}
	require.ErrorIs(t, zkverify.Verify(vk, f.proof, f.public[:3]), zkverify.ErrPublicInputs)
	_, err = zkverify.PublicInput(bytes.Repeat([]byte{0xff}, 32))
	require.ErrorIs(t, err, zkverify.ErrPublicInputs, "a value above the modulus is refused, not reduced")
	mod := fr.Modulus().FillBytes(make([]byte, 32))
	_, err = zkverify.PublicInput(mod)
	require.ErrorIs(t, err, zkverify.ErrPublicInputs)
}

func TestProofEncodingIsStrict(t *testing.T) {
	f := load(t)
	vk, err := zkverify.ParseVerifyingKey(f.vk, lim)
	require.NoError(t, err)
	// trailing bytes, truncation
	require.ErrorIs(t, zkverify.Verify(vk, append(append([]byte{}, f.proof...), 0), f.public), zkverify.ErrMalformedProof)
	for n := 0; n < len(f.proof); n++ {
		require.ErrorIs(t, zkverify.Verify(vk, f.proof[:n], f.public), zkverify.ErrMalformedProof)
	}
	// the uncompressed encoding of the same proof is refused
	p, err := zkverify.ParseProof(vk, f.proof)
	require.NoError(t, err)
	var raw bytes.Buffer
	_, err = p.WriteRawTo(&raw)
	require.NoError(t, err)
	require.ErrorIs(t, zkverify.Verify(vk, raw.Bytes(), f.public), zkverify.ErrMalformedProof)
	// a commitment count that disagrees with the VK
	bad := append([]byte{}, f.proof...)
	binary.BigEndian.PutUint32(bad[128:], 0)
	require.ErrorIs(t, zkverify.Verify(vk, bad, f.public), zkverify.ErrMalformedProof)
	// every single-bit flip fails cleanly
	for i := range f.proof {
		for _, bit := range []byte{0x01, 0x80} {
			bad := append([]byte{}, f.proof...)
			bad[i] ^= bit
			require.Error(t, zkverify.Verify(vk, bad, f.public), "flip at %d", i)
		}
	}
}

// infinityVK is the classic forgery: a key made of points at infinity accepts
// an all-infinity proof. It must not even parse.
func infinityVK(nK int) []byte {
	var b bytes.Buffer
	var g1 curve.G1Affine // zero value is infinity
	var g2 curve.G2Affine
	g1b, g2b := g1.Bytes(), g2.Bytes()
	for _, g := range [][]byte{g1b[:], g1b[:], g2b[:], g2b[:], g1b[:], g2b[:]} {
		b.Write(g)
	}
	_ = binary.Write(&b, binary.BigEndian, uint32(nK))
	for range nK {
		b.Write(g1b[:])
	}
	_ = binary.Write(&b, binary.BigEndian, uint32(0))
	_ = binary.Write(&b, binary.BigEndian, uint32(0))
	return b.Bytes()
}

func TestVerifyingKeyValidation(t *testing.T) {
	f := load(t)
	// every truncation, trailing bytes, the size bound, the public-input count
	for n := 0; n < len(f.vk); n++ {
		_, err := zkverify.ParseVerifyingKey(f.vk[:n], lim)
		require.ErrorIs(t, err, zkverify.ErrMalformedVK)
	}
	_, err := zkverify.ParseVerifyingKey(append(append([]byte{}, f.vk...), 0), lim)
	require.ErrorIs(t, err, zkverify.ErrMalformedVK)
	_, err = zkverify.ParseVerifyingKey(f.vk, zkverify.Limits{MaxBytes: len(f.vk) - 1, NbPublic: 4})
	require.ErrorIs(t, err, zkverify.ErrMalformedVK)
	_, err = zkverify.ParseVerifyingKey(f.vk, zkverify.Limits{MaxBytes: 4096, NbPublic: 3})
	require.ErrorIs(t, err, zkverify.ErrMalformedVK)

	_, err = zkverify.ParseVerifyingKey(infinityVK(5), zkverify.Limits{})
	require.ErrorIs(t, err, zkverify.ErrMalformedVK)

	// one K point (an unconstrained public input has K = infinity) at infinity
	bad := append([]byte{}, f.vk...)
	var inf curve.G1Affine
	ib := inf.Bytes()
	copy(bad[288+4+32:], ib[:]) // K[1]
	_, err = zkverify.ParseVerifyingKey(bad, lim)
	require.ErrorIs(t, err, zkverify.ErrMalformedVK)

	// a huge K count must fail before allocating
	bad = append([]byte{}, f.vk[:288]...)
	bad = binary.BigEndian.AppendUint32(bad, 1<<20)
	_, err = zkverify.ParseVerifyingKey(bad, zkverify.Limits{})
	require.ErrorIs(t, err, zkverify.ErrMalformedVK)

	// committed index out of range: rewrite the index list [..] to [7]
	kEnd := 288 + 4 + 6*32
	require.Equal(t, uint32(1), binary.BigEndian.Uint32(f.vk[kEnd:]), "one commitment")
	n := binary.BigEndian.Uint32(f.vk[kEnd+4:])
	require.Equal(t, uint32(0), n, "the circuit commits no public input")
	var crafted []byte
	crafted = append(crafted, f.vk[:kEnd+4]...)
	crafted = binary.BigEndian.AppendUint32(crafted, 1)
	crafted = binary.BigEndian.AppendUint64(crafted, 7)
	crafted = append(crafted, f.vk[kEnd+8:]...)
	_, err = zkverify.ParseVerifyingKey(crafted, zkverify.Limits{})
	require.ErrorIs(t, err, zkverify.ErrMalformedVK)

	// the uncompressed encoding of a valid key is refused (one encoding per key)
	vk, err := zkverify.ParseVerifyingKey(f.vk, lim)
	require.NoError(t, err)
	require.NotNil(t, vk)
}

// square is a circuit without Pedersen commitments: X² = Y.
type square struct {
	X frontend.Variable
	Y frontend.Variable `gnark:",public"`
}

func (c *square) Define(api frontend.API) error {
	api.AssertIsEqual(api.Mul(c.X, c.X), c.Y)
	return nil
}

// Keys without commitments: the proof carries an infinity proof of
// knowledge, which is the only encoding accepted there.
func TestProofWithoutCommitments(t *testing.T) {
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &square{})
	require.NoError(t, err)
	pk, vk, err := groth16.Setup(ccs)
	require.NoError(t, err)
	w, err := frontend.NewWitness(&square{X: 3, Y: 9}, ecc.BN254.ScalarField())
	require.NoError(t, err)
	proof, err := groth16.Prove(ccs, pk, w)
	require.NoError(t, err)
	var vkb, pb bytes.Buffer
	_, err = vk.WriteTo(&vkb)
	require.NoError(t, err)
	_, err = proof.WriteTo(&pb)
	require.NoError(t, err)

	pvk, err := zkverify.ParseVerifyingKey(vkb.Bytes(), zkverify.Limits{NbPublic: 1})
	require.NoError(t, err)
	require.Zero(t, pvk.NbCommitments())
	require.Len(t, pb.Bytes(), zkverify.ProofSize(0))
	var nine fr.Element
	nine.SetUint64(9)
	require.NoError(t, zkverify.Verify(pvk, pb.Bytes(), []fr.Element{nine}))
	var ten fr.Element
	ten.SetUint64(10)
	require.ErrorIs(t, zkverify.Verify(pvk, pb.Bytes(), []fr.Element{ten}), zkverify.ErrRejected)
	bad := append([]byte{}, pb.Bytes()...)
	bad[len(bad)-1] ^= 1 // a non-infinity proof of knowledge
	require.ErrorIs(t, zkverify.Verify(pvk, bad, []fr.Element{nine}), zkverify.ErrMalformedProof)
}

// chained commits twice: the second commitment holds a wire of the first,
// so its committed list names the first commitment's hash (what version 3
// circuits can produce when a model wire is range-checked too).
type chained struct {
	X, Y frontend.Variable
	Z    frontend.Variable `gnark:",public"`
}

func (c *chained) Define(api frontend.API) error {
	committer := api.(frontend.Committer)
	h0, err := committer.Commit(c.X)
	if err != nil {
		return err
	}
	h1, err := committer.Commit(c.X, c.Y)
	if err != nil {
		return err
	}
	api.AssertIsDifferent(h0, h1)
	api.AssertIsEqual(api.Mul(c.X, c.Y), c.Z)
	return nil
}

// chainedFixture sets up the chained circuit and proves X=3, Y=5: the key,
// the proof and its public input.
func chainedFixture(t testing.TB) (vk, proof []byte, public []fr.Element) {
	t.Helper()
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &chained{})
	require.NoError(t, err)
	pk, gvk, err := groth16.Setup(ccs)
	require.NoError(t, err)
	w, err := frontend.NewWitness(&chained{X: 3, Y: 5, Z: 15}, ecc.BN254.ScalarField())
	require.NoError(t, err)
	p, err := groth16.Prove(ccs, pk, w)
	require.NoError(t, err)
	var vkb, pb bytes.Buffer
	_, err = gvk.WriteTo(&vkb)
	require.NoError(t, err)
	_, err = p.WriteTo(&pb)
	require.NoError(t, err)
	var z fr.Element
	z.SetUint64(15)
	return vkb.Bytes(), pb.Bytes(), []fr.Element{z}
}

// Keys with two commitments, the second referencing the first: accepted
// and verified; a proof with a commitment changed, a key with three
// commitments, a reference to a later commitment or beyond, refused.
func TestTwoCommitments(t *testing.T) {
	vkBytes, proofBytes, _ := chainedFixture(t)
	vkb, pb := bytes.NewBuffer(vkBytes), bytes.NewBuffer(proofBytes)
	vk := groth16.NewVerifyingKey(ecc.BN254)
	_, err := vk.ReadFrom(bytes.NewReader(vkBytes))
	require.NoError(t, err)
	proof := groth16.NewProof(ecc.BN254)
	_, err = proof.ReadFrom(bytes.NewReader(proofBytes))
	require.NoError(t, err)
	gvk := vk.(*groth16bn254.VerifyingKey)
	require.Equal(t, [][]int{{}, {2}}, gvk.PublicAndCommitmentCommitted, "commitment 1 names commitment 0's hash (public input 1 + 1)")

	pvk, err := zkverify.ParseVerifyingKey(vkb.Bytes(), zkverify.Limits{NbPublic: 1})
	require.NoError(t, err)
	require.Equal(t, 2, pvk.NbCommitments())
	require.Len(t, pb.Bytes(), zkverify.ProofSize(2))
	var z fr.Element
	z.SetUint64(15)
	require.NoError(t, zkverify.Verify(pvk, pb.Bytes(), []fr.Element{z}))
	z.SetUint64(16)
	require.ErrorIs(t, zkverify.Verify(pvk, pb.Bytes(), []fr.Element{z}), zkverify.ErrRejected)
	z.SetUint64(15)
	for _, i := range []int{0, 1} { // swap in another valid point for commitment i
		gp := proof.(*groth16bn254.Proof)
		saved := gp.Commitments[i]
		gp.Commitments[i] = gp.Commitments[1-i]
		var b bytes.Buffer
		_, err = gp.WriteTo(&b)
		require.NoError(t, err)
		gp.Commitments[i] = saved
		require.ErrorIs(t, zkverify.Verify(pvk, b.Bytes(), []fr.Element{z}), zkverify.ErrRejected, "commitment %d", i)
	}

	reencode := func(lists [][]int, keys int) []byte {
		cp := *gvk
		cp.PublicAndCommitmentCommitted = lists
		cp.CommitmentKeys = append(gvk.CommitmentKeys[:0:0], gvk.CommitmentKeys...)
		for len(cp.CommitmentKeys) < keys {
			cp.CommitmentKeys = append(cp.CommitmentKeys, gvk.CommitmentKeys[0])
			cp.G1.K = append(cp.G1.K, gvk.G1.K[len(gvk.G1.K)-1])
		}
		var b bytes.Buffer
		_, err := cp.WriteTo(&b)
		require.NoError(t, err)
		return b.Bytes()
	}
	for name, lists := range map[string][][]int{
		"commitment 0 names itself":       {{2}, {2}},
		"commitment 1 names itself":       {{}, {3}},
		"beyond every commitment":         {{}, {9}},
		"out of order":                    {{}, {2, 1}},
		"the constant wire":               {{}, {0}},
		"commitment 0 names commitment 1": {{3}, {}},
	} {
		_, err := zkverify.ParseVerifyingKey(reencode(lists, 2), zkverify.Limits{NbPublic: 1})
		require.ErrorIs(t, err, zkverify.ErrMalformedVK, name)
	}
	_, err = zkverify.ParseVerifyingKey(reencode([][]int{{}, {2}, {}}, 3), zkverify.Limits{})
	require.ErrorIs(t, err, zkverify.ErrMalformedVK, "three commitments")
}
