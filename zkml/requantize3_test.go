package zkml

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/std/rangecheck"
	"github.com/stretchr/testify/require"
)

// rq3Circuit is requantize3 alone: Y = clamp(floor(Acc / 2^Shift), lo, hi).
type rq3Circuit struct {
	Acc, Shift, Y frontend.Variable
	lo, hi        int64
}

func (c *rq3Circuit) Define(api frontend.API) error {
	rc := rangecheck.New(api)
	var bc byteChecker
	sh := (&Circuit{scheme: Pedersen}).layerShift(api, c.Shift)
	api.AssertIsEqual(requantize3(api, rc, &bc, c.Acc, sh, c.lo, c.hi), c.Y)
	return bc.finish(api)
}

// bend is a dishonest change to Requantize3Hint's outputs (q, r, low,
// high, distance), in integers; pow is 2^shift.
type bend func(pow *big.Int, o *[5]*big.Int)

// requotient moves q by d and r by −d·pow: acc = q·pow + r still holds.
func requotient(d int64) bend {
	return func(pow *big.Int, o *[5]*big.Int) {
		o[0].Add(o[0], big.NewInt(d))
		o[1].Sub(o[1], new(big.Int).Mul(big.NewInt(d), pow))
	}
}

var bends = map[string]bend{
	"quotient + 1":    requotient(1),
	"quotient - 1":    requotient(-1),
	"quotient + 2^20": requotient(1 << 20),
	"quotient - 2^39": requotient(-(1 << 39)),
	"distance + 1":    func(_ *big.Int, o *[5]*big.Int) { o[4].Add(o[4], big.NewInt(1)) },
	"distance - 1":    func(_ *big.Int, o *[5]*big.Int) { o[4].Sub(o[4], big.NewInt(1)) },
	"no flags": func(_ *big.Int, o *[5]*big.Int) {
		o[2].SetInt64(0)
		o[3].SetInt64(0)
		o[4].SetInt64(0)
	},
	"high": func(_ *big.Int, o *[5]*big.Int) { o[2].SetInt64(0); o[3].SetInt64(1) },
	"low":  func(_ *big.Int, o *[5]*big.Int) { o[2].SetInt64(1); o[3].SetInt64(0) },
	"both": func(_ *big.Int, o *[5]*big.Int) { o[2].SetInt64(1); o[3].SetInt64(1) },
}

// bent is the solver option that applies b to the honest hint.
func bent(b bend) solver.Option {
	return solver.OverrideHint(solver.GetHintID(Requantize3Hint), func(field *big.Int, in, out []*big.Int) error {
		if err := Requantize3Hint(field, in, out); err != nil {
			return err
		}
		b(signed(field, in[1]), (*[5]*big.Int)(out))
		for _, v := range out {
			v.Mod(v, field)
		}
		return nil
	})
}

// bentOutput is the output y = q − (high − low)·m the bent hint implies.
func bentOutput(b bend, acc int64, s uint8, lo, hi int64) *big.Int {
	field := ecc.BN254.ScalarField()
	pow := pow2(int(s))
	out := []*big.Int{new(big.Int), new(big.Int), new(big.Int), new(big.Int), new(big.Int)}
	_ = Requantize3Hint(field, []*big.Int{new(big.Int).Mod(big.NewInt(acc), field), pow, new(big.Int).Mod(big.NewInt(lo), field), big.NewInt(hi)}, out)
	out[0] = signed(field, out[0])
	b(pow, (*[5]*big.Int)(out))
	return new(big.Int).Sub(out[0], new(big.Int).Mul(new(big.Int).Sub(out[3], out[2]), out[4]))
}

// requantize3 agrees with the native requantization on random and extreme
// accumulators, every shift and both clamp ranges; a wrong output is
// refused, and so is every way of bending its hint (another quotient, a
// flag flipped, another distance) into another output.
func TestRequantize3(t *testing.T) {
	field := ecc.BN254.ScalarField()
	for _, r := range [][2]int64{{-128, 127}, {0, 127}} {
		ccs, err := frontend.Compile(field, r1cs.NewBuilder, &rq3Circuit{lo: r[0], hi: r[1]})
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(1, uint64(r[0]+200)))
		accs := []int64{0, 1, -1, 127, 128, -128, -129, 1 << 33, -(1 << 33), 1<<34 + 5, -(1 << 34) - 5}
		for range 20 {
			accs = append(accs, rng.Int64N(1<<35)-1<<34, rng.Int64N(1<<12)-1<<11)
		}
		for i, acc := range accs {
			s := uint8(i % (MaxShift + 1))
			if i >= 11 {
				s = uint8(rng.IntN(MaxShift + 1))
			}
			want := int64(Requantize(acc, s, r[0], r[1]))
			w, err := frontend.NewWitness(&rq3Circuit{Acc: acc, Shift: int(s), Y: want}, field)
			require.NoError(t, err)
			require.NoError(t, ccs.IsSolved(w), "acc %d shift %d range %v", acc, s, r)
			for _, d := range []int64{-1, 1} {
				w, err := frontend.NewWitness(&rq3Circuit{Acc: acc, Shift: int(s), Y: want + d}, field)
				require.NoError(t, err)
				require.Error(t, ccs.IsSolved(w), "acc %d shift %d: output %d", acc, s, want+d)
			}
			for name, b := range bends {
				y := bentOutput(b, acc, s, r[0], r[1])
				if y.Cmp(big.NewInt(want)) == 0 {
					continue // the same output: nothing gained (a free distance, a flag at the bound)
				}
				w, err := frontend.NewWitness(&rq3Circuit{Acc: acc, Shift: int(s), Y: new(big.Int).Mod(y, field)}, field)
				require.NoError(t, err)
				require.Error(t, ccs.IsSolved(w, bent(b)), "acc %d shift %d range %v: %s gives %v", acc, s, r, name, y)
			}
		}
	}
	// a shift out of range is refused
	ccs, err := frontend.Compile(field, r1cs.NewBuilder, &rq3Circuit{lo: -128, hi: 127})
	require.NoError(t, err)
	w, err := frontend.NewWitness(&rq3Circuit{Acc: 1000, Shift: MaxShift + 1, Y: 0}, field)
	require.NoError(t, err)
	require.Error(t, ccs.IsSolved(w))
}
