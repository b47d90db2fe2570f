package zkml

import (
	"bytes"
	"crypto/sha3"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"

	zksetup "github.com/verdict-chain/verdict/zkml/setup"
)

// v3kit is a version 3 circuit of the small shape, set up once per test.
type v3kit struct {
	ccs constraint.ConstraintSystem
	pk  groth16.ProvingKey
	vk  *zkverify.VerifyingKey
	ck  *CommitmentKey
}

func newV3(t *testing.T, sh Shape) v3kit {
	t.Helper()
	ccs, err := Pedersen.Compile(sh)
	require.NoError(t, err)
	pk, vk, err := zksetup.Setup(ccs)
	require.NoError(t, err)
	cvk := chainVK(t, vk)
	require.Equal(t, 2, cvk.NbCommitments(), "the model's commitment and the range checks'")
	ck, err := CommitmentKeyOf(pk)
	require.NoError(t, err)
	return v3kit{ccs: ccs, pk: pk, vk: cvk, ck: ck}
}

// chainVK is vk as the chain's strict parser reads it.
func chainVK(t *testing.T, vk groth16.VerifyingKey) *zkverify.VerifyingKey {
	t.Helper()
	var vkb bytes.Buffer
	_, err := vk.WriteTo(&vkb)
	require.NoError(t, err)
	cvk, err := zkverify.ParseVerifyingKey(vkb.Bytes(), zkverify.Limits{MaxBytes: 1 << 16, NbPublic: PublicInputs})
	require.NoError(t, err)
	return cvk
}

// public is the public witness the chain builds for job id.
func public(t *testing.T, mc, ic, oc [CommitmentLen]byte, id uint64) []fr.Element {
	t.Helper()
	var idb [32]byte
	new(big.Int).SetUint64(id).FillBytes(idb[:])
	var out []fr.Element
	for _, b := range [][]byte{mc[:], ic[:], oc[:], idb[:]} {
		e, err := zkverify.PublicInput(b)
		require.NoError(t, err)
		out = append(out, e)
	}
	return out
}

func commitmentsOf(t *testing.T, proof []byte) []curve.G1Affine {
	t.Helper()
	p := groth16.NewProof(ecc.BN254)
	_, err := p.ReadFrom(bytes.NewReader(proof))
	require.NoError(t, err)
	return p.(*groth16bn254.Proof).Commitments
}

