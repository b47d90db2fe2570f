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
	"strconv"
	"strings"
	"sync"
	"time"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/dispute/zkml"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// ProviderConfig are the provider agent's own settings.
type ProviderConfig struct {
	// PublicURL is where others reach this agent (its /outputs/<job>); by
	// default the endpoint the provider registered on-chain.
	PublicURL string
	// WrongOutputRate (testing): the share of jobs whose posted output is
	// deliberately wrong.
	WrongOutputRate float64
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
}

// Provider runs the jobs assigned to its operator, posts the results, and
// answers every challenge or audit of its results with a proof.
type Provider struct {
	*Base
	cfg      ProviderConfig
	prover   *Prover
	runQ     *queue
	proveQ   *queue
	models   sync.Map // model commitment hex -> *zkml.Model (for /infer)
	outDir   string
	pendingM sync.Mutex
	pending  map[uint64]time.Time // results broadcast, inclusion not yet seen
}

// outputRecord is what the provider remembers about a job it ran.
type outputRecord struct {
	Commitment string `json:"commitment"`
	Honest     bool   `json:"honest"`
	TxHash     string `json:"tx_hash,omitempty"`
}

// NewProvider builds the provider agent; home holds its outputs.
func NewProvider(b *Base, cfg ProviderConfig, prover *Prover, home string) (*Provider, error) {
	p := &Provider{
		Base: b, cfg: cfg, prover: prover, runQ: newQueue(), proveQ: newQueue(),
		outDir: filepath.Join(home, "outputs"), pending: map[uint64]time.Time{},
	}
	if err := os.MkdirAll(p.outDir, 0o755); err != nil {
		return nil, err
	}
	b.Mux.HandleFunc("/outputs/", p.serveOutput)
	b.Mux.HandleFunc("/infer", p.serveInfer)
	return p, nil
}

// Start launches two workers: proofs never wait behind new jobs.
func (p *Provider) Start(ctx context.Context, wg *sync.WaitGroup) {
	work(ctx, wg, p.runQ, p.Log, p.Metrics, "run_job", p.run)
	work(ctx, wg, p.proveQ, p.Log, p.Metrics, "prove", p.prove)
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
		p.runQ.push(j.Id)
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
	return nil
}

// OnBlock queues new assignments and new disputes (challenges, audits),
// and confirms the results it sent.
func (p *Provider) OnBlock(ctx context.Context, b Block) error {
	for _, ev := range typedEvents(b) {
		switch e := ev.(type) {
		case *jobstypes.EventResultPosted:
			if e.Provider == p.Me {
				p.pendingM.Lock()
				delete(p.pending, e.JobId)
				p.pendingM.Unlock()
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

// run executes one assigned job and posts its result.
func (p *Provider) run(ctx context.Context, id uint64) error {
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
	m, in, err := p.files(ctx, j)
	if err != nil {
		if errors.Is(err, ErrCommitmentMismatch) {
			p.Metrics.Refused.WithLabelValues("commitment").Inc()
		} else {
			p.Metrics.Refused.WithLabelValues("fetch").Inc()
		}
		if j.Contract != nil {
			// a contract job cannot be declined (the seller sold the
			// capacity): it expires unless the files come
			p.Log.Warn("job files refused on a contract job, which cannot be declined", "job", id, "err", err)
			return nil
		}
		p.Log.Warn("job files refused; declining the job", "job", id, "err", err)
		if _, derr := p.Signer.Send(ctx, "decline_job", &jobstypes.MsgDeclineJob{Provider: p.Me, JobId: id}); derr != nil {
			return fmt.Errorf("decline job %d: %w (files: %v)", id, derr, err)
		}
		return nil
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
	rec := outputRecord{Commitment: hex.EncodeToString(oc[:]), Honest: honest}
	if err := p.Store.Put(jobKey("output", id), rec); err != nil {
		return err
	}
	ms := max(uint32(took.Milliseconds()), 1)
	hash, err := p.Signer.Broadcast(ctx, "post_result", func(hash string) error {
		rec.TxHash = hash // the intent, before the transaction leaves
		return p.Store.Put(jobKey("output", id), rec)
	}, &jobstypes.MsgPostResult{
		Provider: p.Me, JobId: id, OutputCommitment: oc[:],
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
	p.Log.Info("result sent", "job", id, "output", rec.Commitment, "honest", honest, "inference", took, "tx", hash)
	return nil
}

func (p *Provider) files(ctx context.Context, j jobstypes.Job) (*zkml.Model, []int8, error) {
	m, err := p.Fetch.Model(ctx, SchemeOf(j), j.ModelUri, j.ModelCommitment)
	if err != nil {
		return nil, nil, err
	}
	in, err := p.Fetch.Tensor(ctx, SchemeOf(j), j.InputUri, j.InputCommitment)
	if err != nil {
		return nil, nil, err
	}
	p.models.Store(hex.EncodeToString(j.ModelCommitment), m)
	return m, in, nil
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
	http.ServeFile(w, r, filepath.Join(p.outDir, strconv.FormatUint(id, 10)+".vten"))
}

// maxInferBody caps a probe's input tensor (the 784-input shape is < 1 KiB).
const maxInferBody = 1 << 20

// serveInfer runs a model the agent holds (by commitment) on a posted
// tensor: the endpoint SLA monitors probe. 404 when the model is not held.
func (p *Provider) serveInfer(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST a tensor (.vten)", http.StatusMethodNotAllowed)
		return
	}
	v, ok := p.models.Load(strings.ToLower(r.URL.Query().Get("model")))
	if !ok {
		http.Error(w, "model not held", http.StatusNotFound)
		return
	}
	bz, err := io.ReadAll(io.LimitReader(r.Body, maxInferBody+1))
	if err != nil || len(bz) > maxInferBody {
		http.Error(w, "body too large or unreadable", http.StatusBadRequest)
		return
	}
	in, err := zkml.UnmarshalTensor(bz)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := sleep(r.Context(), p.cfg.Delay); err != nil {
		return
	}
	out, err := zkml.Infer(v.(*zkml.Model), in)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	res, err := zkml.MarshalTensor(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("X-Units", "1")
	_, _ = w.Write(res)
}
