// Package zkml is Verdict's reference workload: quantized MLP and CNN
// inference (cnn.go), written twice — as native Go and as gnark circuits —
// so that the two agree bit for bit. A provider runs the native code to serve a job; on a dispute
// or an audit it proves the same computation with the circuit, and the chain
// verifies the proof against the job's stored commitments.
//
// Arithmetic (both sides): int8 weights and activations, int32 biases; each
// neuron accumulates bias + Σ w·x exactly, requantizes by an arithmetic right
// shift (floor division by 2^shift) and clamps to int8. Hidden layers clamp
// to [0, 127] (ReLU fused into the clamp); the last layer clamps to
// [-128, 127].
//
// File formats (all integers little-endian, no trailing bytes allowed):
//
//	model  (.vmdl): "VMDL" | version u8 = 1 | L u8 (1..MaxLayers) |
//	                dims u16 × (L+1) (each 1..MaxDim) |
//	                for each layer l = 1..L:
//	                  shift u8 (0..MaxShift) |
//	                  weights int8 × (dims[l] × dims[l-1]), row-major [out][in] |
//	                  biases int32 × dims[l]
//	model  (.vmdl), a CNN (see cnn.go):
//	                "VMDL" | version u8 = 2 | C u16 | H u16 | W u16 |
//	                nConv u8 | (F u16 | K u8) × nConv | nDense u8 | widths u16 × nDense |
//	                for each layer: shift u8 | weights int8 × (in × out) | biases int32 × out
//	                (a convolution's in is its input channels·K·K)
//	tensor (.vten): "VTEN" | version u8 = 1 | n u32 (1..MaxTensorLen) | int8 × n
//
// Inputs and outputs are tensors. Commitments are defined in commit.go.
package zkml

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

const (
	MaxLayers    = 8
	MaxDim       = 4096
	MaxShift     = 24
	MaxTensorLen = 1 << 20
	formatV1     = 1
	formatCNN    = 2 // model files of the CNN family
)

var (
	modelMagic  = []byte("VMDL")
	tensorMagic = []byte("VTEN")

	ErrFormat = errors.New("zkml: malformed file")
)

// Shape is the list of layer widths, input first: 64-64-10 is a 64-input,
// one hidden layer of 64, 10-output network.
type Shape []int

// ParseShape reads "64-64-10".
func ParseShape(s string) (Shape, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 2 || len(parts) > MaxLayers+1 {
		return nil, fmt.Errorf("shape %q: want 2 to %d widths separated by '-'", s, MaxLayers+1)
	}
	sh := make(Shape, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > MaxDim {
			return nil, fmt.Errorf("shape %q: width %q must be 1..%d", s, p, MaxDim)
		}
		sh[i] = n
	}
	return sh, nil
}

func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, n := range s {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, "-")
}

// Layers is the number of weight layers.
func (s Shape) Layers() int { return len(s) - 1 }

// Equal reports whether two shapes are the same.
func (s Shape) Equal(o Shape) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// Layer is one dense layer: Out × In weights, Out biases, one shift. In a
// CNN, a convolution layer is stored the same way with Kernel = K (its In
// is input channels·K·K, its weights [Out][channel][ky][kx]).
type Layer struct {
	In, Out int
	Kernel  int // 0: dense
	Shift   uint8
	Weights []int8 // row-major [Out][In]
	Biases  []int32
}

// Model is a quantized MLP, or a CNN when Arch is set.
type Model struct {
	Layers []Layer
	Arch   *Arch // the CNN family's architecture; nil for an MLP
}

// CircuitID names the circuit that proves the model under scheme s: a CNN
// is proven by its version 2 circuit, or its version 3 one under s = 3.
func (m *Model) CircuitID(s Scheme) string {
	if m.Arch != nil {
		if s == Pedersen {
			return m.Arch.CircuitIDFor(s)
		}
		return m.Arch.CircuitID()
	}
	return s.CircuitID(m.Shape())
}

// Shape returns an MLP's widths (nil for a CNN: see Arch).
func (m *Model) Shape() Shape {
	if len(m.Layers) == 0 || m.Arch != nil {
		return nil
	}
	s := Shape{m.Layers[0].In}
	for _, l := range m.Layers {
		s = append(s, l.Out)
	}
	return s
}

