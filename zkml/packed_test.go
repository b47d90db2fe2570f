package zkml

import (
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/test"
	"github.com/stretchr/testify/require"
)

// extremeModel sets every weight and the input to one value, so the packed
// sums of version 2 reach their bounds (w' = x' = 255 gives in·255² per
// neuron, the most a k-bit slot must hold).
func extremeModel(t *testing.T, sh Shape, w, x int8) (*Model, []int8) {
	t.Helper()
	m, err := ExampleModel(sh, "extreme")
	require.NoError(t, err)
	for _, l := range m.Layers {
		for k := range l.Weights {
			l.Weights[k] = w
		}
		l.Shift = 0
	}
	in := make([]int8, sh[0])
	for i := range in {
		in[i] = x
	}
	return m, in
}

// The circuit equals native inference at the corners of the value range,
// on a shape whose first layer needs several packed groups and whose sums
// exceed the compiler's linear-expression compression threshold.
func TestCircuitMatchesNativeAtExtremes(t *testing.T) {
	wide := Shape{300, 30, 10} // k = 25 bits, 10 neurons per group: 3 groups
	for _, sh := range []Shape{small, wide} {
		for _, c := range [][2]int8{{127, 127}, {-128, -128}, {127, -128}, {-128, 127}, {0, 127}} {
			m, in := extremeModel(t, sh, c[0], c[1])
			for _, sc := range Schemes {
				a, _ := assignT(t, sc, m, in, 9)
				require.NoError(t, test.IsSolved(sc.NewCircuit(sh), a, ecc.BN254.ScalarField()), "%v %v w=%d x=%d", sc, sh, c[0], c[1])
			}
		}
	}
}

// A prover that splits a packed sum differently from the honest limbs
// fails: moving a carry between neighbouring sums breaks a range check,
// changing one sum breaks the recombination.
func TestPackedSumsCannotBeForged(t *testing.T) {
	ccs, err := Poseidon2.Compile(small)
	require.NoError(t, err)
	m, in := extremeModel(t, small, 5, 7)
	a, _, err := Poseidon2.Assign(m, in, 3)
	require.NoError(t, err)
	w, err := frontend.NewWitness(a, ecc.BN254.ScalarField())
	require.NoError(t, err)
	require.NoError(t, ccs.IsSolved(w), "honest")

	forge := func(change func(k uint, out []*big.Int)) solver.Option {
		return solver.OverrideHint(solver.GetHintID(UnpackHint), func(f *big.Int, in, out []*big.Int) error {
			if err := UnpackHint(f, in, out); err != nil {
				return err
			}
			change(uint(in[0].Int64()), out)
			return nil
		})
	}
	carry := forge(func(k uint, out []*big.Int) { // a0 + 2^k, a1 − 1: same recombination
		out[0].Add(out[0], pow2(int(k)))
		out[1].Sub(out[1], big.NewInt(1))
	})
	require.Error(t, ccs.IsSolved(w, carry), "carry moved between sums")
	bump := forge(func(_ uint, out []*big.Int) { out[0].Add(out[0], big.NewInt(1)) })
	require.Error(t, ccs.IsSolved(w, bump), "one sum changed")
}

// UnpackHint refuses inputs it cannot split rather than panicking.
func TestUnpackHintInputs(t *testing.T) {
	f := ecc.BN254.ScalarField()
	out := []*big.Int{new(big.Int), new(big.Int)}
	require.Error(t, UnpackHint(f, []*big.Int{big.NewInt(0), big.NewInt(5)}, out))
	require.Error(t, UnpackHint(f, []*big.Int{big.NewInt(254), big.NewInt(5)}, out))
	require.Error(t, UnpackHint(f, []*big.Int{big.NewInt(3)}, out))
	require.NoError(t, UnpackHint(f, []*big.Int{big.NewInt(4), big.NewInt(0x53)}, out))
	require.Equal(t, []*big.Int{big.NewInt(3), big.NewInt(5)}, out)
}

// The split adds up and the profiled compilation yields the same circuit.
func TestCompileSplit(t *testing.T) {
	for _, sc := range Schemes {
		ccs, sp, err := CompileByID(sc.CircuitID(small), true)
		require.NoError(t, err)
		plain, err := sc.Compile(small)
		require.NoError(t, err)
		require.Equal(t, plain.GetNbConstraints(), sp.Total)
		require.Equal(t, plain.GetNbConstraints(), ccs.GetNbConstraints())
		require.Positive(t, sp.Hashing)
		require.Positive(t, sp.Matmul)
		require.Positive(t, sp.Requantization)
		require.Positive(t, sp.RangeChecks)
		require.GreaterOrEqual(t, sp.Other, 0)
		t.Logf("%v %v:\n%v", sc, small, sp)
	}
}

type byteCircuit struct{ V [3]frontend.Variable }

func (c *byteCircuit) Define(api frontend.API) error {
	var bc byteChecker
	for _, v := range c.V {
		bc.Check(v)
	}
	return bc.finish(api)
}

// The byte lookup accepts bytes only, whatever multiplicities a prover
// supplies.
func TestByteLookup(t *testing.T) {
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &byteCircuit{})
	require.NoError(t, err)
	field := ecc.BN254.ScalarField()
	solve := func(v [3]int64, opts ...solver.Option) error {
		var a byteCircuit
		for i, x := range v {
			a.V[i] = new(big.Int).Mod(big.NewInt(x), field)
		}
		w, err := frontend.NewWitness(&a, field)
		require.NoError(t, err)
		return ccs.IsSolved(w, opts...)
	}
	require.NoError(t, solve([3]int64{0, 255, 255}))
	// a prover that counts values modulo 256 (so the hint does not refuse)
	mod := solver.OverrideHint(solver.GetHintID(ByteCountHint), func(_ *big.Int, in, out []*big.Int) error {
		for _, o := range out {
			o.SetInt64(0)
		}
		for _, v := range in {
			k := new(big.Int).Mod(v, big.NewInt(256)).Int64()
			out[k].Add(out[k], big.NewInt(1))
		}
		return nil
	})
	require.NoError(t, solve([3]int64{1, 2, 3}, mod))
	require.Error(t, solve([3]int64{256, 2, 3}, mod), "256")
	require.Error(t, solve([3]int64{-1, 2, 3}, mod), "p − 1")
	// honest values, dishonest multiplicities
	shifted := solver.OverrideHint(solver.GetHintID(ByteCountHint), func(f *big.Int, in, out []*big.Int) error {
		if err := ByteCountHint(f, in, out); err != nil {
			return err
		}
		out[1].Sub(out[1], big.NewInt(1))
		out[2].Add(out[2], big.NewInt(1))
		return nil
	})
	require.Error(t, solve([3]int64{1, 2, 3}, shifted))
	// the honest hint refuses what it cannot count
	require.Error(t, ByteCountHint(field, []*big.Int{big.NewInt(256)}, make([]*big.Int, 256)))
}
