package agent

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// slaSessionFixture: a provider answering session 7 (SLA terms, bought by
// buyer) and session 8 (no terms), with delay added to every answer, and
// its probe endpoint.
type slaSessionFixture struct {
	*servingFixture
	p                        *Provider
	url                      string
	buyer, monitor, stranger *Signer
}

func newSLASessionFixture(t *testing.T, delay time.Duration) *slaSessionFixture {
	f := newServingFixture(t, t.TempDir(), 100)
	buyer, monitor, stranger := testSigner(t, "buyer"), testSigner(t, "monitor"), testSigner(t, "stranger")
	s := f.session
	s.Buyer, s.Sla = buyer.Address.String(), &jobstypes.SLATerms{MaxP99LatencyMs: 200, MaxSlashBps: 10_000}
	_, err := f.srv.Add(&ServedSession{Session: s, Model: f.model, Until: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	plain := f.session
	plain.Id, plain.Buyer = 8, buyer.Address.String()
	_, err = f.srv.Add(&ServedSession{Session: plain, Model: f.model, Until: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	f.session = s
	p := &Provider{
		Base:  &Base{Metrics: NewMetrics("test"), Chain: &Chain{SLA: fakeSLA{monitors: []string{monitor.Address.String()}}}},
		serve: f.srv, cfg: ProviderConfig{Delay: delay},
	}
	p.auth = newProbeAuth(p.Chain)
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+sessionsPath+"{id}/probe", p.serveSessionProbe)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return &slaSessionFixture{servingFixture: f, p: p, url: hs.URL, buyer: buyer, monitor: monitor, stranger: stranger}
}

// A session's probe endpoint answers registered monitors only,
// for a session with SLA terms this provider answers now, signed for that
// session and that body, with the model's output and no receipt; nobody
// else, nothing else.
func TestSessionProbeIsNotAnOpenOracle(t *testing.T) {
	f := newSLASessionFixture(t, 0)
	in := input(1)
	body, err := zkml.MarshalTensor(in)
	require.NoError(t, err)
	want, err := zkml.Infer(f.model, in)
	require.NoError(t, err)
	probe := func(sign func(*http.Request) error, id uint64, sent []byte) *http.Response {
		req, err := http.NewRequest(http.MethodPost, f.url+sessionsPath+strconv.FormatUint(id, 10)+"/probe", bytes.NewReader(sent))
		require.NoError(t, err)
		if sign != nil {
			require.NoError(t, sign(req))
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { _ = res.Body.Close() })
		return res
	}
	as := func(s *Signer, id uint64, signed []byte) func(*http.Request) error {
		return func(req *http.Request) error { return s.SignSessionProbe(req, id, signed, time.Now()) }
	}
	require.Equal(t, http.StatusForbidden, probe(as(f.buyer, 7, body), 7, body).StatusCode,
		"the session's buyer has its paid requests: a probe of its own would be free inference")
	for _, s := range []*Signer{f.monitor} {
		res := probe(as(s, 7, body), 7, body)
		require.Equal(t, http.StatusOK, res.StatusCode)
		var buf bytes.Buffer
		_, err := buf.ReadFrom(res.Body)
		require.NoError(t, err)
		out, err := zkml.UnmarshalTensor(buf.Bytes())
		require.NoError(t, err)
		require.Equal(t, want, out)
		require.Empty(t, res.Header.Get(hdrReceipt), "a probe is not a request of the session: no receipt")
	}
	served, err := f.srv.lastServed(7)
	require.NoError(t, err)
	require.Zero(t, served, "probes are not counted as the session's requests")

	require.Equal(t, http.StatusForbidden, probe(nil, 7, body).StatusCode, "unsigned")
	require.Equal(t, http.StatusForbidden, probe(as(f.stranger, 7, body), 7, body).StatusCode, "neither buyer nor monitor")
	require.Equal(t, http.StatusForbidden, probe(as(f.monitor, 6, body), 7, body).StatusCode, "signed for another session")
	require.Equal(t, http.StatusForbidden, probe(func(req *http.Request) error { return f.monitor.SignProbe(req, 7, body, time.Now()) }, 7, body).StatusCode,
		"a job's probe signature is not a session's")
	require.Equal(t, http.StatusForbidden, probe(as(f.monitor, 7, body), 7, body[:len(body)-1]).StatusCode, "body not the signed one")
	short, err := zkml.MarshalTensor(in[:3])
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, probe(as(f.monitor, 7, short), 7, short).StatusCode, "not the model's input size")
	require.Equal(t, http.StatusNotFound, probe(as(f.monitor, 8, body), 8, body).StatusCode, "no SLA terms: nothing to probe")
	require.Equal(t, http.StatusNotFound, probe(as(f.monitor, 9, body), 9, body).StatusCode, "not a session of this provider")
	require.True(t, f.srv.StopIdle(7, time.Now().Add(time.Hour), time.Minute))
	require.Equal(t, http.StatusGone, probe(as(f.monitor, 7, body), 7, body).StatusCode, "a session being closed")
}

// sessionModelFiles writes the fixture's model where a Fetcher finds it and
// returns the fetcher and the session's model URI and commitment.
func sessionModelFiles(t *testing.T, f *slaSessionFixture) (*Fetcher, string, []byte) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, zkml.WriteModel(filepath.Join(dir, "m.vmdl"), f.model))
	mc, err := SchemeOf(jobstypes.Job{CircuitId: f.session.CircuitId}).ModelCommitment(f.model)
	require.NoError(t, err)
	fetch, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: 5 * time.Second, FileRoot: dir})
	require.NoError(t, err)
	return fetch, "file://" + filepath.Join(dir, "m.vmdl"), mc[:]
}

