package zkml

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/verdict-chain/verdict/x/jobs/batch"
)

// A batch file (.vbat) holds the N tensors of a batch job, all of one
// length, in item order (integers little-endian, no trailing bytes):
//
//	batch (.vbat): "VBAT" | version u8 = 1 | item_len u32 (1..MaxTensorLen) |
//	               count u32 (1..batch.MaxItems) | int8 × (count × item_len)
//
// The buyer writes the inputs, the provider the outputs. Readers stream
// it: memory stays one item whatever the count, and a reader refuses a
// file before reading its items when the header promises more bytes than
// the reader's limit.

var batchMagic = []byte("VBAT")

const batchHeaderLen = 4 + 1 + 4 + 4

// ErrBatchTooLarge: the header promises more bytes than the reader takes.
var ErrBatchTooLarge = errors.New("zkml: batch file larger than allowed")

// BatchHeader is a batch file's shape.
type BatchHeader struct {
	ItemLen int
	Count   uint64
}

// Size is the file's length in bytes.
func (h BatchHeader) Size() uint64 { return batchHeaderLen + h.Count*uint64(h.ItemLen) } //nolint:gosec // ItemLen is 1..MaxTensorLen

func (h BatchHeader) check() error {
	if h.ItemLen < 1 || h.ItemLen > MaxTensorLen {
		return fmt.Errorf("%w: item length %d, want 1..%d", ErrFormat, h.ItemLen, MaxTensorLen)
	}
	if err := batch.CheckItems(h.Count); err != nil {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return nil
}

// BatchReader streams a batch file's items.
type BatchReader struct {
	BatchHeader
	r    *bufio.Reader
	next uint64
	buf  []byte
}

// NewBatchReader reads the header; maxBytes (> 0) bounds the whole file.
func NewBatchReader(r io.Reader, maxBytes uint64) (*BatchReader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var hdr [batchHeaderLen]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: truncated header", ErrFormat)
	}
	if string(hdr[:4]) != string(batchMagic) {
		return nil, fmt.Errorf("%w: bad magic %q, want %q", ErrFormat, hdr[:4], batchMagic)
	}
	if hdr[4] != formatV1 {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrFormat, hdr[4], formatV1)
	}
	h := BatchHeader{ItemLen: int(binary.LittleEndian.Uint32(hdr[5:])), Count: uint64(binary.LittleEndian.Uint32(hdr[9:]))}
	if err := h.check(); err != nil {
		return nil, err
	}
	if maxBytes > 0 && h.Size() > maxBytes {
		return nil, fmt.Errorf("%w: %d bytes (%d items of %d), limit %d", ErrBatchTooLarge, h.Size(), h.Count, h.ItemLen, maxBytes)
	}
	return &BatchReader{BatchHeader: h, r: br, buf: make([]byte, h.ItemLen)}, nil
}

// Index is the index of the item Next returns next.
func (b *BatchReader) Index() uint64 { return b.next }

// Next reads the next item into dst (len ItemLen) and returns its raw
// bytes (valid until the next call). After the last item it checks that
// the file ends there and returns io.EOF.
func (b *BatchReader) Next(dst []int8) ([]byte, error) {
	if b.next == b.Count {
		if _, err := b.r.ReadByte(); err != io.EOF {
			return nil, fmt.Errorf("%w: trailing bytes after %d items", ErrFormat, b.Count)
		}
		return nil, io.EOF
	}
	if len(dst) != b.ItemLen {
		return nil, fmt.Errorf("zkml: item buffer of %d values, items have %d", len(dst), b.ItemLen)
	}
	if _, err := io.ReadFull(b.r, b.buf); err != nil {
		return nil, fmt.Errorf("%w: truncated at item %d of %d", ErrFormat, b.next, b.Count)
	}
	for i, v := range b.buf {
		dst[i] = int8(v)
	}
	b.next++
	return b.buf, nil
}

// BatchWriter writes a batch file item by item.
type BatchWriter struct {
	BatchHeader
	w       *bufio.Writer
	written uint64
	buf     []byte
}

// NewBatchWriter writes the header of a batch of count items of itemLen.
func NewBatchWriter(w io.Writer, itemLen int, count uint64) (*BatchWriter, error) {
	h := BatchHeader{ItemLen: itemLen, Count: count}
	if err := h.check(); err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var hdr [batchHeaderLen]byte
	copy(hdr[:], batchMagic)
	hdr[4] = formatV1
	binary.LittleEndian.PutUint32(hdr[5:], uint32(itemLen)) //nolint:gosec // checked above
	binary.LittleEndian.PutUint32(hdr[9:], uint32(count))   //nolint:gosec // checked above
	if _, err := bw.Write(hdr[:]); err != nil {
		return nil, err
	}
	return &BatchWriter{BatchHeader: h, w: bw, buf: make([]byte, itemLen)}, nil
}

// Write appends the next item and returns its raw bytes (valid until the
// next call).
func (b *BatchWriter) Write(t []int8) ([]byte, error) {
	if len(t) != b.ItemLen {
		return nil, fmt.Errorf("%w: item of %d values, batch items have %d", ErrFormat, len(t), b.ItemLen)
	}
	if b.written == b.Count {
		return nil, fmt.Errorf("%w: more than %d items", ErrFormat, b.Count)
	}
	for i, v := range t {
		b.buf[i] = byte(v)
	}
	if _, err := b.w.Write(b.buf); err != nil {
		return nil, err
	}
	b.written++
	return b.buf, nil
}

