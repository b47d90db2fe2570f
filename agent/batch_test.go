package agent

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/x/jobs/batch"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// writeBatch writes n example inputs of model m to path and returns them
// with their input root.
func writeBatch(t testing.TB, path string, m *zkml.Model, n int) ([][]int8, batch.Hash) {
	t.Helper()
	fh, err := os.Create(path)
	require.NoError(t, err)
	defer func() { require.NoError(t, fh.Close()) }()
	bw, err := zkml.NewBatchWriter(fh, inputLen(m), uint64(n))
	require.NoError(t, err)
	items := make([][]int8, n)
	leaves := make([]batch.Hash, n)
	for i := range items {
		items[i] = zkml.ExampleInput(inputLen(m), "batch-"+strconv.Itoa(i))
		_, err := bw.Write(items[i])
		require.NoError(t, err)
		leaves[i] = batch.LeafInt8(batch.KindInput, uint64(i), items[i])
	}
	require.NoError(t, bw.Close())
	root, err := batch.Root(batch.KindInput, leaves)
	require.NoError(t, err)
	return items, root
}

func batchJob(t testing.TB, dir string, m *zkml.Model, n int, root batch.Hash) jobstypes.Job {
	t.Helper()
	mc, err := zkml.ModelCommitment(m)
	require.NoError(t, err)
	return jobstypes.Job{
		Id: 7, CircuitId: m.CircuitID(zkml.MiMC), Items: uint64(n), Units: uint64(n),
		ModelUri: "file://" + filepath.Join(dir, "m.vmdl"), ModelCommitment: mc[:],
		InputUri: "file://" + filepath.Join(dir, "in.vbat"), InputCommitment: root[:],
	}
}

func TestInferBatchIsNativeInferenceOfEveryItem(t *testing.T) {
	dir, m, _, _, _ := writeFiles(t)
	const n = 5000 // more than one chunk
	items, _ := writeBatch(t, filepath.Join(dir, "in.vbat"), m, n)
	outPath := filepath.Join(dir, "out.vbat")
	wrongAt := uint64(4321)
	root, err := InferBatch(context.Background(), m, filepath.Join(dir, "in.vbat"), outPath, 3, func(i uint64) bool { return i == wrongAt })
	require.NoError(t, err)

	bf, err := zkml.OpenBatchFile(outPath, 1<<30)
	require.NoError(t, err)
	defer func() { require.NoError(t, bf.Close()) }()
	require.Equal(t, uint64(n), bf.Count)
	leaves := make([]batch.Hash, n)
	for i, in := range items {
		want, err := zkml.Infer(m, in)
		require.NoError(t, err)
		raw, err := bf.Item(uint64(i))
		require.NoError(t, err)
		if uint64(i) == wrongAt {
			require.NotEqual(t, zkml.Raw(want), raw, "the altered item")
		} else {
			require.Equal(t, zkml.Raw(want), raw, "item %d", i)
		}
		leaves[i] = batch.Leaf(batch.KindOutput, uint64(i), raw)
	}
	want, err := batch.Root(batch.KindOutput, leaves)
	require.NoError(t, err)
	require.Equal(t, want, root)

	// a cancelled run leaves no output file behind
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = InferBatch(ctx, m, filepath.Join(dir, "in.vbat"), filepath.Join(dir, "never.vbat"), 2, nil)
	require.ErrorIs(t, err, context.Canceled)
	_, err = os.Stat(filepath.Join(dir, "never.vbat"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestBatchInputRefusedAtNoCost(t *testing.T) {
	dir, m, _, _, _ := writeFiles(t)
	require.NoError(t, zkml.WriteModel(filepath.Join(dir, "m.vmdl"), m))
	_, root := writeBatch(t, filepath.Join(dir, "in.vbat"), m, 300)
	ctx := context.Background()
	f, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, MaxBatchBytes: 1 << 20, Timeout: 5 * time.Second, FileRoot: dir})
	require.NoError(t, err)
	j := batchJob(t, dir, m, 300, root)
	got, _, _, err := f.JobModel(ctx, j, 1)
	require.NoError(t, err)
	dst := filepath.Join(t.TempDir(), "fetched")
	require.NoError(t, f.BatchInput(ctx, j, got, dst))

	// a batch of another root, of another count (larger or smaller than
	// declared), a malformed file, a file larger than the agent takes
	other := j
	other.InputCommitment = make([]byte, 32)
	require.ErrorIs(t, f.BatchInput(ctx, other, got, dst+"1"), ErrCommitmentMismatch)
	more := j
	more.Items = 301
	require.ErrorIs(t, f.BatchInput(ctx, more, got, dst+"2"), ErrUnprovable)
	fewer := j
	fewer.Items = 299
	require.ErrorIs(t, f.BatchInput(ctx, fewer, got, dst+"3"), ErrUnprovable)
	bz, err := os.ReadFile(filepath.Join(dir, "in.vbat"))
	require.NoError(t, err)
	bz[0] = 'X'
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.vbat"), bz, 0o600))
	bad := j
	bad.InputUri = "file://" + filepath.Join(dir, "bad.vbat")
	require.ErrorIs(t, f.BatchInput(ctx, bad, got, dst+"4"), ErrUnprovable)
	small, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, MaxBatchBytes: 1000, Timeout: 5 * time.Second, FileRoot: dir})
	require.NoError(t, err)
	require.ErrorIs(t, small.BatchInput(ctx, j, got, dst+"5"), ErrTooLarge)
	for _, s := range []string{"1", "2", "3", "4", "5"} {
		_, err := os.Stat(dst + s)
		require.ErrorIs(t, err, os.ErrNotExist, "nothing is left of a refused batch")
	}
}

