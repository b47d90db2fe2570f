package agent

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// ProviderConfig are the provider agent's own settings.
type ProviderConfig struct {
	// PublicURL is where others reach this agent (its /outputs/<job>); by
	// default the endpoint the provider registered on-chain.
	PublicURL string
	// WrongOutputRate (testing): the share of jobs whose posted output is
	// deliberately wrong.
	WrongOutputRate float64
	// WrongItemRate (testing): in a batch job chosen by WrongOutputRate,
	// the share of items whose output is wrong (at least one).
	WrongItemRate float64
	// BatchWorkers infer a batch job's items at once (default: every core).
	BatchWorkers int
	// Delay (testing): added before each result is posted and to each
	// answer of the inference endpoint.
	Delay time.Duration
	// ProveAll proves every job right after running it (the proof is kept
	// and used if the job is disputed): the "prove everything" baseline of
	// the verification-tax benchmark.
	ProveAll bool
	// Seed of the wrong-output lottery.
	Seed string
	// WarmUp proves once at start for every circuit the provider registered
	// (compile, key load, a timed proof).
	WarmUp bool
	// RunWorkers fetch and run jobs concurrently, fairly across buyers:
	// at most a quarter of them (at least one) on one buyer's jobs.
	RunWorkers int
	// RetainBytes is the disk budget for the files kept for disputes.
	RetainBytes int64
	// RetainCheck is how often retained files are checked for release.
	RetainCheck time.Duration
	// MaxWork bounds the multiply-adds of a job that names no circuit (it
	// cannot be disputed, so no circuit bounds it).
	MaxWork int64
	// DeclineMargin: a job's files must be checked this long before its
	// decline window closes, or it is declined (the decline must land in a
	// block inside the window).
	DeclineMargin time.Duration
	// ServingKeyFile holds the ed25519 serving key that signs session
	// receipts (created if absent); empty: no sessions are served.
	ServingKeyFile string
	// CheckpointEvery, CheckpointInterval: a session's answered requests
	// are checkpointed once this many wait, or this long after the first
	// of them.
	CheckpointEvery    uint64
	CheckpointInterval time.Duration
	// SessionMargin: no request is answered this close to a session's end,
	// so its last checkpoint lands in time.
	SessionMargin time.Duration
	// SessionIdle: a session that answered nothing for this long, with
	// nothing left to checkpoint, is closed (0: never). An open session
	// holds the provider's capacity on chain until it closes, and costs
	// its buyer nothing while idle: without this, anyone could hold the
	// provider's whole max_open_units for a session's duration for gas.
	SessionIdle time.Duration
	// ServeWrongAt (testing): request n of every session is answered with
	// a wrong output (its receipt and checkpoint say the same);
	// ServeEquivocateAt: request n is answered wrong, its checkpoint holds
	// the model's output.
	ServeWrongAt, ServeEquivocateAt uint64
}

// ErrDeclineClosing: the job's decline window closes before its files
// could be checked.
var ErrDeclineClosing = errors.New("decline window closing")

// Provider runs the jobs assigned to its operator, posts the results, and
// answers every challenge or audit of its results with a proof.
type Provider struct {
	*Base
	cfg      ProviderConfig
	prover   *Prover
	runQ     *queue     // new assignments, before their buyer is known
	fairQ    *fairQueue // assignments by buyer, for the run workers
	proveQ   *queue
	retain   *Retainer
	outDir   string
	pendingM sync.Mutex
	pending  map[uint64]time.Time // results broadcast, inclusion not yet seen
	// probing: the running jobs with SLA terms, the only ones /infer
	// answers for (bounded by the open units the provider offers)
	probingM sync.Mutex
	probing  map[uint64]*probeTarget
	auth     *probeAuth
	// closing: the queued jobs that can be declined, and when a decline
	// must be sent by
	closingM sync.Mutex
	closing  map[uint64]time.Time
	// serve answers serving sessions (nil without a serving key);
	// sessionQ: sessions to (re)load from the chain
	serve *Server
	// probesInFlight: "<domain>/<id>/<prober>" -> a probe being answered
	// (under probingM)
	probesInFlight map[string]bool
	sessionQ       *queue
}

