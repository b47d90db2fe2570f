package agent

import (
	"bytes"
	"context"
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
	"google.golang.org/grpc"

	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	cryptocodec "github.com/cosmos/cosmos-sdk/crypto/codec"
	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/testutil/hostile"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
	"github.com/verdict-chain/verdict/zkml"
)

// A buyer names a local path: off by default; with a file root, confined
// to it (no escape by .. or by a link), regular files only — a FIFO is
// refused at once instead of blocking the worker forever.
func TestFetchConfinesLocalFiles(t *testing.T) {
	dir, _, _, _, ic := writeFiles(t)
	ctx := context.Background()
	inURI := "file://" + filepath.Join(dir, "in.vten")

	off, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: time.Second})
	require.NoError(t, err)
	_, err = off.Fetch(ctx, inURI)
	require.ErrorIs(t, err, ErrFetchRefused, "file:// is off by default")

	f, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: time.Second, FileRoot: dir})
	require.NoError(t, err)
	_, err = f.Tensor(ctx, zkml.MiMC, inURI, ic[:])
	require.NoError(t, err)

	outside := t.TempDir()
	secret := filepath.Join(outside, "secret")
	require.NoError(t, os.WriteFile(secret, []byte("provider's key"), 0o600))
	require.NoError(t, os.Symlink(secret, filepath.Join(dir, "link")))
	for _, uri := range []string{
		"file://" + secret, // outside the root
		"file://" + dir + "/../" + filepath.Base(outside) + "/secret", // .. out of it
		"file://" + filepath.Join(dir, "link"),                        // a link out of it
		"file://etc/passwd",                                           // a host, not a path
		"file:relative/in.vten",                                       // not absolute
		"file://" + dir,                                               // a directory
	} {
		_, err := f.Fetch(ctx, uri)
		require.Error(t, err, uri)
	}
	_, err = f.Fetch(ctx, "file://"+secret)
	require.ErrorIs(t, err, ErrFetchRefused)

	fifo := hostile.FIFO(t, dir, "pipe.vten")
	start := time.Now()
	_, err = f.Fetch(ctx, fifo)
	require.ErrorIs(t, err, ErrFetchRefused, "a FIFO is not a regular file")
	require.Less(t, time.Since(start), 500*time.Millisecond, "refused without waiting for a writer")
}

// A buyer's URI cannot point the agent at its own node, its LAN or a
// metadata service, by address or by a name or redirect that leads there.
func TestFetchRefusesPrivateAddresses(t *testing.T) {
	srv := hostile.NewServer(t)
	uri := srv.Serve("x", []byte("x"))
	f, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: time.Second})
	require.NoError(t, err)
	ctx := context.Background()
	for _, u := range []string{uri, "http://localhost:" + srv.URL[len("http://127.0.0.1:"):] + "/x", "http://169.254.169.254/latest/meta-data", "http://[::1]:1/x", "http://10.0.0.1:1/x"} {
		_, err := f.Fetch(ctx, u)
		require.ErrorIs(t, err, ErrFetchRefused, u)
	}
	open, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: time.Second, AllowPrivate: true})
	require.NoError(t, err)
	bz, err := open.Fetch(ctx, uri)
	require.NoError(t, err)
	require.Equal(t, []byte("x"), bz)
}

// A server that sends headers and then nothing holds a fetch for the
// timeout, not forever.
func TestFetchTimeoutCoversTheBody(t *testing.T) {
	srv := hostile.NewServer(t)
	f, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: 300 * time.Millisecond, AllowPrivate: true})
	require.NoError(t, err)
	start := time.Now()
	_, err = f.Fetch(context.Background(), srv.Stall("model"))
	require.Error(t, err)
	require.Less(t, time.Since(start), 2*time.Second)
}

