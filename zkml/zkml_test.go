package zkml

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"

	zksetup "github.com/verdict-chain/verdict/zkml/setup"
)

var small = Shape{16, 16, 4}

func TestFormatsRoundTripAndStrictness(t *testing.T) {
	m, err := ExampleModel(small, "t")
	require.NoError(t, err)
	b, err := m.MarshalBinary()
	require.NoError(t, err)
	var m2 Model
	require.NoError(t, m2.UnmarshalBinary(b))
	require.Equal(t, m.Layers, m2.Layers)
	// every truncation and any trailing byte is rejected
	for n := 0; n < len(b); n++ {
		require.ErrorIs(t, new(Model).UnmarshalBinary(b[:n]), ErrFormat, "truncated at %d", n)
	}
	require.ErrorIs(t, new(Model).UnmarshalBinary(append(append([]byte{}, b...), 0)), ErrFormat)

	in := ExampleInput(16, "t")
	tb, err := MarshalTensor(in)
	require.NoError(t, err)
	got, err := UnmarshalTensor(tb)
	require.NoError(t, err)
	require.Equal(t, in, got)
	bad := append([]byte{}, tb...)
	bad[5] = 0xff // length no longer matches
	_, err = UnmarshalTensor(bad)
	require.ErrorIs(t, err, ErrFormat)
}

func TestRequantize(t *testing.T) {
	for _, c := range []struct {
		acc      int64
		shift    uint8
		lo, hi   int64
		expected int8
	}{
		{acc: 1000, shift: 3, lo: -128, hi: 127, expected: 125},
		{acc: 1100, shift: 3, lo: -128, hi: 127, expected: 127}, // clamp high
		{acc: -9, shift: 2, lo: -128, hi: 127, expected: -3},    // floor, not truncation
		{acc: -9, shift: 2, lo: 0, hi: 127, expected: 0},        // ReLU
		{acc: -5000, shift: 1, lo: -128, hi: 127, expected: -128},
		{acc: 7, shift: 0, lo: -128, hi: 127, expected: 7},
	} {
		require.Equal(t, c.expected, Requantize(c.acc, c.shift, c.lo, c.hi), "%+v", c)
	}
}

func TestCommitmentsAreCanonicalAndSensitive(t *testing.T) {
	m, err := ExampleModel(small, "t")
	require.NoError(t, err)
	c1, err := ModelCommitment(m)
	require.NoError(t, err)
	m.Layers[1].Weights[3]++
	c2, err := ModelCommitment(m)
	require.NoError(t, err)
	require.NotEqual(t, c1, c2)
	m.Layers[1].Weights[3]--
	m.Layers[0].Shift++
	c3, err := ModelCommitment(m)
	require.NoError(t, err)
	require.NotEqual(t, c1, c3)
	require.Less(t, new(big.Int).SetBytes(c1[:]).Cmp(ecc.BN254.ScalarField()), 0)
	require.NotEqual(t, TensorCommitment([]int8{1, 2}), TensorCommitment([]int8{1, 2, 0}))
}

// The circuit and the native code agree on many random models and inputs,
// including the extremes of every clamp.
// The circuit of every scheme agrees with its native twin bit for bit.
func TestCircuitMatchesNative(t *testing.T) {
	for _, sc := range Schemes {
		for seed := range 4 {
			m, err := ExampleModel(small, string(rune('a'+seed)))
			require.NoError(t, err)
			in := ExampleInput(16, string(rune('a'+seed)))
			if seed == 3 { // saturate: large biases push neurons to both clamps
				for j := range m.Layers[1].Biases {
					m.Layers[1].Biases[j] = int32(1<<20) * int32(j%3-1)
				}
			}
			a, _ := assignT(t, sc, m, in, uint64(seed+1))
			require.NoError(t, test.IsSolved(sc.NewCircuit(small), a, ecc.BN254.ScalarField()), "%v seed %d", sc, seed)
		}
	}
}

