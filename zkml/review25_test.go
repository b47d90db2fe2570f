package zkml

import (
	"bytes"
	"crypto/sha256"
	"math"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	curve "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	zksetup "github.com/verdict-chain/verdict/zkml/setup"
)

// Review 25: adversarial tests of version 3 (mlp3-, cnn3-). Each asserts
// the safe behaviour, so a test that fails is an attack that works.

// zeroModel is the valid model file whose every committed value is 0:
// every weight −128, every bias −2^31, every shift 0.
func review25ZeroModel(t *testing.T, m *Model) *Model {
	t.Helper()
	for li := range m.Layers {
		l := &m.Layers[li]
		l.Shift = 0
		for k := range l.Weights {
			l.Weights[k] = -128
		}
		for k := range l.Biases {
			l.Biases[k] = math.MinInt32
		}
	}
	require.NoError(t, m.Validate())
	return m
}

// ATTACK (rule 15): a buyer names the all-zero model (a valid file). Its
// version 3 commitment is the hash of the point at infinity (the mask is
// zeroed), which the provider's checks accept; but every proof of it
// carries commitment 0 at infinity, which the chain's strict decoder
// refuses, so the honest provider cannot answer a challenge or an audit
// and loses fraud_slash_multiple × the payment. Safe behaviour: either the
// model's commitment is refused up front (so the provider declines the job
// for free) or its honest proof verifies on the chain.
func TestReview25ZeroModelHonestProviderCanProve(t *testing.T) {
	k := newV3(t, small)
	m, err := ExampleModel(small, "zero")
	require.NoError(t, err)
	m = review25ZeroModel(t, m)
	in := ExampleInput(16, "zero")
	mc, err := k.ck.ModelCommitment(m)
	if err != nil {
		return // refused up front: the provider's fetcher declines the job
	}
	proof, out, err := Pedersen.Prove(k.ccs, k.pk, m, in, 11)
	require.NoError(t, err, "the honest prover cannot even prove")
	nat, err := Infer(m, in)
	require.NoError(t, err)
	require.Equal(t, nat, out)
	err = zkverify.Verify(k.vk, proof, public(t, mc, Pedersen.TensorCommitment(in), Pedersen.TensorCommitment(out), 11))
	require.NoError(t, err, "the provider's honest proof of a model the agent accepted is refused by the chain")
}

// The same for a version 3 CNN.
func TestReview25ZeroCNNHonestProviderCanProve(t *testing.T) {
	id := tinyCNN.CircuitIDFor(Pedersen)
	ccs, _, err := CompileByID(id, false)
	require.NoError(t, err)
	pk, vk, err := zksetup.Setup(ccs)
	require.NoError(t, err)
	var vkb bytes.Buffer
	_, err = vk.WriteTo(&vkb)
	require.NoError(t, err)
	cvk, err := zkverify.ParseVerifyingKey(vkb.Bytes(), zkverify.Limits{MaxBytes: 1 << 16, NbPublic: PublicInputs})
	require.NoError(t, err)
	ck, err := CommitmentKeyOf(pk)
	require.NoError(t, err)
	m, err := ExampleCNN(tinyCNN, "zero")
	require.NoError(t, err)
	m = review25ZeroModel(t, m)
	in := cnnInput(tinyCNN, "zero")
	mc, err := ck.ModelCommitment(m)
	if err != nil {
		return
	}
	proof, out, err := Pedersen.Prove(ccs, pk, m, in, 12)
	require.NoError(t, err)
	err = zkverify.Verify(cvk, proof, public(t, mc, Pedersen.TensorCommitment(in), Pedersen.TensorCommitment(out), 12))
	require.NoError(t, err, "the provider's honest proof of a model the agent accepted is refused by the chain")
}

// review25Values are the committed values of an assignment (shifts,
// weights, biases as assigned, then the constant 1 and the zeroed mask), as
// field elements.
func review25Values(a *Circuit) []fr.Element {
	var out []fr.Element
	add := func(v frontend.Variable) {
		var e fr.Element
		_, err := e.SetInterface(v)
		if err != nil {
			panic(err)
		}
		out = append(out, e)
	}
	for _, v := range a.Shifts {
		add(v)
	}
	for _, l := range a.Weights {
		for _, v := range l {
			add(v)
		}
	}
	for _, l := range a.Biases {
		for _, v := range l {
			add(v)
		}
	}
	return append(out, fr.One(), fr.Element{})
}

func review25Commit(t *testing.T, ck *CommitmentKey, vals []fr.Element) [CommitmentLen]byte {
	t.Helper()
	require.Len(t, ck.Basis, len(vals))
	var c curve.G1Affine
	_, err := c.MultiExp(ck.Basis, vals, ecc.MultiExpConfig{})
	require.NoError(t, err)
	return commitmentHash(c)
}

