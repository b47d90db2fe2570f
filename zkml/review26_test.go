package zkml

import (
	"fmt"
	"math"
	"math/big"
	"sync/atomic"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	csbn254 "github.com/consensys/gnark/constraint/bn254"
	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	zksetup "github.com/verdict-chain/verdict/zkml/setup"
)

// Review 26: adversarial tests of the position-packed convolution
// (packedConv), the committed constant 1 and the degenerate models. Each
// asserts the safe behaviour, so a test that fails is an attack that works.

// review26CNN is tinyCNN's version 3 circuit, set up once per test.
func review26CNN(t *testing.T) v3kit {
	t.Helper()
	ccs, _, err := CompileByID(tinyCNN.CircuitIDFor(Pedersen), false)
	require.NoError(t, err)
	pk, vk, err := zksetup.Setup(ccs)
	require.NoError(t, err)
	ck, err := CommitmentKeyOf(pk)
	require.NoError(t, err)
	return v3kit{ccs: ccs, pk: pk, vk: chainVK(t, vk), ck: ck}
}

// review26ConvKs are the packed sums' bit widths k of tinyCNN's two
// convolutions (in = 1·3·3 and 2·3·3), which no dense layer of it shares
// (in = 3 and 5): a hint call's k names its layer.
func review26ConvKs(t *testing.T) (k1, k2 int) {
	t.Helper()
	geo, err := tinyCNN.Layers()
	require.NoError(t, err)
	require.True(t, geo[0].IsConv && geo[1].IsConv)
	k1, k2 = accBits(geo[0].In), accBits(geo[1].In)
	for _, g := range geo[2:] {
		require.NotEqual(t, k1, accBits(g.In))
		require.NotEqual(t, k2, accBits(g.In))
	}
	return k1, k2
}

