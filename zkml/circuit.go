package zkml

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark/constraint/solver"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/profile"
	"github.com/consensys/gnark/std/rangecheck"
	"github.com/consensys/gnark/std/selector"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"
)

// clampBits bounds the distance checks of the clamp; with |acc| < 2^38 the
// quotient fits comfortably and every field equation below is an integer
// equation (all magnitudes stay far below the BN254 modulus).
const clampBits = 40

func init() {
	solver.RegisterHint(RequantizeHint, Requantize3Hint, UnpackHint, ByteCountHint, OneHint)
}

// Circuit proves: the model committed in ModelCommitment, run on the input
// committed in InputCommitment, outputs the tensor committed in
// OutputCommitment — for job JobID. The four public inputs are exactly, and in
// this order, what the chain rebuilds from a job; every one is constrained.
// Weights, biases, shifts and the input are private, so one circuit (one
// verifying key) serves every model of a shape.
type Circuit struct {
	ModelCommitment  frontend.Variable `gnark:",public"`
	InputCommitment  frontend.Variable `gnark:",public"`
	OutputCommitment frontend.Variable `gnark:",public"`
	JobID            frontend.Variable `gnark:",public"`

	Shifts  []frontend.Variable   // per layer, 0..MaxShift
	Weights [][]frontend.Variable // per layer, row-major, each weight + 128
	Biases  [][]frontend.Variable // per layer, each bias + 2^31
	Input   []frontend.Variable   // each value + 128

	shape  Shape // the MLP family's widths; nil for a CNN
	arch   *Arch // the CNN family's architecture; nil for an MLP
	scheme Scheme
	split  *Split // non-nil: count constraints per part while compiling

	deferredProf *profile.Profile
}

// PublicInputs is the number of public inputs of every Verdict circuit.
const PublicInputs = 4

// NewCircuit allocates the version 1 (MiMC) circuit of a shape.
func NewCircuit(sh Shape) *Circuit { return MiMC.NewCircuit(sh) }

// NewCircuit allocates the circuit of a shape under scheme s (for
// compilation).
func (s Scheme) NewCircuit(sh Shape) *Circuit {
	c := &Circuit{shape: append(Shape{}, sh...), scheme: s}
	L := sh.Layers()
	c.Shifts = make([]frontend.Variable, L)
	c.Weights = make([][]frontend.Variable, L)
	c.Biases = make([][]frontend.Variable, L)
	for l := 0; l < L; l++ {
		c.Weights[l] = make([]frontend.Variable, sh[l]*sh[l+1])
		c.Biases[l] = make([]frontend.Variable, sh[l+1])
	}
	c.Input = make([]frontend.Variable, sh[0])
	return c
}

// NewCNNCircuit allocates the circuit of a CNN architecture (version 2 or
// 3 commitments, which Define checks).
func (s Scheme) NewCNNCircuit(a Arch) (*Circuit, error) {
	geo, err := a.Layers()
	if err != nil {
		return nil, err
	}
	arch := a
	arch.Convs = append([]Conv{}, a.Convs...)
	arch.Dense = append([]int{}, a.Dense...)
	c := &Circuit{arch: &arch, scheme: s}
	c.Shifts = make([]frontend.Variable, len(geo))
	c.Weights = make([][]frontend.Variable, len(geo))
	c.Biases = make([][]frontend.Variable, len(geo))
	for l, g := range geo {
		c.Weights[l] = make([]frontend.Variable, g.In*g.Out)
		c.Biases[l] = make([]frontend.Variable, g.Out)
	}
	c.Input = make([]frontend.Variable, a.InputLen())
	return c, nil
}

// newCircuitFor allocates the circuit a model is proven with.
func (s Scheme) newCircuitFor(m *Model) (*Circuit, error) {
	if m.Arch != nil {
		return s.NewCNNCircuit(*m.Arch)
	}
	return s.NewCircuit(m.Shape()), nil
}

// Assign builds a full version 1 witness (see Scheme.Assign).
func Assign(m *Model, input []int8, jobID uint64) (*Circuit, []int8, error) {
	return MiMC.Assign(m, input, jobID)
}