// What cannot be proven is not run: a model of another shape than the
// job's circuit, an input of the wrong length, and the compute bomb are
// refused by a check that costs nothing like the run.
func TestCheckProvable(t *testing.T) {
	_, model, _, in, _ := writeFiles(t)
	job := jobstypes.Job{CircuitId: "mlp-16-16-4"}
	require.NoError(t, CheckProvable(job, model, in))

	narrow, err := hostile.WrongShape("16-8-4", "narrow")
	require.NoError(t, err)
	require.ErrorIs(t, CheckProvable(job, narrow, in), ErrUnprovable)
	require.ErrorIs(t, CheckProvable(job, model, in[:15]), ErrUnprovable)

	bomb, bombIn, err := hostile.ComputeBomb()
	require.NoError(t, err)
	macs, err := hostile.MACs(hostile.BombArch)
	require.NoError(t, err)
	require.Greater(t, macs, int64(2e11), "the bomb is a bomb")
	bz, err := bomb.MarshalBinary()
	require.NoError(t, err)
	t.Logf("compute bomb: %d-byte model file, %.2g multiply-adds per run", len(bz), float64(macs))
	lenet := jobstypes.Job{CircuitId: zkml.LeNet5.CircuitID()}
	start := time.Now()
	require.ErrorIs(t, CheckProvable(lenet, bomb, bombIn), ErrUnprovable)
	require.Less(t, time.Since(start), 100*time.Millisecond)
}

// Retained files: shared by commitment, bounded by the budget, released
// with the last job naming them, and remembered across a restart.
func TestRetainerKeepsWithinBudget(t *testing.T) {
	home := t.TempDir()
	s, err := OpenStore(home)
	require.NoError(t, err)
	r, err := OpenRetainer(home, 100, s)
	require.NoError(t, err)
	model, input := bytes.Repeat([]byte{1}, 40), bytes.Repeat([]byte{2}, 10)
	mc, ic, ic2 := []byte{0xaa}, []byte{0xbb}, []byte{0xcc}
	require.NoError(t, r.Keep(1, mc, model, ic, input))
	require.NoError(t, r.Keep(2, mc, model, ic2, input), "the model is shared: 10 more bytes")
	require.EqualValues(t, 60, r.Used())
	require.NoError(t, r.Keep(2, mc, model, ic2, input), "kept twice: a no-op")
	require.ErrorIs(t, r.Keep(3, []byte{0xdd}, model, []byte{0xee}, input), ErrRetentionFull)
	require.EqualValues(t, 60, r.Used(), "a refused job keeps nothing")
	m, i, ok := r.Load(2)
	require.True(t, ok)
	require.Equal(t, model, m)
	require.Equal(t, input, i)
	_, _, ok = r.Load(3)
	require.False(t, ok)

	require.NoError(t, r.Release(1))
	require.EqualValues(t, 50, r.Used(), "the model stays for job 2")
	_, _, ok = r.Load(2)
	require.True(t, ok)

	// a restart, with an orphan file left by a crash
	require.NoError(t, os.WriteFile(filepath.Join(home, "retained", "model-ff"), []byte("orphan"), 0o600))
	require.NoError(t, s.Close())
	s, err = OpenStore(home)
	require.NoError(t, err)
	defer func() { _ = s.Close() }()
	r, err = OpenRetainer(home, 100, s)
	require.NoError(t, err)
	require.EqualValues(t, 50, r.Used())
	require.Equal(t, []uint64{2}, r.Jobs())
	require.NoFileExists(t, filepath.Join(home, "retained", "model-ff"))
	require.NoError(t, r.Release(2))
	require.Zero(t, r.Used())
	entries, err := os.ReadDir(filepath.Join(home, "retained"))
	require.NoError(t, err)
	require.Empty(t, entries)
}

// One buyer's queue of slow jobs takes at most its share of the workers,
// and another buyer's job is served next, not after all of them.
func TestFairQueueServesEveryBuyer(t *testing.T) {
	q := newFairQueue(2)
	for id := uint64(1); id <= 10; id++ {
		q.push(id, "hostile")
	}
	q.push(100, "honest")
	q.push(100, "honest") // deduplicated
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var got []uint64
	for range 3 {
		id, _, ok := q.pop(ctx)
		require.True(t, ok)
		got = append(got, id)
	}
	require.Equal(t, []uint64{1, 100, 2}, got, "turns alternate between buyers")
	// two hostile jobs in flight: the third waits for one of them
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	_, _, ok := q.pop(short)
	require.False(t, ok, "the hostile buyer is at its limit and the honest one has nothing waiting")
	q.done(1, "hostile")
	id, _, ok := q.pop(ctx)
	require.True(t, ok)
	require.EqualValues(t, 3, id)
}