// ATTACK (packedConv, question 1): a prover that changes the limbs of one
// convolution's packed position sums only — a carry moved between two
// positions of a full group, within the last partial group, out of its
// top limb, a sum bumped, a limb replaced by its field negation (so that
// the recombination wraps) — on an honest CNN. The other layers are left
// honest, so a failure can only come from packedConv's own checks
// (TestVersion3ConvSumsCannotBeForged changes every layer's limbs at once).
// Safe: no proof.
func TestReview26ConvLimbForgeryIsolated(t *testing.T) {
	k := review26CNN(t)
	k1, k2 := review26ConvKs(t)
	m, err := ExampleCNN(tinyCNN, "r26")
	require.NoError(t, err)
	in := cnnInput(tinyCNN, "r26")
	a, _, err := Pedersen.AssignWithKey(k.ck, m, in, 7)
	require.NoError(t, err)
	w, err := frontend.NewWitness(a, ecc.BN254.ScalarField())
	require.NoError(t, err)
	_, err = groth16.Prove(k.ccs, k.pk, w, Pedersen.ProverOptions()...)
	require.NoError(t, err, "honest")

	g1 := slotsPerElem(k1)
	geo, _ := tinyCNN.Layers()
	P1 := geo[0].OutH * geo[0].OutW
	last1 := P1 % g1
	require.NotZero(t, last1, "conv 1 must end with a partial group for this test")

	type forgery struct {
		name  string
		k     int                        // the layer (its k)
		n     int                        // the group size to forge (0: any with ≥ 2)
		apply func(k uint, o []*big.Int) // on the honest limbs
	}
	carryUp := func(k uint, o []*big.Int) { o[0].Add(o[0], pow2(int(k))); o[1].Sub(o[1], big.NewInt(1)) }
	carryDown := func(k uint, o []*big.Int) { o[0].Sub(o[0], pow2(int(k))); o[1].Add(o[1], big.NewInt(1)) }
	lastUp := func(k uint, o []*big.Int) { // the top limb takes a carry from below
		n := len(o)
		o[n-2].Sub(o[n-2], pow2(int(k)))
		o[n-1].Add(o[n-1], big.NewInt(1))
	}
	topOut := func(k uint, o []*big.Int) { // 2^k out of the top limb: S changes by 2^(k·n), not a multiple of p
		o[len(o)-1].Add(o[len(o)-1], pow2(int(k)))
	}
	bump := func(_ uint, o []*big.Int) { o[len(o)-1].Add(o[len(o)-1], big.NewInt(1)) }
	negate := func(_ uint, o []*big.Int) { o[0].Neg(o[0]) }
	var forgeries []forgery
	for _, kk := range []int{k1, k2} {
		forgeries = append(forgeries,
			forgery{fmt.Sprintf("k=%d carry up", kk), kk, 0, carryUp},
			forgery{fmt.Sprintf("k=%d carry down", kk), kk, 0, carryDown},
			forgery{fmt.Sprintf("k=%d top limb carry", kk), kk, 0, lastUp},
			forgery{fmt.Sprintf("k=%d top limb overflow", kk), kk, 0, topOut},
			forgery{fmt.Sprintf("k=%d bump", kk), kk, 0, bump},
			forgery{fmt.Sprintf("k=%d negate", kk), kk, 0, negate},
		)
	}
	forgeries = append(forgeries,
		forgery{"conv 1 last partial group carry", k1, last1, carryUp},
		forgery{"conv 1 last partial group bump", k1, last1, bump},
		forgery{"conv 1 full group carry", k1, g1, carryUp},
	)
	for _, fg := range forgeries {
		var hits atomic.Int64
		opt := backend.WithSolverOptions(solver.OverrideHint(randomizeHint, zeroHint), solver.OverrideHint(solver.GetHintID(UnpackHint), func(f *big.Int, ins, out []*big.Int) error {
			if err := UnpackHint(f, ins, out); err != nil {
				return err
			}
			kk := int(ins[0].Int64())
			if kk != fg.k || len(out) < 2 || (fg.n != 0 && len(out) != fg.n) {
				return nil
			}
			fg.apply(uint(kk), out) // a limb taken below 0 is its field negation
			for _, o := range out {
				o.Mod(o, f)
			}
			hits.Add(1)
			return nil
		}))
		_, err := groth16.Prove(k.ccs, k.pk, w, opt)
		require.NotZero(t, hits.Load(), "%s: the forgery never applied", fg.name)
		require.Error(t, err, "%s: a forged convolution sum proves", fg.name)
	}
}

