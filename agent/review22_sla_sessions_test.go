package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	cryptocodec "github.com/cosmos/cosmos-sdk/crypto/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	authtx "github.com/cosmos/cosmos-sdk/x/auth/tx"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/verdict-chain/verdict/testutil/keepertest"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
	"github.com/verdict-chain/verdict/zkml"
)

// Attacker review 22: SLA terms on serving sessions, the session probe
// endpoint, the monitor's per-checkpoint periods.

// --- test doubles -------------------------------------------------------

// review22Auth answers the signer's account query (or fails it).
type review22Auth struct {
	authtypes.QueryClient
	fail bool
}

func (a review22Auth) AccountInfo(_ context.Context, in *authtypes.QueryAccountInfoRequest, _ ...grpc.CallOption) (*authtypes.QueryAccountInfoResponse, error) {
	if a.fail {
		return nil, errors.New("review22: the node is unreachable")
	}
	return &authtypes.QueryAccountInfoResponse{Info: &authtypes.BaseAccount{Address: in.Address, AccountNumber: 1}}, nil
}

// review22Tx records the SLA reports the signer simulates, and refuses
// them (nothing is sent: there is no chain).
type review22Tx struct {
	txtypes.ServiceClient
	dec     sdk.TxDecoder
	mu      sync.Mutex
	reports map[uint64]slatypes.SLAMetrics
}

func (x *review22Tx) Simulate(_ context.Context, in *txtypes.SimulateRequest, _ ...grpc.CallOption) (*txtypes.SimulateResponse, error) {
	tx, err := x.dec(in.TxBytes)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, m := range tx.GetMsgs() {
		if r, ok := m.(*slatypes.MsgSubmitReport); ok {
			x.reports[r.JobId] = r.Metrics
		}
	}
	return nil, errors.New("review22: captured, not sent")
}

func (x *review22Tx) report(id uint64) (slatypes.SLAMetrics, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	m, ok := x.reports[id]
	return m, ok
}

// review22Signer is the monitor's signer: its reports are captured by the
// returned double (failAuth: every send fails before simulation).
func review22Signer(t *testing.T, failAuth bool) (*Signer, *review22Tx) {
	t.Helper()
	cdc, _ := keepertest.Codec(t, slatypes.RegisterInterfaces, cryptocodec.RegisterInterfaces)
	txCfg := authtx.NewTxConfig(cdc, authtx.DefaultSignModes)
	base := testSigner(t, "monitor")
	capture := &review22Tx{dec: txCfg.TxDecoder(), reports: map[uint64]slatypes.SLAMetrics{}}
	s := &Signer{
		chain: &Chain{Auth: review22Auth{fail: failAuth}, Tx: capture}, kr: base.kr, txCfg: txCfg, keyName: base.keyName,
		chainID: "verdict-review22", adjust: 1, timeout: time.Second, log: slog.New(slog.DiscardHandler),
		metrics: NewMetrics("review22"), Address: base.Address,
	}
	return s, capture
}

