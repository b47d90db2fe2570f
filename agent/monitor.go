package agent

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
	"github.com/verdict-chain/verdict/zkml"
)

// MonitorConfig are the SLA monitor's own settings.
type MonitorConfig struct {
	// ProbeInterval between two probes of a provider's endpoint.
	ProbeInterval time.Duration
	// ProbeTimeout: a probe not answered in time counts at this latency.
	ProbeTimeout time.Duration
	// MaxProbes per job.
	MaxProbes int
}

// Monitor probes the endpoint of every provider running a job with SLA
// terms while the job runs, and reports what it measured once the result
// is posted, within the report window; and the endpoint of every serving
// session with SLA terms while it is open, reporting on each checkpoint
// (monitor_sessions.go).
type Monitor struct {
	*Base
	cfg      MonitorConfig
	http     *http.Client
	mu       sync.Mutex
	sessions map[uint64]*session
	reportQ  *queue
	ctx      context.Context
	wg       *sync.WaitGroup
	// serving sessions with SLA terms (monitor_sessions.go)
	probed  map[uint64]*probedSession
	periods map[uint64]period // checkpoint job -> its measurements
	cpQ     *queue
}

type sample struct {
	latency time.Duration
	ok      bool
}

type session struct {
	jobID   uint64
	buyer   string // set once the job is read
	started time.Time
	stop    chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	samples []sample
}

// NewMonitor builds the monitor.
func NewMonitor(b *Base, cfg MonitorConfig) *Monitor {
	return &Monitor{
		Base: b, cfg: cfg, http: &http.Client{Timeout: cfg.ProbeTimeout}, sessions: map[uint64]*session{}, reportQ: newQueue(),
		probed: map[uint64]*probedSession{}, periods: map[uint64]period{}, cpQ: newQueue(),
	}
}

// Start launches the reporting worker; probe sessions start per job.
func (m *Monitor) Start(ctx context.Context, wg *sync.WaitGroup) {
	m.ctx, m.wg = ctx, wg
	work(ctx, wg, m.reportQ, m.Log, m.Metrics, "report", m.report)
	work(ctx, wg, m.cpQ, m.Log, m.Metrics, "report_checkpoint", m.reportCheckpoint)
}

// CatchUp starts sessions for running SLA jobs and queues reports for
// posted ones.
func (m *Monitor) CatchUp(ctx context.Context) error {
	running, err := listJobs(ctx, m.Chain, "", jobstypes.JobStatus_JOB_STATUS_ASSIGNED)
	if err != nil {
		return err
	}
	for _, j := range running {
		if j.Sla != nil {
			m.begin(j.Id, &j)
		}
	}
	posted, err := listJobs(ctx, m.Chain, "", jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED)
	if err != nil {
		return err
	}
	for _, j := range posted {
		if j.Sla != nil && j.Checkpoint == nil {
			m.reportQ.push(j.Id)
		}
	}
	return m.catchUpSessions(ctx)
}

// OnBlock starts a session at each assignment and reports at each result.
func (m *Monitor) OnBlock(ctx context.Context, b Block) error {
	for _, ev := range typedEvents(b) {
		switch e := ev.(type) {
		case *jobstypes.EventJobAssigned:
			m.begin(e.JobId, nil) // the session reads the job: nothing waits here
		case *jobstypes.EventResultPosted:
			m.reportQ.push(e.JobId)
		case *jobstypes.EventJobExpired:
			m.end(e.JobId) // graded by the chain as nothing delivered
		case *jobstypes.EventJobCancelled:
			m.end(e.JobId)
		case *jobstypes.EventJobDeclined:
			m.end(e.JobId) // probed again if it is assigned anew
		case *jobstypes.EventSessionOpened:
			m.beginSession(e.SessionId, *e, nil) // probed if it has SLA terms
		case *jobstypes.EventCheckpointPosted:
			m.checkpointed(e.SessionId, e.JobId, b.Height)
		case *jobstypes.EventSessionClosed:
			m.endSession(e.SessionId)
		}
	}
	return nil
}

// end stops and forgets a job's session without a report.
func (m *Monitor) end(id uint64) {
	m.mu.Lock()
	s := m.sessions[id]
	delete(m.sessions, id)
	m.mu.Unlock()
	if s != nil {
		close(s.stop)
	}
}

// maxSessions bounds the jobs probed at once (a goroutine each), and
// maxSessionsPerBuyer one buyer's share of them: a buyer whose jobs cannot
// be probed (inputs that stall) never switches monitoring off for others.
const (
	maxSessions         = 512
	maxSessionsPerBuyer = 32
)