// A version 3 proof verifies on the chain's verifier against a model
// commitment computed from the model and the commitment key alone; every
// proof of a model carries the same model point; a changed weight, bias or
// shift, another setup's key, or a proof made without zeroed masks cannot
// answer the job.
func TestVersion3ModelCommitment(t *testing.T) {
	k := newV3(t, small)
	m, err := ExampleModel(small, "v3")
	require.NoError(t, err)
	in := ExampleInput(16, "v3")
	mc, err := k.ck.ModelCommitment(m)
	require.NoError(t, err)
	_, err = Pedersen.ModelCommitment(m)
	require.ErrorIs(t, err, ErrCommitmentKey, "version 3 needs the key")

	p1, out, err := Pedersen.Prove(k.ccs, k.pk, m, in, 7)
	require.NoError(t, err)
	require.Len(t, p1, zkverify.ProofSize(2))
	ic, oc := Pedersen.TensorCommitment(in), Pedersen.TensorCommitment(out)
	require.Equal(t, Poseidon2.TensorCommitment(in), ic, "tensors are committed as in version 2")
	require.NoError(t, zkverify.Verify(k.vk, p1, public(t, mc, ic, oc, 7)))

	// the same model in another job, on another input: the same model point
	in2 := ExampleInput(16, "other")
	p2, out2, err := Pedersen.Prove(k.ccs, k.pk, m, in2, 8)
	require.NoError(t, err)
	require.NoError(t, zkverify.Verify(k.vk, p2, public(t, mc, Pedersen.TensorCommitment(in2), Pedersen.TensorCommitment(out2), 8)))
	c1, c2 := commitmentsOf(t, p1), commitmentsOf(t, p2)
	require.Equal(t, c1[0], c2[0], "the model point is deterministic")
	require.Equal(t, mc, commitmentHash(c1[0]))

	// wrong claims against the job are refused
	require.ErrorIs(t, zkverify.Verify(k.vk, p1, public(t, mc, ic, oc, 8)), zkverify.ErrRejected, "another job")
	require.ErrorIs(t, zkverify.Verify(k.vk, p1, public(t, mc, ic, ic, 7)), zkverify.ErrRejected, "another output")
	require.ErrorIs(t, zkverify.Verify(k.vk, p1, public(t, mc, oc, oc, 7)), zkverify.ErrRejected, "another input")

	// one changed value anywhere in the model: another commitment, and no
	// proof of it answers the honest model's job
	for name, change := range map[string]func(*Model){
		"weight": func(m *Model) { m.Layers[1].Weights[5]++ },
		"bias":   func(m *Model) { m.Layers[0].Biases[3]-- },
		"shift":  func(m *Model) { m.Layers[0].Shift++ },
	} {
		bad, err := ExampleModel(small, "v3")
		require.NoError(t, err)
		change(bad)
		bc, err := k.ck.ModelCommitment(bad)
		require.NoError(t, err)
		require.NotEqual(t, mc, bc, name)
		pb, outb, err := Pedersen.Prove(k.ccs, k.pk, bad, in, 7)
		require.NoError(t, err, name)
		require.NoError(t, zkverify.Verify(k.vk, pb, public(t, bc, ic, Pedersen.TensorCommitment(outb), 7)), name)
		require.ErrorIs(t, zkverify.Verify(k.vk, pb, public(t, mc, ic, Pedersen.TensorCommitment(outb), 7)), zkverify.ErrRejected, name)
		// and its witness cannot claim the honest model's commitment
		a, _, err := Pedersen.AssignWithKey(k.ck, bad, in, 7)
		require.NoError(t, err)
		a.ModelCommitment = new(big.Int).SetBytes(mc[:])
		w, err := frontend.NewWitness(a, ecc.BN254.ScalarField())
		require.NoError(t, err)
		_, err = groth16.Prove(k.ccs, k.pk, w, Pedersen.ProverOptions()...)
		require.Error(t, err, name)
	}

	// gnark's default prover masks the commitment: its proof cannot be made
	a, _, err := Pedersen.AssignWithKey(k.ck, m, in, 7)
	require.NoError(t, err)
	w, err := frontend.NewWitness(a, ecc.BN254.ScalarField())
	require.NoError(t, err)
	_, err = groth16.Prove(k.ccs, k.pk, w)
	require.Error(t, err, "a masked commitment does not hash to the model commitment")

	// another setup of the same circuit draws another key: another
	// commitment for the same model, and its proofs do not verify here
	k2 := newV3(t, small)
	mc2, err := k2.ck.ModelCommitment(m)
	require.NoError(t, err)
	require.NotEqual(t, mc, mc2)
	p3, _, err := Pedersen.Prove(k2.ccs, k2.pk, m, in, 7)
	require.NoError(t, err)
	require.ErrorIs(t, zkverify.Verify(k.vk, p3, public(t, mc2, ic, oc, 7)), zkverify.ErrRejected)
	require.ErrorIs(t, zkverify.Verify(k.vk, p3, public(t, mc, ic, oc, 7)), zkverify.ErrRejected)

	// another shape's key does not fit the model
	_, err = k.ck.ModelCommitment(&Model{Layers: m.Layers[:1]})
	require.ErrorIs(t, err, ErrCommitmentKey)
}

// The model commitment is commitment 0 and holds exactly the model's
// values: one per shift, weight and bias, the constant 1 and the mask.
func TestVersion3CommitsTheModelOnly(t *testing.T) {
	ccs, err := Pedersen.Compile(small)
	require.NoError(t, err)
	info := ccs.GetCommitments().(constraint.Groth16Commitments)
	require.Len(t, info, 2)
	m, err := ExampleModel(small, "x")
	require.NoError(t, err)
	require.Len(t, info[0].PrivateCommitted, len(modelValues(m)))
	require.Empty(t, info[0].PublicAndCommitmentCommitted)
	// the model's values are the first secret wires; then the constant
	// 1 and the mask
	nbPub := ccs.GetNbPublicVariables()
	for i, w := range info[0].PrivateCommitted[:len(info[0].PrivateCommitted)-2] {
		require.Equal(t, nbPub+i, w, "model value %d is secret wire %d", i, i)
	}
	// versions 2 and 3 of a shape: version 3 drops the model hash and the
	// weights' byte checks
	v2, err := Poseidon2.Compile(small)
	require.NoError(t, err)
	t.Logf("16-16-4: %d constraints in version 2, %d in version 3", v2.GetNbConstraints(), ccs.GetNbConstraints())
	require.Less(t, ccs.GetNbConstraints(), v2.GetNbConstraints()/2)
}