// Under workers, a hostile buyer's stalling jobs never delay an honest
// buyer's job by more than the run itself.
func TestFairWorkersUnderStallingBuyer(t *testing.T) {
	q := newFairQueue(1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	ran := make(chan uint64, 16)
	workFair(ctx, &wg, q, 4, slog.New(slog.DiscardHandler), NewMetrics("test"), "test", func(ctx context.Context, id uint64) error {
		if id < 100 { // hostile: stalls
			select {
			case <-time.After(5 * time.Second):
			case <-ctx.Done():
			}
			return nil
		}
		ran <- id
		return nil
	})
	for id := uint64(1); id <= 8; id++ {
		q.push(id, "hostile")
	}
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	q.push(100, "honest")
	select {
	case <-ran:
		require.Less(t, time.Since(start), time.Second)
	case <-time.After(3 * time.Second):
		t.Fatal("the honest job waited behind the hostile ones")
	}
	cancel()
	wg.Wait()
}

// test doubles for the two chain queries the paths below make
type fakeJobs struct {
	jobstypes.QueryClient
	job func(id uint64) (*jobstypes.QueryJobResponse, error)
}

func (f fakeJobs) Job(_ context.Context, in *jobstypes.QueryJobRequest, _ ...grpc.CallOption) (*jobstypes.QueryJobResponse, error) {
	return f.job(in.Id)
}

func (f fakeJobs) Provider(_ context.Context, in *jobstypes.QueryProviderRequest, _ ...grpc.CallOption) (*jobstypes.QueryProviderResponse, error) {
	return &jobstypes.QueryProviderResponse{Provider: jobstypes.Provider{Operator: in.Operator, Endpoint: "http://127.0.0.1:1"}}, nil
}

type fakeSLA struct {
	slatypes.QueryClient
	monitors []string
}

func (f fakeSLA) Monitors(context.Context, *slatypes.QueryMonitorsRequest, ...grpc.CallOption) (*slatypes.QueryMonitorsResponse, error) {
	return &slatypes.QueryMonitorsResponse{Monitors: f.monitors}, nil
}

func testSigner(t *testing.T, name string) *Signer {
	reg := codectypes.NewInterfaceRegistry()
	cryptocodec.RegisterInterfaces(reg)
	kr := keyring.NewInMemory(codec.NewProtoCodec(reg))
	rec, _, err := kr.NewMnemonic(name, keyring.English, sdk.FullFundraiserPath, keyring.DefaultBIP39Passphrase, hd.Secp256k1)
	require.NoError(t, err)
	addr, err := rec.GetAddress()
	require.NoError(t, err)
	return &Signer{kr: kr, keyName: name, Address: addr}
}

// /infer answers a running SLA job's probes from its buyer or a registered
// monitor, signed and fresh — and nobody else, for nothing else: a buyer's
// model is not a free oracle once its job ended, nor ever to strangers.
func TestInferIsNotAnOpenOracle(t *testing.T) {
	_, model, _, in, _ := writeFiles(t)
	buyer, monitor, stranger := testSigner(t, "buyer"), testSigner(t, "monitor"), testSigner(t, "stranger")
	p := &Provider{Base: &Base{Metrics: NewMetrics("test"), Chain: &Chain{SLA: fakeSLA{monitors: []string{monitor.Address.String()}}}}, probing: map[uint64]*probeTarget{}}
	p.auth = newProbeAuth(p.Chain)
	p.startProbes(jobstypes.Job{Id: 7, Buyer: buyer.Address.String()}, model)
	body, err := zkml.MarshalTensor(in)
	require.NoError(t, err)
	want, err := zkml.Infer(model, in)
	require.NoError(t, err)
	probe := func(s *Signer, job uint64, signed []byte, sent []byte, at time.Time) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/infer?job="+strconv.FormatUint(job, 10), bytes.NewReader(sent))
		if s != nil {
			require.NoError(t, s.SignProbe(req, job, signed, at))
		}
		rec := httptest.NewRecorder()
		p.serveInfer(rec, req)
		return rec
	}
	now := time.Now()
	for _, s := range []*Signer{buyer, monitor} {
		rec := probe(s, 7, body, body, now)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		out, err := zkml.UnmarshalTensor(rec.Body.Bytes())
		require.NoError(t, err)
		require.Equal(t, want, out)
	}
	require.Equal(t, http.StatusForbidden, probe(nil, 7, nil, body, now).Code, "unsigned")
	require.Equal(t, http.StatusForbidden, probe(stranger, 7, body, body, now).Code, "neither buyer nor monitor")
	require.Equal(t, http.StatusForbidden, probe(buyer, 7, body, append([]byte(nil), body[:len(body)-1]...), now).Code, "body not the signed one")
	require.Equal(t, http.StatusForbidden, probe(buyer, 7, body, body, now.Add(-10*time.Minute)).Code, "stale signature")
	// the buyer's key claimed for the monitor's address
	req := httptest.NewRequest(http.MethodPost, "/infer?job=7", bytes.NewReader(body))
	require.NoError(t, buyer.SignProbe(req, 7, body, now))
	req.Header.Set(hdrProber, monitor.Address.String())
	rec := httptest.NewRecorder()
	p.serveInfer(rec, req)
	require.Equal(t, http.StatusForbidden, rec.Code)

	require.Equal(t, http.StatusNotFound, probe(buyer, 8, body, body, now).Code, "not a running SLA job here")
	p.stopProbes(7) // its result is posted
	require.Equal(t, http.StatusNotFound, probe(buyer, 7, body, body, now).Code, "the job ended: the model is not served")
	require.Equal(t, http.StatusMethodNotAllowed, func() int {
		rec := httptest.NewRecorder()
		p.serveInfer(rec, httptest.NewRequest(http.MethodGet, "/infer?job=7", nil))
		return rec.Code
	}())
}