func review25Field(v *big.Int) *big.Int { return new(big.Int).Mod(v, ecc.BN254.ScalarField()) }

// ATTACK (binding, dropped weight and bias checks): the dense packed
// product leaves combinations of weights (and the biases that absorb
// their sums) that vanish in every constraint, so a non-int8 "model"
// shares the honest model's commitment. A prover that opens the
// commitment to it must still get the honest output: every constraint
// sees the same values. Safe behaviour: the same commitment point, the
// same output, a proof that verifies only for the honest output.
func TestReview25KernelOpeningSameOutput(t *testing.T) {
	k := newV3(t, small)
	m, err := ExampleModel(small, "kernel")
	require.NoError(t, err)
	in := ExampleInput(16, "kernel")
	mc, err := k.ck.ModelCommitment(m)
	require.NoError(t, err)
	a, want, err := Pedersen.AssignWithKey(k.ck, m, in, 21)
	require.NoError(t, err)
	require.Equal(t, mc, review25Commit(t, k.ck, review25Values(a)))

	// layer 0 (16 -> 16): neurons 0 and 1 share a packed group; input 3
	bits := accBits(small[0])
	require.GreaterOrEqual(t, slotsPerElem(bits), 2)
	in0 := small[0]
	w := func(j, i int) *big.Int { return big.NewInt(int64(a.Weights[0][j*in0+i].(int))) }
	b := func(j int) *big.Int { return big.NewInt(a.Biases[0][j].(int64)) }
	d := pow2(bits)
	a.Weights[0][0*in0+3] = review25Field(new(big.Int).Add(w(0, 3), d))             // + 2^k
	a.Weights[0][1*in0+3] = review25Field(new(big.Int).Sub(w(1, 3), big.NewInt(1))) // − 1
	a.Biases[0][0] = review25Field(new(big.Int).Add(b(0), new(big.Int).Lsh(d, 7)))  // + 128·2^k
	a.Biases[0][1] = review25Field(new(big.Int).Sub(b(1), big.NewInt(128)))         // − 128
	require.Equal(t, mc, review25Commit(t, k.ck, review25Values(a)), "a non-int8 opening of the same commitment")

	wit, err := frontend.NewWitness(a, ecc.BN254.ScalarField())
	require.NoError(t, err)
	p, err := groth16.Prove(k.ccs, k.pk, wit, Pedersen.ProverOptions()...)
	require.NoError(t, err, "the kernel opening proves (the constraints see the honest model)")
	var pb bytes.Buffer
	_, err = p.WriteTo(&pb)
	require.NoError(t, err)
	ic, oc := Pedersen.TensorCommitment(in), Pedersen.TensorCommitment(want)
	require.NoError(t, zkverify.Verify(k.vk, pb.Bytes(), public(t, mc, ic, oc, 21)), "it proves the honest output")

	// and with its output changed, no proof
	other := append([]int8{}, want...)
	other[0] ^= 1
	a.OutputCommitment = new(big.Int).SetBytes(func() []byte { c := Pedersen.TensorCommitment(other); return c[:] }())
	wit, err = frontend.NewWitness(a, ecc.BN254.ScalarField())
	require.NoError(t, err)
	_, err = groth16.Prove(k.ccs, k.pk, wit, Pedersen.ProverOptions()...)
	require.Error(t, err, "the kernel opening proves another output")
}

// ATTACK (packedDot with unchecked weights, dense layers): a prover moves a
// carry between two neurons' packed sums (a0 + 2^k, a1 − 1: the same
// recombination) or bumps one sum, on an honest model. Safe: no proof.
func TestReview25DenseCarryForgery(t *testing.T) {
	k := newV3(t, small)
	m, err := ExampleModel(small, "carry")
	require.NoError(t, err)
	in := ExampleInput(16, "carry")
	a, _, err := Pedersen.AssignWithKey(k.ck, m, in, 5)
	require.NoError(t, err)
	w, err := frontend.NewWitness(a, ecc.BN254.ScalarField())
	require.NoError(t, err)
	forge := func(change func(k uint, out []*big.Int)) backend.ProverOption {
		return backend.WithSolverOptions(solver.OverrideHint(randomizeHint, zeroHint), solver.OverrideHint(solver.GetHintID(UnpackHint), func(f *big.Int, in, out []*big.Int) error {
			if err := UnpackHint(f, in, out); err != nil {
				return err
			}
			if len(out) > 1 {
				change(uint(in[0].Int64()), out)
				for _, o := range out {
					o.Mod(o, f)
				}
			}
			return nil
		}))
	}
	_, err = groth16.Prove(k.ccs, k.pk, w, Pedersen.ProverOptions()...)
	require.NoError(t, err, "honest")
	for name, f := range map[string]func(uint, []*big.Int){
		"carry up":   func(k uint, o []*big.Int) { o[0].Add(o[0], pow2(int(k))); o[1].Sub(o[1], big.NewInt(1)) },
		"carry down": func(k uint, o []*big.Int) { o[0].Sub(o[0], pow2(int(k))); o[1].Add(o[1], big.NewInt(1)) },
		"bump":       func(_ uint, o []*big.Int) { o[1].Add(o[1], big.NewInt(1)) },
	} {
		_, err = groth16.Prove(k.ccs, k.pk, w, forge(f))
		require.Error(t, err, name)
	}
}

