package agent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/verdict-chain/verdict/x/jobs/batch"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// A batch job (x/jobs/batch) carries N inputs in one .vbat file committed
// by a Merkle root. Its files never sit in memory: the input is streamed
// to disk within --max-batch-bytes and checked against the root before it
// costs anything more, the outputs are written to a .vbat file as the
// items are inferred across every core, and a challenged or audited item
// is read back from disk with its inclusion paths.

// batchSize is the exact size of job j's input file for model m.
func batchSize(j jobstypes.Job, m *zkml.Model) int64 {
	return int64(zkml.BatchHeader{ItemLen: inputLen(m), Count: j.Items}.Size()) //nolint:gosec // at most MaxItems × MaxTensorLen
}

// BatchInput fetches batch job j's input file for model m to path and
// checks it: exactly the size N items of the model's input take (within
// MaxBatchBytes), a well-formed .vbat of j.Items items, its root the job's
// input commitment. Errors: ErrUnprovable (size or shape), ErrTooLarge,
// ErrCommitmentMismatch, or the fetch's own; nothing is left at path then.
func (f *Fetcher) BatchInput(ctx context.Context, j jobstypes.Job, m *zkml.Model, path string) (err error) {
	want := batchSize(j, m)
	if want > f.MaxBatchBytes {
		return fmt.Errorf("%w: a batch of %d items of %d values takes %d bytes, more than this agent's --max-batch-bytes %d", ErrTooLarge, j.Items, inputLen(m), want, f.MaxBatchBytes)
	}
	if err := f.FetchFile(ctx, j.InputUri, want, path); err != nil {
		return fmt.Errorf("batch input %s: %w", j.InputUri, unprovable(j, err))
	}
	defer func() {
		if err != nil {
			_ = os.Remove(path)
		}
	}()
	return checkBatchFile(path, batch.KindInput, j.Items, inputLen(m), j.InputCommitment)
}

// checkBatchFile checks a batch file on disk: n items of itemLen, its root
// of the given kind equal to root.
func checkBatchFile(path string, kind batch.Kind, n uint64, itemLen int, root []byte) error {
	bf, err := zkml.OpenBatchFile(path, zkml.BatchHeader{ItemLen: itemLen, Count: n}.Size())
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnprovable, err)
	}
	defer func() { _ = bf.Close() }()
	if bf.ItemLen != itemLen || bf.Count != n {
		return fmt.Errorf("%w: the batch holds %d items of %d values, the job %d of %d", ErrUnprovable, bf.Count, bf.ItemLen, n, itemLen)
	}
	fh, err := os.Open(path) //nolint:gosec // the agent's own file
	if err != nil {
		return err
	}
	defer func() { _ = fh.Close() }()
	_, got, err := zkml.BatchRoot(fh, kind, bf.Size())
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnprovable, err)
	}
	if !bytes.Equal(got[:], root) {
		return fmt.Errorf("%w: the batch's root is %x, the job's %x", ErrCommitmentMismatch, got, root)
	}
	return nil
}

// A chunk is what is read, inferred and written at a time: at most
// batchChunk items and about batchChunkBytes of inputs (at least one item
// per worker), so memory is a chunk whatever the batch's size or its
// items' (a CNN item may be 2^18 values).
const (
	batchChunk      = 4096
	batchChunkBytes = 8 << 20
)