// The monitor's block loop never waits on a buyer's URI: three SLA jobs
// whose inputs stall are handed to their sessions and OnBlock returns at
// once; a fourth job, with a good input, is probed all the same.
func TestMonitorBlockLoopNeverWaits(t *testing.T) {
	srv := hostile.NewServer(t)
	_, _, _, in, ic := writeFiles(t)
	bz, err := zkml.MarshalTensor(in)
	require.NoError(t, err)
	good := srv.Serve("in.vten", bz)
	probed := make(chan uint64, 8)
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseUint(r.URL.Query().Get("job"), 10, 64)
		select {
		case probed <- id:
		default:
		}
		out, _ := zkml.MarshalTensor([]int8{1})
		_, _ = w.Write(out)
	}))
	defer endpoint.Close()
	jobs := fakeJobs{job: func(id uint64) (*jobstypes.QueryJobResponse, error) {
		uri := srv.Stall("in-" + strconv.FormatUint(id, 10))
		if id == 4 {
			uri = good
		}
		return &jobstypes.QueryJobResponse{Job: jobstypes.Job{
			Id: id, Status: jobstypes.JobStatus_JOB_STATUS_ASSIGNED, Provider: "p",
			Sla: &jobstypes.SLATerms{}, InputUri: uri, InputCommitment: ic[:], CircuitId: "mlp-16-16-4",
		}}, nil
	}}
	home := t.TempDir()
	store, err := OpenStore(home)
	require.NoError(t, err)
	defer func() { _ = store.Close() }()
	fetch, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: 10 * time.Second, AllowPrivate: true})
	require.NoError(t, err)
	m := NewMonitor(&Base{
		Log: slog.New(slog.DiscardHandler), Metrics: NewMetrics("monitor"), Store: store, Fetch: fetch,
		Chain: &Chain{Jobs: jobsWithEndpoint{fakeJobs: jobs, endpoint: endpoint.URL}}, Signer: testSigner(t, "monitor"),
	}, MonitorConfig{ProbeInterval: 20 * time.Millisecond, ProbeTimeout: time.Second, MaxProbes: 5})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	m.Start(ctx, &wg)
	var events []abci.Event
	for id := uint64(1); id <= 4; id++ {
		e, err := sdk.TypedEventToEvent(&jobstypes.EventJobAssigned{JobId: id, Provider: "p"})
		require.NoError(t, err)
		events = append(events, abci.Event(e))
	}
	start := time.Now()
	require.NoError(t, m.OnBlock(ctx, Block{Height: 1, Events: events}))
	require.Less(t, time.Since(start), 200*time.Millisecond, "the block loop waited on the network")
	select {
	case id := <-probed:
		require.EqualValues(t, 4, id)
	case <-time.After(5 * time.Second):
		t.Fatal("the job with a good input was never probed")
	}
	stopped := time.Now()
	cancel()
	wg.Wait()
	require.Less(t, time.Since(stopped), 2*time.Second, "stalled sessions end with the agent")
}

