package agent

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"cosmossdk.io/math"
	"github.com/cosmos/cosmos-sdk/types/query"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
	"github.com/verdict-chain/verdict/zkml"
)

// Serving sessions with SLA terms: the monitor probes the session's
// endpoint (POST /v1/sessions/<id>/probe, see probe.go) while the session
// is open, each probe a fresh input of the model's size (nothing to answer
// from a cache). Each checkpoint is a job carrying the session's terms: at
// its EventCheckpointPosted the samples since the previous checkpoint
// become that period's report, submitted on the checkpoint's job — so
// every checkpoint is graded on what the endpoint did while its requests
// were served. The checkpoints of one session posted in one block share
// their period (a provider cannot leave its bulk unmeasured by posting a
// one-request checkpoint first in the same block).
//
// Bounds. A period keeps a uniform sample (reservoir) of at most
// MaxProbes of its probes, so a slow spell early in a long period weighs
// as much as a fast one at its end. Probes go every ProbeInterval, the
// interval doubling after every MaxProbes/2 probes of one period (up to
// maxSessionProbeInterval) and back to ProbeInterval at each checkpoint:
// a session in use is measured at full rate, an unused one costs its
// provider a number of unpaid inferences that grows with the logarithm of
// its idle time; a checkpoint brings the next probe at once. Probing ends
// with the session (closed, or its expiry).
//
// A probe answered with another output than the model's counts as failed
// (at --probe-timeout): answering probes at once with anything is not
// being fast. A probe refused (410, 404) is not counted, unless refusals
// are most of a period's probes: a provider answering its buyer while
// refusing every probe is graded as failing them, while an honest one's
// few 410s (an idle close in flight, then retried) weigh nothing.
//
// Only sessions with SLA terms take a slot (EventSessionOpened says so), at
// most maxProbedSessions at once and maxSessionsPerBuyer of one buyer; when
// full, a session of more escrow evicts the one of least: taking a
// provider's sessions out of monitoring takes more locked escrow than the
// buyers it would hide, not a handful of sybil sessions.

const (
	maxSessionProbeInterval = 10 * time.Minute
	maxProbedSessions       = 2048
	maxReportAttempts       = 5
)

// reportRetry: the wait before a report that failed to send is tried again.
var reportRetry = 5 * time.Second

// probedSession is one session being probed.
type probedSession struct {
	id       uint64
	buyer    string
	provider string
	value    math.Int      // its escrow when it opened: what eviction weighs
	end      time.Time     // probing stops then at the latest (set once the session is read)
	kick     chan struct{} // a checkpoint: probe now
	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	since    time.Time // the current period's start
	sample   []sample  // the current period's reservoir
	seen     int       // samples the current period offered the reservoir
	probes   int       // probes sent in the current period
	refused  int       // probes refused (410, 404) in the current period
	rng      *rand.Rand
	// the period closed at height (shared by its checkpoints of that block)
	height int64
	last   period
}

// period is a checkpoint's measurements, waiting for its report.
type period struct {
	samples  []sample
	window   time.Duration
	attempts int
}

// keep offers smp to the period's reservoir of at most n samples: every
// sample of the period ends up kept with the same chance.
func (ps *probedSession) keep(smp sample, n int) {
	ps.seen++
	if len(ps.sample) < n {
		ps.sample = append(ps.sample, smp)
		return
	}
	if ps.rng == nil {
		ps.rng = rand.New(rand.NewPCG(ps.id, uint64(time.Now().UnixNano()))) //nolint:gosec // sampling, not secrets
	}
	if j := ps.rng.IntN(ps.seen); j < n {
		ps.sample[j] = smp
	}
}

// interval is the wait before the next probe: base, doubled after every
// half of maxProbes probes of the period, at most maxSessionProbeInterval.
func (ps *probedSession) interval(base time.Duration, maxProbes int) time.Duration {
	ps.mu.Lock()
	n := ps.probes / max(maxProbes/2, 1)
	ps.mu.Unlock()
	d := base
	for range n {
		if d >= maxSessionProbeInterval/2 {
			return maxSessionProbeInterval
		}
		d *= 2
	}
	return min(d, maxSessionProbeInterval)
}

