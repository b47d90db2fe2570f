package zkml

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/test"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"

	zksetup "github.com/verdict-chain/verdict/zkml/setup"
)

// tinyCNN: 1x10x10 → 2@8x8 → pool 2@4x4 → 3@2x2 → pool 3@1x1 → 5 → 4.
var tinyCNN = Arch{Image: Image{1, 10, 10}, Convs: []Conv{{2, 3}, {3, 3}}, Dense: []int{5, 4}}

func TestArchParseAndGeometry(t *testing.T) {
	a, err := ParseArch("1x32x32-6k5-16k5-120-84-10")
	require.NoError(t, err)
	require.Equal(t, LeNet5, a)
	require.Equal(t, "cnn-1x32x32-6k5-16k5-120-84-10", a.CircuitID())
	_, got, err := ParseCNNCircuitID(a.CircuitID())
	require.NoError(t, err)
	require.Equal(t, a, got)
	geo, err := a.Layers()
	require.NoError(t, err)
	require.Equal(t, []int{25, 150, 400, 120, 84}, []int{geo[0].In, geo[1].In, geo[2].In, geo[3].In, geo[4].In})
	require.Equal(t, [2]int{14, 14}, [2]int{geo[0].PoolH, geo[0].PoolW})
	for _, bad := range []string{
		"1x32-6k5-10",                 // not CxHxW
		"1x32x32-120-6k5",             // a convolution after a dense layer
		"1x32x32-6k4-10",              // odd convolution output: no 2x2 pooling
		"1x32x32-6k5",                 // no dense layer
		"1x32x32-10",                  // no convolution
		"1x4x4-2k9-3",                 // kernel larger than the image
		"0x32x32-6k5-10",              // empty image
		"1x32x32-6kx-10",              // not a number
		"1x32x32-6k5-16k5-0",          // empty layer
		"1x32x32-6k5-1-1-1-1-1-1-1-1", // too many layers
	} {
		_, err := ParseArch(bad)
		require.Error(t, err, bad)
	}
	_, _, err = ParseCNNCircuitID("mlp2-16-16-4")
	require.Error(t, err)
}

func TestCNNFileRoundTripAndStrictness(t *testing.T) {
	m, err := ExampleCNN(tinyCNN, "f")
	require.NoError(t, err)
	b, err := m.MarshalBinary()
	require.NoError(t, err)
	require.Equal(t, byte(formatCNN), b[4])
	var m2 Model
	require.NoError(t, m2.UnmarshalBinary(b))
	require.Equal(t, m.Layers, m2.Layers)
	require.Equal(t, *m.Arch, *m2.Arch)
	for n := 0; n < len(b); n++ {
		require.ErrorIs(t, new(Model).UnmarshalBinary(b[:n]), ErrFormat, "truncated at %d", n)
	}
	require.ErrorIs(t, new(Model).UnmarshalBinary(append(append([]byte{}, b...), 0)), ErrFormat)
	// a kernel that does not fit, in an otherwise well-formed file
	bad := append([]byte{}, b...)
	bad[4+1+6+1+2] = 11 // first convolution's K
	require.ErrorIs(t, new(Model).UnmarshalBinary(bad), ErrFormat)
}

func cnnInput(a Arch, seed string) []int8 { return ExampleInput(a.InputLen(), seed) }

// The CNN circuit equals native inference, on example weights and at the
// corners of the value range; the outputs are not degenerate.
func TestCNNCircuitMatchesNative(t *testing.T) {
	for _, sc := range []Scheme{Poseidon2, Pedersen} {
		c, err := sc.NewCNNCircuit(tinyCNN)
		require.NoError(t, err)
		for seed := range 3 {
			m, err := ExampleCNN(tinyCNN, string(rune('a'+seed)))
			require.NoError(t, err)
			in := cnnInput(tinyCNN, string(rune('a'+seed)))
			a, out := assignT(t, sc, m, in, uint64(seed+1))
			require.Len(t, out, 4)
			require.NoError(t, test.IsSolved(c, a, ecc.BN254.ScalarField()), "%v seed %d", sc, seed)
		}
		for _, v := range [][2]int8{{127, 127}, {-128, -128}, {127, -128}, {-128, 127}} {
			m, err := ExampleCNN(tinyCNN, "x")
			require.NoError(t, err)
			for li := range m.Layers {
				for k := range m.Layers[li].Weights {
					m.Layers[li].Weights[k] = v[0]
				}
			}
			in := make([]int8, tinyCNN.InputLen())
			for i := range in {
				in[i] = v[1]
			}
			a, _ := assignT(t, sc, m, in, 3)
			require.NoError(t, test.IsSolved(c, a, ecc.BN254.ScalarField()), "%v w=%d x=%d", sc, v[0], v[1])
		}
	}

	// LeNet-5's example model gives varied outputs on varied inputs
	m, err := ExampleCNN(LeNet5, "lenet")
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, s := range []string{"1", "2", "3", "4"} {
		out, err := Infer(m, cnnInput(LeNet5, s))
		require.NoError(t, err)
		seen[string(bytesOf(out))] = true
	}
	require.Greater(t, len(seen), 1)
}

