package agent

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	abci "github.com/cometbft/cometbft/abci/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// Attacker review 23: review 22's fixes to session SLA monitoring
// (commit 502b947), attacked.

func review23Probed(m *Monitor, id uint64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.probed[id] != nil
}

// The per-provider cap (16, 16) that review 22 added
// against sybils filling the monitor is a switch a provider turns off its
// own monitoring with. Every monitor refuses a session of a provider that
// already has 16 probed, refuses it for good (a refused session is never
// begun again, even once slots free up), and every monitor sees the same
// events in the same order: all of them refuse it.
//
// Attack: provider P, whose SLA offer covers the terms, opens 16 sessions
// with SLA terms with itself through sybil buyers (max_requests 1, its own
// price: the escrow comes back at the close; its agent's idle close off,
// or it closes them itself once the honest session is in). An honest buyer
// then opens a session with SLA terms with P: no monitor probes it, ever;
// every checkpoint of it is "no samples", never graded, whatever P's
// latency. Cost: 16 OpenSession + 16 CloseSession fees. Before the fix the
// same opt-out took 512 sessions (the global cap); now 16, and the sybils
// need to be open only in the block the honest session opens in.
// Harm: the buyer pays for SLA terms P accepted and no penalty can ever be
// applied (rule 2's "penalty for accepted terms" becomes nothing).
//
// FIXED: no per-provider cap; sessions have their own cap
// (maxProbedSessions, 2048), and when it is full a session of more escrow
// evicts the one of least (TestReview23EvictionByEscrow).
func TestReview23ProviderOptsOutOfMonitoringWithSybilSessions(t *testing.T) {
	f := newSLASessionFixture(t, 0)
	fetch, uri, mc := sessionModelFiles(t, f)
	url, _ := review22Endpoint(t, nil, nil)
	signer, _ := review22Signer(t, false)
	m := review22Monitor(t, signer, &Chain{Jobs: sessionJobs{endpoint: url[:len(url)-len("/v1/sessions/7/probe")]}}, fetch,
		MonitorConfig{ProbeInterval: time.Hour, ProbeTimeout: time.Second, MaxProbes: 50})
	sess := func(id uint64, buyer string) *jobstypes.Session {
		s := f.session
		s.Id, s.Buyer, s.Provider = id, buyer, "provider-p"
		s.ModelUri, s.ModelCommitment = uri, mc
		return &s
	}
	// P's sybil buyers, one session each (sybil addresses are free)
	for i := range 16 {
		m.beginSession(uint64(1000+i), jobstypes.EventSessionOpened{}, sess(uint64(1000+i), "sybil-"+strconv.Itoa(i)))
	}
	// the honest buyer's session with P, in the same block
	m.beginSession(7, jobstypes.EventSessionOpened{}, sess(7, "honest-buyer"))
	// P closes its sybil sessions (escrow refunded)
	for i := range 16 {
		m.endSession(uint64(1000 + i))
	}
	require.True(t, review23Probed(m, 7),
		"an honest buyer's SLA session is never probed because its provider held %d sessions with its own sybils open when it opened", 16)
}

// review23Jobs answers Session queries from a map; a query of a session
// without SLA terms waits for release (the query in flight while the rest
// of the block's events are handled).
type review23Jobs struct {
	jobstypes.QueryClient
	sessions map[uint64]jobstypes.Session
	release  chan struct{}
	endpoint string
}