// Assign builds a full witness for proving under scheme s: it runs the
// model natively and returns the output with the assignment. Version 3
// needs the circuit's commitment key: see AssignWithKey.
func (s Scheme) Assign(m *Model, input []int8, jobID uint64) (*Circuit, []int8, error) {
	return s.AssignWithKey(nil, m, input, jobID)
}

// AssignWithKey is Assign with the commitment key a version 3 circuit's
// model commitment is computed with (ignored by the older versions).
func (s Scheme) AssignWithKey(ck *CommitmentKey, m *Model, input []int8, jobID uint64) (*Circuit, []int8, error) {
	if jobID == 0 {
		return nil, nil, errors.New("zkml: job id must be positive")
	}
	return s.assign(ck, m, input, new(big.Int).SetUint64(jobID))
}

// AssignItem builds the witness of item i of batch job jobID: its job_id
// public input is zkverify.ItemTag(jobID, i), as the chain builds it.
func (s Scheme) AssignItem(ck *CommitmentKey, m *Model, input []int8, jobID, item uint64) (*Circuit, []int8, error) {
	if jobID == 0 {
		return nil, nil, errors.New("zkml: job id must be positive")
	}
	tag := zkverify.ItemTag(jobID, item)
	return s.assign(ck, m, input, new(big.Int).SetBytes(tag[:]))
}

func (s Scheme) assign(ck *CommitmentKey, m *Model, input []int8, jobTag *big.Int) (*Circuit, []int8, error) {
	out, err := Infer(m, input)
	if err != nil {
		return nil, nil, err
	}
	mc, err := s.ModelCommitmentWithKey(m, ck)
	if err != nil {
		return nil, nil, err
	}
	ic, oc := s.TensorCommitment(input), s.TensorCommitment(out)
	c, err := s.newCircuitFor(m)
	if err != nil {
		return nil, nil, err
	}
	c.ModelCommitment = new(big.Int).SetBytes(mc[:])
	c.InputCommitment = new(big.Int).SetBytes(ic[:])
	c.OutputCommitment = new(big.Int).SetBytes(oc[:])
	c.JobID = jobTag
	for l, layer := range m.Layers {
		c.Shifts[l] = int(layer.Shift)
		for k, w := range layer.Weights {
			c.Weights[l][k] = int(w) + 128
		}
		for k, b := range layer.Biases {
			c.Biases[l][k] = int64(b) + 1<<31
		}
	}
	for i, v := range input {
		c.Input[i] = int(v) + 128
	}
	return c, out, nil
}

// pack mirrors elemsPack: perElem values of `bits` bits per element.
func pack(api frontend.API, vals []frontend.Variable, perElem int, bits uint) []frontend.Variable {
	var out []frontend.Variable
	for start := 0; start < len(vals); start += perElem {
		end := min(start+perElem, len(vals))
		var e frontend.Variable = 0
		for k := start; k < end; k++ {
			coef := new(big.Int).Lsh(big.NewInt(1), bits*uint(k-start))
			e = api.Add(e, api.Mul(vals[k], coef))
		}
		out = append(out, e)
	}
	return out
}

func (c *Circuit) hashTensor(api frontend.API, offsetVals []frontend.Variable) (frontend.Variable, error) {
	_, tagTensor := c.scheme.tags()
	elems := append([]frontend.Variable{tagTensor, len(offsetVals)}, pack(api, offsetVals, bytesPerElem, 8)...)
	var out frontend.Variable
	err := c.count(partHashing, func() (err error) {
		out, err = c.scheme.hashCircuit(api, elems)
		return err
	})
	return out, err
}