// startProbing runs m's probe loop of ps in the background, until the
// monitor's context ends or the session is ended.
func startProbing(m *Monitor, ps *probedSession, url string, inLen int, model *zkml.Model) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.probeSession(m.ctx, ps, url, inLen, model)
	}()
}

type sessionJobs struct {
	jobstypes.QueryClient
	session  jobstypes.Session
	endpoint string
}

func (f sessionJobs) Session(context.Context, *jobstypes.QuerySessionRequest, ...grpc.CallOption) (*jobstypes.QuerySessionResponse, error) {
	return &jobstypes.QuerySessionResponse{Session: f.session}, nil
}

func (f sessionJobs) Provider(_ context.Context, in *jobstypes.QueryProviderRequest, _ ...grpc.CallOption) (*jobstypes.QueryProviderResponse, error) {
	return &jobstypes.QueryProviderResponse{Provider: jobstypes.Provider{Operator: in.Operator, Endpoint: f.endpoint}}, nil
}

// The monitor probes a session with SLA terms from its opening, and at each
// checkpoint the samples since the previous one become that checkpoint's
// period: a provider that answers 60 ms late is measured at 60 ms or more,
// and each period holds only its own samples.
func TestMonitorMeasuresSessionCheckpoints(t *testing.T) {
	f := newSLASessionFixture(t, 60*time.Millisecond)
	fetch, uri, mc := sessionModelFiles(t, f)
	se := f.session
	se.ModelUri, se.ModelCommitment, se.Provider = uri, mc, "p"
	store, err := OpenStore(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	m := NewMonitor(&Base{
		Log: slog.New(slog.DiscardHandler), Metrics: NewMetrics("monitor"), Store: store, Fetch: fetch,
		Chain: &Chain{Jobs: sessionJobs{session: se, endpoint: f.url}}, Signer: f.monitor,
	}, MonitorConfig{ProbeInterval: 10 * time.Millisecond, ProbeTimeout: time.Second, MaxProbes: 50})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	m.ctx, m.wg = ctx, &wg // no report worker: nothing is sent without a chain
	defer func() {
		cancel()
		wg.Wait()
	}()

	m.beginSession(se.Id, jobstypes.EventSessionOpened{SessionId: se.Id, Buyer: se.Buyer, Provider: se.Provider, Sla: se.Sla}, nil)
	samples := func() int {
		m.mu.Lock()
		ps := m.probed[se.Id]
		m.mu.Unlock()
		if ps == nil {
			return 0
		}
		ps.mu.Lock()
		defer ps.mu.Unlock()
		return len(ps.sample)
	}
	deadline := time.Now().Add(10 * time.Second)
	for samples() < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	require.GreaterOrEqual(t, samples(), 3, "the session is probed")
	m.checkpointed(se.Id, 42, 10)
	first := m.periods[42]
	require.GreaterOrEqual(t, len(first.samples), 3)
	for _, s := range first.samples {
		require.True(t, s.ok)
		require.GreaterOrEqual(t, s.latency, 60*time.Millisecond, "the provider's delay is measured")
	}
	metrics := Summarize(first.samples, first.window)
	require.GreaterOrEqual(t, metrics.LatencyP99Ms, uint32(60))
	require.LessOrEqual(t, samples(), 1, "the next period starts empty")

	m.checkpointed(99, 43, 10) // a session not probed: no period, nothing to report
	_, ok := m.periods[43]
	require.False(t, ok)

	m.endSession(se.Id)
	require.Nil(t, m.probed[se.Id], "a closed session is probed no more")
}

// A job's probe answered with another output than the model's on the job's
// input counts as a failed probe (at the probe timeout), however fast it
// came; the model's own output counts at its latency.
func TestMonitorChecksJobProbeAnswers(t *testing.T) {
	dir, model, mc, in, ic := writeFiles(t)
	right, err := zkml.Infer(model, in)
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		answer []int8
		ok     bool
	}{{"the model's output", right, true}, {"any tensor", []int8{1, 2, 3, 4}, false}} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := zkml.MarshalTensor(tc.answer)
			require.NoError(t, err)
			endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(out) }))
			defer endpoint.Close()
			jobs := fakeJobs{job: func(id uint64) (*jobstypes.QueryJobResponse, error) {
				return &jobstypes.QueryJobResponse{Job: jobstypes.Job{
					Id: id, Status: jobstypes.JobStatus_JOB_STATUS_ASSIGNED, Provider: "p", Buyer: "b", Sla: &jobstypes.SLATerms{},
					InputUri: "file://" + filepath.Join(dir, "in.vten"), InputCommitment: ic[:], CircuitId: "mlp-16-16-4",
					ModelUri: "file://" + filepath.Join(dir, "m.vmdl"), ModelCommitment: mc[:],
				}}, nil
			}}
			store, err := OpenStore(t.TempDir())
			require.NoError(t, err)
			defer func() { _ = store.Close() }()
			fetch, err := NewFetcher(FetchConfig{MaxBytes: 1 << 20, Timeout: 5 * time.Second, FileRoot: dir})
			require.NoError(t, err)
			m := NewMonitor(&Base{
				Log: slog.New(slog.DiscardHandler), Metrics: NewMetrics("monitor"), Store: store, Fetch: fetch,
				Chain: &Chain{Jobs: jobsWithEndpoint{fakeJobs: jobs, endpoint: endpoint.URL}}, Signer: testSigner(t, "monitor"),
			}, MonitorConfig{ProbeInterval: 5 * time.Millisecond, ProbeTimeout: 900 * time.Millisecond, MaxProbes: 5})
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			m.ctx, m.wg = ctx, &wg
			m.begin(1, nil)
			var samples []sample
			for deadline := time.Now().Add(5 * time.Second); len(samples) < 3 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				m.mu.Lock()
				if s := m.sessions[1]; s != nil {
					s.mu.Lock()
					samples = append([]sample(nil), s.samples...)
					s.mu.Unlock()
				}
				m.mu.Unlock()
			}
			cancel()
			wg.Wait()
			require.GreaterOrEqual(t, len(samples), 3)
			for _, s := range samples {
				require.Equal(t, tc.ok, s.ok)
				if !tc.ok {
					require.Equal(t, 900*time.Millisecond, s.latency)
				}
			}
		})
	}
}

