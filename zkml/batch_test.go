package zkml

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/jobs/batch"
)

func exampleBatch(t testing.TB, itemLen int, count uint64) ([]byte, [][]int8) {
	var buf bytes.Buffer
	w, err := NewBatchWriter(&buf, itemLen, count)
	require.NoError(t, err)
	items := make([][]int8, count)
	for i := range items {
		items[i] = ExampleInput(itemLen, "batch-"+string(rune('a'+i%26))+string(rune('0'+i%10)))
		_, err := w.Write(items[i])
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return buf.Bytes(), items
}

func TestBatchFileRoundTripAndRoot(t *testing.T) {
	data, items := exampleBatch(t, 5, 37)
	require.Len(t, data, batchHeaderLen+5*37)
	r, err := NewBatchReader(bytes.NewReader(data), 0)
	require.NoError(t, err)
	require.Equal(t, BatchHeader{ItemLen: 5, Count: 37}, r.BatchHeader)
	var leaves []batch.Hash
	got := make([]int8, 5)
	for i := range items {
		raw, err := r.Next(got)
		require.NoError(t, err)
		require.Equal(t, items[i], got)
		leaves = append(leaves, batch.Leaf(batch.KindInput, uint64(i), raw))
	}
	_, err = r.Next(got)
	require.ErrorIs(t, err, io.EOF)

	h, root, err := BatchRoot(bytes.NewReader(data), batch.KindInput, 0)
	require.NoError(t, err)
	require.Equal(t, uint64(37), h.Count)
	want, err := batch.Root(batch.KindInput, leaves)
	require.NoError(t, err)
	require.Equal(t, want, root)
	for i := range items {
		require.Equal(t, leaves[i], batch.LeafInt8(batch.KindInput, uint64(i), items[i]))
	}
}

func TestBatchFileRefusesMalformed(t *testing.T) {
	data, _ := exampleBatch(t, 4, 3)
	with := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), data...)) }
	cases := map[string][]byte{
		"empty":            {},
		"bad magic":        with(func(b []byte) []byte { b[0] = 'X'; return b }),
		"version 2":        with(func(b []byte) []byte { b[4] = 2; return b }),
		"item length 0":    with(func(b []byte) []byte { b[5], b[6], b[7], b[8] = 0, 0, 0, 0; return b }),
		"item length 2^31": with(func(b []byte) []byte { b[8] = 0x80; return b }),
		"zero items":       with(func(b []byte) []byte { b[9], b[10], b[11], b[12] = 0, 0, 0, 0; return b }),
		"2^20+1 items":     with(func(b []byte) []byte { b[9], b[10], b[11], b[12] = 1, 0, 0x10, 0; return b }),
		"one byte short":   data[:len(data)-1],
		"one byte long":    append(append([]byte(nil), data...), 0),
		"header only":      data[:batchHeaderLen],
	}
	for name, b := range cases {
		_, _, err := BatchRoot(bytes.NewReader(b), batch.KindInput, 0)
		require.ErrorIs(t, err, ErrFormat, name)
	}
	// a header promising more than the limit is refused before any item
	_, _, err := BatchRoot(bytes.NewReader(data), batch.KindInput, uint64(len(data)-1))
	require.ErrorIs(t, err, ErrBatchTooLarge)
	_, _, err = BatchRoot(bytes.NewReader(data), batch.KindInput, uint64(len(data)))
	require.NoError(t, err)
	// a writer refuses a wrong item length, an extra item and a short batch
	var buf bytes.Buffer
	w, err := NewBatchWriter(&buf, 2, 1)
	require.NoError(t, err)
	_, err = w.Write([]int8{1})
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorIs(t, w.Close(), ErrFormat)
	_, err = w.Write([]int8{1, 2})
	require.NoError(t, err)
	_, err = w.Write([]int8{1, 2})
	require.ErrorIs(t, err, ErrFormat)
	require.NoError(t, w.Close())
	_, err = NewBatchWriter(&buf, 2, 0)
	require.ErrorIs(t, err, ErrFormat)
}