// ATTACK (key distribution; fixed): nothing bound a .ck file to the
// verifying key registered on-chain. Whoever hands a buyer its circuit's .ck (a
// provider, a mirror) can change one point so that the buyer's model M
// commits to the point of another model M' under the real key; the job
// then names M', whose outputs the provider proves and the chain accepts.
// (Outside the brief's premise "with the right key"; listed because
// versions 1 and 2 needed no key to commit.) Safe behaviour: a key that
// is not the registered setup's is detectable; here, a proof of M' must
// not answer a job committed from M.
func TestReview25UnauthenticatedCommitmentKey(t *testing.T) {
	k := newV3(t, small)
	m, err := ExampleModel(small, "buyer")
	require.NoError(t, err)
	evil, err := ExampleModel(small, "provider")
	require.NoError(t, err)
	v, ve := modelValues(m), modelValues(evil)
	// forged key: every point real but the last bias's, chosen so that
	// Σ v_j·B'_j = Σ v'_j·B_j
	last := len(v) - 3 // the last bias (then the constant 1 and the mask)
	require.False(t, v[last].IsZero())
	var target, rest curve.G1Affine
	_, err = target.MultiExp(k.ck.Basis, ve, ecc.MultiExpConfig{})
	require.NoError(t, err)
	vr := append([]fr.Element{}, v...)
	vr[last].SetZero()
	_, err = rest.MultiExp(k.ck.Basis, vr, ecc.MultiExpConfig{})
	require.NoError(t, err)
	var diff curve.G1Affine
	diff.Sub(&target, &rest)
	var inv fr.Element
	inv.Inverse(&v[last])
	forged := &CommitmentKey{Basis: append([]curve.G1Affine{}, k.ck.Basis...)}
	forged.Basis[last].ScalarMultiplication(&diff, inv.BigInt(new(big.Int)))
	var buf bytes.Buffer
	_, err = forged.WriteTo(&buf)
	require.NoError(t, err)
	forged, err = ReadCommitmentKey(buf.Bytes())
	require.NoError(t, err, "the forged key file reads")

	mc, err := forged.ModelCommitment(m) // what the buyer puts in its job
	require.NoError(t, err)
	in := ExampleInput(16, "buyer")
	proof, out, err := Pedersen.Prove(k.ccs, k.pk, evil, in, 9)
	require.NoError(t, err)
	honest, err := Infer(m, in)
	require.NoError(t, err)
	if bytes.Equal(int8Bytes(out), int8Bytes(honest)) {
		t.Skip("the two models agree on this input")
	}
	// The chain never sees the key a buyer committed with, so M′'s proof
	// answers the job: the attack's premise.
	err = zkverify.Verify(k.vk, proof, public(t, mc, Pedersen.TensorCommitment(in), Pedersen.TensorCommitment(out), 9))
	require.NoError(t, err)
	// What stops it (fixed after review 25): the key's sha256 is registered
	// with the circuit (x/dispute Circuit.commitment_key_hash) and checked
	// by every party before it commits with a key file (agent.Fetcher,
	// TestFetcherVersion3Model; `zk commit` checks it): the forged file
	// does not hash to it.
	var real bytes.Buffer
	_, err = k.ck.WriteTo(&real)
	require.NoError(t, err)
	require.NotEqual(t, sha256.Sum256(real.Bytes()), sha256.Sum256(buf.Bytes()))
}

