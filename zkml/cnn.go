package zkml

import (
	"fmt"
	"strconv"
	"strings"
)

// The CNN family (circuit ids cnn-<arch>, version 2 commitments only): a
// LeNet-style network on an int8 image. Each convolution layer has a K×K
// kernel (stride 1, no padding) over all input channels and is followed by
// 2×2 average pooling (stride 2), as in LeNet-5's subsampling layers; the
// pooled sum of the four accumulators is requantized once (floor division
// by 2^shift, so the shift takes the pool's division by 4) and clamped to
// [0, 127] (ReLU). Dense layers follow on the flattened channels-first
// (CHW) feature map, exactly as in the MLP family.
//
// A convolution layer is stored as a dense layer whose input is one patch:
// In = input channels·K·K, Out = output channels, weights row-major
// [out][channel][ky][kx]. Tensors are flattened CHW.
//
// The architecture string is <C>x<H>x<W>, then <F>k<K> per convolution
// layer, then the widths of the dense layers:
// 1x32x32-6k5-16k5-120-84-10 is LeNet-5 (32×32 → 6@28×28 → pool 6@14×14 →
// 16@10×10 → pool 16@5×5 = 400 → 120 → 84 → 10).

// CNNPrefix starts every CNN circuit id.
const CNNPrefix = "cnn-"

// Image is a CNN's input geometry.
type Image struct{ C, H, W int }

// Conv is one convolution layer: F output channels, a K×K kernel.
type Conv struct{ F, K int }

// Arch is a CNN architecture.
type Arch struct {
	Image Image
	Convs []Conv
	Dense []int // output widths of the dense layers, in order
}

// LeNet5 is the reference CNN.
var LeNet5 = Arch{Image: Image{1, 32, 32}, Convs: []Conv{{6, 5}, {16, 5}}, Dense: []int{120, 84, 10}}

// ParseArch reads "1x32x32-6k5-16k5-120-84-10".
func ParseArch(s string) (Arch, error) {
	parts := strings.Split(s, "-")
	var a Arch
	img := strings.Split(parts[0], "x")
	if len(img) != 3 {
		return a, fmt.Errorf("cnn %q: the input must be <C>x<H>x<W>", s)
	}
	dims := make([]int, 3)
	for i, p := range img {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > MaxDim {
			return a, fmt.Errorf("cnn %q: input dimension %q must be 1..%d", s, p, MaxDim)
		}
		dims[i] = n
	}
	a.Image = Image{dims[0], dims[1], dims[2]}
	for _, p := range parts[1:] {
		if f, k, ok := strings.Cut(p, "k"); ok {
			if len(a.Dense) > 0 {
				return a, fmt.Errorf("cnn %q: convolutions come before dense layers", s)
			}
			fn, err1 := strconv.Atoi(f)
			kn, err2 := strconv.Atoi(k)
			if err1 != nil || err2 != nil {
				return a, fmt.Errorf("cnn %q: convolution %q must be <F>k<K>", s, p)
			}
			a.Convs = append(a.Convs, Conv{F: fn, K: kn})
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return a, fmt.Errorf("cnn %q: %q is neither <F>k<K> nor a width", s, p)
		}
		a.Dense = append(a.Dense, n)
	}
	if _, err := a.Layers(); err != nil {
		return a, err
	}
	return a, nil
}

func (a Arch) String() string {
	parts := []string{fmt.Sprintf("%dx%dx%d", a.Image.C, a.Image.H, a.Image.W)}
	for _, c := range a.Convs {
		parts = append(parts, fmt.Sprintf("%dk%d", c.F, c.K))
	}
	for _, d := range a.Dense {
		parts = append(parts, strconv.Itoa(d))
	}
	return strings.Join(parts, "-")
}

// CircuitID is the arch's circuit id.
func (a Arch) CircuitID() string { return CNNPrefix + a.String() }

// CircuitIDFor names the arch's circuit under scheme s (cnn-<arch> for
// version 2, cnn3-<arch> for version 3).
func (a Arch) CircuitIDFor(s Scheme) string { return s.CNNPrefix() + a.String() }

