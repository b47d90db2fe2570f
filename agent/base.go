// Package agent holds Verdict's off-chain agents — the provider that runs
// and proves, the watcher that re-executes and challenges, the SLA monitor
// that probes and reports — run as `verdictd agent provider|watcher|monitor`.
// Nothing in the state machine imports this package.
package agent

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"slices"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cosmos/gogoproto/proto"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// Base is what every agent has: its chain connection and signer, its
// store, its metrics and its HTTP server (/metrics, /healthz and the
// role's own routes).
type Base struct {
	Log     *slog.Logger
	Chain   *Chain
	Signer  *Signer
	Store   *Store
	Metrics *Metrics
	Fetch   *Fetcher
	Mux     *http.ServeMux
	Listen  string
	Me      string // the signer's bech32 address
	// Pprof serves /debug/pprof/ on the same listener (off by default).
	Pprof bool
}

// Serve runs the HTTP server until ctx ends (graceful shutdown, 5 s).
func (b *Base) Serve(ctx context.Context) error {
	b.Mux.Handle("/metrics", promhttp.HandlerFor(b.Metrics.Registry, promhttp.HandlerOpts{}))
	b.Mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, "{\"status\":\"ok\",\"address\":%q}\n", b.Me)
	})
	if b.Pprof {
		b.Mux.HandleFunc("/debug/pprof/", pprof.Index)
		b.Mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		b.Mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		b.Mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	ln, err := net.Listen("tcp", b.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", b.Listen, err)
	}
	// a client that drips its request cannot hold a connection for long
	srv := &http.Server{Handler: b.Mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second, WriteTimeout: 2 * time.Minute, // pprof's 30 s profile fits
		IdleTimeout: time.Minute, MaxHeaderBytes: 16 << 10}
	b.Log.Info("serving", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	case err := <-errc:
		return err
	}
}

// Agent is one role.
type Agent interface {
	Follower
	// Start launches the role's workers; they stop when ctx ends.
	Start(ctx context.Context, wg *sync.WaitGroup)
}

// Run serves HTTP, starts the agent's workers and follows the chain until
// ctx ends (SIGINT/SIGTERM in the command), then waits for the workers.
func Run(ctx context.Context, b *Base, a Agent) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	serveErr := make(chan error, 1)
	go func() { serveErr <- b.Serve(ctx) }()
	a.Start(ctx, &wg)
	followErr := make(chan error, 1)
	go func() { followErr <- b.Chain.Follow(ctx, a) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		cancel()
	case err = <-followErr:
		cancel()
	}
	wg.Wait()
	b.Log.Info("stopped")
	return err
}

// queue is a set of job ids waiting for a worker: unbounded, deduplicated,
// in arrival order.
type queue struct {
	mu      sync.Mutex
	ids     []uint64
	pending map[uint64]bool
	notify  chan struct{}
}

func newQueue() *queue { return &queue{pending: map[uint64]bool{}, notify: make(chan struct{}, 1)} }

func (q *queue) push(id uint64) {
	q.mu.Lock()
	if !q.pending[id] {
		q.pending[id] = true
		q.ids = append(q.ids, id)
	}
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// pop blocks until an id is queued or ctx ends.
func (q *queue) pop(ctx context.Context) (uint64, bool) {
	for {
		q.mu.Lock()
		if len(q.ids) > 0 {
			id := q.ids[0]
			q.ids = q.ids[1:]
			delete(q.pending, id)
			q.mu.Unlock()
			return id, true
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return 0, false
		case <-q.notify:
		}
	}
}

// work runs handle for every queued id until ctx ends.
func work(ctx context.Context, wg *sync.WaitGroup, q *queue, log *slog.Logger, m *Metrics, where string, handle func(context.Context, uint64) error) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			id, ok := q.pop(ctx)
			if !ok {
				return
			}
			if err := handle(ctx, id); err != nil && ctx.Err() == nil {
				m.Errors.WithLabelValues(where).Inc()
				log.Error(where, "job", id, "err", err)
			}
		}
	}()
}

// fairQueue holds job ids grouped by a key (a job's buyer) and hands
// them out round-robin across keys, with at most perKey of one key's ids
// in flight at once: one buyer's slow or hostile jobs occupy at most
// perKey workers and never stand in front of another buyer's job.
type fairQueue struct {
	mu       sync.Mutex
	perKey   int
	order    []string            // keys with waiting ids, in turn order
	ids      map[string][]uint64 // waiting ids per key, in arrival order
	queued   map[uint64]bool     // waiting or in flight
	inFlight map[string]int
	wake     chan struct{} // closed (and replaced) on every change
}

func newFairQueue(perKey int) *fairQueue {
	return &fairQueue{perKey: max(perKey, 1), ids: map[string][]uint64{}, queued: map[uint64]bool{}, inFlight: map[string]int{}, wake: make(chan struct{})}
}

func (q *fairQueue) changed() { close(q.wake); q.wake = make(chan struct{}) }

// push queues id under key (once: an id already waiting or in flight is
// not queued again).
func (q *fairQueue) push(id uint64, key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.queued[id] {
		return
	}
	q.queued[id] = true
	if len(q.ids[key]) == 0 {
		q.order = append(q.order, key)
	}
	q.ids[key] = append(q.ids[key], id)
	q.changed()
}