type jobsWithEndpoint struct {
	fakeJobs
	endpoint string
}

func (f jobsWithEndpoint) Provider(_ context.Context, in *jobstypes.QueryProviderRequest, _ ...grpc.CallOption) (*jobstypes.QueryProviderResponse, error) {
	return &jobstypes.QueryProviderResponse{Provider: jobstypes.Provider{Operator: in.Operator, Endpoint: f.endpoint}}, nil
}

// A job's files cost no more than its circuit: a job naming a circuit
// reads exactly that circuit's file sizes, so a 16 MiB model never gets
// hashed for a 16-16-4 job; its shape is checked before its commitment; a
// model that matches no commitment is never cached. A job naming no circuit
// (it cannot be disputed) takes a model up to the agent's work bound.
func TestJobFilesCostNoMoreThanTheCircuit(t *testing.T) {
	dir, model, mc, in, ic := writeFiles(t)
	srv := hostile.NewServer(t)
	f, err := NewFetcher(FetchConfig{MaxBytes: 32 << 20, Timeout: 5 * time.Second, AllowPrivate: true, FileRoot: dir})
	require.NoError(t, err)
	ctx := context.Background()
	job := jobstypes.Job{
		CircuitId: "mlp-16-16-4", ModelCommitment: mc[:], InputCommitment: ic[:],
		ModelUri: "file://" + filepath.Join(dir, "m.vmdl"), InputUri: "file://" + filepath.Join(dir, "in.vten"),
	}
	m, got, err := f.JobFiles(ctx, job, 1)
	require.NoError(t, err)
	require.Equal(t, model.Shape(), m.Shape())
	require.Equal(t, in, got)

	// a 16 MiB model named by a 16-16-4 job: refused at the size, unread
	big := zkml.Layer{In: 4096, Out: 4096, Weights: make([]int8, 4096*4096), Biases: make([]int32, 4096)}
	bigBytes, err := (&zkml.Model{Layers: []zkml.Layer{big}}).MarshalBinary()
	require.NoError(t, err)
	bj := job
	bj.ModelUri = srv.Serve("big.vmdl", bigBytes)
	start := time.Now()
	_, _, err = f.JobFiles(ctx, bj, 1)
	require.ErrorIs(t, err, ErrUnprovable)
	require.Less(t, time.Since(start), time.Second, "refused without hashing 16 MiB")

	// the right size, the wrong shape (16-16-4 has as many bytes as no other
	// MLP here, so take the job's own bytes under another circuit)
	wj := job
	wj.CircuitId = "mlp-16-8-4"
	_, _, err = f.JobFiles(ctx, wj, 1)
	require.ErrorIs(t, err, ErrUnprovable)

	// a model that commits to nothing the job names is not cached
	xj := job
	xj.ModelCommitment = make([]byte, 32)
	_, _, err = f.JobFiles(ctx, xj, 1)
	require.ErrorIs(t, err, ErrCommitmentMismatch)
	f.mu.Lock()
	cached := len(f.models)
	f.mu.Unlock()
	require.Equal(t, 1, cached, "only the model that matched is cached")

	// no circuit: bounded by the work the agent takes
	cj := job
	cj.CircuitId = ""
	_, _, err = f.JobFiles(ctx, cj, Work(model))
	require.NoError(t, err)
	_, _, err = f.JobFiles(ctx, cj, Work(model)-1)
	require.ErrorIs(t, err, ErrUnprovable)
}