// Validate checks internal consistency.
func (m *Model) Validate() error {
	if m.Arch != nil {
		return m.validateCNN()
	}
	if len(m.Layers) < 1 || len(m.Layers) > MaxLayers {
		return fmt.Errorf("%w: %d layers, want 1..%d", ErrFormat, len(m.Layers), MaxLayers)
	}
	for i, l := range m.Layers {
		if l.In < 1 || l.In > MaxDim || l.Out < 1 || l.Out > MaxDim {
			return fmt.Errorf("%w: layer %d is %dx%d", ErrFormat, i, l.Out, l.In)
		}
		if i > 0 && m.Layers[i-1].Out != l.In {
			return fmt.Errorf("%w: layer %d input %d != previous output %d", ErrFormat, i, l.In, m.Layers[i-1].Out)
		}
		if l.Shift > MaxShift {
			return fmt.Errorf("%w: layer %d shift %d > %d", ErrFormat, i, l.Shift, MaxShift)
		}
		if len(l.Weights) != l.In*l.Out || len(l.Biases) != l.Out {
			return fmt.Errorf("%w: layer %d has %d weights and %d biases for %dx%d", ErrFormat, i, len(l.Weights), len(l.Biases), l.Out, l.In)
		}
		if l.Kernel != 0 {
			return fmt.Errorf("%w: layer %d of an MLP has a kernel", ErrFormat, i)
		}
	}
	return nil
}

func (m *Model) validateCNN() error {
	geo, err := m.Arch.Layers()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if len(m.Layers) != len(geo) {
		return fmt.Errorf("%w: %d layers for a %d-layer arch", ErrFormat, len(m.Layers), len(geo))
	}
	for i, g := range geo {
		l := m.Layers[i]
		if l.In != g.In || l.Out != g.Out || l.Kernel != g.K {
			return fmt.Errorf("%w: layer %d is %dx%d kernel %d, the arch says %dx%d kernel %d", ErrFormat, i, l.Out, l.In, l.Kernel, g.Out, g.In, g.K)
		}
		if l.Shift > MaxShift {
			return fmt.Errorf("%w: layer %d shift %d > %d", ErrFormat, i, l.Shift, MaxShift)
		}
		if len(l.Weights) != l.In*l.Out || len(l.Biases) != l.Out {
			return fmt.Errorf("%w: layer %d has %d weights and %d biases for %dx%d", ErrFormat, i, len(l.Weights), len(l.Biases), l.Out, l.In)
		}
	}
	return nil
}

// MarshalBinary encodes the model file.
func (m *Model) MarshalBinary() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(modelMagic)
	if a := m.Arch; a != nil {
		b.WriteByte(formatCNN)
		for _, d := range []int{a.Image.C, a.Image.H, a.Image.W} {
			_ = binary.Write(&b, binary.LittleEndian, uint16(d))
		}
		b.WriteByte(byte(len(a.Convs)))
		for _, cv := range a.Convs {
			_ = binary.Write(&b, binary.LittleEndian, uint16(cv.F))
			b.WriteByte(byte(cv.K))
		}
		b.WriteByte(byte(len(a.Dense)))
		for _, d := range a.Dense {
			_ = binary.Write(&b, binary.LittleEndian, uint16(d))
		}
	} else {
		b.WriteByte(formatV1)
		b.WriteByte(byte(len(m.Layers)))
		for _, d := range m.Shape() {
			_ = binary.Write(&b, binary.LittleEndian, uint16(d))
		}
	}
	for _, l := range m.Layers {
		b.WriteByte(l.Shift)
		for _, w := range l.Weights {
			b.WriteByte(byte(w))
		}
		for _, bias := range l.Biases {
			_ = binary.Write(&b, binary.LittleEndian, bias)
		}
	}
	return b.Bytes(), nil
}

// reader is a bounds-checked cursor: it never allocates more than the input
// it was given.
type reader struct {
	b   []byte
	off int
}