// probeTarget is a running SLA job /infer may answer for.
type probeTarget struct {
	model *zkml.Model
	buyer string
}

// outputRecord is what the provider remembers about a job it ran.
type outputRecord struct {
	Commitment string `json:"commitment"`
	Honest     bool   `json:"honest"` // a batch: every item's output is the model's
	TxHash     string `json:"tx_hash,omitempty"`
}

// NewProvider builds the provider agent; home holds its outputs.
func NewProvider(b *Base, cfg ProviderConfig, prover *Prover, home string) (*Provider, error) {
	if cfg.RunWorkers < 1 || cfg.RetainBytes <= 0 || cfg.RetainCheck <= 0 || cfg.MaxWork <= 0 || cfg.DeclineMargin <= 0 {
		return nil, errors.New("provider: run workers, retention budget and check interval, max work and decline margin must be positive")
	}
	p := &Provider{
		Base: b, cfg: cfg, prover: prover, runQ: newQueue(), fairQ: newFairQueue(cfg.RunWorkers / 4), proveQ: newQueue(),
		outDir: filepath.Join(home, "outputs"), pending: map[uint64]time.Time{},
		probing: map[uint64]*probeTarget{}, auth: newProbeAuth(b.Chain), closing: map[uint64]time.Time{}, sessionQ: newQueue(),
	}
	if cfg.ServingKeyFile != "" {
		if cfg.CheckpointEvery == 0 || cfg.CheckpointInterval <= 0 || cfg.SessionMargin <= 0 {
			return nil, errors.New("provider: checkpoint size and interval and the session margin must be positive")
		}
		key, err := LoadKeyFile(cfg.ServingKeyFile)
		if err != nil {
			return nil, err
		}
		if err := p.startServing(key); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(p.outDir, 0o755); err != nil {
		return nil, err
	}
	var err error
	if p.retain, err = OpenRetainer(home, cfg.RetainBytes, b.Store); err != nil {
		return nil, err
	}
	b.Metrics.RetainedBytes.Set(float64(p.retain.Used()))
	b.Mux.HandleFunc("/outputs/", p.serveOutput)
	b.Mux.HandleFunc("/infer", p.serveInfer)
	return p, nil
}

// Start launches the workers: an intake that sorts new assignments by
// buyer, RunWorkers that fetch and run them fairly across buyers, one
// prover (proofs never wait behind new jobs), and the retention sweep.
func (p *Provider) Start(ctx context.Context, wg *sync.WaitGroup) {
	work(ctx, wg, p.runQ, p.Log, p.Metrics, "intake", p.intake)
	workFair(ctx, wg, p.fairQ, p.cfg.RunWorkers, p.Log, p.Metrics, "run_job", p.run)
	work(ctx, wg, p.proveQ, p.Log, p.Metrics, "prove", p.prove)
	every(ctx, wg, time.Second, p.declineClosing)
	every(ctx, wg, p.cfg.RetainCheck, p.sweep)
	if p.serve != nil {
		work(ctx, wg, p.sessionQ, p.Log, p.Metrics, "load_session", p.loadSession)
		every(ctx, wg, time.Second, p.checkpointSessions)
		wg.Add(1)
		go func() { // a clean stop: the next start trusts the kept receipts
			defer wg.Done()
			<-ctx.Done()
			if err := p.serve.Close(); err != nil {
				p.Log.Error("serving: marking a clean stop", "err", err)
			}
		}()
	}
	if p.cfg.WarmUp {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.warmUp(ctx)
		}()
	}
}

func (p *Provider) warmUp(ctx context.Context) {
	res, err := p.Chain.Jobs.Provider(ctx, &jobstypes.QueryProviderRequest{Operator: p.Me})
	if err != nil {
		p.Log.Warn("warm-up: provider not found", "err", err)
		return
	}
	for _, id := range res.Provider.CircuitIds {
		if _, _, err := zkml.NewCircuitByID(id); err != nil {
			continue // not a reference circuit this agent proves
		}
		took, err := p.prover.WarmUp(id)
		if err != nil {
			p.Metrics.Errors.WithLabelValues("warm_up").Inc()
			p.Log.Error("warm-up failed: disputes of this circuit cannot be proven", "circuit", id, "err", err)
			continue
		}
		p.Log.Info("warm-up: ready to prove", "circuit", id, "proof_time", took.Round(time.Millisecond))
	}
}