// review22Monitor is a monitor with no report worker (reports are driven
// by the test) probing with cfg.
func review22Monitor(t *testing.T, signer *Signer, chain *Chain, fetch *Fetcher, cfg MonitorConfig) *Monitor {
	t.Helper()
	store, err := OpenStore(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	if chain == nil {
		chain = &Chain{}
	}
	m := NewMonitor(&Base{
		Log: slog.New(slog.DiscardHandler), Metrics: NewMetrics("monitor"), Store: store, Fetch: fetch,
		Chain: chain, Signer: signer, Me: signer.Address.String(),
	}, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	m.ctx, m.wg = ctx, &wg
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return m
}

// probedWith puts session id in the monitor's probed set with these
// samples, its period started at since (as beginSession/probeSession
// leave it).
func probedWith(m *Monitor, id uint64, since time.Time, samples ...sample) *probedSession {
	ps := &probedSession{id: id, buyer: "buyer", since: since, stop: make(chan struct{}), done: make(chan struct{}), sample: samples}
	m.mu.Lock()
	m.probed[id] = ps
	m.mu.Unlock()
	return ps
}

func slowSamples(n int, lat time.Duration) []sample {
	out := make([]sample, n)
	for i := range out {
		out[i] = sample{latency: lat, ok: true}
	}
	return out
}

// review22Endpoint is a session probe endpoint whose answer takes
// delay(), or answers with status() when it is not 200.
func review22Endpoint(t *testing.T, delay func() time.Duration, status func() int) (string, *atomic.Int64) {
	t.Helper()
	out, err := zkml.MarshalTensor([]int8{1, 2, 3, 4})
	require.NoError(t, err)
	var hits atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if status != nil {
			if st := status(); st != http.StatusOK {
				http.Error(w, http.StatusText(st), st)
				return
			}
		}
		if delay != nil {
			time.Sleep(delay())
		}
		_, _ = w.Write(out)
	}))
	t.Cleanup(hs.Close)
	return hs.URL + "/v1/sessions/7/probe", &hits
}

// --- the monitor's periods ------------------------------------------------

// A provider chooses which checkpoint job absorbs a slow period. Every
// probe sample since the previous checkpoint goes to the first
// EventCheckpointPosted the monitor sees; so a provider that served 1,000
// requests slowly posts a checkpoint of ONE request (a voucher of count
// checkpointed+1: it holds every request's voucher) and, in the same block
// (a second message), the checkpoint of the other 999. The 1-request job
// is reported slow — its penalty is at most 2x one request's payment — and
// the 999-request job, every request of which was served in that slow
// period, gets "no samples": no report, never graded, the buyer
// compensated nothing. Severity is the same; the penalty shrinks 999x.
// FIXED: checkpoints of one session posted in one block share their
// period (checkpointed takes the block height). Split across blocks, the
// later checkpoint gets the samples since the earlier one: a provider
// that wants its bulk graded on a fast spell must then serve fast before
// posting it — the limit every probe-based measurement has, as a
// provider may also answer probes faster than requests (README, left
// for later).
func TestReview22SplitCheckpointLeavesTheBulkUnreported(t *testing.T) {
	signer, captured := review22Signer(t, false)
	m := review22Monitor(t, signer, nil, nil, MonitorConfig{ProbeInterval: 250 * time.Millisecond, ProbeTimeout: 2 * time.Second, MaxProbes: 400})
	// 30 s of probes, every one answered 800 ms late (terms: p99 <= 200 ms)
	probedWith(m, 7, time.Now().Add(-30*time.Second), slowSamples(120, 800*time.Millisecond)...)

	m.checkpointed(7, 100, 55) // job 100: request 1 only
	m.checkpointed(7, 101, 55) // job 101: requests 2..1000, same block
	ctx := context.Background()
	_ = m.reportCheckpoint(ctx, 100)
	_ = m.reportCheckpoint(ctx, 101)

	tiny, ok := captured.report(100)
	require.True(t, ok)
	require.GreaterOrEqual(t, tiny.LatencyP99Ms, uint32(800), "the 1-request checkpoint is reported slow")
	bulk, ok := captured.report(101)
	require.True(t, ok, "the 999 requests served in the same slow period must be reported too: unreported, they are never graded and the provider's penalty is 2x one request's payment instead of 2x 1,000")
	require.GreaterOrEqual(t, bulk.LatencyP99Ms, uint32(800))
}