// beginSession starts probing session id once; like begin, reading the
// session, its provider and its model happen in the probe's goroutine.
// opened is what its EventSessionOpened says (or se, at catch-up): a
// session without SLA terms takes no slot, and the caps are checked at
// once.
func (m *Monitor) beginSession(id uint64, opened jobstypes.EventSessionOpened, se *jobstypes.Session) {
	if se != nil {
		opened = jobstypes.EventSessionOpened{SessionId: se.Id, Buyer: se.Buyer, Provider: se.Provider, Escrow: se.Escrow, Sla: se.Sla}
	}
	if opened.Sla == nil {
		return // nothing to grade
	}
	value := opened.Escrow.Amount
	if value.IsNil() {
		value = math.ZeroInt()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.probed[id] != nil || m.ctx == nil {
		return
	}
	byBuyer := 0
	for _, o := range m.sessions {
		if o.buyer == opened.Buyer {
			byBuyer++
		}
	}
	var least *probedSession
	for _, o := range m.probed {
		if o.buyer == opened.Buyer {
			byBuyer++
		}
		if least == nil || o.value.LT(least.value) || (o.value.Equal(least.value) && o.id > least.id) {
			least = o
		}
	}
	if byBuyer >= maxSessionsPerBuyer {
		m.Metrics.Errors.WithLabelValues("sessions_full").Inc()
		m.Log.Warn("this buyer has too many jobs and sessions probed at once; not probing this session", "session", id, "buyer", opened.Buyer)
		return
	}
	if len(m.probed) >= maxProbedSessions {
		if least == nil || !least.value.LT(value) {
			m.Metrics.Errors.WithLabelValues("sessions_full").Inc()
			m.Log.Warn("too many sessions probed at once, none of less escrow; not probing this session", "session", id, "max", maxProbedSessions)
			return
		}
		m.Log.Warn("too many sessions probed at once: the one of least escrow gives way", "session", id, "evicted", least.id)
		delete(m.probed, least.id)
		close(least.stop)
	}
	ps := &probedSession{buyer: opened.Buyer, provider: opened.Provider, value: value, kick: make(chan struct{}, 1), id: id, since: time.Now(), stop: make(chan struct{}), done: make(chan struct{}), rng: rand.New(rand.NewPCG(id, uint64(time.Now().UnixNano())))} //nolint:gosec // sampling, not secrets
	m.probed[id] = ps
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer close(ps.done)
		url, model, ok := m.prepareSession(m.ctx, ps, se)
		if !ok {
			m.forgetSession(ps)
			return
		}
		m.Log.Info("probing a serving session's endpoint", "session", id, "endpoint", url)
		m.probeSession(m.ctx, ps, url, inputLen(model), model)
	}()
}

func (m *Monitor) forgetSession(ps *probedSession) {
	m.mu.Lock()
	if m.probed[ps.id] == ps {
		delete(m.probed, ps.id)
	}
	m.mu.Unlock()
}

// endSession stops probing a closed session.
func (m *Monitor) endSession(id uint64) {
	m.mu.Lock()
	ps := m.probed[id]
	delete(m.probed, id)
	m.mu.Unlock()
	if ps != nil {
		close(ps.stop)
	}
}