// CatchUp queues every job assigned to the operator and every open dispute
// of its results.
func (p *Provider) CatchUp(ctx context.Context) error {
	jobs, err := listJobs(ctx, p.Chain, p.Me, jobstypes.JobStatus_JOB_STATUS_ASSIGNED)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		p.enqueue(j)
	}
	ds, err := openDisputes(ctx, p.Chain)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if d.Provider == p.Me {
			p.proveQ.push(d.JobId)
		}
	}
	if p.serve != nil {
		return p.catchUpSessions(ctx)
	}
	return nil
}

// OnBlock queues new assignments and new disputes (challenges, audits),
// and confirms the results it sent.
func (p *Provider) OnBlock(ctx context.Context, b Block) error {
	for _, ev := range typedEvents(b) {
		p.onSessionEvent(ev)
		switch e := ev.(type) {
		case *jobstypes.EventResultPosted:
			if e.Provider == p.Me {
				p.pendingM.Lock()
				delete(p.pending, e.JobId)
				p.pendingM.Unlock()
				p.stopProbes(e.JobId)
				p.Metrics.ResultsPosted.Inc()
				p.Log.Info("result posted", "job", e.JobId, "height", b.Height)
			}
		case *jobstypes.EventJobAssigned:
			if e.Provider == p.Me {
				p.runQ.push(e.JobId)
			}
		case *disputetypes.EventAudited:
			if e.Provider == p.Me {
				p.proveQ.push(e.JobId)
			}
		case *disputetypes.EventChallenged:
			p.proveQ.push(e.JobId) // the worker checks whose result it is
		case *jobstypes.EventJobExpired:
			p.stopProbes(e.JobId)
			p.forgetClosing(e.JobId)
		case *jobstypes.EventJobCancelled:
			p.stopProbes(e.JobId)
			p.forgetClosing(e.JobId)
		case *jobstypes.EventJobDeclined:
			p.stopProbes(e.JobId)
			p.forgetClosing(e.JobId)
		}
	}
	p.pendingM.Lock()
	defer p.pendingM.Unlock()
	for id, sent := range p.pending {
		if time.Since(sent) > p.Signer.timeout {
			delete(p.pending, id)
			p.Metrics.Errors.WithLabelValues("post_result").Inc()
			p.Log.Warn("result not seen in a block; running the job again", "job", id)
			p.runQ.push(id)
		}
	}
	return nil
}

func (p *Provider) job(ctx context.Context, id uint64) (jobstypes.Job, error) {
	res, err := p.Chain.Jobs.Job(ctx, &jobstypes.QueryJobRequest{Id: id})
	if err != nil {
		return jobstypes.Job{}, err
	}
	return res.Job, nil
}

// intake reads a new assignment's buyer and queues it for the run
// workers under that buyer.
func (p *Provider) intake(ctx context.Context, id uint64) error {
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	j, err := p.job(qctx, id)
	if err != nil {
		return err
	}
	if j.Status == jobstypes.JobStatus_JOB_STATUS_ASSIGNED && j.Provider == p.Me {
		p.enqueue(j)
	}
	return nil
}

// enqueue queues an assigned job for the run workers: under its buyer (a
// contract job under its position: every position holder is a buyer of its
// own), and, if it can be declined, with the time its decline must be sent
// by.
func (p *Provider) enqueue(j jobstypes.Job) {
	key := j.Buyer
	if j.Contract != nil {
		key = "contract:" + j.Contract.Reference
	}
	if by, ok := p.declineBy(j); ok {
		p.closingM.Lock()
		p.closing[j.Id] = by
		p.closingM.Unlock()
	}
	p.fairQ.push(j.Id, key)
}

