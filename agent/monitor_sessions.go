package agent

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cosmos/cosmos-sdk/types/query"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
	"github.com/verdict-chain/verdict/zkml"
)

// Serving sessions with SLA terms: the monitor probes the session's
// endpoint (POST /v1/sessions/<id>/probe, see probe.go) for as long as the
// session is open, each probe a fresh input of the model's size (nothing
// to answer from a cache). Each checkpoint is a job carrying the session's
// terms: at its EventCheckpointPosted the samples since the previous
// checkpoint become that period's report, submitted on the checkpoint's
// job — so every checkpoint is graded on what the endpoint did while its
// requests were served.

// probedSession is one session being probed.
type probedSession struct {
	id     uint64
	buyer  string // set once the session is read
	stop   chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	since  time.Time // the current period's start
	sample []sample  // the current period's samples, the newest MaxProbes
}

// period is a checkpoint's measurements, waiting for its report.
type period struct {
	samples []sample
	window  time.Duration
}

// beginSession starts probing session id once; like begin, reading the
// session, its provider and its model happen in the probe's goroutine.
func (m *Monitor) beginSession(id uint64, se *jobstypes.Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.probed[id] != nil || m.ctx == nil {
		return
	}
	if len(m.sessions)+len(m.probed) >= maxSessions {
		m.Metrics.Errors.WithLabelValues("sessions_full").Inc()
		m.Log.Warn("too many jobs and sessions probed at once; not probing this session", "session", id, "max", maxSessions)
		return
	}
	ps := &probedSession{id: id, since: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	m.probed[id] = ps
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer close(ps.done)
		url, in, ok := m.prepareSession(m.ctx, ps, se)
		if !ok {
			m.forgetSession(ps)
			return
		}
		m.Log.Info("probing a serving session's endpoint", "session", id, "endpoint", url)
		m.probeSession(m.ctx, ps, url, in)
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

// prepareSession reads what probing a session needs: its probe URL and the
// size of its model's input. False when it has no SLA terms, is over, its
// buyer has too many probed at once, or its model cannot be fetched.
func (m *Monitor) prepareSession(ctx context.Context, ps *probedSession, se *jobstypes.Session) (string, int, bool) {
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
			return "", 0, false
		}
		se = &res.Session
	}
	if se.Sla == nil || !jobstypes.SessionIsOpen(se.Status) {
		return "", 0, false
	}
	m.mu.Lock()
	ps.buyer = se.Buyer
	n := 0
	for _, o := range m.sessions {
		if o.buyer == se.Buyer {
			n++
		}
	}
	for _, o := range m.probed {
		if o.buyer == se.Buyer {
			n++
		}
	}
	m.mu.Unlock()
	if n > maxSessionsPerBuyer {
		m.Metrics.Errors.WithLabelValues("sessions_full").Inc()
		m.Log.Warn("this buyer has too many jobs and sessions probed at once; not probing this session", "session", ps.id, "buyer", se.Buyer)
		return "", 0, false
	}
	model, err := m.Fetch.Model(ctx, SchemeOf(jobstypes.Job{CircuitId: se.CircuitId}), se.ModelUri, se.ModelCommitment)
	if err != nil {
		m.Metrics.Refused.WithLabelValues("model").Inc()
		m.Log.Warn("cannot probe the session: its model is unavailable", "session", ps.id, "err", err)
		return "", 0, false
	}
	pres, err := m.Chain.Jobs.Provider(ctx, &jobstypes.QueryProviderRequest{Operator: se.Provider})
	if err != nil {
		m.Log.Warn("cannot probe the session: provider unknown", "session", ps.id, "err", err)
		return "", 0, false
	}
	return fmt.Sprintf("%s%s%d/probe", strings.TrimRight(pres.Provider.Endpoint, "/"), sessionsPath, ps.id), inputLen(model), true
}

// probeSession probes every ProbeInterval until the session ends (closed,
// or the provider says it is over), keeping a period's newest MaxProbes
// samples.
func (m *Monitor) probeSession(ctx context.Context, ps *probedSession, url string, inLen int) {
	t := time.NewTicker(m.cfg.ProbeInterval)
	defer t.Stop()
	for n := 0; ; n++ {
		body, err := zkml.MarshalTensor(zkml.ExampleInput(inLen, fmt.Sprintf("probe-%d-%d-%d", ps.id, time.Now().UnixNano(), n)))
		if err != nil {
			return
		}
		sign := func(req *http.Request) error { return m.Signer.SignSessionProbe(req, ps.id, body, time.Now()) }
		smp, counted, status := m.probe(ctx, url, body, sign)
		if status == http.StatusGone {
			return // the provider answers it no more: its close is on its way
		}
		if counted {
			ps.mu.Lock()
			if len(ps.sample) >= m.cfg.MaxProbes {
				ps.sample = ps.sample[1:]
			}
			ps.sample = append(ps.sample, smp)
			ps.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-ps.stop:
			return
		case <-t.C:
		}
	}
}

// checkpointed closes a session's period at its checkpoint job's posting:
// the samples since the previous checkpoint are that job's to report.
func (m *Monitor) checkpointed(sessionID, jobID uint64) {
	m.mu.Lock()
	ps := m.probed[sessionID]
	m.mu.Unlock()
	if ps == nil {
		return // not probed (no SLA terms, or the monitor started later): nothing honest to report
	}
	ps.mu.Lock()
	p := period{samples: ps.sample, window: time.Since(ps.since)}
	ps.sample, ps.since = nil, time.Now()
	ps.mu.Unlock()
	m.mu.Lock()
	if len(m.periods) < maxSessions {
		m.periods[jobID] = p
	}
	m.mu.Unlock()
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
	metrics := Summarize(p.samples, p.window)
	metrics.CompletedPpm = slatypes.PPM // every request of a checkpoint is answered (its receipts say so)
	tx, err := m.Signer.Send(ctx, "sla_report", &slatypes.MsgSubmitReport{Reporter: m.Me, JobId: id, Metrics: metrics})
	if err != nil {
		m.mu.Lock()
		m.periods[id] = p // tried again
		m.mu.Unlock()
		return fmt.Errorf("report on checkpoint job %d: %w", id, err)
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
					m.beginSession(res.Sessions[i].Id, &res.Sessions[i])
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