// pop blocks until some key below its in-flight limit has an id waiting
// (taken in turn order; the key goes to the back of the turn) or ctx ends.
// The caller must call done(id, key) when it is finished with the id.
func (q *fairQueue) pop(ctx context.Context) (uint64, string, bool) {
	for {
		q.mu.Lock()
		for i, key := range q.order {
			if q.inFlight[key] >= q.perKey {
				continue
			}
			id := q.ids[key][0]
			q.ids[key] = q.ids[key][1:]
			q.order = append(q.order[:i:i], q.order[i+1:]...)
			if len(q.ids[key]) > 0 {
				q.order = append(q.order, key)
			} else {
				delete(q.ids, key)
			}
			q.inFlight[key]++
			q.mu.Unlock()
			return id, key, true
		}
		wake := q.wake
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return 0, "", false
		case <-wake:
		}
	}
}

// take removes id if it is waiting (not in flight); false when it is not
// waiting.
func (q *fairQueue) take(id uint64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, key := range q.order {
		ids := q.ids[key]
		at := slices.Index(ids, id)
		if at < 0 {
			continue
		}
		q.ids[key] = append(ids[:at:at], ids[at+1:]...)
		if len(q.ids[key]) == 0 {
			delete(q.ids, key)
			q.order = append(q.order[:i:i], q.order[i+1:]...)
		}
		delete(q.queued, id)
		q.changed()
		return true
	}
	return false
}

// done ends an id's flight: its key may have another one out, and the id
// may be queued again.
func (q *fairQueue) done(id uint64, key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inFlight[key]--
	if q.inFlight[key] <= 0 {
		delete(q.inFlight, key)
	}
	delete(q.queued, id)
	q.changed()
}

// workFair runs n workers over a fair queue until ctx ends.
func workFair(ctx context.Context, wg *sync.WaitGroup, q *fairQueue, n int, log *slog.Logger, m *Metrics, where string, handle func(context.Context, uint64) error) {
	for range max(n, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				id, key, ok := q.pop(ctx)
				if !ok {
					return
				}
				if err := handle(ctx, id); err != nil && ctx.Err() == nil {
					m.Errors.WithLabelValues(where).Inc()
					log.Error(where, "job", id, "err", err)
				}
				q.done(id, key)
			}
		}()
	}
}

// every runs fn every period until ctx ends.
func every(ctx context.Context, wg *sync.WaitGroup, period time.Duration, fn func(context.Context)) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fn(ctx)
			}
		}
	}()
}

// refusalReason is the metric label of why a job's files were refused
// (verdict_agent_files_refused_total{reason}).
func refusalReason(err error) string {
	switch {
	case errors.Is(err, ErrCommitmentMismatch):
		return "commitment"
	case errors.Is(err, ErrUnprovable):
		return "unprovable"
	case errors.Is(err, ErrRetentionFull):
		return "retention_full"
	case errors.Is(err, ErrFetchRefused):
		return "uri"
	case errors.Is(err, ErrDeclineClosing):
		return "decline_closing"
	}
	return "fetch"
}

// typedEvents decodes the Verdict typed events of a block (others skipped).
func typedEvents(b Block) []proto.Message {
	var out []proto.Message
	for _, ev := range b.Events {
		if len(ev.Type) < 8 || ev.Type[:8] != "verdict." {
			continue
		}
		// Block-level events carry a plain-text "mode" attribute (BeginBlock,
		// EndBlock) that is not JSON; typed-event attributes all are.
		clean := abci.Event{Type: ev.Type}
		for _, a := range ev.Attributes {
			if json.Valid([]byte(a.Value)) {
				clean.Attributes = append(clean.Attributes, a)
			}
		}
		msg, err := sdk.ParseTypedEvent(clean)
		if err == nil {
			out = append(out, msg)
		}
	}
	return out
}

// listJobs pages through x/jobs' job listing.
func listJobs(ctx context.Context, c *Chain, provider string, status jobstypes.JobStatus) ([]jobstypes.Job, error) {
	var out []jobstypes.Job
	var key []byte
	for page := 0; page < 1000; page++ {
		res, err := c.Jobs.Jobs(ctx, &jobstypes.QueryJobsRequest{Provider: provider, Status: status, Pagination: &query.PageRequest{Key: key, Limit: 200}})
		if err != nil {
			return nil, err
		}
		out = append(out, res.Jobs...)
		if res.Pagination == nil || len(res.Pagination.NextKey) == 0 {
			return out, nil
		}
		key = res.Pagination.NextKey
	}
	return out, errors.New("job listing longer than 200,000 entries")
}

// openDisputes pages through x/dispute's OPEN disputes.
func openDisputes(ctx context.Context, c *Chain) ([]disputetypes.Dispute, error) {
	var out []disputetypes.Dispute
	var key []byte
	for page := 0; page < 1000; page++ {
		res, err := c.Disputes.Disputes(ctx, &disputetypes.QueryDisputesRequest{Status: disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN, Pagination: &query.PageRequest{Key: key, Limit: 200}})
		if err != nil {
			return nil, err
		}
		out = append(out, res.Disputes...)
		if res.Pagination == nil || len(res.Pagination.NextKey) == 0 {
			return out, nil
		}
		key = res.Pagination.NextKey
	}
	return out, errors.New("dispute listing longer than 200,000 entries")
}

// lottery maps (seed, job) to [0, 1): the agent's own private sampling,
// unpredictable to providers that do not know the seed.
func lottery(seed string, jobID uint64) float64 {
	h := sha256.New()
	h.Write([]byte(seed))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], jobID)
	h.Write(b[:])
	return float64(binary.BigEndian.Uint64(h.Sum(nil)[:8])>>11) / float64(1<<53)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