// declineBy is when a decline of j must be sent by, if j can still be
// declined: a contract job never can, and once its window has closed (a
// restart, a re-run) a job is run, not declined — a decline would be
// refused and the job left to expire.
func (p *Provider) declineBy(j jobstypes.Job) (time.Time, bool) {
	if j.Contract != nil || j.DeclineUntil.IsZero() || !time.Now().Before(j.DeclineUntil) {
		return time.Time{}, false
	}
	return j.DeclineUntil.Add(-p.cfg.DeclineMargin), true
}

// forgetClosing drops a job from the decline sweep.
func (p *Provider) forgetClosing(id uint64) {
	p.closingM.Lock()
	delete(p.closing, id)
	p.closingM.Unlock()
}

// declineClosing declines every queued job whose decline window closes
// before its turn could come (a burst of one buyer's jobs waits behind that
// buyer's share of the workers): a declined job costs nothing, an expired
// one costs the provider. Each is its own transaction, so a job the buyer
// cancelled meanwhile fails only its own decline.
func (p *Provider) declineClosing(ctx context.Context) {
	now := time.Now()
	soon := now.Add(2 * time.Second)
	p.closingM.Lock()
	var due []uint64
	for id, by := range p.closing {
		if by.Before(soon) {
			due = append(due, id)
		}
	}
	p.closingM.Unlock()
	slices.Sort(due)
	for _, id := range due {
		if ctx.Err() != nil {
			return
		}
		if !p.fairQ.take(id) {
			continue // running (the worker checks the window itself) or gone
		}
		p.forgetClosing(id)
		p.Metrics.Refused.WithLabelValues("decline_closing").Inc()
		hash, err := p.Signer.Broadcast(ctx, "decline_job", nil, &jobstypes.MsgDeclineJob{Provider: p.Me, JobId: id})
		if err != nil {
			// refused in simulation: cancelled, or the window already
			// closed — the intake reads it again and runs it if it is ours
			p.Log.Warn("decline refused; looking at the job again", "job", id, "err", err)
			p.runQ.push(id)
			continue
		}
		p.Log.Warn("declined a job whose decline window closes before its turn (one buyer's burst)", "job", id, "tx", hash)
	}
}

