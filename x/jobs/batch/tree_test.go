package batch

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"
)

// naiveTop builds the padded tree level by level, written from the
// package comment without the builder's stack.
func naiveTop(leaves []Hash) Hash {
	d := Depth(uint64(len(leaves)))
	level := make([]Hash, 1<<d)
	for i := range level {
		if i < len(leaves) {
			level[i] = leaves[i]
		} else {
			level[i] = sha256.Sum256([]byte{tagEmpty})
		}
	}
	for len(level) > 1 {
		next := make([]Hash, len(level)/2)
		for j := range next {
			var b []byte
			b = append(b, tagNode)
			b = append(b, level[2*j][:]...)
			b = append(b, level[2*j+1][:]...)
			next[j] = sha256.Sum256(b)
		}
		level = next
	}
	return level[0]
}

func naiveRoot(kind Kind, leaves []Hash) Hash {
	top := naiveTop(leaves)
	b := []byte{tagRoot, byte(kind)}
	b = binary.BigEndian.AppendUint64(b, uint64(len(leaves)))
	b = append(b, top[:]...)
	r := sha256.Sum256(b)
	r[0] &= 0x1f
	return r
}

func testLeaves(kind Kind, n int) []Hash {
	out := make([]Hash, n)
	for i := range out {
		out[i] = Leaf(kind, uint64(i), []byte{byte(i), byte(i >> 8), 7})
	}
	return out
}

