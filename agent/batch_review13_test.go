package agent

// Attacker review 13 of the agents' batch path: every test here asserts
// the SAFE behaviour, so a test that fails is an attack that works.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// r13batchBytes is a .vbat of n inputs of model m (seeded by tag) and its
// input root.
func r13batchBytes(t *testing.T, dir, tag string, m *zkml.Model, n int) ([]byte, batch.Hash) {
	t.Helper()
	path := filepath.Join(dir, tag+".vbat")
	fh, err := os.Create(path)
	require.NoError(t, err)
	bw, err := zkml.NewBatchWriter(fh, inputLen(m), uint64(n))
	require.NoError(t, err)
	leaves := make([]batch.Hash, n)
	for i := range n {
		in := zkml.ExampleInput(inputLen(m), tag+"-"+strconv.Itoa(i))
		_, err := bw.Write(in)
		require.NoError(t, err)
		leaves[i] = batch.LeafInt8(batch.KindInput, uint64(i), in)
	}
	require.NoError(t, bw.Close())
	require.NoError(t, fh.Close())
	root, err := batch.Root(batch.KindInput, leaves)
	require.NoError(t, err)
	bz, err := os.ReadFile(path)
	require.NoError(t, err)
	return bz, root
}

func r13dirBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var total int64
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			total += info.Size()
		}
	}
	return total
}

// STRATEGY A (hostile buyer, or sybil buyers, against the provider's
// disk): the Retainer promises "the bytes on disk never exceed the
// budget", and runBatch checks Fits before fetching a batch. Fits reserves
// nothing: two batches fetched at once (run-workers 8 by default) each fit
// the budget alone, and both are streamed to the retention disk in full;
// only KeepFile, after the whole download, refuses the second. Safe: at
// no time do the bytes under the retention directory exceed the budget
// (an in-flight fetch reserves its size).
func TestReview13ConcurrentBatchFetchesOverrunRetainBudget(t *testing.T) {
	dir, m, _, _, _ := writeFiles(t)
	require.NoError(t, zkml.WriteModel(filepath.Join(dir, "m.vmdl"), m))
	const n = 4000
	a, rootA := r13batchBytes(t, dir, "r13-a", m, n)
	b, rootB := r13batchBytes(t, dir, "r13-b", m, n)
	size := int64(len(a))
	mb, err := m.MarshalBinary()
	require.NoError(t, err)
	budget := size + size/2 + int64(len(mb))*2 // one batch fits, two do not

	// a server that sends the whole body (chunked) and then holds the
	// response open until released
	var arrived sync.WaitGroup
	arrived.Add(2)
	release := make(chan struct{})
	bodies := map[string][]byte{"/a": a, "/b": b}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(bodies[r.URL.Path])
		w.(http.Flusher).Flush()
		arrived.Done()
		<-release
	}))
	defer srv.Close()

	home := t.TempDir()
	store, err := OpenStore(home)
	require.NoError(t, err)
	defer func() { _ = store.Close() }()
	ret, err := OpenRetainer(home, budget, store)
	require.NoError(t, err)
	f, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, MaxBatchBytes: 1 << 30, Timeout: 20 * time.Second, FileRoot: dir, AllowPrivate: true})
	require.NoError(t, err)
	p := &Provider{
		Base:   &Base{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: NewMetrics("test"), Store: store, Fetch: f},
		cfg:    ProviderConfig{MaxWork: 1 << 40},
		retain: ret,
	}
	jobs := []jobstypes.Job{batchJob(t, dir, m, n, rootA), batchJob(t, dir, m, n, rootB)}
	jobs[0].Id, jobs[0].InputUri = 101, srv.URL+"/a"
	jobs[1].Id, jobs[1].InputUri = 102, srv.URL+"/b"
	errs := make([]error, 2)
	var done sync.WaitGroup
	for i := range jobs {
		done.Add(1)
		go func() {
			defer done.Done()
			_, _, errs[i] = p.batchFiles(context.Background(), jobs[i])
		}()
	}
	// FIXED: the second fetch is refused at its reservation and never
	// arrives; wait for both at most a few seconds
	both := make(chan struct{})
	go func() { arrived.Wait(); close(both) }()
	select {
	case <-both:
	case <-time.After(3 * time.Second):
	}
	retDir := filepath.Join(home, "retained")
	var peak int64
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		peak = max(peak, r13dirBytes(t, retDir))
		if peak >= 2*size {
			break
		}
	}
	close(release)
	done.Wait()
	refused := 0
	for _, err := range errs {
		if err != nil {
			require.ErrorIs(t, err, ErrRetentionFull)
			refused++
		}
	}
	require.LessOrEqual(t, peak, budget,
		"ATTACK: two batches of %d bytes fetched at once each passed Fits against a %d-byte budget; %d bytes sat on the retention disk (%d%% of the budget) before KeepFile refused %d of them after their whole download",
		size, budget, peak, peak*100/budget, refused)
}