// The monitor keeps a period's newest MaxProbes samples only (400 at 250 ms:
// the last 100 s) and the provider decides when the period ends (its
// checkpoint). A provider slow for 20 minutes of a session, then fast for
// 100 s, then checkpointing all the requests of those 21 minutes, is
// graded on the 100 fast seconds only: within terms, no penalty, though
// nearly every request it was paid for was answered late.
// FIXED: a period keeps a uniform reservoir of its samples
// (TestReview22ReservoirIsUniform), so its early slow spell weighs as
// much as its end.
func TestReview22CheckpointAfterAFastSpellHidesTheSlowPeriod(t *testing.T) {
	signer, captured := review22Signer(t, false)
	m := review22Monitor(t, signer, nil, nil, MonitorConfig{ProbeInterval: 10 * time.Millisecond, ProbeTimeout: 2 * time.Second, MaxProbes: 60})
	var slow atomic.Bool
	slow.Store(true)
	url, hits := review22Endpoint(t, func() time.Duration {
		if slow.Load() {
			return 80 * time.Millisecond
		}
		return 0
	}, nil)
	ps := probedWith(m, 7, time.Now())
	startProbing(m, ps, url, 4, nil)
	// the slow spell: 20 probes (4x MaxProbes), then the fast one: MaxProbes
	deadline := time.Now().Add(10 * time.Second)
	for hits.Load() < 20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	slow.Store(false)
	at := hits.Load()
	for hits.Load() < at+6 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	m.checkpointed(7, 200, 60)
	_ = m.reportCheckpoint(context.Background(), 200)
	got, ok := captured.report(200)
	require.True(t, ok)
	require.GreaterOrEqual(t, got.LatencyP99Ms, uint32(80),
		"most of this checkpoint's period the endpoint answered 80 ms late: a report of only its last, fast seconds lets the provider time its checkpoint past any penalty")
}

// A report the monitor fails to send is never sent again: reportCheckpoint
// puts its period back ("tried again") but nothing pushes the job back on
// the queue, so the checkpoint goes ungraded; and every such period stays
// in m.periods for the life of the process. Once maxSessions (512) have
// failed (a node restart, a full mempool, a job a sybil pair fails at once
// by equivocating, a report the chain refuses — see the next test), no
// checkpoint of any session is measured again: checkpointed drops its
// period, and every provider's session SLA goes unenforced.
//
// FIXED: a failed report is queued again after reportRetry, at most
// maxReportAttempts times; then its period is dropped, so failures never
// fill the monitor.
func TestReview22FailedCheckpointReportIsNeverRetriedAndLeaks(t *testing.T) {
	old := reportRetry
	reportRetry = 10 * time.Millisecond
	t.Cleanup(func() { reportRetry = old })
	signer, _ := review22Signer(t, true)
	m := review22Monitor(t, signer, nil, nil, MonitorConfig{ProbeInterval: 250 * time.Millisecond, ProbeTimeout: 2 * time.Second, MaxProbes: 400})
	ps := probedWith(m, 7, time.Now())
	ctx := context.Background()

	ps.sample = slowSamples(10, 800*time.Millisecond)
	m.checkpointed(7, 1, 1)
	_, _ = m.cpQ.pop(ctx) // the worker takes it
	require.Error(t, m.reportCheckpoint(ctx, 1), "the node is unreachable")
	again := false
	for deadline := time.Now().Add(2 * time.Second); !again && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		m.cpQ.mu.Lock()
		again = m.cpQ.pending[1]
		m.cpQ.mu.Unlock()
	}
	assert.True(t, again, "a report that failed to send must be queued again, or its checkpoint is never graded")

	for i := uint64(2); i <= maxSessions+1; i++ {
		ps.mu.Lock()
		ps.sample = slowSamples(10, 800*time.Millisecond)
		ps.mu.Unlock()
		m.checkpointed(7, i, int64(i))
		for range maxReportAttempts {
			_ = m.reportCheckpoint(ctx, i)
		}
	}
	ps.mu.Lock()
	ps.sample = slowSamples(10, 800*time.Millisecond)
	ps.mu.Unlock()
	m.checkpointed(7, 10_000, 10_000)
	m.mu.Lock()
	_, kept := m.periods[10_000]
	n := len(m.periods)
	m.mu.Unlock()
	require.True(t, kept, "after %d failed reports (%d periods held) a new checkpoint is no longer measured at all", maxSessions, n)
}