func FuzzBatchFile(f *testing.F) {
	data, _ := exampleBatch(f, 3, 4)
	f.Add(data)
	f.Add(data[:batchHeaderLen])
	f.Add([]byte("VBAT\x01\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, root, err := BatchRoot(bytes.NewReader(data), batch.KindOutput, 1<<20)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrBatchTooLarge) {
				t.Fatalf("unregistered error %v", err)
			}
			return
		}
		require.Equal(t, h.Size(), uint64(len(data)))
		// a re-written file has the same bytes and root
		r, err := NewBatchReader(bytes.NewReader(data), 0)
		require.NoError(t, err)
		var buf bytes.Buffer
		w, err := NewBatchWriter(&buf, h.ItemLen, h.Count)
		require.NoError(t, err)
		item := make([]int8, h.ItemLen)
		for {
			if _, err := r.Next(item); err == io.EOF {
				break
			}
			_, err := w.Write(item)
			require.NoError(t, err)
		}
		require.NoError(t, w.Close())
		require.Equal(t, data, buf.Bytes())
		_, root2, err := BatchRoot(bytes.NewReader(buf.Bytes()), batch.KindOutput, 0)
		require.NoError(t, err)
		require.Equal(t, root, root2)
	})
}

// BenchmarkBatchItemCost: what committing one item of a 64-64-10 batch
// costs against inferring it natively, measured side by side in the same
// loop. A batch's tree leaves are SHA-256 over the raw tensors; the
// alternative, the circuit's own commitment (Poseidon2) of every input and
// output, is measured as the road not taken. Ratios are printed per item.
func BenchmarkBatchItemCost(b *testing.B) {
	m, err := ExampleModel(Shape{64, 64, 10}, "bench-batch")
	require.NoError(b, err)
	in := ExampleInput(64, "bench-batch")
	out, err := Infer(m, in)
	require.NoError(b, err)
	var inferT, shaT, posT time.Duration
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		if _, err := Infer(m, in); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		_ = batch.LeafInt8(batch.KindInput, uint64(i), in)
		_ = batch.LeafInt8(batch.KindOutput, uint64(i), out)
		t2 := time.Now()
		_ = Poseidon2.TensorCommitment(in)
		_ = Poseidon2.TensorCommitment(out)
		t3 := time.Now()
		inferT += t1.Sub(t0)
		shaT += t2.Sub(t1)
		posT += t3.Sub(t2)
	}
	n := float64(b.N)
	b.ReportMetric(float64(inferT.Nanoseconds())/n, "infer-ns/item")
	b.ReportMetric(float64(shaT.Nanoseconds())/n, "sha256-leaves-ns/item")
	b.ReportMetric(float64(posT.Nanoseconds())/n, "poseidon2-commit-ns/item")
	b.ReportMetric(float64(shaT)/float64(inferT), "sha256/infer")
	b.ReportMetric(float64(posT)/float64(inferT), "poseidon2/infer")
}

// The chain reads an item's tensor lengths from the circuit id
// (batch.ItemLens) without zkml: it must agree with the circuits.
func TestItemLensMatchTheCircuits(t *testing.T) {
	for _, id := range []string{"mlp-64-64-10", "mlp-16-16-4", "mlp2-784-128-10", "mlp2-64-64-10"} {
		_, sh, err := ParseCircuitID(id)
		require.NoError(t, err)
		in, out, err := batch.ItemLens(id)
		require.NoError(t, err)
		require.Equal(t, []uint64{uint64(sh[0]), uint64(sh[len(sh)-1])}, []uint64{in, out}, id)
	}
	for _, id := range []string{"cnn-1x32x32-6k5-16k5-120-84-10", "cnn-1x10x10-2k3-3k3-5-4"} {
		_, a, err := ParseCNNCircuitID(id)
		require.NoError(t, err)
		in, out, err := batch.ItemLens(id)
		require.NoError(t, err)
		require.Equal(t, []uint64{uint64(a.InputLen()), uint64(a.Dense[len(a.Dense)-1])}, []uint64{in, out}, id)
	}
}
