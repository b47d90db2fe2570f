package setup

import (
	"runtime"
	"sync"

	bn254 "github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// Fixed-base batch scalar multiplication for the Groth16 setup, which
// multiplies one generator by millions of scalars (three or four per wire,
// one per FFT domain point). gnark-crypto's BatchScalarMultiplication
// (v0.19.0) keeps one small table of the base and spends ~254 doublings
// per scalar; this comb precomputes d·2^(w·k)·G for every w-bit window k
// and digit d once, so each scalar costs one mixed addition per window and
// no doubling (for w = 16: 16 additions against ~254 doublings and ~16
// additions), with the table amortised over the batch.

// combWindow picks the window width minimising table + per-scalar cost.
func combWindow(n int) int {
	best, bestCost := 4, -1
	for w := 4; w <= 16; w++ {
		windows := (fr.Bits + w - 1) / w
		cost := windows*((1<<w)-1) + n*windows
		if bestCost < 0 || cost < bestCost {
			best, bestCost = w, cost
		}
	}
	return best
}

// digit is bits [w·k, w·k+w) of a scalar in regular (non-Montgomery) form.
func digit(s *[4]uint64, k, w int) int {
	lo := k * w
	limb, off := lo/64, lo%64
	d := s[limb] >> off
	if off+w > 64 && limb+1 < 4 {
		d |= s[limb+1] << (64 - off)
	}
	return int(d & ((1 << w) - 1))
}

// parallelRange runs f over [0, n) split between the CPUs.
func parallelRange(n int, f func(start, end int)) {
	workers := runtime.NumCPU()
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(start, end)
		}()
	}
	wg.Wait()
}

// jacobian is a curve group in Jacobian coordinates J with affine points A
// (bn254.G1Jac/G1Affine and G2Jac/G2Affine); its zero value is the point
// at infinity.
type jacobian[J, A any] interface {
	*J
	FromAffine(*A) *J
	AddAssign(*J) *J
	DoubleAssign() *J
	AddMixed(*A) *J
}

// batchMul returns s_i·base for every scalar, in affine form.
func batchMul[J, A any, PJ jacobian[J, A]](base *A, scalars []fr.Element, toAffine func([]J) []A) []A {
	if len(scalars) == 0 {
		return nil
	}
	w := combWindow(len(scalars))
	windows, row := (fr.Bits+w-1)/w, (1<<w)-1
	// table[k·row + d−1] = d·2^(w·k)·base
	steps := make([]J, windows) // 2^(w·k)·base
	PJ(&steps[0]).FromAffine(base)
	for k := 1; k < windows; k++ {
		steps[k] = steps[k-1]
		for range w {
			PJ(&steps[k]).DoubleAssign()
		}
	}
	tableJac := make([]J, windows*row)
	parallelRange(windows, func(start, end int) {
		for k := start; k < end; k++ {
			t := tableJac[k*row : (k+1)*row]
			t[0] = steps[k]
			for d := 1; d < row; d++ {
				t[d] = t[d-1]
				PJ(&t[d]).AddAssign(&steps[k])
			}
		}
	})
	table := toAffine(tableJac)
	out := make([]J, len(scalars)) // zero values: the point at infinity
	parallelRange(len(scalars), func(start, end int) {
		for i := start; i < end; i++ {
			s := scalars[i].Bits()
			for k := 0; k < windows; k++ {
				if d := digit(&s, k, w); d != 0 {
					PJ(&out[i]).AddMixed(&table[k*row+d-1])
				}
			}
		}
	})
	return toAffine(out)
}

func batchMulG1(base *bn254.G1Affine, scalars []fr.Element) []bn254.G1Affine {
	return batchMul(base, scalars, bn254.BatchJacobianToAffineG1)
}

func batchMulG2(base *bn254.G2Affine, scalars []fr.Element) []bn254.G2Affine {
	return batchMul(base, scalars, batchJacobianToAffineG2)
}

// batchJacobianToAffineG2 converts with one field inversion per CPU
// (Montgomery's trick); points at infinity map to (0, 0), as in
// gnark-crypto.
func batchJacobianToAffineG2(points []bn254.G2Jac) []bn254.G2Affine {
	out := make([]bn254.G2Affine, len(points))
	parallelRange(len(points), func(start, end int) {
		pts := points[start:end]
		if len(pts) == 0 {
			return
		}
		// prefix products of the non-zero Z, inverted once
		acc := sliceLike(pts[0].Z, len(pts))
		prod := pts[0].Z
		prod.SetOne()
		for i := range pts {
			acc[i] = prod
			if !pts[i].Z.IsZero() {
				prod.Mul(&prod, &pts[i].Z)
			}
		}
		prod.Inverse(&prod)
		for i := len(pts) - 1; i >= 0; i-- {
			if pts[i].Z.IsZero() {
				continue // out[start+i] stays (0, 0)
			}
			zInv := acc[i]
			zInv.Mul(&zInv, &prod) // 1/Z_i
			prod.Mul(&prod, &pts[i].Z)
			zInv2 := zInv
			zInv2.Square(&zInv2)
			o := &out[start+i]
			o.X.Mul(&pts[i].X, &zInv2)
			o.Y.Mul(&pts[i].Y, &zInv2).Mul(&o.Y, &zInv)
		}
	})
	return out
}

// sliceLike allocates a slice of v's type (the E2 field element type lives
// in an internal package of gnark-crypto and cannot be named here).
func sliceLike[E any](_ E, n int) []E { return make([]E, n) }