func (j review23Jobs) Session(ctx context.Context, in *jobstypes.QuerySessionRequest, _ ...grpc.CallOption) (*jobstypes.QuerySessionResponse, error) {
	s := j.sessions[in.Id]
	if s.Sla == nil {
		select {
		case <-j.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return &jobstypes.QuerySessionResponse{Session: s}, nil
}

func (j review23Jobs) Provider(_ context.Context, in *jobstypes.QueryProviderRequest, _ ...grpc.CallOption) (*jobstypes.QueryProviderResponse, error) {
	return &jobstypes.QueryProviderResponse{Provider: jobstypes.Provider{Operator: in.Operator, Endpoint: j.endpoint}}, nil
}

// The per-provider cap is checked when EventSessionOpened is handled,
// before the monitor knows whether the session has SLA terms: every
// session opened counts against its provider until its goroutine has read
// it from the chain (a gRPC round trip, while OnBlock handles the rest of
// the block's events in microseconds). So 16 sessions WITHOUT SLA terms
// opened with a provider in one block ahead of one with SLA terms make
// every monitor refuse the SLA session, for good (a refused session is
// never begun again). A busy provider whose buyers open many plain
// sessions at once gets its SLA buyers unmonitored without anyone trying;
// anyone can do it on purpose with plain sessions, which need no SLA terms
// in the provider's offer (and the provider itself most cheaply).
// Harm: the SLA session's terms are never graded; the buyer paid for
// terms that no penalty enforces.
//
// FIXED: EventSessionOpened carries the session's SLA terms; a session
// without them takes no slot.
func TestReview23PlainSessionsFillTheProviderCap(t *testing.T) {
	f := newSLASessionFixture(t, 0)
	fetch, uri, mc := sessionModelFiles(t, f)
	url, _ := review22Endpoint(t, nil, nil)
	jobs := review23Jobs{sessions: map[uint64]jobstypes.Session{}, release: make(chan struct{}), endpoint: url[:len(url)-len("/v1/sessions/7/probe")]}
	var events []abci.Event
	open := func(id uint64, buyer string, sla bool) {
		s := f.session
		s.Id, s.Buyer, s.Provider, s.ModelUri, s.ModelCommitment = id, buyer, "provider-p", uri, mc
		if !sla {
			s.Sla = nil
		}
		jobs.sessions[id] = s
		e, err := sdk.TypedEventToEvent(&jobstypes.EventSessionOpened{SessionId: id, Buyer: buyer, Provider: "provider-p", Sla: s.Sla})
		require.NoError(t, err)
		events = append(events, abci.Event(e))
	}
	for i := range 16 {
		open(uint64(1000+i), "plain-buyer-"+strconv.Itoa(i), false)
	}
	open(7, "sla-buyer", true)
	signer, _ := review22Signer(t, false)
	m := review22Monitor(t, signer, &Chain{Jobs: jobs}, fetch, MonitorConfig{ProbeInterval: time.Hour, ProbeTimeout: time.Second, MaxProbes: 50})
	require.NoError(t, m.OnBlock(context.Background(), Block{Height: 1, Events: events}))
	close(jobs.release) // the plain sessions' queries answer: they are not probed
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		m.mu.Lock()
		n := len(m.probed)
		m.mu.Unlock()
		if n <= 1 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	require.True(t, review23Probed(m, 7),
		"the only session with SLA terms was refused because %d plain sessions of its provider opened in the same block", 16)
}

// Review 22 fixed "one 410 ends the probing" by probing on through 410s,
// but a 410 (and a 404) is still never counted. So a provider that answers
// EVERY probe of a session 410 ("the session is over") or 404 while it
// serves the buyer's requests and checkpoints them gets every period "no
// samples": no monitor report, so x/slashingsla grades nothing (a job with
// no report is not assessed) — the dishonest half of review 22's finding,
// unchanged. It costs the provider nothing (not even the inference a
// probe would take, unlike answering probes first).
// An honest provider answers 410 only briefly (an idle close in flight,
// followed by the close or by Retry; after its Until, with no checkpoint
// after the last; a suspect session, closed after one checkpoint): never
// through two successive periods that each end in a checkpoint. Here three
// periods of 410s/404s each end in a checkpoint of requests served during
// them; the later ones must be reported (as failures).
//
// FIXED: when refusals are most of a period's probes, they are reported as
// failed probes.
func TestReview23GoneOrNotFoundForeverIsNeverGraded(t *testing.T) {
	for _, status := range []int{http.StatusGone, http.StatusNotFound} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			signer, captured := review22Signer(t, false)
			m := review22Monitor(t, signer, nil, nil, MonitorConfig{ProbeInterval: 5 * time.Millisecond, ProbeTimeout: 500 * time.Millisecond, MaxProbes: 400})
			url, hits := review22Endpoint(t, nil, func() int { return status })
			ps := probedWith(m, 7, time.Now())
			startProbing(m, ps, url, 4, nil)
			deadline := time.Now().Add(10 * time.Second)
			for cp := uint64(1); cp <= 3; cp++ {
				at := hits.Load()
				for hits.Load() < at+20 && time.Now().Before(deadline) {
					time.Sleep(2 * time.Millisecond)
				}
				// the provider checkpoints the requests it served meanwhile
				m.checkpointed(7, 100+cp, int64(cp))
				_ = m.reportCheckpoint(context.Background(), 100+cp)
			}
			m.endSession(7)
			_, ok := captured.report(103)
			require.True(t, ok,
				"three periods in a row every probe was answered %d while the provider served and checkpointed the session's requests: its checkpoints are never reported, never graded", status)
		})
	}
}