func TestCircuitRejectsWrongClaims(t *testing.T) {
	for _, sc := range Schemes {
		m, err := ExampleModel(small, "w")
		require.NoError(t, err)
		in := ExampleInput(16, "w")
		a, out := assignT(t, sc, m, in, 7)

		wrongOut := append([]int8{}, out...)
		wrongOut[0]++
		oc := sc.TensorCommitment(wrongOut)
		bad := *a
		bad.OutputCommitment = new(big.Int).SetBytes(oc[:])
		require.Error(t, test.IsSolved(sc.NewCircuit(small), &bad, ecc.BN254.ScalarField()))

		bad = *a
		bad.JobID = 0
		require.Error(t, test.IsSolved(sc.NewCircuit(small), &bad, ecc.BN254.ScalarField()))

		bad = *a
		bad.Input = append([]frontend.Variable{}, a.Input...)
		bad.Input[0] = 300 // out of int8 range, even if it hashed right
		require.Error(t, test.IsSolved(sc.NewCircuit(small), &bad, ecc.BN254.ScalarField()))

		// the other scheme's commitments do not satisfy this scheme's circuit
		other := Poseidon2
		if sc == Poseidon2 {
			other = MiMC
		}
		mc, err := other.ModelCommitment(m)
		require.NoError(t, err)
		bad = *a
		bad.ModelCommitment = new(big.Int).SetBytes(mc[:])
		require.Error(t, test.IsSolved(sc.NewCircuit(small), &bad, ecc.BN254.ScalarField()), "%v accepts a %v model commitment", sc, other)
	}
}

// Version 1 commitments are what jobs on the chain already carry: they must
// not change. Version 2 commits to the same model differently.
func TestSchemeCommitments(t *testing.T) {
	m, err := ExampleModel(small, "a")
	require.NoError(t, err)
	in := ExampleInput(16, "a")
	mc, err := MiMC.ModelCommitment(m)
	require.NoError(t, err)
	tc := MiMC.TensorCommitment(in)
	require.Equal(t, "010e73f282ce32b82c9e80d5b304c1d3d77d5e6efc9a0ffb4783e2416f1ad9be", hex.EncodeToString(mc[:]))
	require.Equal(t, "15ce5846dc6c033e7e2c0028062a7b583b7fc98ca100333cec9f7493099e0459", hex.EncodeToString(tc[:]))
	old, err := ModelCommitment(m)
	require.NoError(t, err)
	require.Equal(t, mc, old, "the package-level functions are version 1")

	mc2, err := Poseidon2.ModelCommitment(m)
	require.NoError(t, err)
	tc2 := Poseidon2.TensorCommitment(in)
	require.NotEqual(t, mc, mc2)
	require.NotEqual(t, tc, tc2)
	var x fr.Element
	require.NoError(t, x.SetBytesCanonical(mc2[:]), "a canonical field element")
	require.NoError(t, x.SetBytesCanonical(tc2[:]))

	// version 2 is pinned as well (Poseidon2 t=3, rF=8, rP=56 sponge)
	require.Equal(t, "19c367b34ff999e808a68dd53230e59750aa737508c16990745fade23863c60b", hex.EncodeToString(mc2[:]))
	require.Equal(t, "0bcecc401ffd962c9432fa8ba1ec99c3362005756409e0706d60eee640eb1e3a", hex.EncodeToString(tc2[:]))

	// the sponge's capacity holds the length: a trailing zero element is
	// not the same input (the rate block is zero-padded)
	a := Poseidon2.hashNative([]*big.Int{big.NewInt(7)})
	b := Poseidon2.hashNative([]*big.Int{big.NewInt(7), big.NewInt(0)})
	require.NotEqual(t, a, b)
}

