// Package batch is the commitment scheme of a batch job: N items, each an
// input tensor and (once posted) an output tensor, committed by two binary
// Merkle trees of SHA-256 whose leaves bind each item's position. The chain
// stores the two roots; a challenge or an audit names one item, and the
// chain checks the item's two inclusion paths natively (VerifyPath) before
// it checks the item's proof.
//
// The scheme (every integer big-endian):
//
//	leaf(kind, i, v)  = SHA-256(0x00 | kind | i u64 | len(v) u32 | v)
//	node(l, r)        = SHA-256(0x01 | l | r)
//	empty_0           = SHA-256(0x02)
//	empty_{k+1}       = node(empty_k, empty_k)
//	root(kind, N)     = SHA-256(0x03 | kind | N u64 | top), top 3 bits cleared
//
// where v is the item's tensor, one byte per int8 value, kind is KindInput
// or KindOutput, and top is the root of the complete tree of depth
// Depth(N) = ceil(log2 N) over leaves 0..N-1, padded on the right with
// empty subtrees. Binding the position into the leaf refuses a path of item
// i offered for item j; binding N and the kind into the root refuses a
// root of another batch size or the input root offered as an output root.
// The tree is SHA-256 rather than the circuit's hash because the circuit
// never sees it: the chain checks paths natively, and the tree is built on
// the common path for every item of every batch, where SHA-256 is cheap
// (see BenchmarkLeaf and zkml's BenchmarkBatchCommitments).
//
// The package is pure (the standard library only): the chain, the CLI and
// the agents use the same code.
package batch

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// Kind separates the input tree from the output tree, and both from a
// serving checkpoint's receipt tree (x/jobs/serving).
type Kind byte

const (
	KindInput   Kind = 1
	KindOutput  Kind = 2
	KindReceipt Kind = 3
)

const (
	// HashLen is the length of a leaf, a node and a root.
	HashLen = sha256.Size
	// MaxDepth bounds a tree: 2^20 = 1,048,576 items at most.
	MaxDepth = 20
	// MaxItems is the most items any batch can hold (x/jobs' max_items
	// param is at most this).
	MaxItems = 1 << MaxDepth

	tagLeaf  = 0x00
	tagNode  = 0x01
	tagEmpty = 0x02
	tagRoot  = 0x03

	// rootMask clears a root's top three bits: a root is a 253-bit hash,
	// below the BN254 scalar field's modulus, so it is a canonical field
	// element like every commitment x/jobs stores.
	rootMask = 0x1f
)

var (
	ErrItems    = errors.New("batch: item count out of range")
	ErrIndex    = errors.New("batch: item index out of range")
	ErrPath     = errors.New("batch: malformed inclusion path")
	ErrMismatch = errors.New("batch: inclusion path does not lead to the root")
	ErrKind     = errors.New("batch: unknown tree kind")
)

// Hash is a leaf, a node or a root.
type Hash = [HashLen]byte

var empty = func() (e [MaxDepth + 1]Hash) {
	e[0] = sha256.Sum256([]byte{tagEmpty})
	for k := 1; k <= MaxDepth; k++ {
		e[k] = node(e[k-1], e[k-1])
	}
	return e
}()

// Depth is the number of levels above the leaves of a tree of n items:
// ceil(log2 n), 0 for one item. n must be in 1..MaxItems.
func Depth(n uint64) int {
	d := 0
	for uint64(1)<<d < n {
		d++
	}
	return d
}

// CheckItems checks a batch size.
func CheckItems(n uint64) error {
	if n < 1 || n > MaxItems {
		return fmt.Errorf("%w: %d, want 1..%d", ErrItems, n, MaxItems)
	}
	return nil
}

func checkKind(k Kind) error {
	if k != KindInput && k != KindOutput && k != KindReceipt {
		return fmt.Errorf("%w: %d", ErrKind, k)
	}
	return nil
}

// Leaf hashes item i's tensor (one byte per int8 value).
func Leaf(kind Kind, i uint64, v []byte) Hash {
	var hdr [1 + 1 + 8 + 4]byte
	hdr[0] = tagLeaf
	hdr[1] = byte(kind)
	binary.BigEndian.PutUint64(hdr[2:], i)
	binary.BigEndian.PutUint32(hdr[10:], uint32(len(v))) //nolint:gosec // tensors are at most 2^20 values (zkml.MaxTensorLen), checked by every caller
	h := sha256.New()
	h.Write(hdr[:])
	h.Write(v)
	var out Hash
	h.Sum(out[:0])
	return out
}

// LeafInt8 is Leaf of an int8 tensor.
func LeafInt8(kind Kind, i uint64, t []int8) Hash {
	v := make([]byte, len(t))
	for k, x := range t {
		v[k] = byte(x)
	}
	return Leaf(kind, i, v)
}

func node(l, r Hash) Hash {
	var b [1 + 2*HashLen]byte
	b[0] = tagNode
	copy(b[1:], l[:])
	copy(b[1+HashLen:], r[:])
	return sha256.Sum256(b[:])
}