// ATTACK (binding, question 1): after packedConv, is every convolution
// weight's and bias's basis point independent of the others? A committed
// wire that is the only committed wire on one side of one constraint can
// take no part in a combination of basis points that is zero (such a
// combination must vanish on every side of every constraint: τ, α, β are
// unknown), and eliminating those repeatedly leaves only the wires a
// kernel combination may move. Safe: every convolution weight and bias,
// every shift, the constant 1 and the mask are eliminated — no opening of a
// model commitment other than the file's values reaches a convolution —
// and whatever remains (the dense layers' packed columns, review 25) is
// only dense weights and biases.
func TestReview26ConvWeightsHaveNoKernel(t *testing.T) {
	for _, id := range []string{tinyCNN.CircuitIDFor(Pedersen), Pedersen.CircuitID(small)} {
		ccs, _, err := CompileByID(id, false)
		require.NoError(t, err)
		r1cs := ccs.(*csbn254.R1CS)
		info := ccs.GetCommitments().(constraint.Groth16Commitments)
		committed := info[0].PrivateCommitted
		pos := map[int]int{} // wire -> index in modelValues order
		for i, w := range committed {
			pos[w] = i
		}
		// every (constraint, side) as the committed wires it holds
		var sides [][]int
		it := r1cs.GetR1CIterator()
		for c := it.Next(); c != nil; c = it.Next() {
			for _, side := range [][]constraint.Term{c.L, c.R, c.O} {
				var ws []int
				for _, term := range side {
					if term.CoeffID() == constraint.CoeffIdZero {
						continue
					}
					if _, ok := pos[int(term.WireID())]; ok {
						ws = append(ws, int(term.WireID()))
					}
				}
				if len(ws) > 0 {
					sides = append(sides, ws)
				}
			}
		}
		free := map[int]bool{}
		for _, w := range committed {
			free[w] = true
		}
		for changed := true; changed; {
			changed = false
			for _, ws := range sides {
				var only, n int
				for _, w := range ws {
					if free[w] {
						only = w
						n++
					}
				}
				if n == 1 {
					delete(free, only)
					changed = true
				}
			}
		}
		// name the values left free
		m, _, _, err := ExampleForID(id, "layout")
		require.NoError(t, err)
		var geo []LayerGeom
		if m.Arch != nil {
			geo, err = m.Arch.Layers()
			require.NoError(t, err)
		} else {
			for l := range m.Layers {
				geo = append(geo, LayerGeom{In: m.Layers[l].In, Out: m.Layers[l].Out})
			}
		}
		L := len(m.Layers)
		name := func(i int) (string, bool) { // name, is a dense weight or bias
			if i < L {
				return fmt.Sprintf("shift %d", i), false
			}
			i -= L
			for l := range m.Layers {
				if n := len(m.Layers[l].Weights); i < n {
					return fmt.Sprintf("layer %d weight %d", l, i), !geo[l].IsConv
				} else {
					i -= n
				}
			}
			for l := range m.Layers {
				if n := len(m.Layers[l].Biases); i < n {
					return fmt.Sprintf("layer %d bias %d", l, i), !geo[l].IsConv
				} else {
					i -= n
				}
			}
			if i == 0 {
				return "the constant 1", false
			}
			return "the mask", false
		}
		nDense := 0
		for w := range free {
			n, dense := name(pos[w])
			require.True(t, dense, "%s: %s may move in a kernel combination", id, n)
			nDense++
		}
		t.Logf("%s: %d of %d committed values eliminated; %d dense weights/biases left (review 25's harmless kernel)", id, len(committed)-nDense, len(committed), nDense)
	}
}

// ATTACK (question 2): the committed constant. A prover (or a hostile
// buyer naming the resulting commitment) sets the constant-1 wire to 0 —
// with the all-zero model, the commitment point at infinity again — or to
// 2, with the model commitment recomputed for that value. Safe: no proof.
func TestReview26ConstantOneCannotMove(t *testing.T) {
	k := newV3(t, small)
	for _, zero := range []bool{false, true} {
		m, err := ExampleModel(small, "one")
		require.NoError(t, err)
		if zero {
			m = review25ZeroModel(t, m)
		}
		in := ExampleInput(16, "one")
		for _, v := range []int64{0, 2, -1} {
			a, _, err := Pedersen.AssignWithKey(k.ck, m, in, 8)
			require.NoError(t, err)
			vals := review25Values(a)
			vals[len(vals)-2].SetInt64(v)
			mc := review25Commit(t, k.ck, vals)
			a.ModelCommitment = new(big.Int).SetBytes(mc[:])
			w, err := frontend.NewWitness(a, ecc.BN254.ScalarField())
			require.NoError(t, err)
			one := solver.OverrideHint(solver.GetHintID(OneHint), func(f *big.Int, _, out []*big.Int) error {
				out[0].Mod(big.NewInt(v), f)
				return nil
			})
			_, err = groth16.Prove(k.ccs, k.pk, w, backend.WithSolverOptions(solver.OverrideHint(randomizeHint, zeroHint), one))
			require.Error(t, err, "zero model %v: the constant wire set to %d proves", zero, v)
		}
	}
}