// ParseCNNCircuitID reads cnn-<arch> (version 2) or cnn3-<arch> (version
// 3).
func ParseCNNCircuitID(id string) (Scheme, Arch, error) {
	for _, s := range []Scheme{Poseidon2, Pedersen} {
		if rest, ok := strings.CutPrefix(id, s.CNNPrefix()); ok {
			a, err := ParseArch(rest)
			return s, a, err
		}
	}
	return 0, Arch{}, fmt.Errorf("zkml: circuit id %q is not cnn-<arch> or cnn3-<arch>", id)
}

// isCNNID reports whether id has a CNN circuit prefix.
func isCNNID(id string) bool {
	return strings.HasPrefix(id, CNNPrefix) || strings.HasPrefix(id, Pedersen.CNNPrefix())
}

// LayerGeom is one layer of an arch: its dense view (In × Out weights) and,
// for a convolution, its kernel and the size of its input and pooled output.
type LayerGeom struct {
	In, Out, K     int // K = 0: dense
	InC, InH, InW  int // convolution input
	OutH, OutW     int // convolution output before pooling
	PoolH, PoolW   int // after pooling
	Hidden, IsConv bool
}

// Layers derives every layer's geometry and checks the arch: at least one
// convolution and one dense layer, at most MaxLayers in all, every
// convolution output even-sized (2×2 pooling), every width within MaxDim.
func (a Arch) Layers() ([]LayerGeom, error) {
	n := len(a.Convs) + len(a.Dense)
	if len(a.Convs) < 1 || len(a.Dense) < 1 || n > MaxLayers {
		return nil, fmt.Errorf("cnn %v: want at least one convolution and one dense layer, at most %d layers", a, MaxLayers)
	}
	c, h, w := a.Image.C, a.Image.H, a.Image.W
	if c < 1 || h < 1 || w < 1 || c*h*w > MaxTensorLen {
		return nil, fmt.Errorf("cnn %v: input %dx%dx%d", a, c, h, w)
	}
	var out []LayerGeom
	for _, cv := range a.Convs {
		if cv.F < 1 || cv.F > MaxDim || cv.K < 1 || cv.K > h || cv.K > w {
			return nil, fmt.Errorf("cnn %v: convolution %dk%d on %dx%dx%d", a, cv.F, cv.K, c, h, w)
		}
		oh, ow := h-cv.K+1, w-cv.K+1
		if oh%2 != 0 || ow%2 != 0 {
			return nil, fmt.Errorf("cnn %v: convolution output %dx%d is not even (2x2 pooling)", a, oh, ow)
		}
		g := LayerGeom{In: c * cv.K * cv.K, Out: cv.F, K: cv.K, InC: c, InH: h, InW: w, OutH: oh, OutW: ow, PoolH: oh / 2, PoolW: ow / 2, Hidden: true, IsConv: true}
		if g.In > MaxDim {
			return nil, fmt.Errorf("cnn %v: a patch of %d values exceeds %d", a, g.In, MaxDim)
		}
		out = append(out, g)
		c, h, w = cv.F, oh/2, ow/2
	}
	in := c * h * w
	for i, d := range a.Dense {
		if in > MaxDim || d < 1 || d > MaxDim {
			return nil, fmt.Errorf("cnn %v: dense layer %d is %dx%d (at most %d)", a, i, d, in, MaxDim)
		}
		out = append(out, LayerGeom{In: in, Out: d, Hidden: i < len(a.Dense)-1})
		in = d
	}
	return out, nil
}

// InputLen is the number of input values (C·H·W).
func (a Arch) InputLen() int { return a.Image.C * a.Image.H * a.Image.W }

// patch gathers the input values of the K×K window at (oy, ox) over every
// channel of a CHW map, in the weights' [channel][ky][kx] order.
func patch[T any](x []T, g LayerGeom, oy, ox int) []T {
	p := make([]T, 0, g.In)
	for ch := 0; ch < g.InC; ch++ {
		for ky := 0; ky < g.K; ky++ {
			row := ch*g.InH*g.InW + (oy+ky)*g.InW + ox
			p = append(p, x[row:row+g.K]...)
		}
	}
	return p
}