// run executes one assigned job and posts its result.
func (p *Provider) run(ctx context.Context, id uint64) error {
	p.forgetClosing(id)
	j, err := p.job(ctx, id)
	if err != nil {
		return err
	}
	if j.Status != jobstypes.JobStatus_JOB_STATUS_ASSIGNED || j.Provider != p.Me {
		return nil // already posted (before a restart), cancelled, expired or not ours
	}
	p.Metrics.JobsSeen.Inc()
	var prev outputRecord
	if ok, _ := p.Store.Get(jobKey("output", id), &prev); ok && prev.TxHash != "" {
		// Posted before a restart: wait for that transaction rather than
		// sending the result twice; post again only if it never landed.
		if _, err := p.Signer.Await(ctx, "post_result", prev.TxHash); err == nil || errors.Is(err, ErrTxFailed) {
			if j, err = p.job(ctx, id); err != nil || j.Status != jobstypes.JobStatus_JOB_STATUS_ASSIGNED {
				return err
			}
		}
	}
	// The files are read and checked before the decline window closes, or
	// the job is declined: a buyer whose files stall or weigh too much
	// cannot run the clock out on the provider.
	fctx := ctx
	by, declinable := p.declineBy(j)
	if declinable {
		if !time.Now().Before(by) {
			return p.refuse(ctx, j, fmt.Errorf("%w: its turn came %s before the window's end", ErrDeclineClosing, time.Until(j.DeclineUntil).Round(time.Second)))
		}
		var cancel context.CancelFunc
		fctx, cancel = context.WithDeadline(ctx, by)
		defer cancel()
	}
	if jobstypes.IsBatch(j) {
		return p.runBatch(ctx, fctx, j, declinable)
	}
	// what cannot be proven is not run: the work a job costs is bounded by
	// its circuit (JobFiles checks the shape before anything costly)
	m, in, err := p.files(fctx, j)
	if err != nil && declinable && fctx.Err() != nil && ctx.Err() == nil {
		err = fmt.Errorf("%w: %v", ErrDeclineClosing, err)
	}
	if err == nil {
		// what is needed to prove the result is kept on our disk until the
		// job can no longer be disputed
		if err = p.keep(j, m, in); err != nil && j.Contract != nil && errors.Is(err, ErrRetentionFull) {
			p.Log.Warn("retention budget full: running a contract job (it cannot be declined) without keeping its files", "job", id)
			err = nil
		}
	}
	if err != nil {
		return p.refuse(ctx, j, err)
	}
	if j.Sla != nil {
		p.startProbes(j, m)
	}
	if err := sleep(ctx, p.cfg.Delay); err != nil {
		return err
	}
	start := time.Now()
	out, err := zkml.Infer(m, in)
	if err != nil {
		return fmt.Errorf("job %d: inference: %w", id, err)
	}
	took := time.Since(start)
	p.Metrics.InferSeconds.Observe(took.Seconds())
	honest := true
	if p.cfg.WrongOutputRate > 0 && lottery(p.cfg.Seed+"/wrong", id) < p.cfg.WrongOutputRate {
		out = append([]int8(nil), out...)
		out[0] ^= 1 // a cheaper "result": the posted output is not the model's
		honest = false
	}
	if p.cfg.ProveAll && honest {
		if _, err := p.proveAndKeep(j, m, in); err != nil {
			return err
		}
	}
	bz, err := zkml.MarshalTensor(out)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(p.outDir, strconv.FormatUint(id, 10)+".vten"), bz, 0o644); err != nil {
		return err
	}
	oc := SchemeOf(j).TensorCommitment(out)
	return p.post(ctx, j, outputRecord{Commitment: hex.EncodeToString(oc[:]), Honest: honest}, oc[:], took)
}

// post records a job's output (the intent, before the transaction leaves)
// and sends its result; the result's inclusion is awaited in OnBlock.
func (p *Provider) post(ctx context.Context, j jobstypes.Job, rec outputRecord, oc []byte, took time.Duration) error {
	id := j.Id
	if err := p.Store.Put(jobKey("output", id), rec); err != nil {
		return err
	}
	ms := max(uint32(took.Milliseconds()), 1) //nolint:gosec // a run is shorter than 49 days
	hash, err := p.Signer.Broadcast(ctx, "post_result", func(hash string) error {
		rec.TxHash = hash // the intent, before the transaction leaves
		return p.Store.Put(jobKey("output", id), rec)
	}, &jobstypes.MsgPostResult{
		Provider: p.Me, JobId: id, OutputCommitment: oc,
		OutputUri: strings.TrimRight(p.cfg.PublicURL, "/") + "/outputs/" + strconv.FormatUint(id, 10),
		UnitsUsed: j.Units,
		Metrics:   jobstypes.Metrics{LatencyP50Ms: ms, LatencyP99Ms: ms, ThroughputMilli: j.Units * 1_000_000 / uint64(ms)},
	})
	if err != nil {
		return fmt.Errorf("post result of job %d: %w", id, err)
	}
	// The next job need not wait for this block: the result's inclusion is
	// seen in the block events (OnBlock); one not seen within the tx timeout
	// is run again, which first looks for this transaction.
	p.pendingM.Lock()
	p.pending[id] = time.Now()
	p.pendingM.Unlock()
	p.Log.Info("result sent", "job", id, "items", jobstypes.Items(j), "output", rec.Commitment, "honest", rec.Honest, "run", took, "tx", hash)
	return nil
}