// The monitor's period runs from the previous checkpoint (or the start of
// probing) to this one, whatever its length; x/slashingsla refuses a
// report whose window is over MaxMeasurementWindowSeconds (7 days). A
// provider that checkpoints a 30-day session's requests only after 7 days
// gets every monitor's report refused by the chain: not graded at all.
// FIXED: the reported window is at most the chain's.
func TestReview22LongPeriodReportRefusedByTheChain(t *testing.T) {
	signer, captured := review22Signer(t, false)
	m := review22Monitor(t, signer, nil, nil, MonitorConfig{ProbeInterval: 250 * time.Millisecond, ProbeTimeout: 2 * time.Second, MaxProbes: 400})
	probedWith(m, 7, time.Now().Add(-8*24*time.Hour), slowSamples(400, 800*time.Millisecond)...)
	m.checkpointed(7, 300, 1)
	_ = m.reportCheckpoint(context.Background(), 300)
	got, ok := captured.report(300)
	require.True(t, ok)
	require.NoError(t, slatypes.ValidateMetrics(got), "the monitor's report of a slow checkpoint must be one the chain takes")
}

// One 410 Gone from a session's probe endpoint ends the monitor's probing
// of that session for good: probeSession returns, the session stays in
// m.probed (so it is never begun again) and every later checkpoint is "no
// samples", no report. The honest provider answers 410 while an idle
// close is in flight, and answers the session again when the close fails
// (Retry); a dishonest one answers the first probe 410 and is never
// measured again, for the rest of a 30-day session.
// FIXED: a 410 is not counted and probing goes on until the session
// closes or ends.
func TestReview22MonitorGivesUpOnOneGone(t *testing.T) {
	f := newSLASessionFixture(t, 60*time.Millisecond)
	fetch, uri, mc := sessionModelFiles(t, f)
	se := f.session
	se.ModelUri, se.ModelCommitment, se.Provider = uri, mc, "p"
	signer, captured := review22Signer(t, false)
	m := review22Monitor(t, signer, &Chain{Jobs: sessionJobs{session: se, endpoint: f.url}}, fetch,
		MonitorConfig{ProbeInterval: 10 * time.Millisecond, ProbeTimeout: time.Second, MaxProbes: 50})
	f.p.auth = newProbeAuth(&Chain{SLA: fakeSLA{monitors: []string{signer.Address.String()}}})

	// the provider stops the idle session to close it: the next probes are 410
	require.True(t, f.srv.StopIdle(se.Id, time.Now().Add(time.Hour), time.Minute))
	m.beginSession(se.Id, jobstypes.EventSessionOpened{SessionId: se.Id, Buyer: se.Buyer, Provider: se.Provider, Sla: se.Sla}, nil)
	m.mu.Lock()
	ps := m.probed[se.Id]
	m.mu.Unlock()
	require.NotNil(t, ps)
	time.Sleep(100 * time.Millisecond) // probes answered 410
	select {
	case <-ps.done:
		t.Fatal("the monitor stopped probing at a 410")
	default:
	}
	// the close failed: the session is answered again, 60 ms late
	f.srv.Retry(se.Id)
	c := f.client(t, 0)
	for i := 1; i <= 5; i++ {
		_, _, err := c.Infer(context.Background(), input(i))
		require.NoError(t, err)
	}
	time.Sleep(200 * time.Millisecond) // 20 probe intervals
	m.checkpointed(se.Id, 77, 1)
	_ = m.reportCheckpoint(context.Background(), 77)
	_, ok := captured.report(77)
	require.True(t, ok, "the session is open and answered again, but the monitor stopped probing it at one 410: its checkpoints are never reported")
}