func TestItemEvidenceVerifiesAgainstTheRoots(t *testing.T) {
	dir, m, _, _, _ := writeFiles(t)
	const n = 37
	_, inRoot := writeBatch(t, filepath.Join(dir, "in.vbat"), m, n)
	outRoot, err := InferBatch(context.Background(), m, filepath.Join(dir, "in.vbat"), filepath.Join(dir, "out.vbat"), 2, nil)
	require.NoError(t, err)
	for _, i := range []uint64{0, 1, 17, n - 1} {
		ev, err := ItemEvidence(filepath.Join(dir, "in.vbat"), filepath.Join(dir, "out.vbat"), i)
		require.NoError(t, err)
		require.Equal(t, inRoot, ev.InRoot)
		require.Equal(t, outRoot, ev.OutRoot)
		require.NoError(t, batch.VerifyPath(batch.KindInput, inRoot[:], n, i, batch.Leaf(batch.KindInput, i, ev.Input), ev.InPath))
		require.NoError(t, batch.VerifyPath(batch.KindOutput, outRoot[:], n, i, batch.Leaf(batch.KindOutput, i, ev.Output), ev.OutPath))
		// item i's evidence is not item i+1's
		require.Error(t, batch.VerifyPath(batch.KindInput, inRoot[:], n, (i+1)%n, batch.Leaf(batch.KindInput, (i+1)%n, ev.Input), ev.InPath))
	}
	_, err = ItemEvidence(filepath.Join(dir, "in.vbat"), filepath.Join(dir, "out.vbat"), n)
	require.ErrorIs(t, err, batch.ErrIndex)
}

func TestSampleItemsDistinctPrivateReproducible(t *testing.T) {
	a := sampleItems("seed-a", 9, 100_000, 16)
	require.Len(t, a, 16)
	seen := map[uint64]bool{}
	for _, i := range a {
		require.Less(t, i, uint64(100_000))
		require.False(t, seen[i])
		seen[i] = true
	}
	require.Equal(t, a, sampleItems("seed-a", 9, 100_000, 16), "a restart samples the same items")
	require.NotEqual(t, a, sampleItems("seed-b", 9, 100_000, 16), "another seed, other items")
	require.NotEqual(t, a, sampleItems("seed-a", 10, 100_000, 16), "another job, other items")
	require.Len(t, sampleItems("s", 1, 5, 16), 5, "a batch smaller than the sample is checked whole")
}

// BenchmarkInferBatch: a batch of the 64-64-10 model through InferBatch
// (read, infer on every core, write, output tree) against native inference
// of the same items alone on the same cores, in the same run.
func BenchmarkInferBatch(b *testing.B) {
	dir := b.TempDir()
	m, err := zkml.ExampleModel(zkml.Shape{64, 64, 10}, "bench-batch")
	require.NoError(b, err)
	const n = 100_000
	items, _ := writeBatch(b, filepath.Join(dir, "in.vbat"), m, n)
	workers := runtime.GOMAXPROCS(0)
	var native, pipeline time.Duration
	for b.Loop() {
		t0 := time.Now()
		done := make(chan struct{}, workers)
		for w := range workers {
			go func() {
				for i := w; i < n; i += workers {
					_, _ = zkml.Infer(m, items[i])
				}
				done <- struct{}{}
			}()
		}
		for range workers {
			<-done
		}
		t1 := time.Now()
		if _, err := InferBatch(context.Background(), m, filepath.Join(dir, "in.vbat"), filepath.Join(dir, "out.vbat"), workers, nil); err != nil {
			b.Fatal(err)
		}
		native += t1.Sub(t0)
		pipeline += time.Since(t1)
	}
	b.ReportMetric(float64(n)*float64(b.N)/native.Seconds(), "native-items/s")
	b.ReportMetric(float64(n)*float64(b.N)/pipeline.Seconds(), "batch-items/s")
	b.ReportMetric(native.Seconds()/pipeline.Seconds(), "batch/native")
}