// begin starts probing a job's provider, once per job. It returns at once:
// reading the job, fetching its input (bounded by the fetch timeout) and
// finding the provider's endpoint happen in the session's own goroutine,
// so the block loop never waits on the network, whatever a buyer's URI
// does. j is the job when the caller has it (catch-up), else nil.
func (m *Monitor) begin(id uint64, j *jobstypes.Job) {
	if m.Store.Has(jobKey("report", id)) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sessions[id] != nil || m.ctx == nil {
		return
	}
	if len(m.sessions) >= maxSessions {
		m.Metrics.Errors.WithLabelValues("sessions_full").Inc()
		m.Log.Warn("too many jobs probed at once; not probing this one", "job", id, "max", maxSessions)
		return
	}
	s := &session{jobID: id, started: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	m.sessions[id] = s
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer close(s.done)
		job, body, url, check, ok := m.prepare(m.ctx, s, id, j)
		if !ok {
			return
		}
		m.Metrics.JobsSeen.Inc()
		m.Log.Info("probing the provider while the job runs", "job", id, "endpoint", url)
		m.probeLoop(m.ctx, s, job, url, body, check)
	}()
}

// prepare reads what a session needs; false (and the session forgotten)
// when the job has no SLA terms or cannot be probed.
// The check it returns (nil when the job's model cannot be fetched: the
// probes are then timed only) says whether an answer is the model's
// output on the job's input: a provider answering probes at once with
// anything is not fast.
func (m *Monitor) prepare(ctx context.Context, s *session, id uint64, j *jobstypes.Job) (jobstypes.Job, []byte, string, func([]int8) bool, bool) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // the session's stop ends the preparation too
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	forget := func() {
		m.mu.Lock()
		if m.sessions[id] == s {
			delete(m.sessions, id)
		}
		m.mu.Unlock()
	}
	if j == nil {
		res, err := m.Chain.Jobs.Job(ctx, &jobstypes.QueryJobRequest{Id: id})
		if err != nil {
			forget()
			return jobstypes.Job{}, nil, "", nil, false
		}
		j = &res.Job
	}
	if j.Sla == nil || j.Status != jobstypes.JobStatus_JOB_STATUS_ASSIGNED {
		forget()
		return jobstypes.Job{}, nil, "", nil, false
	}
	m.mu.Lock()
	s.buyer = j.Buyer
	n := 0
	for _, o := range m.sessions {
		if o.buyer == j.Buyer {
			n++
		}
	}
	m.mu.Unlock()
	if n > maxSessionsPerBuyer {
		forget()
		m.Metrics.Errors.WithLabelValues("sessions_full").Inc()
		m.Log.Warn("this buyer has too many jobs probed at once; not probing this one", "job", id, "buyer", j.Buyer, "max", maxSessionsPerBuyer)
		return jobstypes.Job{}, nil, "", nil, false
	}
	in, err := m.Fetch.Tensor(ctx, SchemeOf(*j), j.InputUri, j.InputCommitment)
	if err != nil {
		forget() // nothing measured: no report, and the slot is free for others
		m.Metrics.Refused.WithLabelValues("input").Inc()
		m.Log.Warn("cannot probe: the job's input is unavailable", "job", id, "err", err)
		return jobstypes.Job{}, nil, "", nil, false
	}
	pres, err := m.Chain.Jobs.Provider(ctx, &jobstypes.QueryProviderRequest{Operator: j.Provider})
	if err != nil {
		forget()
		m.Log.Warn("cannot probe: provider unknown", "job", id, "err", err)
		return jobstypes.Job{}, nil, "", nil, false
	}
	body, err := zkml.MarshalTensor(in)
	if err != nil {
		return jobstypes.Job{}, nil, "", nil, false
	}
	var check func([]int8) bool
	if model, err := m.Fetch.Model(ctx, SchemeOf(*j), j.ModelUri, j.ModelCommitment); err != nil {
		m.Log.Info("probing without checking answers: the job's model is unavailable to the monitor", "job", id, "err", err)
	} else if want, err := zkml.Infer(model, in); err == nil {
		check = func(out []int8) bool { return slices.Equal(out, want) }
	}
	return *j, body, strings.TrimRight(pres.Provider.Endpoint, "/") + "/infer?job=" + strconv.FormatUint(id, 10), check, true
}