// The monitor's slots for sessions (maxSessions, 512, shared with jobs'
// probes; 32 per buyer) are not priced: a session costs an OpenSession's
// gas and an escrow refunded at its close, at a price a sybil provider
// sets (1 uverd), for up to max_session_duration (30 days) — its own
// provider never closes it idle. Sixteen sybil buyers holding 32 SLA
// sessions each switch session monitoring off network-wide: a session an
// honest buyer opens with SLA terms is never probed, so its provider's
// latency is never graded.
// FIXED: sessions have their own, larger cap (maxProbedSessions, 2048);
// when it is full a session of more escrow evicts the one of least
// (review 23 removed review 22's per-provider cap: a provider used it to
// opt its own sessions out).
func TestReview22SybilSessionsSwitchMonitoringOff(t *testing.T) {
	f := newSLASessionFixture(t, 0)
	dir := t.TempDir()
	require.NoError(t, zkml.WriteModel(filepath.Join(dir, "m.vmdl"), f.model))
	mc, err := SchemeOf(jobstypes.Job{CircuitId: f.session.CircuitId}).ModelCommitment(f.model)
	require.NoError(t, err)
	fetch, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: 5 * time.Second, FileRoot: dir})
	require.NoError(t, err)
	url, _ := review22Endpoint(t, nil, nil)
	signer, _ := review22Signer(t, false)
	m := review22Monitor(t, signer, &Chain{Jobs: sessionJobs{endpoint: url[:len(url)-len("/v1/sessions/7/probe")]}}, fetch,
		MonitorConfig{ProbeInterval: time.Hour, ProbeTimeout: time.Second, MaxProbes: 50})
	sess := func(id uint64, buyer string) *jobstypes.Session {
		s := f.session
		s.Id, s.Buyer, s.Provider = id, buyer, "sybil-provider"
		s.ModelUri, s.ModelCommitment = "file://"+filepath.Join(dir, "m.vmdl"), mc[:]
		return &s
	}
	for i := range maxSessions {
		m.beginSession(uint64(1000+i), jobstypes.EventSessionOpened{}, sess(uint64(1000+i), "sybil-"+strconv.Itoa(i/maxSessionsPerBuyer)))
	}
	honest := sess(7, "honest-buyer")
	honest.Provider = "honest-provider"
	m.beginSession(7, jobstypes.EventSessionOpened{}, honest)
	m.mu.Lock()
	_, probed := m.probed[7]
	m.mu.Unlock()
	require.True(t, probed, "an honest buyer's SLA session must be probed whatever sybils hold open for free")
}

// --- the provider's probe endpoint ----------------------------------------

// A session probe takes the session's lock (Server.Probed locks ss.mu),
// which Answer holds for the whole of a request: its inference, its delay,
// its fsync. So each probe that arrives while the buyer's request is
// being answered waits for it first, and the monitor measures up to twice
// what the buyer gets. A buyer keeping its session busy (its own,
// paid-for, on-time requests) makes every probe late: the honest provider
// answers the buyer within terms and is graded — and slashed up to 2x each
// checkpoint, the buyer receiving what it paid — on a latency nobody was
// served at (three such checkpoints in 24 h also jail it).
// FIXED: a probe reads the session's published view, never its lock.
func TestReview22ProbeWaitsBehindTheBuyersRequest(t *testing.T) {
	const service = 300 * time.Millisecond // what answering takes (inference)
	f := newSLASessionFixture(t, service)
	f.srv.Delay = service
	in := input(1)
	body, err := zkml.MarshalTensor(in)
	require.NoError(t, err)

	c := f.client(t, 0)
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Infer(context.Background(), input(2))
		done <- err
	}()
	time.Sleep(30 * time.Millisecond) // the buyer's request is being answered
	req, err := http.NewRequest(http.MethodPost, f.url+sessionsPath+"7/probe", bytes.NewReader(body))
	require.NoError(t, err)
	require.NoError(t, f.monitor.SignSessionProbe(req, 7, body, time.Now()))
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	took := time.Since(start)
	require.NoError(t, <-done)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Less(t, took, service*3/2,
		"the probe took %s where a request takes %s: it waited for the buyer's request to release the session", took, service)
}