// STRATEGY B (provider + sybil against the watchers): the watcher checks a
// result when EventResultPosted arrives; if the job is not RESULT_POSTED
// by then (a sybil challenged an honest item in the same block), check()
// returns without a record, and nothing queues it again: the result comes
// back to RESULT_POSTED with EventWindowResumed, which the watcher ignores.
// Safe: a batch whose window resumed is checked (queued again).
func TestReview13WatcherForgetsABatchDisputedWhenPosted(t *testing.T) {
	dir, m, _, _, _ := writeFiles(t)
	require.NoError(t, zkml.WriteModel(filepath.Join(dir, "m.vmdl"), m))
	_, root := writeBatch(t, filepath.Join(dir, "in.vbat"), m, 16)
	j := batchJob(t, dir, m, 16, root)
	j.Provider, j.Result = "cheat", &jobstypes.Result{OutputCommitment: make([]byte, 32), OutputUri: "http://203.0.113.1/outputs/7"}
	status := jobstypes.JobStatus_JOB_STATUS_DISPUTED
	var mu sync.Mutex
	jobs := fakeJobs{job: func(uint64) (*jobstypes.QueryJobResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		jj := j
		jj.Status = status
		return &jobstypes.QueryJobResponse{Job: jj}, nil
	}}
	home := t.TempDir()
	store, err := OpenStore(home)
	require.NoError(t, err)
	defer func() { _ = store.Close() }()
	f, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, MaxBatchBytes: 1 << 20, Timeout: time.Second, FileRoot: dir})
	require.NoError(t, err)
	w := NewWatcher(&Base{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: NewMetrics("test"), Store: store, Fetch: f,
		Chain: &Chain{Jobs: jobs}, Me: "watcher",
	}, WatcherConfig{BatchSample: 4, BatchDir: filepath.Join(home, "batches"), Seed: "s", BondBudget: math.NewInt(1 << 40)}, nil)
	ctx := context.Background()

	// the block of the result (and of the sybil's challenge)
	w.checkQ.push(j.Id)
	id, ok := w.checkQ.pop(ctx)
	require.True(t, ok)
	require.NoError(t, w.check(ctx, id))
	require.False(t, store.Has(jobKey("check", j.Id)), "nothing decided for a disputed job")

	// the provider proves the honest item: the window resumes
	mu.Lock()
	status = jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED
	mu.Unlock()
	var events []abci.Event
	for _, e := range []interface{ ProtoMessage() }{
		&disputetypes.EventDisputeResolved{JobId: j.Id, Status: disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON},
		&jobstypes.EventWindowResumed{JobId: j.Id, Provider: j.Provider, WindowEnd: time.Now().Add(time.Hour)},
	} {
		ev, err := sdk.TypedEventToEvent(e.(interface {
			ProtoMessage()
			Reset()
			String() string
		}))
		require.NoError(t, err)
		events = append(events, abci.Event(ev))
	}
	require.NoError(t, w.OnBlock(ctx, Block{Height: 2, Time: time.Now(), Events: events}))
	w.checkQ.mu.Lock()
	queued := w.checkQ.pending[j.Id]
	w.checkQ.mu.Unlock()
	require.True(t, queued || store.Has(jobKey("check", j.Id)),
		"ATTACK: batch %d was disputed when the watcher looked (a same-block sybil challenge) and is never checked after its window resumed: the watcher sampled none of its items", j.Id)
}

// STRATEGY C (ids that pass CheckCircuit): leading zeros, signs, spaces,
// extra dashes, cnn ids. Safe: every id batch.CheckCircuit accepts that
// zkml builds a circuit for has the item lengths and the commitment scheme
// zkml's circuit has (so an item's evidence always fits a proof and the
// chain commits as the circuit does).
func TestReview13CheckCircuitAgreesWithZkml(t *testing.T) {
	ids := []string{
		"mlp-16-16-4", "mlp-016-16-04", "mlp-+16-16-4", "mlp- 16-16-4", "mlp-16-16-4 ", " mlp-16-16-4",
		"mlp-16--4", "mlp-16-16-4-", "mlp2-64-64-10", "mlp2-0064-10", "mlp-4096-4096", "mlp-4097-10",
		"cnn-1x32x32-6k5-16k5-120-84-10", "cnn-01x032x32-6k5-16k5-120-84-010", "cnn-1x32x32-120",
		"cnn-3x256x256-4k3-10", "cnn-4x256x256-4k3-10", "cnn-1x32x32-6k5-16k5", "MLP-16-16-4", "mlp_16-16-4",
		"mlp-1e3-10", "mlp-0x10-4", "mlp-1_6-4",
	}
	for _, id := range ids {
		if err := batch.CheckCircuit(id); err != nil {
			continue
		}
		in, out, err := batch.ItemLens(id)
		require.NoError(t, err, id)
		c, sc, err := zkml.NewCircuitByID(id)
		if err != nil || c == nil {
			continue // no such circuit: no key, nothing to register
		}
		var zin, zout int
		if _, a, err := zkml.ParseCNNCircuitID(id); err == nil {
			zin, zout = a.Image.C*a.Image.H*a.Image.W, a.Dense[len(a.Dense)-1]
		} else {
			_, sh, err := zkml.ParseCircuitID(id)
			require.NoError(t, err, id)
			zin, zout = sh[0], sh[len(sh)-1]
		}
		require.Equal(t, uint64(zin), in, "%s: input length", id)
		require.Equal(t, uint64(zout), out, "%s: output length", id)
		chain, err := zkverify.SchemeOfCircuit(id)
		require.NoError(t, err, id)
		require.Equal(t, fmt.Sprint(int(sc)), fmt.Sprint(int(chain)), "%s: commitment scheme", id)
	}
}