// prepareSession reads what probing a session needs: its probe URL and its
// model. False when it has no SLA terms, is over, or its model cannot be
// fetched.
func (m *Monitor) prepareSession(ctx context.Context, ps *probedSession, se *jobstypes.Session) (string, *zkml.Model, bool) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-ps.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	if se == nil {
		res, err := m.Chain.Jobs.Session(ctx, &jobstypes.QuerySessionRequest{Id: ps.id})
		if err != nil {
			return "", nil, false
		}
		se = &res.Session
	}
	if se.Sla == nil || !jobstypes.SessionIsOpen(se.Status) {
		return "", nil, false
	}
	ps.mu.Lock()
	if end := jobstypes.SessionEnd(*se); !end.IsZero() {
		ps.end = end.Add(time.Minute)
	}
	ps.mu.Unlock()
	model, err := m.Fetch.Model(ctx, SchemeOf(jobstypes.Job{CircuitId: se.CircuitId}), se.ModelUri, se.ModelCommitment)
	if err != nil {
		m.Metrics.Refused.WithLabelValues("model").Inc()
		m.Log.Warn("cannot probe the session: its model is unavailable", "session", ps.id, "err", err)
		return "", nil, false
	}
	pres, err := m.Chain.Jobs.Provider(ctx, &jobstypes.QueryProviderRequest{Operator: se.Provider})
	if err != nil {
		m.Log.Warn("cannot probe the session: provider unknown", "session", ps.id, "err", err)
		return "", nil, false
	}
	return fmt.Sprintf("%s%s%d/probe", strings.TrimRight(pres.Provider.Endpoint, "/"), sessionsPath, ps.id), model, true
}

// probeSession probes until the session ends (closed, or past its end),
// at the pace and into the reservoir described above, inputs of inLen
// values; with model, each answer is checked against the model's output. A
// 410 (the provider is closing the session) does not end the probing: a
// close that fails leaves the session answered again.
func (m *Monitor) probeSession(ctx context.Context, ps *probedSession, url string, inLen int, model *zkml.Model) {
	ps.mu.Lock()
	if ps.kick == nil {
		ps.kick = make(chan struct{}, 1)
	}
	kick := ps.kick
	ps.mu.Unlock()
	t := time.NewTimer(0)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-ps.stop:
			return
		case <-t.C:
		case <-kick: // a checkpoint: the new period starts at full rate
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
		}
		if !m.sessionGoesOn(ctx, ps) {
			return
		}
		in := zkml.ExampleInput(inLen, fmt.Sprintf("probe-%d-%d-%d", ps.id, time.Now().UnixNano(), n))
		body, err := zkml.MarshalTensor(in)
		if err != nil {
			return
		}
		sign := func(req *http.Request) error { return m.Signer.SignSessionProbe(req, ps.id, body, time.Now()) }
		var check func([]int8) bool
		if model != nil {
			if want, err := zkml.Infer(model, in); err == nil {
				check = func(out []int8) bool { return slices.Equal(out, want) }
			}
		}
		smp, counted, status := m.probe(ctx, url, body, sign, check)
		ps.mu.Lock()
		ps.probes++
		switch {
		case counted:
			ps.keep(smp, m.cfg.MaxProbes)
		case status == http.StatusGone || status == http.StatusNotFound:
			ps.refused++
		}
		ps.mu.Unlock()
		t.Reset(ps.interval(m.cfg.ProbeInterval, m.cfg.MaxProbes))
	}
}

// sessionGoesOn says whether ps is still to be probed: before its end as
// last read, or, past it, still open on chain (a halt moves a session's
// end later: its new end is read then).
func (m *Monitor) sessionGoesOn(ctx context.Context, ps *probedSession) bool {
	ps.mu.Lock()
	end := ps.end
	ps.mu.Unlock()
	if end.IsZero() || !time.Now().After(end) {
		return true
	}
	res, err := m.Chain.Jobs.Session(ctx, &jobstypes.QuerySessionRequest{Id: ps.id})
	if err != nil || !jobstypes.SessionIsOpen(res.Session.Status) {
		return false
	}
	newEnd := jobstypes.SessionEnd(res.Session).Add(time.Minute)
	if !newEnd.After(end) {
		return false
	}
	ps.mu.Lock()
	ps.end = newEnd
	ps.mu.Unlock()
	return true
}