// A session's buyer may probe its own session (probe.go: "buyer or
// registered monitor"), with any input of the model's size, answered with
// the model's output, no receipt, unpaid — one at a time, but back to back
// without limit, for as long as the session is open. StopIdle counts only
// requests, so one paid request every 9 minutes keeps a 30-day session
// open: the buyer gets the provider's inference for free. (With several
// sessions open at the provider, it runs as many free inferences at once
// — a load that makes the provider's real requests and the monitors'
// probes of its other sessions slow: penalties the buyer of a monitored
// session is paid.)
// FIXED: a session is probed by registered monitors only.
func TestReview22SessionBuyerProbesAreFreeInference(t *testing.T) {
	f := newSLASessionFixture(t, 0)
	answered := 0
	for i := range 50 {
		in := zkml.ExampleInput(16, fmt.Sprintf("free-%d", i))
		body, err := zkml.MarshalTensor(in)
		require.NoError(t, err)
		req, err := http.NewRequest(http.MethodPost, f.url+sessionsPath+"7/probe", bytes.NewReader(body))
		require.NoError(t, err)
		require.NoError(t, f.buyer.SignSessionProbe(req, 7, body, time.Now()))
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(res.Body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK {
			continue
		}
		out, err := zkml.UnmarshalTensor(buf.Bytes())
		require.NoError(t, err)
		want, err := zkml.Infer(f.model, in)
		require.NoError(t, err)
		if bytes.Equal(zkml.Raw(out), zkml.Raw(want)) {
			answered++
		}
	}
	served, err := f.srv.lastServed(7)
	require.NoError(t, err)
	require.Zero(t, served, "nothing was requested, nothing will be paid")
	require.LessOrEqual(t, answered, 5, "the buyer had %d inferences of its choice answered for free in a moment", answered)
}

// The monitor probes a session with SLA terms every ProbeInterval (4 a
// second by default) for as long as it is open, requests or none: unlike a
// job's probing (MaxProbes), never bounded. Each probe is an inference the
// provider runs unpaid; a sybil buyer's session (1 request of escrow,
// refunded) keeps every registered monitor probing the provider ~2,400
// times per idle period (10 min), and as many sessions as the provider's
// capacity holds multiply it — load that slows the provider's paying
// sessions, which the same monitors grade.
// FIXED: the interval doubles after every MaxProbes/2 probes of a period
// (up to 10 minutes), back to ProbeInterval at each checkpoint: an unused
// session's probes grow with the logarithm of its idle time.
func TestReview22MonitorProbesAnUnusedSessionWithoutBound(t *testing.T) {
	signer, _ := review22Signer(t, false)
	m := review22Monitor(t, signer, nil, nil, MonitorConfig{ProbeInterval: 2 * time.Millisecond, ProbeTimeout: time.Second, MaxProbes: 5})
	url, hits := review22Endpoint(t, nil, nil)
	ps := probedWith(m, 7, time.Now())
	startProbing(m, ps, url, 4, nil)
	time.Sleep(400 * time.Millisecond)
	endSession := hits.Load()
	m.endSession(7)
	require.LessOrEqual(t, endSession, int64(3*m.cfg.MaxProbes),
		"%d probes of a session nobody sent a request to (MaxProbes %d): the monitor makes the provider run inferences without end", endSession, m.cfg.MaxProbes)
}

// A period's reservoir keeps every sample with the same chance: of 1,000
// samples, 900 slow then 100 fast, a reservoir of 50 holds about 45 slow.
func TestReview22ReservoirIsUniform(t *testing.T) {
	ps := &probedSession{rng: rand.New(rand.NewPCG(1, 2))}
	for i := range 1000 {
		lat := 800 * time.Millisecond
		if i >= 900 {
			lat = time.Millisecond
		}
		ps.keep(sample{latency: lat, ok: true}, 50)
	}
	require.Len(t, ps.sample, 50)
	slow := 0
	for _, s := range ps.sample {
		if s.latency > time.Millisecond {
			slow++
		}
	}
	require.GreaterOrEqual(t, slow, 35, "the early slow spell is kept in proportion")
	require.Equal(t, uint32(800), Summarize(ps.sample, time.Minute).LatencyP99Ms)
}