// Define is the constraint system.
func (c *Circuit) Define(api frontend.API) error {
	var geo []LayerGeom
	inLen := 0
	switch {
	case c.arch != nil:
		g, err := c.arch.Layers()
		if err != nil {
			return err
		}
		if !c.scheme.HasCNN() {
			return fmt.Errorf("zkml: CNN circuits use version 2 or 3 commitments, not %v", c.scheme)
		}
		geo, inLen = g, c.arch.InputLen()
	case c.shape.Layers() >= 1:
		for l := 0; l < c.shape.Layers(); l++ {
			geo = append(geo, LayerGeom{In: c.shape[l], Out: c.shape[l+1], Hidden: l < c.shape.Layers()-1})
		}
		inLen = c.shape[0]
	}
	L := len(geo)
	if L < 1 || len(c.Weights) != L || len(c.Biases) != L || len(c.Shifts) != L || len(c.Input) != inLen {
		return fmt.Errorf("zkml: circuit not allocated for its shape")
	}
	if !c.scheme.Valid() {
		return fmt.Errorf("zkml: circuit has no commitment scheme (%v)", c.scheme)
	}
	// Version 3 commits to the model first, so that its commitment is
	// commitment 0 of every proof and holds only the model's wires (see
	// modelcommit.go); the range checks' commitment comes after Define.
	if c.scheme == Pedersen {
		model := append([]frontend.Variable{}, c.Shifts...)
		for l := 0; l < L; l++ {
			model = append(model, c.Weights[l]...)
		}
		for l := 0; l < L; l++ {
			model = append(model, c.Biases[l]...)
		}
		// and a wire constrained to 1, so that no model's commitment is the
		// point at infinity (all-zero values: weights −128, biases −2^31,
		// shifts 0), which the chain's verifier refuses as a proof point
		one, err := api.Compiler().NewHint(OneHint, 1)
		if err != nil {
			return err
		}
		api.AssertIsEqual(one[0], 1)
		model = append(model, one[0])
		committer, ok := api.(frontend.Committer)
		if !ok {
			return errors.New("zkml: version 3 circuits need a builder with commitments")
		}
		h, err := committer.Commit(model...)
		if err != nil {
			return err
		}
		api.AssertIsEqual(h, c.ModelCommitment)
	}
	c.countRangeChecks(api)
	rc := rangecheck.New(api) // its constraints are emitted after Define returns

	// The job id is public so that a proof for one job cannot be replayed for
	// another; job ids start at 1, and this constraint is what binds it.
	api.AssertIsDifferent(c.JobID, 0)

	// The shift of each layer: as a power of two (versions 1 and 2), as
	// the two constants of requantize3 (version 3).
	shifts := make([]layerShift, L)
	for l := 0; l < L; l++ {
		shifts[l] = c.layerShift(api, c.Shifts[l]) // also asserts shift ∈ [0, MaxShift]
	}
	// Bytes: version 1 range-checks them through gnark's general checker,
	// versions 2 and 3 through their own byte lookup (one constraint each).
	var bc byteChecker
	checkByte := func(v frontend.Variable) { rc.Check(v, 8) }
	if c.scheme != MiMC {
		checkByte = bc.Check
	}
	rq := func(acc frontend.Variable, l int, lo, hi int64) (y frontend.Variable) {
		_ = c.count(partRequantization, func() error {
			if c.scheme == Pedersen {
				y = requantize3(api, rc, &bc, acc, shifts[l], lo, hi)
			} else {
				y = requantize(api, rc, acc, shifts[l].pow, lo, hi)
			}
			return nil
		})
		return y
	}
	if c.scheme != Pedersen {
		if err := c.hashModel(api, rc, checkByte); err != nil {
			return err
		}
	}

	// Input commitment.
	for _, x := range c.Input {
		checkByte(x)
	}
	ih, err := c.hashTensor(api, c.Input)
	if err != nil {
		return err
	}
	api.AssertIsEqual(ih, c.InputCommitment)

	// Forward pass on signed values.
	x := make([]frontend.Variable, len(c.Input))
	for i, v := range c.Input {
		x[i] = api.Sub(v, 128)
	}
	for l, g := range geo {
		lo, hi := clampBounds(l, L)
		if g.IsConv {
			x = c.convLayer(api, rc, l, g, x, rq)
			continue
		}
		y := make([]frontend.Variable, g.Out)
		var accs []frontend.Variable
		if c.scheme != MiMC {
			accs = c.packedDot(api, rc, l, g.In, g.Out, [][]frontend.Variable{x})[0]
			for j := range accs {
				accs[j] = api.Add(accs[j], api.Sub(c.Biases[l][j], int64(1)<<31))
			}
		}
		for j := range y {
			if c.scheme == MiMC { // version 1 interleaves, and its constraint order is its keys'
				accs = append(accs, c.rowNeuron(api, l, j, x))
			}
			y[j] = rq(accs[j], l, lo, hi)
		}
		x = y
	}

	// Output commitment.
	offset := make([]frontend.Variable, len(x))
	for i, v := range x {
		offset[i] = api.Add(v, 128)
	}
	oh, err := c.hashTensor(api, offset)
	if err != nil {
		return err
	}
	api.AssertIsEqual(oh, c.OutputCommitment)
	return bc.finish(api)
}