// Close flushes; it fails if fewer items than the header's were written.
func (b *BatchWriter) Close() error {
	if b.written != b.Count {
		return fmt.Errorf("%w: %d of %d items written", ErrFormat, b.written, b.Count)
	}
	return b.w.Flush()
}

// Each reads every remaining item in order, handing fn its index and raw
// bytes (valid until fn returns), and checks that the file ends after the
// last one.
func (b *BatchReader) Each(fn func(i uint64, raw []byte) error) error {
	item := make([]int8, b.ItemLen)
	for {
		i := b.Index()
		raw, err := b.Next(item)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(i, raw); err != nil {
			return err
		}
	}
}

// BatchRoot reads a whole batch file and returns its header and its root
// as a tree of the given kind (x/jobs/batch), in one item's memory.
func BatchRoot(r io.Reader, kind batch.Kind, maxBytes uint64) (BatchHeader, batch.Hash, error) {
	br, err := NewBatchReader(r, maxBytes)
	if err != nil {
		return BatchHeader{}, batch.Hash{}, err
	}
	tb := batch.NewBuilder(kind)
	if err := br.Each(func(i uint64, raw []byte) error { return tb.Add(batch.Leaf(kind, i, raw)) }); err != nil {
		return BatchHeader{}, batch.Hash{}, err
	}
	root, err := tb.Root()
	return br.BatchHeader, root, err
}

// BatchFile is a batch file on disk, read at random: one item in O(1), an
// item's inclusion path in one pass over the file.
type BatchFile struct {
	BatchHeader
	f *os.File
}

// OpenBatchFile opens a batch file whose header promises at most maxBytes
// (> 0) and whose length is exactly what its header promises.
func OpenBatchFile(path string, maxBytes uint64) (*BatchFile, error) {
	fh, err := os.Open(path) //nolint:gosec // the caller's own file
	if err != nil {
		return nil, err
	}
	br, err := NewBatchReader(fh, maxBytes)
	if err == nil {
		var st os.FileInfo
		if st, err = fh.Stat(); err == nil && uint64(st.Size()) != br.Size() { //nolint:gosec // a file's size is not negative
			err = fmt.Errorf("%w: %d bytes, the header promises %d", ErrFormat, st.Size(), br.Size())
		}
	}
	if err != nil {
		_ = fh.Close()
		return nil, err
	}
	return &BatchFile{BatchHeader: br.BatchHeader, f: fh}, nil
}

// Close closes the file.
func (b *BatchFile) Close() error { return b.f.Close() }

// Item returns item i's raw bytes (one byte per int8 value).
func (b *BatchFile) Item(i uint64) ([]byte, error) {
	if i >= b.Count {
		return nil, fmt.Errorf("%w: item %d of %d", batch.ErrIndex, i, b.Count)
	}
	raw := make([]byte, b.ItemLen)
	if _, err := b.f.ReadAt(raw, int64(batchHeaderLen+i*uint64(b.ItemLen))); err != nil { //nolint:gosec // i < Count: inside the file
		return nil, err
	}
	return raw, nil
}

// Evidence returns item i's raw bytes, its inclusion path in the file's
// tree of the given kind, and the tree's root: one pass over the file,
// 32 bytes of memory per item.
func (b *BatchFile) Evidence(kind batch.Kind, i uint64) (raw []byte, path [][]byte, root batch.Hash, err error) {
	if i >= b.Count {
		return nil, nil, root, fmt.Errorf("%w: item %d of %d", batch.ErrIndex, i, b.Count)
	}
	br, err := NewBatchReader(io.NewSectionReader(b.f, 0, int64(b.Size())), b.Size()) //nolint:gosec // Size is at most MaxItems × MaxTensorLen
	if err != nil {
		return nil, nil, root, err
	}
	leaves := make([]batch.Hash, 0, b.Count)
	err = br.Each(func(k uint64, bz []byte) error {
		if k == i {
			raw = append([]byte(nil), bz...)
		}
		leaves = append(leaves, batch.Leaf(kind, k, bz))
		return nil
	})
	if err != nil {
		return nil, nil, root, err
	}
	p, err := batch.Path(leaves, i)
	if err != nil {
		return nil, nil, root, err
	}
	if root, err = batch.Root(kind, leaves); err != nil {
		return nil, nil, root, err
	}
	return raw, batch.PathBytes(p), root, nil
}

// Int8s is raw item bytes as a tensor.
func Int8s(raw []byte) []int8 {
	t := make([]int8, len(raw))
	for i, v := range raw {
		t[i] = int8(v)
	}
	return t
}

// Raw is a tensor as raw item bytes (one byte per int8 value).
func Raw(t []int8) []byte {
	out := make([]byte, len(t))
	for i, v := range t {
		out[i] = byte(v)
	}
	return out
}

// WriteExampleBatch writes a batch file of n deterministic example inputs
// of size values each (ExampleInput of seed/i for item i) to path and
// returns its input root.
func WriteExampleBatch(path string, size int, n uint64, seed string) (root batch.Hash, err error) {
	fh, err := os.Create(path) //nolint:gosec // the caller's path
	if err != nil {
		return root, err
	}
	defer func() {
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
	}()
	bw, err := NewBatchWriter(fh, size, n)
	if err != nil {
		return root, err
	}
	tb := batch.NewBuilder(batch.KindInput)
	for i := range n {
		raw, err := bw.Write(ExampleInput(size, seed+"/"+strconv.FormatUint(i, 10)))
		if err != nil {
			return root, err
		}
		if err := tb.Add(batch.Leaf(batch.KindInput, i, raw)); err != nil {
			return root, err
		}
	}
	if err := bw.Close(); err != nil {
		return root, err
	}
	return tb.Root()
}