// inferCNN is the native forward pass of a CNN model.
func inferCNN(m *Model, input []int8) ([]int8, error) {
	geo, err := m.Arch.Layers()
	if err != nil {
		return nil, err
	}
	if len(input) != m.Arch.InputLen() {
		return nil, fmt.Errorf("zkml: input has %d values, model expects %d", len(input), m.Arch.InputLen())
	}
	x := input
	for li, g := range geo {
		accs, err := cnnAccumulators(m.Layers[li], li, g, x)
		if err != nil {
			return nil, err
		}
		lo, hi := clampBounds(li, len(geo))
		x = make([]int8, len(accs))
		for i, acc := range accs {
			x[i] = Requantize(acc, m.Layers[li].Shift, lo, hi)
		}
	}
	return x, nil
}

// cnnAccumulators is one layer before requantization: a dense layer's
// bias + Σ w·x per neuron, or a convolution's pooled sums (four
// accumulators per 2×2 window) in CHW order.
func cnnAccumulators(l Layer, li int, g LayerGeom, x []int8) ([]int64, error) {
	if !g.IsConv {
		accs := make([]int64, l.Out)
		for j := range accs {
			acc, err := dot(l, j, x, li)
			if err != nil {
				return nil, err
			}
			accs[j] = acc
		}
		return accs, nil
	}
	accs := make([]int64, g.Out*g.PoolH*g.PoolW)
	for f := 0; f < g.Out; f++ {
		for py := 0; py < g.PoolH; py++ {
			for px := 0; px < g.PoolW; px++ {
				var pooled int64
				for d := 0; d < 4; d++ {
					acc, err := dot(l, f, patch(x, g, 2*py+d/2, 2*px+d%2), li)
					if err != nil {
						return nil, err
					}
					pooled += acc
				}
				if pooled >= accBound || pooled <= -accBound {
					return nil, fmt.Errorf("zkml: layer %d pooled accumulator %d out of range", li, pooled)
				}
				accs[(f*g.PoolH+py)*g.PoolW+px] = pooled
			}
		}
	}
	return accs, nil
}

// dot is bias_j + Σ_i w_ji·x_i, bounded like every accumulator.
func dot(l Layer, j int, x []int8, li int) (int64, error) {
	acc := int64(l.Biases[j])
	for i, w := range l.Weights[j*l.In : (j+1)*l.In] {
		acc += int64(w) * int64(x[i])
	}
	if acc >= accBound || acc <= -accBound {
		return 0, fmt.Errorf("zkml: layer %d neuron %d accumulator %d out of range", li, j, acc)
	}
	return acc, nil
}

// ExampleCNN derives a model of an arch from a seed: weights in [-32, 31],
// biases in [-256, 255], and each layer's shift calibrated on an example
// input (from the same seed) so that its largest accumulator lands in the
// upper half of int8 — hidden activations after ReLU are small and
// one-sided, so a fixed rule like ExampleModel's would zero them out.
func ExampleCNN(a Arch, seed string) (*Model, error) {
	geo, err := a.Layers()
	if err != nil {
		return nil, err
	}
	st := &stream{seed: []byte("verdict/zkml/cnn/" + seed)}
	m := &Model{Arch: &a}
	x := ExampleInput(a.InputLen(), "calibration/"+seed)
	for li, g := range geo {
		l := Layer{In: g.In, Out: g.Out, Kernel: g.K, Weights: make([]int8, g.In*g.Out), Biases: make([]int32, g.Out)}
		for k := range l.Weights {
			l.Weights[k] = int8(st.next()%64) - 32
		}
		for k := range l.Biases {
			l.Biases[k] = int32(uint16(st.next())<<1|uint16(st.next()&1)) - 256
		}
		accs, err := cnnAccumulators(l, li, g, x)
		if err != nil {
			return nil, err
		}
		var most int64
		for _, acc := range accs {
			most = max(most, acc, -acc)
		}
		l.Shift = uint8(min(max(bitLen(most)-7, 0), MaxShift))
		lo, hi := clampBounds(li, len(geo))
		x = make([]int8, len(accs))
		for i, acc := range accs {
			x[i] = Requantize(acc, l.Shift, lo, hi)
		}
		m.Layers = append(m.Layers, l)
	}
	return m, m.Validate()
}

func bitLen(v int64) int {
	n := 0
	for ; v > 0; v >>= 1 {
		n++
	}
	return n
}