func finish(kind Kind, n uint64, top Hash) Hash {
	var b [1 + 1 + 8 + HashLen]byte
	b[0] = tagRoot
	b[1] = byte(kind)
	binary.BigEndian.PutUint64(b[2:], n)
	copy(b[10:], top[:])
	r := sha256.Sum256(b[:])
	r[0] &= rootMask
	return r
}

// Builder computes a root from leaves given in order, in O(log N) memory.
type Builder struct {
	kind  Kind
	n     uint64
	stack []entry
}

type entry struct {
	level int
	hash  Hash
}

// NewBuilder starts a tree of the given kind.
func NewBuilder(kind Kind) *Builder { return &Builder{kind: kind} }

// Add appends the next leaf (Leaf(kind, Len(), v)).
func (b *Builder) Add(leaf Hash) error {
	if b.n >= MaxItems {
		return fmt.Errorf("%w: more than %d", ErrItems, MaxItems)
	}
	b.n++
	e := entry{hash: leaf}
	for len(b.stack) > 0 && b.stack[len(b.stack)-1].level == e.level {
		top := b.stack[len(b.stack)-1]
		b.stack = b.stack[:len(b.stack)-1]
		e = entry{level: e.level + 1, hash: node(top.hash, e.hash)}
	}
	b.stack = append(b.stack, e)
	return nil
}

// Len is the number of leaves added.
func (b *Builder) Len() uint64 { return b.n }

// Root is the root over the leaves added so far (at least one).
func (b *Builder) Root() (Hash, error) {
	if err := checkKind(b.kind); err != nil {
		return Hash{}, err
	}
	if err := CheckItems(b.n); err != nil {
		return Hash{}, err
	}
	var h Hash
	lvl := -1
	for i := len(b.stack) - 1; i >= 0; i-- {
		e := b.stack[i]
		if lvl < 0 {
			h, lvl = e.hash, e.level
			continue
		}
		for ; lvl < e.level; lvl++ {
			h = node(h, empty[lvl])
		}
		h = node(e.hash, h)
		lvl++
	}
	for d := Depth(b.n); lvl < d; lvl++ {
		h = node(h, empty[lvl])
	}
	return finish(b.kind, b.n, h), nil
}

// Root is the root of the given leaves.
func Root(kind Kind, leaves []Hash) (Hash, error) {
	b := NewBuilder(kind)
	for _, l := range leaves {
		if err := b.Add(l); err != nil {
			return Hash{}, err
		}
	}
	return b.Root()
}

// Path is item i's inclusion path in the tree of the given leaves: the
// sibling at each level, the leaf's first. It takes O(N) time and the
// leaves' memory; a provider computes it only for a challenged item.
func Path(leaves []Hash, i uint64) ([]Hash, error) {
	n := uint64(len(leaves))
	if err := CheckItems(n); err != nil {
		return nil, err
	}
	if i >= n {
		return nil, fmt.Errorf("%w: %d of %d", ErrIndex, i, n)
	}
	level := append([]Hash(nil), leaves...)
	path := make([]Hash, 0, Depth(n))
	for k := 0; k < Depth(n); k++ {
		sib := i ^ 1
		if sib < uint64(len(level)) {
			path = append(path, level[sib])
		} else {
			path = append(path, empty[k])
		}
		next := make([]Hash, (len(level)+1)/2)
		for j := range next {
			r := empty[k]
			if 2*j+1 < len(level) {
				r = level[2*j+1]
			}
			next[j] = node(level[2*j], r)
		}
		level = next
		i >>= 1
	}
	return path, nil
}

// VerifyPath checks that leaf is item i of a tree of n items with the given
// root. The path is raw bytes as a Msg carries it: exactly Depth(n)
// siblings of HashLen bytes each. Its cost is Depth(n)+1 SHA-256 calls of
// at most 65 bytes.
func VerifyPath(kind Kind, root []byte, n, i uint64, leaf Hash, path [][]byte) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	if err := CheckItems(n); err != nil {
		return err
	}
	if i >= n {
		return fmt.Errorf("%w: %d of %d", ErrIndex, i, n)
	}
	if len(root) != HashLen {
		return fmt.Errorf("%w: root of %d bytes, want %d", ErrPath, len(root), HashLen)
	}
	if d := Depth(n); len(path) != d {
		return fmt.Errorf("%w: %d siblings, want %d for %d items", ErrPath, len(path), d, n)
	}
	h := leaf
	for k, s := range path {
		if len(s) != HashLen {
			return fmt.Errorf("%w: sibling %d of %d bytes, want %d", ErrPath, k, len(s), HashLen)
		}
		var sib Hash
		copy(sib[:], s)
		if (i>>k)&1 == 0 {
			h = node(h, sib)
		} else {
			h = node(sib, h)
		}
	}
	if got := finish(kind, n, h); string(got[:]) != string(root) {
		return ErrMismatch
	}
	return nil
}

// PathBytes is a path as MsgSubmitProof carries it: each sibling's bytes.
func PathBytes(p []Hash) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = append([]byte(nil), p[i][:]...)
	}
	return out
}