// hashModel is versions 1 and 2's model commitment: every weight
// range-checked to a byte and every bias to 32 bits (packing relies on
// it), the model hashed, the hash asserted equal to the public
// model_commitment.
func (c *Circuit) hashModel(api frontend.API, rc frontend.Rangechecker, checkByte func(frontend.Variable)) error {
	var elems []frontend.Variable
	for _, e := range c.modelHeader() {
		elems = append(elems, e)
	}
	elems = append(elems, c.Shifts...)
	var ws, bs []frontend.Variable
	for l := range c.Weights {
		for _, w := range c.Weights[l] {
			checkByte(w)
		}
		for _, b := range c.Biases[l] {
			rc.Check(b, 32)
		}
		ws = append(ws, c.Weights[l]...)
		bs = append(bs, c.Biases[l]...)
	}
	elems = append(elems, pack(api, ws, bytesPerElem, 8)...)
	elems = append(elems, pack(api, bs, wordsPerElem, 32)...)
	var mh frontend.Variable
	if err := c.count(partHashing, func() (err error) {
		mh, err = c.scheme.hashCircuit(api, elems)
		return err
	}); err != nil {
		return err
	}
	api.AssertIsEqual(mh, c.ModelCommitment)
	return nil
}

// rowNeuron is version 1's matrix product for neuron j of layer l: one
// multiplication per weight, acc_j = bias_j + Σ_i w_ji·x_i.
func (c *Circuit) rowNeuron(api frontend.API, l, j int, x []frontend.Variable) frontend.Variable {
	in := c.shape[l]
	var acc frontend.Variable
	_ = c.count(partMatmul, func() error {
		acc = api.Sub(c.Biases[l][j], int64(1)<<31)
		for i := 0; i < in; i++ {
			acc = api.Add(acc, api.Mul(api.Sub(c.Weights[l][j*in+i], 128), x[i]))
		}
		return nil
	})
	return acc
}