// A version 3 CNN proves and verifies like an MLP.
func TestVersion3CNN(t *testing.T) {
	a := Arch{Image: Image{C: 1, H: 10, W: 10}, Convs: []Conv{{F: 2, K: 3}, {F: 3, K: 3}}, Dense: []int{5, 4}}
	id := a.CircuitIDFor(Pedersen)
	require.Equal(t, "cnn3-"+a.String(), id)
	ccs, _, err := CompileByID(id, false)
	require.NoError(t, err)
	pk, vk, err := zksetup.Setup(ccs)
	require.NoError(t, err)
	cvk := chainVK(t, vk)
	m, in, sc, err := ExampleForID(id, "cnn3")
	require.NoError(t, err)
	require.Equal(t, Pedersen, sc)
	require.Equal(t, id, m.CircuitID(sc))
	ck, err := CommitmentKeyOf(pk)
	require.NoError(t, err)
	mc, err := ck.ModelCommitment(m)
	require.NoError(t, err)
	proof, out, err := sc.Prove(ccs, pk, m, in, 3)
	require.NoError(t, err)
	nat, err := Infer(m, in)
	require.NoError(t, err)
	require.Equal(t, nat, out)
	ic, oc := sc.TensorCommitment(in), sc.TensorCommitment(out)
	require.NoError(t, zkverify.Verify(cvk, proof, public(t, mc, ic, oc, 3)))
	m.Layers[0].Weights[0]++
	bad, err := ck.ModelCommitment(m)
	require.NoError(t, err)
	require.ErrorIs(t, zkverify.Verify(cvk, proof, public(t, bad, ic, oc, 3)), zkverify.ErrRejected)
}

// Commitment key files round-trip; every truncation, a bad magic, a
// wrong count, a point off the curve or at infinity is refused.
func TestCommitmentKeyFile(t *testing.T) {
	_, _, g1, _ := curve.Generators()
	ck := &CommitmentKey{}
	for i := 1; i <= 3; i++ {
		var p curve.G1Affine
		p.ScalarMultiplication(&g1, big.NewInt(int64(i)))
		ck.Basis = append(ck.Basis, p)
	}
	var b bytes.Buffer
	_, err := ck.WriteTo(&b)
	require.NoError(t, err)
	got, err := ReadCommitmentKey(b.Bytes())
	require.NoError(t, err)
	require.Equal(t, ck.Basis, got.Basis)
	raw := b.Bytes()
	for n := 0; n < len(raw); n++ {
		_, err := ReadCommitmentKey(raw[:n])
		require.ErrorIs(t, err, ErrCommitmentKey, "truncated at %d", n)
	}
	_, err = ReadCommitmentKey(append(append([]byte{}, raw...), 0))
	require.ErrorIs(t, err, ErrCommitmentKey)
	bad := append([]byte{}, raw...)
	bad[0] = 'X'
	_, err = ReadCommitmentKey(bad)
	require.ErrorIs(t, err, ErrCommitmentKey)
	bad = append([]byte{}, raw...)
	bad[8+63] ^= 1 // the first point's y: off the curve
	_, err = ReadCommitmentKey(bad)
	require.ErrorIs(t, err, ErrCommitmentKey)
	var inf curve.G1Affine
	bad = append([]byte{}, raw...)
	ib := inf.RawBytes()
	copy(bad[8:], ib[:])
	_, err = ReadCommitmentKey(bad)
	require.ErrorIs(t, err, ErrCommitmentKey)
}