// refuse declines a job whose files the agent will not run (free inside
// the decline window): unreachable, not the committed bytes, not the
// job's circuit, or more than the retention budget holds.
func (p *Provider) refuse(ctx context.Context, j jobstypes.Job, why error) error {
	reason := refusalReason(why)
	p.Metrics.Refused.WithLabelValues(reason).Inc()
	if j.Contract != nil {
		// a contract job cannot be declined (the seller sold the
		// capacity): it expires unless the files come
		p.Log.Warn("job refused on a contract job, which cannot be declined", "job", j.Id, "reason", reason, "err", why)
		return nil
	}
	// broadcast, not awaited: the worker is free for the next job at once
	hash, err := p.Signer.Broadcast(ctx, "decline_job", nil, &jobstypes.MsgDeclineJob{Provider: p.Me, JobId: j.Id})
	if err != nil {
		return fmt.Errorf("decline job %d: %w (refused: %v)", j.Id, err, why)
	}
	p.Log.Warn("job refused; declined", "job", j.Id, "reason", reason, "err", why, "tx", hash)
	return nil
}

// files returns a job's model and input, checked against its commitments:
// the retained copies when there are, else fetched from the job's URIs.
func (p *Provider) files(ctx context.Context, j jobstypes.Job) (*zkml.Model, []int8, error) {
	sc := SchemeOf(j)
	if mb, ib, ok := p.retain.Load(j.Id); ok {
		m, err := p.Fetch.ParseModel(sc, mb, j.ModelCommitment)
		if err == nil {
			var in []int8
			if in, err = ParseTensor(sc, ib, j.InputCommitment); err == nil {
				return m, in, nil
			}
		}
		p.Log.Warn("retained files unreadable; fetching again", "job", j.Id, "err", err)
	}
	return p.Fetch.JobFiles(ctx, j, p.cfg.MaxWork)
}

// keep retains a job's files for its disputes.
func (p *Provider) keep(j jobstypes.Job, m *zkml.Model, in []int8) error {
	mb, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	ib, err := zkml.MarshalTensor(in)
	if err != nil {
		return err
	}
	if err := p.retain.Keep(j.Id, j.ModelCommitment, mb, j.InputCommitment, ib); err != nil {
		return err
	}
	p.Metrics.RetainedBytes.Set(float64(p.retain.Used()))
	return nil
}

// sweep releases the retained files of every job that can no longer be
// disputed: final (finalized, failed, expired, cancelled), or no longer
// ours (declined, reassigned), or gone from the chain.
func (p *Provider) sweep(ctx context.Context) {
	for _, id := range p.retain.Jobs() {
		qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		j, err := p.job(qctx, id)
		cancel()
		if ctx.Err() != nil {
			return
		}
		release := false
		switch {
		case err != nil:
			release = status.Code(err) == codes.NotFound
		case j.Provider != p.Me:
			release = true
		default:
			switch j.Status {
			case jobstypes.JobStatus_JOB_STATUS_FINALIZED, jobstypes.JobStatus_JOB_STATUS_FAILED,
				jobstypes.JobStatus_JOB_STATUS_EXPIRED, jobstypes.JobStatus_JOB_STATUS_CANCELLED, jobstypes.JobStatus_JOB_STATUS_SUBMITTED:
				release = true
			}
		}
		if !release {
			continue
		}
		if err := p.retain.Release(id); err != nil {
			p.Log.Error("release retained files", "job", id, "err", err)
			continue
		}
		p.stopProbes(id)
		p.Log.Debug("retained files released", "job", id)
	}
	p.Metrics.RetainedBytes.Set(float64(p.retain.Used()))
}

// proveAndKeep proves the job's true output and stores the proof, so a
// restart never proves twice.
func (p *Provider) proveAndKeep(j jobstypes.Job, m *zkml.Model, in []int8) ([]byte, error) {
	proof, _, took, err := p.prover.Prove(SchemeOf(j), m, in, j.Id)
	if err != nil {
		p.Metrics.Proofs.WithLabelValues("error").Inc()
		return nil, fmt.Errorf("job %d: proving: %w", j.Id, err)
	}
	p.Metrics.ProofSeconds.Observe(took.Seconds())
	p.Metrics.Proofs.WithLabelValues("generated").Inc()
	p.Log.Info("proof generated", "job", j.Id, "took", took.Round(time.Millisecond))
	return proof, p.Store.Put(jobKey("proof", j.Id), hex.EncodeToString(proof))
}