// The commitments' layout in both families: commitment 0 is exactly the
// model's secret wires and the mask; commitment 1 (the lookups) shares no
// wire with it and names no public input or commitment hash; every basis
// point of the key is a distinct point, none at infinity (so no model
// value is free and no two swap).
func TestReview25CommitmentLayout(t *testing.T) {
	for _, id := range []string{Pedersen.CircuitID(small), tinyCNN.CircuitIDFor(Pedersen)} {
		ccs, _, err := CompileByID(id, false)
		require.NoError(t, err)
		info := ccs.GetCommitments().(constraint.Groth16Commitments)
		require.Len(t, info, 2, id)
		m, _, _, err := ExampleForID(id, "layout")
		require.NoError(t, err)
		n := len(modelValues(m))
		require.Len(t, info[0].PrivateCommitted, n, id)
		nbPub := ccs.GetNbPublicVariables()
		for i, w := range info[0].PrivateCommitted[:n-2] { // then the constant 1 and the mask
			require.Equal(t, nbPub+i, w, "%s: model value %d", id, i)
		}
		require.Empty(t, info[0].PublicAndCommitmentCommitted, id)
		require.Empty(t, info[1].PublicAndCommitmentCommitted, id)
		in0 := map[int]bool{}
		for _, w := range info[0].PrivateCommitted {
			in0[w] = true
		}
		for _, w := range info[1].PrivateCommitted {
			require.False(t, in0[w], "%s: wire %d in both commitments", id, w)
		}
		pk, _, err := zksetup.Setup(ccs)
		require.NoError(t, err)
		ck, err := CommitmentKeyOf(pk)
		require.NoError(t, err)
		seen := map[curve.G1Affine]int{}
		for i, p := range ck.Basis {
			require.False(t, p.IsInfinity(), "%s: basis %d at infinity", id, i)
			j, dup := seen[p]
			require.False(t, dup, "%s: basis %d = basis %d", id, i, j)
			seen[p] = i
		}
	}
}

// ATTACK (shifts out of range): a prover assigns shift 25 (or p−1) to a
// layer, with the model commitment recomputed for those values (a
// commitment no file has, so only a dishonest buyer's job could name it).
// Safe: no proof (selector.Mux bounds the shift to 0..MaxShift).
func TestReview25ShiftOutOfRange(t *testing.T) {
	k := newV3(t, small)
	m, err := ExampleModel(small, "shift")
	require.NoError(t, err)
	in := ExampleInput(16, "shift")
	for _, s := range []*big.Int{big.NewInt(MaxShift + 1), big.NewInt(31), big.NewInt(32), review25Field(big.NewInt(-1))} {
		a, _, err := Pedersen.AssignWithKey(k.ck, m, in, 4)
		require.NoError(t, err)
		a.Shifts[0] = s
		mc := review25Commit(t, k.ck, review25Values(a))
		a.ModelCommitment = new(big.Int).SetBytes(mc[:])
		w, err := frontend.NewWitness(a, ecc.BN254.ScalarField())
		require.NoError(t, err)
		_, err = groth16.Prove(k.ccs, k.pk, w, Pedersen.ProverOptions()...)
		require.Error(t, err, "shift %v", s)
	}
}

// Question 5: hostile key files (counts that do not match the bytes, the
// largest counts, compressed or infinity flags in a 64-byte slot) are
// refused without a panic or an allocation beyond the file.
func TestReview25CommitmentKeyFileHostile(t *testing.T) {
	hdr := func(n uint32, rest ...byte) []byte {
		b := []byte{'V', 'C', 'K', '1', byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
		return append(b, rest...)
	}
	_, _, g1, _ := curve.Generators()
	raw := g1.RawBytes()
	comp := g1.Bytes()
	var inf curve.G1Affine
	infRaw, infComp := inf.RawBytes(), inf.Bytes()
	slot := func(b []byte) []byte { return append(append([]byte{}, b...), make([]byte, 64-len(b))...) }
	for name, b := range map[string][]byte{
		"zero count":            hdr(0),
		"max count, no points":  hdr(1 << 22),
		"over max":              hdr(1<<22 + 1),
		"all ones":              hdr(0xffffffff),
		"count 2, one point":    hdr(2, raw[:]...),
		"compressed in a slot":  hdr(1, slot(comp[:])...),
		"infinity raw":          hdr(1, infRaw[:]...),
		"infinity compressed":   hdr(1, slot(infComp[:])...),
		"x at the modulus":      hdr(1, bytes.Repeat([]byte{0x3f}, 64)...),
		"short magic":           []byte("VCK"),
		"good point, bad magic": append([]byte("VCK2\x00\x00\x00\x01"), raw[:]...),
	} {
		_, err := ReadCommitmentKey(b)
		require.ErrorIs(t, err, ErrCommitmentKey, name)
	}
	ck, err := ReadCommitmentKey(hdr(1, raw[:]...))
	require.NoError(t, err)
	require.Equal(t, g1, ck.Basis[0])
}