func bytesOf(v []int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}

// A wrong output, a wrong job id and another model's commitment fail; CNNs
// are version 2 only.
func TestCNNCircuitRejects(t *testing.T) {
	c, err := Poseidon2.NewCNNCircuit(tinyCNN)
	require.NoError(t, err)
	m, err := ExampleCNN(tinyCNN, "r")
	require.NoError(t, err)
	in := cnnInput(tinyCNN, "r")
	a, out, err := Poseidon2.Assign(m, in, 7)
	require.NoError(t, err)
	wrong := append([]int8{}, out...)
	wrong[0]++
	oc := Poseidon2.TensorCommitment(wrong)
	bad := *a
	bad.OutputCommitment = new(big.Int).SetBytes(oc[:])
	require.Error(t, test.IsSolved(c, &bad, ecc.BN254.ScalarField()))
	bad = *a
	bad.JobID = 0
	require.Error(t, test.IsSolved(c, &bad, ecc.BN254.ScalarField()))
	other, err := ExampleCNN(tinyCNN, "other")
	require.NoError(t, err)
	mc, err := Poseidon2.ModelCommitment(other)
	require.NoError(t, err)
	bad = *a
	bad.ModelCommitment = new(big.Int).SetBytes(mc[:])
	require.Error(t, test.IsSolved(c, &bad, ecc.BN254.ScalarField()))

	_, err = MiMC.ModelCommitment(m)
	require.Error(t, err)
	_, _, err = MiMC.Assign(m, in, 7)
	require.Error(t, err)
	mimcCircuit, err := MiMC.NewCNNCircuit(tinyCNN)
	require.NoError(t, err)
	_, err = frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, mimcCircuit)
	require.Error(t, err)
	require.Equal(t, "cnn-1x10x10-2k3-3k3-5-4", m.CircuitID(MiMC))
}

// A CNN proof goes through Groth16 and the chain's strict verifier.
func TestCNNGroth16RoundTrip(t *testing.T) {
	ccs, _, err := CompileByID(tinyCNN.CircuitID(), false)
	require.NoError(t, err)
	pk, vk, err := zksetup.Setup(ccs)
	require.NoError(t, err)
	m, err := ExampleCNN(tinyCNN, "g")
	require.NoError(t, err)
	in := cnnInput(tinyCNN, "g")
	proofBytes, out, err := Poseidon2.Prove(ccs, pk, m, in, 11)
	require.NoError(t, err)
	nat, err := Infer(m, in)
	require.NoError(t, err)
	require.Equal(t, nat, out)

	var vkb bytes.Buffer
	_, err = vk.WriteTo(&vkb)
	require.NoError(t, err)
	cvk, err := zkverify.ParseVerifyingKey(vkb.Bytes(), zkverify.Limits{MaxBytes: 1 << 16, NbPublic: PublicInputs})
	require.NoError(t, err)
	mc, err := Poseidon2.ModelCommitment(m)
	require.NoError(t, err)
	ic, oc := Poseidon2.TensorCommitment(in), Poseidon2.TensorCommitment(out)
	var id [32]byte
	id[31] = 11
	public := make([]fr.Element, 0, PublicInputs)
	for _, b := range [][]byte{mc[:], ic[:], oc[:], id[:]} {
		e, err := zkverify.PublicInput(b)
		require.NoError(t, err)
		public = append(public, e)
	}
	require.NoError(t, zkverify.Verify(cvk, proofBytes, public))
	id[31] = 12
	public[3], _ = zkverify.PublicInput(id[:])
	require.Error(t, zkverify.Verify(cvk, proofBytes, public))
}