// prove answers an open dispute of one of the operator's results.
func (p *Provider) prove(ctx context.Context, id uint64) error {
	dres, err := p.Chain.Disputes.Dispute(ctx, &disputetypes.QueryDisputeRequest{JobId: id})
	if err != nil {
		return err
	}
	d := dres.Dispute
	if d.Provider != p.Me || d.Status != disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN {
		return nil
	}
	j, err := p.job(ctx, id)
	if err != nil {
		return err
	}
	if j.Checkpoint != nil {
		return p.proveReceipt(ctx, j, d)
	}
	if jobstypes.IsBatch(j) {
		return p.proveItem(ctx, j, d)
	}
	left := time.Until(d.ProofDeadline)
	kind := strings.TrimPrefix(d.Kind.String(), "DISPUTE_KIND_")
	var rec outputRecord
	if ok, _ := p.Store.Get(jobKey("output", id), &rec); ok && !rec.Honest {
		p.Metrics.Proofs.WithLabelValues("cannot").Inc()
		p.Log.Warn("disputed result was not the model's output: no proof can verify; not submitting", "job", id, "kind", kind)
		return nil
	}
	var proof []byte
	var hexProof string
	if ok, _ := p.Store.Get(jobKey("proof", id), &hexProof); ok {
		proof, _ = hex.DecodeString(hexProof)
		p.Log.Info("dispute: using the proof made earlier", "job", id, "kind", kind, "left", left.Round(time.Millisecond))
	} else {
		m, in, err := p.files(ctx, j)
		if err != nil {
			return fmt.Errorf("dispute of job %d: %w", id, err)
		}
		if want, err := zkml.Infer(m, in); err == nil && j.Result != nil {
			if c := SchemeOf(j).TensorCommitment(want); !bytes.Equal(c[:], j.Result.OutputCommitment) {
				p.Metrics.Proofs.WithLabelValues("cannot").Inc()
				p.Log.Warn("posted output differs from the model's: no proof can verify; not submitting", "job", id)
				return nil
			}
		}
		est := p.prover.Estimate(m.CircuitID(SchemeOf(j)))
		if est == 0 {
			p.Log.Warn("no proving time measured yet for this shape (warm-up off or still running): no deadline estimate", "job", id)
		}
		p.Log.Info("dispute: proving", "job", id, "kind", kind, "left", left.Round(time.Millisecond), "estimate", est.Round(time.Millisecond))
		if est > 0 && est > left {
			p.Metrics.Errors.WithLabelValues("deadline").Inc()
			p.Log.Warn("the proof will likely not be ready before the deadline", "job", id, "left", left.Round(time.Millisecond), "estimate", est.Round(time.Millisecond))
		}
		if proof, err = p.proveAndKeep(j, m, in); err != nil {
			return err
		}
	}
	// Someone else may have settled it while we proved.
	if dres, err = p.Chain.Disputes.Dispute(ctx, &disputetypes.QueryDisputeRequest{JobId: id}); err == nil && dres.Dispute.Status != disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN {
		return nil
	}
	res, err := p.Signer.Send(ctx, "submit_proof", &disputetypes.MsgSubmitProof{
		Submitter: p.Me, JobId: id, Claim: disputetypes.Claim_CLAIM_PROVIDER, Proof: proof,
	})
	if err != nil {
		p.Metrics.Proofs.WithLabelValues("refused").Inc()
		return fmt.Errorf("submit proof of job %d: %w", id, err)
	}
	p.Metrics.Proofs.WithLabelValues("accepted").Inc()
	p.Log.Info("proof accepted", "job", id, "kind", kind, "left", time.Until(d.ProofDeadline).Round(time.Millisecond), "tx", res.TxHash)
	return nil
}