// InferBatch runs model m over every item of the batch file at inPath,
// across workers goroutines, writes the outputs to outPath (.vbat) and
// returns the output root. wrong, when not nil, picks items whose output
// is deliberately altered (testing).
func InferBatch(ctx context.Context, m *zkml.Model, inPath, outPath string, workers int, wrong func(i uint64) bool) (batch.Hash, error) {
	var root batch.Hash
	in, err := os.Open(inPath) //nolint:gosec // the agent's own file
	if err != nil {
		return root, err
	}
	defer func() { _ = in.Close() }()
	br, err := zkml.NewBatchReader(in, 0)
	if err != nil {
		return root, err
	}
	if br.ItemLen != inputLen(m) {
		return root, fmt.Errorf("%w: items of %d values, the model takes %d", ErrUnprovable, br.ItemLen, inputLen(m))
	}
	// the first item fixes the output length
	first := make([]int8, br.ItemLen)
	if _, err := br.Next(first); err != nil {
		return root, err
	}
	out0, err := zkml.Infer(m, first)
	if err != nil {
		return root, err
	}
	if wrong != nil && wrong(0) {
		out0 = alter(out0)
	}
	tmp := outPath + ".tmp"
	fh, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644) //nolint:gosec // outputs are public
	if err != nil {
		return root, err
	}
	defer func() { _ = fh.Close(); _ = os.Remove(tmp) }()
	bw, err := zkml.NewBatchWriter(fh, len(out0), br.Count)
	if err != nil {
		return root, err
	}
	tb := batch.NewBuilder(batch.KindOutput)
	raw, err := bw.Write(out0)
	if err != nil {
		return root, err
	}
	if err := tb.Add(batch.Leaf(batch.KindOutput, 0, raw)); err != nil {
		return root, err
	}
	workers = max(workers, 1)
	inLen, outLen := br.ItemLen, len(out0)
	chunk := min(batchChunk, max(batchChunkBytes/inLen, workers))
	ins := make([]int8, chunk*inLen)
	outs := make([][]int8, chunk)
	leaves := make([]batch.Hash, chunk)
	errs := make([]error, workers)
	for done := uint64(1); done < br.Count; {
		if err := ctx.Err(); err != nil {
			return root, err
		}
		n := int(min(uint64(chunk), br.Count-done)) //nolint:gosec // at most chunk
		for k := range n {
			if _, err := br.Next(ins[k*inLen : (k+1)*inLen]); err != nil {
				return root, err
			}
		}
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := w; k < n; k += workers {
					i := done + uint64(k) //nolint:gosec // k ≥ 0
					o, err := zkml.Infer(m, ins[k*inLen:(k+1)*inLen])
					if err == nil && len(o) != outLen {
						err = fmt.Errorf("item %d: %d outputs, item 0 had %d", i, len(o), outLen)
					}
					if err != nil {
						errs[w] = err
						return
					}
					if wrong != nil && wrong(i) {
						o = alter(o)
					}
					outs[k] = o
					leaves[k] = batch.LeafInt8(batch.KindOutput, i, o)
				}
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return root, err
		}
		for k := range n {
			if _, err := bw.Write(outs[k]); err != nil {
				return root, err
			}
			if err := tb.Add(leaves[k]); err != nil {
				return root, err
			}
		}
		done += uint64(n) //nolint:gosec // n ≥ 0
	}
	if _, err := br.Next(first); err != io.EOF {
		return root, fmt.Errorf("%w: trailing bytes after the batch's items", zkml.ErrFormat)
	}
	if err := bw.Close(); err != nil {
		return root, err
	}
	if err := fh.Sync(); err != nil {
		return root, err
	}
	if err := fh.Close(); err != nil {
		return root, err
	}
	if err := os.Rename(tmp, outPath); err != nil {
		return root, err
	}
	return tb.Root()
}

// alter is a deliberately wrong output (testing): the first value flipped.
func alter(o []int8) []int8 {
	o = append([]int8(nil), o...)
	o[0] ^= 1
	return o
}

// itemLottery draws a private, reproducible number in [0, 1) for item i of
// job id.
func itemLottery(seed string, id, i uint64) float64 {
	h := sha256.New()
	h.Write([]byte(seed))
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], id)
	binary.BigEndian.PutUint64(b[8:], i)
	h.Write(b[:])
	return float64(binary.BigEndian.Uint64(h.Sum(nil)[:8])>>11) / float64(1<<53)
}

// sampleItems draws k distinct items of a batch of n, privately (from
// seed) and reproducibly (a restart samples the same items).
func sampleItems(seed string, id, n uint64, k int) []uint64 {
	if uint64(k) >= n { //nolint:gosec // k ≥ 0
		out := make([]uint64, n)
		for i := range out {
			out[i] = uint64(i) //nolint:gosec // i ≥ 0
		}
		return out
	}
	seen := map[uint64]bool{}
	var out []uint64
	for draw := uint64(0); len(out) < k; draw++ {
		i := uint64(itemLottery(seed, id, draw) * float64(n))
		if i >= n || seen[i] {
			continue
		}
		seen[i] = true
		out = append(out, i)
	}
	return out
}