// checkpointed closes a session's period at its checkpoint job's posting
// (in the block at height): the samples since the previous checkpoint are
// that job's to report, and any other checkpoint of the session in the
// same block gets the same period.
func (m *Monitor) checkpointed(sessionID, jobID uint64, height int64) {
	m.mu.Lock()
	ps := m.probed[sessionID]
	m.mu.Unlock()
	if ps == nil {
		return // not probed (no SLA terms, or the monitor started later): nothing honest to report
	}
	ps.mu.Lock()
	if ps.height != height || ps.height == 0 {
		samples := ps.sample
		if ps.refused > ps.seen { // refusing most probes while it serves: failed probes
			for range min(ps.refused, m.cfg.MaxProbes) {
				samples = append(samples, sample{latency: m.cfg.ProbeTimeout})
			}
		}
		ps.last = period{samples: samples, window: time.Since(ps.since)}
		ps.sample, ps.seen, ps.probes, ps.refused, ps.since, ps.height = nil, 0, 0, 0, time.Now(), height
		select { // probe now: the new period starts at full rate
		case ps.kick <- struct{}{}:
		default:
		}
	}
	p := ps.last
	ps.mu.Unlock()
	m.mu.Lock()
	full := len(m.periods) >= maxSessions
	if !full {
		m.periods[jobID] = p
	}
	m.mu.Unlock()
	if full {
		m.Metrics.Errors.WithLabelValues("periods_full").Inc()
		m.Log.Warn("too many checkpoint reports waiting; this checkpoint is not reported", "job", jobID)
		return
	}
	m.cpQ.push(jobID)
}

// reportCheckpoint submits a checkpoint period's measurements on its job.
func (m *Monitor) reportCheckpoint(ctx context.Context, id uint64) error {
	key := jobKey("report", id)
	if m.Store.Has(key) {
		return nil
	}
	m.mu.Lock()
	p, ok := m.periods[id]
	delete(m.periods, id)
	m.mu.Unlock()
	if !ok {
		return nil
	}
	if len(p.samples) == 0 {
		m.Log.Warn("no probe of the session answered before its checkpoint; no report", "job", id)
		return m.Store.Put(key, "no samples")
	}
	// the chain takes a window of at most a week: a longer period is
	// reported over its sample all the same
	metrics := Summarize(p.samples, min(p.window, slatypes.MaxMeasurementWindowSeconds*time.Second))
	metrics.CompletedPpm = slatypes.PPM // every request of a checkpoint is answered (its receipts say so)
	tx, err := m.Signer.Send(ctx, "sla_report", &slatypes.MsgSubmitReport{Reporter: m.Me, JobId: id, Metrics: metrics})
	if err != nil {
		if p.attempts++; p.attempts < maxReportAttempts && ctx.Err() == nil {
			m.mu.Lock()
			m.periods[id] = p
			m.mu.Unlock()
			time.AfterFunc(reportRetry, func() { m.cpQ.push(id) }) // tried again
		}
		return fmt.Errorf("report on checkpoint job %d (attempt %d of %d): %w", id, p.attempts, maxReportAttempts, err)
	}
	m.Metrics.Reports.Inc()
	m.Log.Info("SLA report on a session checkpoint submitted", "job", id, "probes", len(p.samples), "p50_ms", metrics.LatencyP50Ms,
		"p99_ms", metrics.LatencyP99Ms, "jitter_ms", metrics.JitterMs, "tx", tx.TxHash)
	return m.Store.Put(key, tx.TxHash)
}

// catchUpSessions starts probing every open session with SLA terms.
func (m *Monitor) catchUpSessions(ctx context.Context) error {
	for _, st := range []jobstypes.SessionStatus{jobstypes.SessionStatus_SESSION_STATUS_OPEN, jobstypes.SessionStatus_SESSION_STATUS_CLOSING} {
		var key []byte
		for page := 0; ; page++ {
			if page == 1000 {
				return fmt.Errorf("%s sessions: more than 200,000", st)
			}
			res, err := m.Chain.Jobs.Sessions(ctx, &jobstypes.QuerySessionsRequest{Status: st, Pagination: &query.PageRequest{Key: key, Limit: 200}})
			if err != nil {
				return err
			}
			for i := range res.Sessions {
				if res.Sessions[i].Sla != nil {
					m.beginSession(res.Sessions[i].Id, jobstypes.EventSessionOpened{}, &res.Sessions[i])
				}
			}
			if res.Pagination == nil || len(res.Pagination.NextKey) == 0 {
				break
			}
			key = res.Pagination.NextKey
		}
	}
	return nil
}