func (r *reader) take(n int) ([]byte, error) {
	if n < 0 || len(r.b)-r.off < n {
		return nil, fmt.Errorf("%w: truncated at byte %d", ErrFormat, r.off)
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s, nil
}

func (r *reader) u8() (uint8, error) {
	s, err := r.take(1)
	if err != nil {
		return 0, err
	}
	return s[0], nil
}

func (r *reader) done() error {
	if r.off != len(r.b) {
		return fmt.Errorf("%w: %d trailing bytes", ErrFormat, len(r.b)-r.off)
	}
	return nil
}

func (r *reader) u16() (int, error) {
	s, err := r.take(2)
	if err != nil {
		return 0, err
	}
	return int(binary.LittleEndian.Uint16(s)), nil
}

// header reads the magic and the version, which must be one of versions.
func (r *reader) header(magic []byte, versions ...uint8) (uint8, error) {
	m, err := r.take(len(magic))
	if err != nil {
		return 0, err
	}
	if !bytes.Equal(m, magic) {
		return 0, fmt.Errorf("%w: bad magic %q, want %q", ErrFormat, m, magic)
	}
	v, err := r.u8()
	if err != nil {
		return 0, err
	}
	for _, want := range versions {
		if v == want {
			return v, nil
		}
	}
	return 0, fmt.Errorf("%w: version %d, want one of %v", ErrFormat, v, versions)
}

// readArch reads a CNN model file's architecture.
func (r *reader) readArch() (*Arch, error) {
	var a Arch
	var err error
	if a.Image.C, err = r.u16(); err != nil {
		return nil, err
	}
	if a.Image.H, err = r.u16(); err != nil {
		return nil, err
	}
	if a.Image.W, err = r.u16(); err != nil {
		return nil, err
	}
	nc, err := r.u8()
	if err != nil {
		return nil, err
	}
	if nc > MaxLayers {
		return nil, fmt.Errorf("%w: %d convolutions", ErrFormat, nc)
	}
	for range nc {
		f, err := r.u16()
		if err != nil {
			return nil, err
		}
		k, err := r.u8()
		if err != nil {
			return nil, err
		}
		a.Convs = append(a.Convs, Conv{F: f, K: int(k)})
	}
	nd, err := r.u8()
	if err != nil {
		return nil, err
	}
	if nd > MaxLayers {
		return nil, fmt.Errorf("%w: %d dense layers", ErrFormat, nd)
	}
	for range nd {
		d, err := r.u16()
		if err != nil {
			return nil, err
		}
		a.Dense = append(a.Dense, d)
	}
	if _, err := a.Layers(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return &a, nil
}

// UnmarshalBinary decodes a model file strictly.
func (m *Model) UnmarshalBinary(data []byte) error {
	r := &reader{b: data}
	v, err := r.header(modelMagic, formatV1, formatCNN)
	if err != nil {
		return err
	}
	if v == formatCNN {
		a, err := r.readArch()
		if err != nil {
			return err
		}
		geo, _ := a.Layers()
		dims := make([][3]int, len(geo))
		for i, g := range geo {
			dims[i] = [3]int{g.In, g.Out, g.K}
		}
		layers, err := r.readLayers(dims)
		if err != nil {
			return err
		}
		m.Layers, m.Arch = layers, a
		return m.Validate()
	}
	nl, err := r.u8()
	if err != nil {
		return err
	}
	if nl < 1 || nl > MaxLayers {
		return fmt.Errorf("%w: %d layers, want 1..%d", ErrFormat, nl, MaxLayers)
	}
	dims := make([]int, int(nl)+1)
	for i := range dims {
		s, err := r.take(2)
		if err != nil {
			return err
		}
		dims[i] = int(binary.LittleEndian.Uint16(s))
		if dims[i] < 1 || dims[i] > MaxDim {
			return fmt.Errorf("%w: width %d must be 1..%d", ErrFormat, dims[i], MaxDim)
		}
	}
	ld := make([][3]int, nl)
	for i := range ld {
		ld[i] = [3]int{dims[i], dims[i+1], 0}
	}
	layers, err := r.readLayers(ld)
	if err != nil {
		return err
	}
	m.Layers, m.Arch = layers, nil
	return m.Validate()
}

// readLayers reads every layer's shift, weights and biases (dims: in, out,
// kernel per layer) and checks nothing trails them.
func (r *reader) readLayers(dims [][3]int) ([]Layer, error) {
	layers := make([]Layer, len(dims))
	for i := range layers {
		in, out := dims[i][0], dims[i][1]
		shift, err := r.u8()
		if err != nil {
			return nil, err
		}
		ws, err := r.take(in * out)
		if err != nil {
			return nil, err
		}
		bs, err := r.take(4 * out)
		if err != nil {
			return nil, err
		}
		l := Layer{In: in, Out: out, Kernel: dims[i][2], Shift: shift, Weights: make([]int8, in*out), Biases: make([]int32, out)}
		for k, w := range ws {
			l.Weights[k] = int8(w)
		}
		for k := range l.Biases {
			l.Biases[k] = int32(binary.LittleEndian.Uint32(bs[4*k:]))
		}
		layers[i] = l
	}
	return layers, r.done()
}

// MarshalTensor encodes a tensor file.
func MarshalTensor(t []int8) ([]byte, error) {
	if len(t) < 1 || len(t) > MaxTensorLen {
		return nil, fmt.Errorf("%w: tensor length %d, want 1..%d", ErrFormat, len(t), MaxTensorLen)
	}
	var b bytes.Buffer
	b.Write(tensorMagic)
	b.WriteByte(formatV1)
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(t)))
	for _, v := range t {
		b.WriteByte(byte(v))
	}
	return b.Bytes(), nil
}