// The probe interval backs off while a period runs and is said to go "back
// to ProbeInterval at each checkpoint" ("a session in use is measured at
// full rate"). It does not: checkpointed resets the period's probe count,
// but the probe loop's timer was already set to the backed-off interval
// (up to maxSessionProbeInterval, 10 minutes) and the new interval is only
// computed after that timer fires. After a long quiet spell the first
// checkpoints of a busy spell get no probe at all: "no samples", not
// reported, not graded — up to 10 minutes of paid traffic per quiet spell
// (a provider sees each probe arrive, so it knows when the next one is
// due and can post its checkpoints between them). Long periods come from a
// provider that checkpoints rarely or runs with --session-idle 0; with the
// defaults (idle close after 10 min) the interval stays at a few seconds.
// Harm: the buyer's checkpoints of that spell are never graded however
// slowly they were served.
//
// FIXED: a checkpoint kicks the probe loop: the next probe goes at once
// and the new period starts at full rate.
func TestReview23CheckpointDoesNotResetTheProbeTimer(t *testing.T) {
	signer, captured := review22Signer(t, false)
	m := review22Monitor(t, signer, nil, nil, MonitorConfig{ProbeInterval: 10 * time.Millisecond, ProbeTimeout: time.Second, MaxProbes: 4})
	url, hits := review22Endpoint(t, func() time.Duration { return 80 * time.Millisecond }, nil)
	ps := probedWith(m, 7, time.Now().Add(-3*time.Hour))
	ps.mu.Lock()
	ps.probes = 10_000 // a long quiet period: the interval is backed off to its most
	ps.mu.Unlock()
	startProbing(m, ps, url, 4, nil)
	deadline := time.Now().Add(5 * time.Second)
	for hits.Load() < 1 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // the first probe's answer (80 ms) is in; the timer is set
	// the buyer starts sending: the provider checkpoints the quiet period...
	m.checkpointed(7, 1, 1)
	_ = m.reportCheckpoint(context.Background(), 1)
	// ...then serves 500 ms of requests (50 ProbeIntervals) and checkpoints them
	time.Sleep(500 * time.Millisecond)
	m.checkpointed(7, 2, 2)
	_ = m.reportCheckpoint(context.Background(), 2)
	got, ok := captured.report(2)
	require.True(t, ok, "after the checkpoint the session was probed %d times in 50 ProbeIntervals: its next checkpoint goes ungraded", hits.Load()-1)
	require.GreaterOrEqual(t, got.LatencyP99Ms, uint32(80))
}

// When the monitor's session slots are full, a session of more escrow
// takes the slot of the one of least; one of no more escrow is refused.
func TestReview23EvictionByEscrow(t *testing.T) {
	f := newSLASessionFixture(t, 0)
	fetch, uri, mc := sessionModelFiles(t, f)
	url, _ := review22Endpoint(t, nil, nil)
	signer, _ := review22Signer(t, false)
	m := review22Monitor(t, signer, &Chain{Jobs: sessionJobs{endpoint: url[:len(url)-len("/v1/sessions/7/probe")]}}, fetch,
		MonitorConfig{ProbeInterval: time.Hour, ProbeTimeout: time.Second, MaxProbes: 50})
	sess := func(id uint64, buyer string, escrow int64) *jobstypes.Session {
		s := f.session
		s.Id, s.Buyer, s.Provider, s.ModelUri, s.ModelCommitment = id, buyer, "p", uri, mc
		s.Escrow = sdk.NewInt64Coin("uverd", escrow)
		return &s
	}
	for i := range maxProbedSessions {
		m.beginSession(uint64(1000+i), jobstypes.EventSessionOpened{}, sess(uint64(1000+i), "sybil-"+strconv.Itoa(i/maxSessionsPerBuyer), 10))
	}
	m.beginSession(7, jobstypes.EventSessionOpened{}, sess(7, "honest-a", 10))
	require.False(t, review23Probed(m, 7), "no more escrow than the least probed: refused")
	m.beginSession(8, jobstypes.EventSessionOpened{}, sess(8, "honest-b", 1_000_000))
	require.True(t, review23Probed(m, 8), "more escrow: it takes the least one's slot")
	m.mu.Lock()
	n := len(m.probed)
	m.mu.Unlock()
	require.Equal(t, maxProbedSessions, n)
}

// A probe answered at once with another output than the model's counts as
// a failed probe, not a fast one.
func TestReview23WrongProbeAnswersFail(t *testing.T) {
	f := newSLASessionFixture(t, 0)
	signer, captured := review22Signer(t, false)
	m := review22Monitor(t, signer, nil, nil, MonitorConfig{ProbeInterval: 5 * time.Millisecond, ProbeTimeout: 700 * time.Millisecond, MaxProbes: 100})
	url, hits := review22Endpoint(t, nil, nil) // answers [1 2 3 4] at once
	ps := probedWith(m, 7, time.Now())
	startProbing(m, ps, url, 16, f.model)
	deadline := time.Now().Add(5 * time.Second)
	for hits.Load() < 10 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	m.checkpointed(7, 1, 1)
	_ = m.reportCheckpoint(context.Background(), 1) // the test's signer captures the report
	got, ok := captured.report(1)
	require.True(t, ok)
	require.Equal(t, uint32(700), got.LatencyP99Ms, "every answer was wrong: each counts at the probe timeout")
}
