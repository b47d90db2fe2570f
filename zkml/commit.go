package zkml

import (
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/verdict-chain/verdict/x/dispute/zkverify"
)

// Commitments are hashes under a Scheme (MiMC-BN254 for version 1, a
// Poseidon2-BN254 sponge for version 2; the same hash as the circuit's) over
// a sequence of field elements, encoded as 32-byte big-endian canonical
// field elements — exactly what x/jobs stores. Version 2 uses its own tags.
//
//	model  = H(TagModel, L, d0..dL, shift1..shiftL,   (a CNN: see modelHeader)
//	           pack8(all weights + 128, layer by layer, row-major),
//	           pack32(all biases + 2^31, layer by layer))
//	tensor = H(TagTensor, n, pack8(values + 128))
//
// pack8 puts 31 bytes in one element, little-endian (byte k times 256^k);
// pack32 puts 7 uint32 in one element (word k times 2^(32k)). The last
// element of a pack may be partly filled. Offsets make every value a
// non-negative integer below 2^8 or 2^32, which the circuit range-checks.

const (
	bytesPerElem = zkverify.BytesPerElem
	wordsPerElem = 7
	// CommitmentLen is the byte length of a commitment.
	CommitmentLen = fr.Bytes
)

var (
	// TagModel and TagTensor separate the two kinds of commitment (version
	// 1; version 2's tags end in /v2).
	TagModel  = tag("verdict/zkml/model/v1")
	TagTensor = zkverify.TensorTag(zkverify.SchemeMiMC)
)

func tag(s string) *big.Int { return new(big.Int).SetBytes([]byte(s)) }

func elemsPack(vals []uint64, perElem int, bits uint) []*big.Int {
	var out []*big.Int
	for start := 0; start < len(vals); start += perElem {
		end := min(start+perElem, len(vals))
		e := new(big.Int)
		for k := end - 1; k >= start; k-- {
			e.Lsh(e, bits)
			e.Add(e, new(big.Int).SetUint64(vals[k]))
		}
		out = append(out, e)
	}
	return out
}

// TagCNN separates CNN model commitments (version 2 only).
var TagCNN = tag("verdict/zkml/cnn/v2")

// modelHeader is what a model commitment hashes before the shifts:
//
//	MLP: tag_model, L, d0..dL
//	CNN: tag_cnn, C, H, W, L, (K_l, out_l) per layer (K = 0 for dense)
func modelHeader(s Scheme, arch *Arch, sh Shape) []*big.Int {
	n := func(v int) *big.Int { return big.NewInt(int64(v)) }
	if arch != nil {
		geo, _ := arch.Layers() // validated by every caller
		h := []*big.Int{TagCNN, n(arch.Image.C), n(arch.Image.H), n(arch.Image.W), n(len(geo))}
		for _, g := range geo {
			h = append(h, n(g.K), n(g.Out))
		}
		return h
	}
	tagModel, _ := s.tags()
	h := []*big.Int{tagModel, n(sh.Layers())}
	for _, d := range sh {
		h = append(h, n(d))
	}
	return h
}

func (c *Circuit) modelHeader() []*big.Int { return modelHeader(c.scheme, c.arch, c.shape) }

func modelElems(s Scheme, m *Model) []*big.Int {
	elems := modelHeader(s, m.Arch, m.Shape())
	var ws, bs []uint64
	for _, l := range m.Layers {
		elems = append(elems, big.NewInt(int64(l.Shift)))
		for _, w := range l.Weights {
			ws = append(ws, uint64(int64(w)+128))
		}
		for _, b := range l.Biases {
			bs = append(bs, uint64(int64(b)+1<<31))
		}
	}
	elems = append(elems, elemsPack(ws, bytesPerElem, 8)...)
	return append(elems, elemsPack(bs, wordsPerElem, 32)...)
}

// ModelCommitment is the commitment a buyer puts in a job (version 1).
func ModelCommitment(m *Model) ([CommitmentLen]byte, error) { return MiMC.ModelCommitment(m) }

// ModelCommitment is the commitment a buyer puts in a job that names a
// circuit of scheme s.
func (s Scheme) ModelCommitment(m *Model) ([CommitmentLen]byte, error) {
	if err := m.Validate(); err != nil {
		return [CommitmentLen]byte{}, err
	}
	if s == Pedersen {
		return [CommitmentLen]byte{}, fmt.Errorf("%w: a version 3 model commitment is computed with its circuit's commitment key (ModelCommitmentWithKey)", ErrCommitmentKey)
	}
	if m.Arch != nil && s != Poseidon2 {
		return [CommitmentLen]byte{}, fmt.Errorf("zkml: CNN models are committed under version 2 (poseidon2) or 3, not %v", s)
	}
	return s.hashNative(modelElems(s, m)), nil
}

func tensorElems(s Scheme, t []int8) []*big.Int {
	return zkverify.TensorElems(s.hashScheme(), int8Bytes(t))
}

func int8Bytes(t []int8) []byte {
	b := make([]byte, len(t))
	for i, v := range t {
		b[i] = byte(v)
	}
	return b
}

// TensorCommitment commits to an input or an output (version 1).
func TensorCommitment(t []int8) [CommitmentLen]byte { return MiMC.TensorCommitment(t) }

// TensorCommitment commits to an input or an output under scheme s.
func (s Scheme) TensorCommitment(t []int8) [CommitmentLen]byte {
	return s.hashNative(tensorElems(s, t))
}