// packedDot is version 2's matrix product for layer l (In × Out weights)
// applied to one or more input vectors (one for a dense layer, one patch
// per position for a convolution); it returns Σ_i w_ji·x_i (without the
// bias) for every vector and neuron. It works on offset values w' = w + 128
// and x' = x + 128, both in [0, 256) (weights and the input are
// range-checked, hidden values are clamped to int8): each product
// w'_ji·x'_i is below 2^16, so a neuron's sum a_j = Σ_i w'_ji·x'_i is below
// 2^k with k = accBits(in). For a group of g = slotsPerElem(k) neurons, one
// multiplication per input computes
//
//	S = Σ_i (Σ_t w'_(j0+t),i · 2^(k·t)) · x'_i = Σ_t a_(j0+t) · 2^(k·t)
//
// (the column of weights is a linear combination, free in R1CS), with
// S < 2^(g·k) ≤ 2^253 below the field modulus, so S is that integer. The
// prover supplies the a_j (a hint); each is range-checked to k bits and
// their recombination must equal S, which makes them unique. Then
//
//	Σ_i w_ji·x_i = a_j − 128·Σ_i x'_i − 128·Σ_i w'_ji + 128²·in
//
// A vector costs in·⌈out/g⌉ multiplications instead of in·out.
func (c *Circuit) packedDot(api frontend.API, rc frontend.Rangechecker, l, in, out int, xs [][]frontend.Variable) [][]frontend.Variable {
	k := accBits(in)
	g := slotsPerElem(k)
	res := make([][]frontend.Variable, len(xs))
	_ = c.count(partMatmul, func() error {
		W := c.Weights[l]
		sumW := make([]frontend.Variable, out) // Σ_i w'_ji, linear
		for j := range sumW {
			var s frontend.Variable = 0
			for i := 0; i < in; i++ {
				s = api.Add(s, W[j*in+i])
			}
			sumW[j] = s
		}
		var cols [][]frontend.Variable // per group, per input: the packed column, linear
		for j0 := 0; j0 < out; j0 += g {
			col := make([]frontend.Variable, in)
			for i := 0; i < in; i++ {
				var e frontend.Variable = 0
				for j := j0; j < min(j0+g, out); j++ {
					e = api.Add(e, api.Mul(W[j*in+i], pow2(k*(j-j0))))
				}
				col[i] = e
			}
			cols = append(cols, col)
		}
		for p, x := range xs {
			xp := make([]frontend.Variable, in)
			var sumX frontend.Variable = 0
			for i, v := range x {
				xp[i] = api.Add(v, 128)
				sumX = api.Add(sumX, xp[i])
			}
			res[p] = make([]frontend.Variable, out)
			for gi, col := range cols {
				j0 := gi * g
				var S frontend.Variable = 0
				for i := 0; i < in; i++ {
					S = api.Add(S, api.Mul(col[i], xp[i]))
				}
				sums, err := api.Compiler().NewHint(UnpackHint, min(j0+g, out)-j0, k, S)
				if err != nil {
					panic(err) // only at compile time, on a programming error
				}
				var R frontend.Variable = 0
				for t, a := range sums {
					rc.Check(a, k)
					R = api.Add(R, api.Mul(a, pow2(k*t)))
				}
				if c.scheme == Pedersen {
					// gnark's R1CS builder puts the longer side of a
					// constraint in its B matrix, whose wires cost the
					// prover a G2 point each: this order puts the g limbs
					// there and S's products (one per input) in C
					api.AssertIsEqual(R, S)
				} else {
					api.AssertIsEqual(S, R)
				}
				for t, a := range sums {
					res[p][j0+t] = api.Add(a, api.Mul(sumX, -128), api.Mul(sumW[j0+t], -128), 128*128*in)
				}
			}
		}
		return nil
	})
	return res
}

// convLayer is a CNN convolution with its 2×2 average pooling: the dot
// products of every output position (packedDot on the patches), the four
// of each pooling window summed with their biases (linear), then one
// requantization per pooled value into [0, 127].
func (c *Circuit) convLayer(api frontend.API, rc frontend.Rangechecker, l int, g LayerGeom, x []frontend.Variable, rq func(acc frontend.Variable, l int, lo, hi int64) frontend.Variable) []frontend.Variable {
	patches := make([][]frontend.Variable, 0, g.OutH*g.OutW)
	for oy := 0; oy < g.OutH; oy++ {
		for ox := 0; ox < g.OutW; ox++ {
			patches = append(patches, patch(x, g, oy, ox))
		}
	}
	var dots [][]frontend.Variable
	if c.scheme == Pedersen {
		dots = c.packedConv(api, rc, l, g.In, g.Out, patches)
	} else {
		dots = c.packedDot(api, rc, l, g.In, g.Out, patches)
	}
	y := make([]frontend.Variable, g.Out*g.PoolH*g.PoolW)
	for f := 0; f < g.Out; f++ {
		bias := api.Sub(c.Biases[l][f], int64(1)<<31)
		for py := 0; py < g.PoolH; py++ {
			for px := 0; px < g.PoolW; px++ {
				pooled := api.Mul(bias, 4)
				for d := 0; d < 4; d++ {
					pooled = api.Add(pooled, dots[(2*py+d/2)*g.OutW+2*px+d%2][f])
				}
				y[(f*g.PoolH+py)*g.PoolW+px] = rq(pooled, l, 0, 127)
			}
		}
	}
	return y
}