func TestParseCircuitID(t *testing.T) {
	for id, want := range map[string]Scheme{"mlp-16-16-4": MiMC, "mlp2-16-16-4": Poseidon2, "mlp3-16-16-4": Pedersen} {
		sc, sh, err := ParseCircuitID(id)
		require.NoError(t, err, id)
		require.Equal(t, want, sc)
		require.Equal(t, small, sh)
		require.Equal(t, id, sc.CircuitID(sh))
	}
	for _, bad := range []string{"", "mlp4-16-16-4", "cnn-1", "mlp2-", "mlp-16", "mlp3-16"} {
		_, _, err := ParseCircuitID(bad)
		require.Error(t, err, bad)
	}
	for v, want := range map[string]Scheme{"mimc": MiMC, "1": MiMC, "Poseidon2": Poseidon2, "v2": Poseidon2, "pedersen": Pedersen, "3": Pedersen} {
		got, err := ParseScheme(v)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err := ParseScheme("sha256")
	require.Error(t, err)
	_, err = Scheme(0).Compile(small)
	require.Error(t, err)
}

// Poseidon2 costs fewer constraints than MiMC on the same shape.
func TestPoseidon2IsSmaller(t *testing.T) {
	v1, err := MiMC.Compile(small)
	require.NoError(t, err)
	v2, err := Poseidon2.Compile(small)
	require.NoError(t, err)
	t.Logf("16-16-4: %d constraints with MiMC, %d with Poseidon2", v1.GetNbConstraints(), v2.GetNbConstraints())
	require.Less(t, v2.GetNbConstraints(), v1.GetNbConstraints()*3/4)
}

// A real Groth16 round trip on the small shape; the public witness is laid
// out exactly as the chain rebuilds it.
func TestGroth16RoundTrip(t *testing.T) {
	for _, sc := range Schemes {
		ccs, err := sc.Compile(small)
		require.NoError(t, err)
		pk, vk, err := zksetup.Setup(ccs)
		require.NoError(t, err)
		m, err := ExampleModel(small, "g")
		require.NoError(t, err)
		in := ExampleInput(16, "g")
		proofBytes, out, err := sc.Prove(ccs, pk, m, in, 42)
		require.NoError(t, err)
		nat, err := Infer(m, in)
		require.NoError(t, err)
		require.Equal(t, nat, out)

		var ck *CommitmentKey
		if sc == Pedersen {
			ck, err = CommitmentKeyOf(pk)
			require.NoError(t, err)
		}
		mc, err := sc.ModelCommitmentWithKey(m, ck)
		require.NoError(t, err)
		ic, oc := sc.TensorCommitment(in), sc.TensorCommitment(out)
		pub := &Circuit{ModelCommitment: mc[:], InputCommitment: ic[:], OutputCommitment: oc[:], JobID: 42}
		pw, err := frontend.NewWitness(pub, ecc.BN254.ScalarField(), frontend.PublicOnly())
		require.NoError(t, err)
		proof := groth16.NewProof(ecc.BN254)
		_, err = proof.ReadFrom(bytes.NewReader(proofBytes))
		require.NoError(t, err)
		require.NoError(t, groth16.Verify(proof, vk, pw), "%v", sc)

		// the chain's strict verifier accepts the key and the proof
		var vkb bytes.Buffer
		_, err = vk.WriteTo(&vkb)
		require.NoError(t, err)
		cvk, err := zkverify.ParseVerifyingKey(vkb.Bytes(), zkverify.Limits{MaxBytes: 1 << 16, NbPublic: PublicInputs})
		require.NoError(t, err, "%v verifying key", sc)
		public := make([]fr.Element, 0, PublicInputs)
		var id [32]byte
		id[31] = 42
		for _, b := range [][]byte{mc[:], ic[:], oc[:], id[:]} {
			e, err := zkverify.PublicInput(b)
			require.NoError(t, err)
			public = append(public, e)
		}
		require.NoError(t, zkverify.Verify(cvk, proofBytes, public), "%v", sc)

		pub.JobID = 43
		pw, err = frontend.NewWitness(pub, ecc.BN254.ScalarField(), frontend.PublicOnly())
		require.NoError(t, err)
		require.Error(t, groth16.Verify(proof, vk, pw), "a proof for job 42 must not verify for job 43")
	}
}

// The file decoders take user bytes: nothing may panic, and what decodes
// re-encodes to the same bytes.
func FuzzModelFile(f *testing.F) {
	m, err := ExampleModel(Shape{4, 3, 2}, "fuzz")
	require.NoError(f, err)
	b, err := m.MarshalBinary()
	require.NoError(f, err)
	f.Add(b)
	f.Add(b[:9])
	f.Add([]byte("VMDL\x01\x08"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Model
		if m.UnmarshalBinary(data) != nil {
			return
		}
		re, err := m.MarshalBinary()
		require.NoError(t, err)
		require.Equal(t, data, re)
		_, err = ModelCommitment(&m)
		require.NoError(t, err)
	})
}

func FuzzTensorFile(f *testing.F) {
	b, err := MarshalTensor([]int8{1, -2, 3})
	require.NoError(f, err)
	f.Add(b)
	f.Add([]byte("VTEN\x01\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := UnmarshalTensor(data)
		if err != nil {
			return
		}
		re, err := MarshalTensor(v)
		require.NoError(t, err)
		require.Equal(t, data, re)
	})
}