// Past the end it last read, the monitor asks the chain: a session whose
// end a halt moved later is probed on to its new end; a closed one is not.
func TestMonitorSessionEndMovesWithHalts(t *testing.T) {
	f := newSLASessionFixture(t, 0)
	se := f.session
	se.Status = jobstypes.SessionStatus_SESSION_STATUS_OPEN
	se.ExpiresAt = time.Now().Add(time.Hour) // moved by a halt
	m := &Monitor{Base: &Base{Chain: &Chain{Jobs: sessionJobs{session: se}}}}
	ps := &probedSession{id: se.Id, end: time.Now().Add(-time.Second)}
	require.True(t, m.sessionGoesOn(context.Background(), ps))
	require.True(t, ps.end.After(time.Now().Add(59*time.Minute)), "its new end is read")
	require.True(t, m.sessionGoesOn(context.Background(), ps), "before its end: no question asked")

	se.Status = jobstypes.SessionStatus_SESSION_STATUS_CLOSED
	m.Chain.Jobs = sessionJobs{session: se}
	ps.end = time.Now().Add(-time.Second)
	require.False(t, m.sessionGoesOn(context.Background(), ps), "closed: probing ends")
	se.Status = jobstypes.SessionStatus_SESSION_STATUS_OPEN
	se.ExpiresAt = time.Now().Add(-time.Hour)
	m.Chain.Jobs = sessionJobs{session: se}
	require.False(t, m.sessionGoesOn(context.Background(), ps), "open on chain but its end is not later: ends")
}