// The key file decoder takes bytes from disk: nothing may panic, and what
// decodes re-encodes to the same bytes.
func FuzzCommitmentKeyFile(f *testing.F) {
	_, _, g1, _ := curve.Generators()
	var b bytes.Buffer
	_, err := (&CommitmentKey{Basis: []curve.G1Affine{g1}}).WriteTo(&b)
	require.NoError(f, err)
	f.Add(b.Bytes())
	f.Add([]byte("VCK1\x00\x00\x00\x01"))
	f.Add([]byte("VCK1\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ck, err := ReadCommitmentKey(data)
		if err != nil {
			return
		}
		var re bytes.Buffer
		_, err = ck.WriteTo(&re)
		require.NoError(t, err)
		require.Equal(t, data, re.Bytes())
	})
}

// assignT is Scheme.Assign for gnark's test engine (test.IsSolved), whose
// Commit is not a Pedersen commitment but a cSHAKE128 hash of the
// committed values (gnark test/engine.go): a version 3 witness names the
// model by that value there.
func assignT(t testing.TB, sc Scheme, m *Model, in []int8, id uint64) (*Circuit, []int8) {
	t.Helper()
	if sc != Pedersen {
		a, out, err := sc.Assign(m, in, id)
		require.NoError(t, err)
		return a, out
	}
	vals := modelValues(m)
	h := sha3.NewCSHAKE128(nil, []byte("gnark test engine"))
	for _, v := range vals[:len(vals)-1] { // the engine adds no mask
		b := v.Bytes()
		_, _ = h.Write(b[:])
	}
	var buf [fr.Bytes]byte
	_, _ = h.Read(buf[:])
	var e fr.Element
	e.SetBigInt(new(big.Int).SetBytes(buf[:]))
	ck := &CommitmentKey{Basis: make([]curve.G1Affine, len(vals))} // any key of the right size
	_, _, g1, _ := curve.Generators()
	for i := range ck.Basis {
		ck.Basis[i] = g1
	}
	a, out, err := sc.AssignWithKey(ck, m, in, id)
	require.NoError(t, err)
	a.ModelCommitment = e.BigInt(new(big.Int))
	return a, out
}

// Version 3's convolution packs positions instead of filters: a prover that
// moves a carry between two positions' sums, or changes one, cannot prove.
func TestVersion3ConvSumsCannotBeForged(t *testing.T) {
	id := tinyCNN.CircuitIDFor(Pedersen)
	ccs, _, err := CompileByID(id, false)
	require.NoError(t, err)
	pk, _, err := zksetup.Setup(ccs)
	require.NoError(t, err)
	ck, err := CommitmentKeyOf(pk)
	require.NoError(t, err)
	m, err := ExampleCNN(tinyCNN, "forge")
	require.NoError(t, err)
	a, _, err := Pedersen.AssignWithKey(ck, m, cnnInput(tinyCNN, "forge"), 5)
	require.NoError(t, err)
	w, err := frontend.NewWitness(a, ecc.BN254.ScalarField())
	require.NoError(t, err)
	_, err = groth16.Prove(ccs, pk, w, Pedersen.ProverOptions()...)
	require.NoError(t, err, "honest")
	forge := func(change func(k uint, out []*big.Int)) backend.ProverOption {
		return backend.WithSolverOptions(solver.OverrideHint(randomizeHint, zeroHint), solver.OverrideHint(solver.GetHintID(UnpackHint), func(f *big.Int, in, out []*big.Int) error {
			if err := UnpackHint(f, in, out); err != nil {
				return err
			}
			if len(out) > 1 {
				change(uint(in[0].Int64()), out)
			}
			return nil
		}))
	}
	carry := forge(func(k uint, out []*big.Int) { // a0 + 2^k, a1 − 1: the same recombination
		out[0].Add(out[0], pow2(int(k)))
		out[1].Sub(out[1], big.NewInt(1))
	})
	_, err = groth16.Prove(ccs, pk, w, carry)
	require.Error(t, err, "carry moved between positions")
	bump := forge(func(_ uint, out []*big.Int) { out[0].Add(out[0], big.NewInt(1)) })
	_, err = groth16.Prove(ccs, pk, w, bump)
	require.Error(t, err, "one sum changed")
}