// packedConv is version 3's product for a convolution: packedDot with the
// roles of filters and positions swapped. A convolution applies few
// filters (6 and 16 in LeNet-5) at many positions (784 and 100), so it
// packs g positions' patch values per input i —
//
//	X_i = Σ_t x'_(p0+t),i · 2^(k·t)    (a linear combination)
//	S_f = Σ_i w'_f,i · X_i = Σ_t a_f,(p0+t) · 2^(k·t)
//
// — one multiplication per filter, input and group of positions: F·in·⌈P/g⌉
// instead of P·in·⌈F/g⌉ (LeNet-5: 9,900 and 24,000 instead of 19,600 and
// 30,000). Each a is range-checked to k bits and their recombination must
// equal S, as in packedDot, and
//
//	Σ_i w_f,i·x_p,i = a_f,p − 128·Σ_i x'_p,i − 128·Σ_i w'_f,i + 128²·in.
//
// The weight is the short side of each product, so it lands in the
// constraint's A matrix and the packed inputs in B (see requantize3).
func (c *Circuit) packedConv(api frontend.API, rc frontend.Rangechecker, l, in, out int, xs [][]frontend.Variable) [][]frontend.Variable {
	k := accBits(in)
	g := slotsPerElem(k)
	P := len(xs)
	res := make([][]frontend.Variable, P)
	for p := range res {
		res[p] = make([]frontend.Variable, out)
	}
	_ = c.count(partMatmul, func() error {
		W := c.Weights[l]
		sumW := make([]frontend.Variable, out) // Σ_i w'_f,i, linear
		for f := range sumW {
			var s frontend.Variable = 0
			for i := 0; i < in; i++ {
				s = api.Add(s, W[f*in+i])
			}
			sumW[f] = s
		}
		xp := make([][]frontend.Variable, P) // x' = x + 128, linear
		sumX := make([]frontend.Variable, P)
		for p, x := range xs {
			xp[p] = make([]frontend.Variable, in)
			var sx frontend.Variable = 0
			for i, v := range x {
				xp[p][i] = api.Add(v, 128)
				sx = api.Add(sx, xp[p][i])
			}
			sumX[p] = sx
		}
		for p0 := 0; p0 < P; p0 += g {
			n := min(p0+g, P) - p0
			X := make([]frontend.Variable, in) // packed positions, linear
			for i := 0; i < in; i++ {
				var e frontend.Variable = 0
				for t := 0; t < n; t++ {
					e = api.Add(e, api.Mul(xp[p0+t][i], pow2(k*t)))
				}
				X[i] = e
			}
			for f := 0; f < out; f++ {
				var S frontend.Variable = 0
				for i := 0; i < in; i++ {
					S = api.Add(S, api.Mul(W[f*in+i], X[i]))
				}
				sums, err := api.Compiler().NewHint(UnpackHint, n, k, S)
				if err != nil {
					panic(err) // only at compile time, on a programming error
				}
				var R frontend.Variable = 0
				for t, a := range sums {
					rc.Check(a, k)
					R = api.Add(R, api.Mul(a, pow2(k*t)))
				}
				api.AssertIsEqual(R, S)
				for t, a := range sums {
					res[p0+t][f] = api.Add(a, api.Mul(sumX[p0+t], -128), api.Mul(sumW[f], -128), 128*128*in)
				}
			}
		}
		return nil
	})
	return res
}

// accBits is the bit width k of a packed neuron sum over `in` inputs:
// in·255² < 2^k.
func accBits(in int) int { return new(big.Int).SetInt64(int64(in) * 255 * 255).BitLen() }

// slotsPerElem is how many k-bit sums fit below 2^253.
func slotsPerElem(k int) int { return 253 / k }

func pow2(n int) *big.Int { return new(big.Int).Lsh(big.NewInt(1), uint(n)) }

// UnpackHint splits S into len(out) limbs of k bits (inputs: k, S). The
// circuit range-checks every limb and checks their recombination.
func UnpackHint(_ *big.Int, in, out []*big.Int) error {
	if len(in) != 2 || !in[0].IsInt64() || in[0].Int64() < 1 || in[0].Int64() > 253 {
		return errors.New("unpack hint: want inputs (k, S) with 1 ≤ k ≤ 253")
	}
	k := uint(in[0].Int64())
	mask := new(big.Int).Sub(pow2(int(k)), big.NewInt(1))
	v := new(big.Int).Set(in[1])
	for i := range out {
		out[i].And(v, mask)
		v.Rsh(v, k)
	}
	return nil
}