func (p *Provider) serveOutput(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(strings.TrimPrefix(r.URL.Path, "/outputs/"), 10, 64)
	if err != nil {
		http.Error(w, "job id expected", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if bp := filepath.Join(p.outDir, strconv.FormatUint(id, 10)+".vbat"); fileExists(bp) {
		p.serveBatchOutput(w, r, bp)
		return
	}
	http.ServeFile(w, r, filepath.Join(p.outDir, strconv.FormatUint(id, 10)+".vten"))
}

// maxInferBody caps a probe's input tensor (the 784-input shape is < 1 KiB),
// and probeBodyTime the time to send it.
const (
	maxInferBody  = 1 << 20
	probeBodyTime = 3 * time.Second
)

// startProbes lets /infer answer probes of a running SLA job.
func (p *Provider) startProbes(j jobstypes.Job, m *zkml.Model) {
	p.probingM.Lock()
	defer p.probingM.Unlock()
	if p.probing[j.Id] == nil {
		p.probing[j.Id] = &probeTarget{model: m, buyer: j.Buyer}
	}
}

// stopProbes ends a job's probing (its result is posted, or it ended).
func (p *Provider) stopProbes(id uint64) {
	p.probingM.Lock()
	defer p.probingM.Unlock()
	delete(p.probing, id)
}

// serveInfer answers an SLA probe (`POST /infer?job=<id>`, signed: see
// probe.go) by running the job's model on the posted tensor: only for a
// running SLA job of this provider, only to its buyer or a registered
// monitor, one probe at a time per prober.
func (p *Provider) serveInfer(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST a tensor (.vten)", http.StatusMethodNotAllowed)
		return
	}
	id, err := strconv.ParseUint(r.URL.Query().Get("job"), 10, 64)
	if err != nil {
		http.Error(w, "job=<id> expected", http.StatusBadRequest)
		return
	}
	p.probingM.Lock()
	t := p.probing[id]
	p.probingM.Unlock()
	if t == nil {
		http.Error(w, "no running SLA job with this id here", http.StatusNotFound)
		return
	}
	p.answerProbe(w, r, probeDomain, id, t.buyer, t.model)
}

// answerProbe answers a signed SLA probe of the job or serving session id
// (its signing domain) whose buyer is buyer: only to that buyer or a
// registered monitor (decided from the headers before the body is read),
// one probe at a time per prober and target, with model's output on the
// posted tensor after the same --delay as real answers.
func (p *Provider) answerProbe(w http.ResponseWriter, r *http.Request, domain string, id uint64, buyer string, m *zkml.Model) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	if err := p.auth.allowed(ctx, r, buyer); err != nil {
		p.Metrics.Probes.WithLabelValues("refused").Inc()
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	// a probe's body is a small tensor sent at once: a client that drips
	// it (the prober header is not yet verified) loses the connection
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(probeBodyTime))
	bz, err := io.ReadAll(io.LimitReader(r.Body, maxInferBody+1))
	if err != nil || len(bz) > maxInferBody {
		http.Error(w, "body too large or unreadable", http.StatusBadRequest)
		return
	}
	prober, err := p.auth.check(ctx, r, domain, id, buyer, bz, time.Now())
	if err != nil {
		p.Metrics.Probes.WithLabelValues("refused").Inc()
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	key := fmt.Sprintf("%s/%d/%s", domain, id, prober)
	p.probingM.Lock()
	if p.probesInFlight == nil {
		p.probesInFlight = map[string]bool{}
	}
	busy := p.probesInFlight[key]
	p.probesInFlight[key] = true
	p.probingM.Unlock()
	if busy {
		http.Error(w, "one probe at a time", http.StatusTooManyRequests)
		return
	}
	defer func() {
		p.probingM.Lock()
		delete(p.probesInFlight, key)
		p.probingM.Unlock()
	}()
	in, err := zkml.UnmarshalTensor(bz)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if want := inputLen(m); len(in) != want {
		http.Error(w, fmt.Sprintf("an input of %d values, the model takes %d", len(in), want), http.StatusBadRequest)
		return
	}
	if err := sleep(r.Context(), p.cfg.Delay); err != nil {
		return
	}
	out, err := zkml.Infer(m, in)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	res, err := zkml.MarshalTensor(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	p.Metrics.Probes.WithLabelValues("answered").Inc()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("X-Units", "1")
	_, _ = w.Write(res)
}