func (m *Monitor) probeLoop(ctx context.Context, s *session, j jobstypes.Job, url string, body []byte, check func([]int8) bool) {
	t := time.NewTicker(m.cfg.ProbeInterval)
	defer t.Stop()
	for n := 0; n < m.cfg.MaxProbes; n++ {
		sign := func(req *http.Request) error { return m.Signer.SignProbe(req, j.Id, body, time.Now()) }
		if smp, counted, _ := m.probe(ctx, url, body, sign, check); counted {
			s.mu.Lock()
			s.samples = append(s.samples, smp)
			s.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

// probe sends one inference request, signed by sign, and says whether it
// counts and the answer's HTTP status (0: none). A model the provider does
// not hold yet (404) and a probe of something that ended (410) are not
// counted; an error, a timeout, or (with check) an answer check refuses
// counts at the timeout.
func (m *Monitor) probe(ctx context.Context, url string, body []byte, sign func(*http.Request) error, check func([]int8) bool) (sample, bool, int) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return sample{}, false, 0
	}
	if err := sign(req); err != nil {
		m.Log.Error("sign probe", "url", url, "err", err)
		return sample{}, false, 0
	}
	start := time.Now()
	res, err := m.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return sample{}, false, 0
		}
		m.Metrics.Probes.WithLabelValues("failed").Inc()
		return sample{latency: m.cfg.ProbeTimeout}, true, 0
	}
	defer func() { _ = res.Body.Close() }()
	out, _ := io.ReadAll(io.LimitReader(res.Body, maxInferBody))
	lat := time.Since(start)
	if res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusGone {
		return sample{}, false, res.StatusCode
	}
	if got, terr := zkml.UnmarshalTensor(out); res.StatusCode != http.StatusOK || terr != nil || (check != nil && !check(got)) {
		m.Metrics.Probes.WithLabelValues("failed").Inc()
		return sample{latency: m.cfg.ProbeTimeout}, true, res.StatusCode
	}
	m.Metrics.Probes.WithLabelValues("ok").Inc()
	return sample{latency: lat, ok: true}, true, res.StatusCode
}

// report ends the job's session and submits what it measured.
func (m *Monitor) report(ctx context.Context, id uint64) error {
	key := jobKey("report", id)
	if m.Store.Has(key) {
		return nil
	}
	m.mu.Lock()
	s := m.sessions[id]
	delete(m.sessions, id)
	m.mu.Unlock()
	if s == nil {
		return nil // not probed while it ran (the monitor started later): nothing honest to report
	}
	close(s.stop)
	<-s.done
	res, err := m.Chain.Jobs.Job(ctx, &jobstypes.QueryJobRequest{Id: id})
	if err != nil {
		return err
	}
	j := res.Job
	s.mu.Lock()
	samples := append([]sample(nil), s.samples...)
	s.mu.Unlock()
	if len(samples) == 0 {
		m.Log.Warn("no probe answered while the job ran; no report", "job", id)
		return m.Store.Put(key, "no samples")
	}
	metrics := Summarize(samples, time.Since(s.started))
	if j.Result != nil && j.Units > 0 {
		metrics.CompletedPpm = uint32(min(j.Result.UnitsUsed, j.Units) * 1_000_000 / j.Units)
	}
	tx, err := m.Signer.Send(ctx, "sla_report", &slatypes.MsgSubmitReport{Reporter: m.Me, JobId: id, Metrics: metrics})
	if err != nil {
		return fmt.Errorf("report on job %d: %w", id, err)
	}
	m.Metrics.Reports.Inc()
	m.Log.Info("SLA report submitted", "job", id, "probes", len(samples), "p50_ms", metrics.LatencyP50Ms, "p99_ms", metrics.LatencyP99Ms,
		"jitter_ms", metrics.JitterMs, "tx", tx.TxHash)
	return m.Store.Put(key, tx.TxHash)
}

// Summarize turns probe samples into the SLA metrics x/slashingsla grades:
// latency percentiles (nearest rank), jitter (mean absolute difference of
// consecutive latencies, as RFC 3550 measures it), throughput per probe
// (one unit per answer) with its mean and coefficient of variation.
func Summarize(samples []sample, window time.Duration) slatypes.SLAMetrics {
	n := len(samples)
	lat := make([]int64, n)
	for i, s := range samples {
		lat[i] = max(s.latency.Milliseconds(), 1)
	}
	var jitter int64
	for i := 1; i < n; i++ {
		d := lat[i] - lat[i-1]
		if d < 0 {
			d = -d
		}
		jitter += d
	}
	if n > 1 {
		jitter /= int64(n - 1)
	}
	// throughput of each probe in thousandths of a unit per second
	thr := make([]float64, n)
	var mean float64
	for i, l := range lat {
		thr[i] = 1_000_000 / float64(l)
		mean += thr[i]
	}
	mean /= float64(n)
	var variance float64
	for _, t := range thr {
		variance += (t - mean) * (t - mean)
	}
	variance /= float64(n)
	cv := 0.0
	if mean > 0 {
		cv = math.Sqrt(variance) / mean
	}
	sorted := append([]int64(nil), lat...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a] < sorted[b] })
	rank := func(p int) uint32 { return uint32(sorted[max((p*n+99)/100-1, 0)]) }
	return slatypes.SLAMetrics{
		LatencyP50Ms: rank(50), LatencyP99Ms: rank(99), JitterMs: uint32(jitter),
		ThroughputMeanMilli: uint64(mean), ThroughputCvPpm: uint32(min(cv*1e6, 1e9)),
		Window: window.Round(time.Millisecond),
	}
}