// requantize constrains y = clamp(floor(acc / pow), lo, hi).
func requantize(api frontend.API, rc frontend.Rangechecker, acc, pow frontend.Variable, lo, hi int64) frontend.Variable {
	out, err := api.Compiler().NewHint(RequantizeHint, 4, acc, pow, lo, hi)
	if err != nil {
		panic(err) // only at compile time, on a programming error
	}
	q, r, isLow, isHigh := out[0], out[1], out[2], out[3]
	// acc = q·pow + r with 0 ≤ r < pow: q = floor(acc / pow).
	api.AssertIsEqual(acc, api.Add(api.Mul(q, pow), r))
	rc.Check(r, MaxShift+1)
	rc.Check(api.Sub(pow, 1, r), MaxShift+1)
	// isLow ⇔ q < lo, isHigh ⇔ q > hi; each claim is checked by a range
	// check of the distance to the bound, on whichever side the flag says.
	api.AssertIsBoolean(isLow)
	api.AssertIsBoolean(isHigh)
	api.AssertIsEqual(api.Mul(isLow, isHigh), 0)
	rc.Check(api.Select(isLow, api.Sub(lo-1, q), api.Sub(q, lo)), clampBits)
	rc.Check(api.Select(isHigh, api.Sub(q, hi+1), api.Sub(hi, q)), clampBits)
	return api.Add(q, api.Mul(isLow, api.Sub(lo, q)), api.Mul(isHigh, api.Sub(hi, q)))
}

// layerShift is a layer's shift s in the forms requantization uses:
// pow = 2^s, and scale = 2^(24−s) (version 3).
type layerShift struct{ pow, scale frontend.Variable }

func (c *Circuit) layerShift(api frontend.API, s frontend.Variable) layerShift {
	table := func(exp func(s int) int) []frontend.Variable {
		t := make([]frontend.Variable, MaxShift+1)
		for k := range t {
			t[k] = pow2(exp(k))
		}
		return t
	}
	if c.scheme != Pedersen {
		return layerShift{pow: selector.Mux(api, s, table(func(s int) int { return s })...)}
	}
	return layerShift{
		pow:   selector.Mux(api, s, table(func(s int) int { return s })...),
		scale: selector.Mux(api, s, table(func(s int) int { return MaxShift - s })...),
	}
}

// requantize3 is version 3's y = clamp(floor(acc / 2^s), lo, hi), with
// hi − lo < 256: two range checks instead of version 2's four.
//
// Division: the prover supplies q and r with acc = q·2^s + r, and
// r·2^(24−s) is range-checked to 24 bits. That alone does not make r an
// integer below 2^s (r·2^(24−s) = u < 2^24 holds for r = u/2^(24−s) in the
// field, integer or not), but with acc and q integers, u = acc·2^(24−s) −
// q·2^24 is one too, and the clamp below accepts only q within 2^40 of
// [lo, hi]: for such q, u < 2^24 leaves exactly q = floor(acc / 2^s) (an
// integer of magnitude below 2^(254−24−41) cannot be a nonzero multiple of
// p), so r = acc − q·2^s is that floor's remainder.
//
// Clamp: the prover supplies flags low, high and a distance m < 2^40;
// y = q − (high − low)·m, high ⇒ y = hi, low ⇒ y = lo, and y ∈ [lo, hi]
// (byte lookups). So high means q = hi + m ≥ hi, low means q = lo − m ≤ lo,
// neither means q = y ∈ [lo, hi]: in every case y = clamp(q, lo, hi),
// whichever flags a prover picks at the bounds.
//
// Its constraints are written with acc, a long linear combination (a
// neuron's every weight and input), on the C side: gnark's R1CS builder
// puts the longer side of a product in B, whose wires cost the prover a G2
// point each.
func requantize3(api frontend.API, rc frontend.Rangechecker, bc *byteChecker, acc frontend.Variable, sh layerShift, lo, hi int64) frontend.Variable {
	out, err := api.Compiler().NewHint(Requantize3Hint, 5, acc, sh.pow, lo, hi)
	if err != nil {
		panic(err) // only at compile time, on a programming error
	}
	q, r, low, high, m := out[0], out[1], out[2], out[3], out[4]
	// acc = q·2^s + r, with acc (long) on the constraint's C side
	api.AssertIsEqual(api.Add(api.Mul(q, sh.pow), r), acc)
	rc.Check(api.Mul(r, sh.scale), MaxShift) // r·2^(24−s) < 2^24
	api.AssertIsBoolean(low)
	api.AssertIsBoolean(high)
	rc.Check(m, clampBits)
	y := api.Sub(q, api.Mul(api.Sub(high, low), m))
	api.AssertIsEqual(api.Mul(high, api.Sub(y, hi)), 0)
	api.AssertIsEqual(api.Mul(low, api.Sub(y, lo)), 0)
	bc.Check(api.Sub(y, lo))
	if span := hi - lo + 1; span < 256 {
		bc.Check(api.Add(api.Sub(y, lo), 256-span)) // y − lo ≤ span − 1
	}
	return y
}