func TestDepth(t *testing.T) {
	for _, c := range []struct {
		n    uint64
		want int
	}{{1, 0}, {2, 1}, {3, 2}, {4, 2}, {5, 3}, {8, 3}, {9, 4}, {100_000, 17}, {MaxItems, MaxDepth}} {
		if got := Depth(c.n); got != c.want {
			t.Errorf("Depth(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

// The streaming builder and the paths agree with the tree as the package
// comment defines it, for every size up to 70 and every item.
func TestBuilderAndPathsMatchTheDefinition(t *testing.T) {
	for n := 1; n <= 70; n++ {
		leaves := testLeaves(KindInput, n)
		root, err := Root(KindInput, leaves)
		if err != nil {
			t.Fatal(err)
		}
		if want := naiveRoot(KindInput, leaves); root != want {
			t.Fatalf("n=%d: builder root differs from the definition", n)
		}
		if root[0] > 0x1f { // BN254's modulus begins 0x30: a root is a canonical field element
			t.Fatalf("n=%d: root %x is not below 2^253", n, root)
		}
		for i := range leaves {
			p, err := Path(leaves, uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyPath(KindInput, root[:], uint64(n), uint64(i), leaves[i], PathBytes(p)); err != nil {
				t.Fatalf("n=%d i=%d: %v", n, i, err)
			}
		}
	}
}

func TestVerifyPathRefuses(t *testing.T) {
	const n = 13
	leaves := testLeaves(KindOutput, n)
	root, _ := Root(KindOutput, leaves)
	p3, _ := Path(leaves, 3)
	good := PathBytes(p3)
	if err := VerifyPath(KindOutput, root[:], n, 3, leaves[3], good); err != nil {
		t.Fatal(err)
	}
	flip := PathBytes(p3)
	flip[2][5] ^= 1
	short := good[:len(good)-1]
	long := append(PathBytes(p3), make([]byte, HashLen))
	badSib := PathBytes(p3)
	badSib[1] = badSib[1][:31]
	cases := []struct {
		name string
		kind Kind
		root []byte
		n, i uint64
		leaf Hash
		path [][]byte
		want error
	}{
		{"item 3's path for item 4", KindOutput, root[:], n, 4, leaves[3], good, ErrMismatch},
		{"item 4's leaf on item 3's path", KindOutput, root[:], n, 3, leaves[4], good, ErrMismatch},
		{"the leaf of item 3 re-hashed at index 4", KindOutput, root[:], n, 4, Leaf(KindOutput, 4, []byte{3, 0, 7}), good, ErrMismatch},
		{"an input root taken for an output root", KindInput, root[:], n, 3, leaves[3], good, ErrMismatch},
		{"another batch size of the same depth", KindOutput, root[:], n + 1, 3, leaves[3], good, ErrMismatch},
		{"a flipped sibling bit", KindOutput, root[:], n, 3, leaves[3], flip, ErrMismatch},
		{"a path one short", KindOutput, root[:], n, 3, leaves[3], short, ErrPath},
		{"a path one long", KindOutput, root[:], n, 3, leaves[3], long, ErrPath},
		{"a 31-byte sibling", KindOutput, root[:], n, 3, leaves[3], badSib, ErrPath},
		{"a 31-byte root", KindOutput, root[:31], n, 3, leaves[3], good, ErrPath},
		{"an index past the end", KindOutput, root[:], n, n, leaves[3], good, ErrIndex},
		{"zero items", KindOutput, root[:], 0, 0, leaves[3], good, ErrItems},
		{"more than MaxItems", KindOutput, root[:], MaxItems + 1, 3, leaves[3], good, ErrItems},
		{"an unknown kind", Kind(9), root[:], n, 3, leaves[3], good, ErrKind},
		{"no path at all", KindOutput, root[:], n, 3, leaves[3], nil, ErrPath},
	}
	for _, c := range cases {
		err := VerifyPath(c.kind, c.root, c.n, c.i, c.leaf, c.path)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestLeafBindsKindIndexAndLength(t *testing.T) {
	a := Leaf(KindInput, 1, []byte{1, 2})
	for _, b := range []Hash{
		Leaf(KindOutput, 1, []byte{1, 2}),
		Leaf(KindInput, 2, []byte{1, 2}),
		Leaf(KindInput, 1, []byte{1, 2, 0}),
		Leaf(KindInput, 1, []byte{1}),
	} {
		if a == b {
			t.Fatal("distinct items share a leaf")
		}
	}
	if LeafInt8(KindInput, 1, []int8{1, 2}) != a || LeafInt8(KindInput, 0, []int8{-1}) != Leaf(KindInput, 0, []byte{0xff}) {
		t.Fatal("LeafInt8 differs from Leaf of the same bytes")
	}
}

func TestOneItemIsItsOwnTop(t *testing.T) {
	l := Leaf(KindInput, 0, []byte{5})
	root, err := Root(KindInput, []Hash{l})
	if err != nil {
		t.Fatal(err)
	}
	if root != naiveRoot(KindInput, []Hash{l}) {
		t.Fatal("one-item root")
	}
	if err := VerifyPath(KindInput, root[:], 1, 0, l, nil); err != nil {
		t.Fatal(err)
	}
}

func TestBuilderRefusesEmptyAndOverfull(t *testing.T) {
	if _, err := NewBuilder(KindInput).Root(); !errors.Is(err, ErrItems) {
		t.Fatalf("empty batch: %v", err)
	}
	b := &Builder{kind: KindInput, n: MaxItems}
	if err := b.Add(Hash{}); !errors.Is(err, ErrItems) {
		t.Fatalf("item MaxItems+1: %v", err)
	}
	if _, err := NewBuilder(Kind(0)).Root(); !errors.Is(err, ErrKind) {
		t.Fatal("kind 0 accepted")
	}
	if _, err := Path(nil, 0); !errors.Is(err, ErrItems) {
		t.Fatal("path of an empty tree")
	}
}

func FuzzVerifyPath(f *testing.F) {
	leaves := testLeaves(KindInput, 5)
	root, _ := Root(KindInput, leaves)
	p, _ := Path(leaves, 2)
	var flat []byte
	for _, s := range p {
		flat = append(flat, s[:]...)
	}
	f.Add(root[:], uint64(5), uint64(2), leaves[2][:], flat, uint8(32))
	f.Fuzz(func(t *testing.T, root []byte, n, i uint64, leaf, flat []byte, width uint8) {
		var l Hash
		copy(l[:], leaf)
		var path [][]byte
		w := int(width%64) + 1
		for len(flat) > 0 && len(path) < 64 {
			k := min(w, len(flat))
			path = append(path, flat[:k])
			flat = flat[k:]
		}
		_ = VerifyPath(KindInput, root, n, i, l, path) // must not panic
	})
}

func BenchmarkLeaf64(b *testing.B) {
	v := make([]byte, 64)
	b.SetBytes(64)
	for i := 0; b.Loop(); i++ {
		_ = Leaf(KindInput, uint64(i), v)
	}
}

func BenchmarkBuilder100k(b *testing.B) {
	leaves := testLeaves(KindInput, 100_000)
	for b.Loop() {
		if _, err := Root(KindInput, leaves); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPathDepth17(b *testing.B) {
	leaves := testLeaves(KindInput, 100_000)
	root, _ := Root(KindInput, leaves)
	p, _ := Path(leaves, 77_777)
	path := PathBytes(p)
	for b.Loop() {
		if err := VerifyPath(KindInput, root[:], 100_000, 77_777, leaves[77_777], path); err != nil {
			b.Fatal(err)
		}
	}
}