// UnmarshalTensor decodes a tensor file strictly.
func UnmarshalTensor(data []byte) ([]int8, error) {
	r := &reader{b: data}
	if _, err := r.header(tensorMagic, formatV1); err != nil {
		return nil, err
	}
	s, err := r.take(4)
	if err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint32(s)
	if n < 1 || n > MaxTensorLen {
		return nil, fmt.Errorf("%w: tensor length %d, want 1..%d", ErrFormat, n, MaxTensorLen)
	}
	vs, err := r.take(int(n))
	if err != nil {
		return nil, err
	}
	if err := r.done(); err != nil {
		return nil, err
	}
	t := make([]int8, n)
	for i, v := range vs {
		t[i] = int8(v)
	}
	return t, nil
}

// ReadModel and ReadTensor load files; WriteModel and WriteTensor store them.
func ReadModel(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := &Model{}
	if err := m.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func ReadTensor(path string) ([]int8, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := UnmarshalTensor(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

func WriteModel(path string, m *Model) error {
	b, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func WriteTensor(path string, t []int8) error {
	b, err := MarshalTensor(t)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// stream is a deterministic byte stream (SHA-256 in counter mode) used to
// generate example models and inputs from a seed; not a secret.
type stream struct {
	seed []byte
	ctr  uint64
	buf  []byte
}

func (s *stream) next() byte {
	if len(s.buf) == 0 {
		var c [8]byte
		binary.BigEndian.PutUint64(c[:], s.ctr)
		s.ctr++
		h := sha256.Sum256(append(append([]byte{}, s.seed...), c[:]...))
		s.buf = h[:]
	}
	b := s.buf[0]
	s.buf = s.buf[1:]
	return b
}

// ExampleModel derives a model of the given shape from a seed: weights in
// [-32, 31], biases in [-256, 255], shift chosen so activations stay in range.
func ExampleModel(sh Shape, seed string) (*Model, error) {
	if len(sh) < 2 || len(sh) > MaxLayers+1 {
		return nil, fmt.Errorf("shape %v: want 2..%d widths", sh, MaxLayers+1)
	}
	st := &stream{seed: []byte("verdict/zkml/model/" + seed)}
	m := &Model{}
	for i := 0; i+1 < len(sh); i++ {
		in, out := sh[i], sh[i+1]
		l := Layer{In: in, Out: out, Weights: make([]int8, in*out), Biases: make([]int32, out)}
		for k := range l.Weights {
			l.Weights[k] = int8(st.next()%64) - 32
		}
		for k := range l.Biases {
			l.Biases[k] = int32(uint16(st.next())<<1|uint16(st.next()&1)) - 256
		}
		// |acc| is about 32·64·sqrt(in); shift so it lands near int8.
		shift := uint8(6)
		for w := in; w > 1; w >>= 2 {
			shift++
		}
		l.Shift = min(shift, MaxShift)
		m.Layers = append(m.Layers, l)
	}
	return m, m.Validate()
}

// ExampleInput derives an input tensor of length n from a seed.
func ExampleInput(n int, seed string) []int8 {
	st := &stream{seed: []byte("verdict/zkml/input/" + seed)}
	t := make([]int8, n)
	for i := range t {
		t[i] = int8(st.next())
	}
	return t
}