// OneHint outputs 1 (version 3's committed constant; the circuit asserts
// it).
func OneHint(_ *big.Int, _, out []*big.Int) error {
	for _, o := range out {
		o.SetUint64(1)
	}
	return nil
}

// Requantize3Hint computes requantize3's q = floor(acc / pow), r = acc −
// q·pow, the clamp flags and the distance (inputs acc, pow, lo, hi). A
// prover-side hint; the circuit checks every output.
func Requantize3Hint(field *big.Int, in, out []*big.Int) error {
	if len(out) != 5 {
		return errors.New("requantize3 hint: want 5 outputs")
	}
	q, r, lo, hi, err := floorDiv(field, in)
	if err != nil {
		return fmt.Errorf("requantize3 hint: %w", err)
	}
	out[0].Mod(q, field)
	out[1].Set(r)
	for _, o := range out[2:] {
		o.SetInt64(0)
	}
	switch {
	case q.Cmp(lo) < 0:
		out[2].SetInt64(1)
		out[4].Sub(lo, q)
	case q.Cmp(hi) > 0:
		out[3].SetInt64(1)
		out[4].Sub(q, hi)
	}
	return nil
}

// floorDiv reads the requantization hints' inputs (acc, pow, lo, hi, as
// signed field elements) and returns q = floor(acc / pow), r = acc − q·pow,
// lo and hi.
func floorDiv(field *big.Int, in []*big.Int) (q, r, lo, hi *big.Int, err error) {
	if len(in) != 4 {
		return nil, nil, nil, nil, errors.New("want inputs (acc, pow, lo, hi)")
	}
	acc, pow := signed(field, in[0]), signed(field, in[1])
	if pow.Sign() <= 0 {
		return nil, nil, nil, nil, errors.New("non-positive divisor")
	}
	q, r = new(big.Int), new(big.Int)
	q.DivMod(acc, pow, r) // Euclidean: r ≥ 0, so q is the floor for pow > 0
	return q, r, signed(field, in[2]), signed(field, in[3]), nil
}

// signed reads a field element as a signed integer (values above p/2 are
// negative).
func signed(field, v *big.Int) *big.Int {
	half := new(big.Int).Rsh(field, 1)
	if v.Cmp(half) > 0 {
		return new(big.Int).Sub(v, field)
	}
	return new(big.Int).Set(v)
}

// RequantizeHint computes q = floor(acc/pow), r = acc − q·pow and the clamp
// flags. It is a prover-side hint; the circuit checks every output.
func RequantizeHint(field *big.Int, in, out []*big.Int) error {
	if len(out) != 4 {
		return errors.New("requantize hint: want 4 outputs")
	}
	q, r, lo, hi, err := floorDiv(field, in)
	if err != nil {
		return fmt.Errorf("requantize hint: %w", err)
	}
	out[0].Mod(q, field)
	out[1].Set(r)
	out[2].SetInt64(0)
	out[3].SetInt64(0)
	if q.Cmp(lo) < 0 {
		out[2].SetInt64(1)
	}
	if q.Cmp(hi) > 0 {
		out[3].SetInt64(1)
	}
	return nil
}