// review26Fill sets every layer's weights, biases and shift.
func review26Fill(m *Model, w int8, b int32, s uint8) *Model {
	for li := range m.Layers {
		l := &m.Layers[li]
		l.Shift = s
		for k := range l.Weights {
			l.Weights[k] = w
		}
		for k := range l.Biases {
			l.Biases[k] = b
		}
	}
	return m
}

// ATTACK (rule 15, question 2): degenerate models and inputs a hostile
// buyer may name — the all-zero model on an input of all −128 (every
// committed model value 0 but the constant, every input byte 0, every
// output −128), the largest packed sums (weights and inputs 127, and
// −128·−128), the most negative and most positive accumulators with
// extreme biases at shift 0 and 24. Safe: the honest provider's proof of
// each verifies on the chain's verifier (no commitment, proof of knowledge
// or other point at infinity, no hint or range failure) and proves the
// native output.
func TestReview26DegenerateModelsProvable(t *testing.T) {
	type tc struct {
		name string
		w    int8
		b    int32
		s    uint8
		x    int8
	}
	cases := []tc{
		{"zero model, input −128", -128, math.MinInt32, 0, -128},
		{"zero model, input 127", -128, math.MinInt32, 0, 127},
		{"max sums", 127, math.MaxInt32, 0, 127},
		{"max positive product", -128, math.MaxInt32, 0, -128},
		{"most negative", 127, math.MinInt32, 0, -128},
		{"largest shift", 127, math.MaxInt32, MaxShift, 127},
		{"zero weights and biases", 0, 0, 0, 0},
	}
	mlp := newV3(t, small)
	cnn := review26CNN(t)
	for _, fam := range []struct {
		name string
		k    v3kit
		base func() (*Model, error)
		inN  int
	}{
		{"mlp3", mlp, func() (*Model, error) { return ExampleModel(small, "deg") }, small[0]},
		{"cnn3", cnn, func() (*Model, error) { return ExampleCNN(tinyCNN, "deg") }, tinyCNN.InputLen()},
	} {
		for i, c := range cases {
			m, err := fam.base()
			require.NoError(t, err)
			m = review26Fill(m, c.w, c.b, c.s)
			require.NoError(t, m.Validate())
			in := make([]int8, fam.inN)
			for j := range in {
				in[j] = c.x
			}
			id := uint64(100 + i)
			mc, err := fam.k.ck.ModelCommitment(m)
			require.NoError(t, err)
			proof, out, err := Pedersen.Prove(fam.k.ccs, fam.k.pk, m, in, id)
			require.NoError(t, err, "%s %s: the honest provider cannot prove", fam.name, c.name)
			nat, err := Infer(m, in)
			require.NoError(t, err)
			require.Equal(t, nat, out)
			err = zkverify.Verify(fam.k.vk, proof, public(t, mc, Pedersen.TensorCommitment(in), Pedersen.TensorCommitment(out), id))
			require.NoError(t, err, "%s %s: the chain refuses the honest proof", fam.name, c.name)
			if i == 0 {
				for _, o := range out {
					require.Equal(t, int8(-128), o, "the all-zero model outputs −128")
				}
			}
		}
	}
}

// ATTACK (question 1, k/g choice): for every convolution a version 3 CNN
// may declare within the format's bounds, the packed group fits the field
// (g·k ≤ 253, so S is the integer Σ a·2^(k·t)) and a position sum fits its
// k bits (in·255² < 2^k); g ≥ 1 (g = 0 would loop forever). Safe: all hold.
func TestReview26PackingBounds(t *testing.T) {
	field := ecc.BN254.ScalarField()
	for in := 1; in <= 1<<24; in = in*2 + 1 {
		k := accBits(in)
		g := slotsPerElem(k)
		require.GreaterOrEqual(t, g, 1, "in %d", in)
		require.Less(t, int64(in)*255*255, int64(1)<<k)
		top := new(big.Int).Lsh(big.NewInt(1), uint(g*k))
		require.Negative(t, top.Cmp(field), "in %d: g·k = %d", in, g*k)
	}
}
