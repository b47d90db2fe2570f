package agent

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"cosmossdk.io/math"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	reptypes "github.com/verdict-chain/verdict/x/reputation/types"
	"github.com/verdict-chain/verdict/zkml"
)

// WatcherConfig are the watcher's own settings.
type WatcherConfig struct {
	// SampleRate: the share of posted results re-executed (0..1).
	SampleRate float64
	// LowReputationPPM: every result of a provider whose score in the job's
	// class is below this is re-executed.
	LowReputationPPM uint32
	// BondBudget: the most the watcher keeps in open challenge bonds.
	BondBudget math.Int
	// Seed of the sampling lottery (keep it private).
	Seed string
	// BatchSample: the items of every batch result re-executed, drawn
	// privately from Seed (0: batches are not checked).
	BatchSample int
	// BatchDir holds the files of the batches being checked or challenged.
	BatchDir string
}

// Watcher re-executes a sample of posted results and challenges the ones
// it cannot reproduce, then proves its own output. It never challenges a
// result it reproduced, and never bonds more than its budget.
type Watcher struct {
	*Base
	cfg     WatcherConfig
	prover  *Prover
	checkQ  *queue
	proveQ  *queue
	budgetM sync.Mutex
	heldM   sync.Mutex
	held    map[uint64]heldFiles // files of the challenges being proven (bounded by the bond budget)
}

// heldFiles are a challenged job's files, kept in memory from the check to
// the counter proof.
type heldFiles struct {
	model *zkml.Model
	input []int8
}

// checkRecord is the watcher's verdict on one posted result.
type checkRecord struct {
	Checked bool   `json:"checked"`
	Why     string `json:"why"` // sampled, low_reputation, not_sampled, refused, ...
	Match   bool   `json:"match"`
}

// challengeRecord is one challenge the watcher opened.
type challengeRecord struct {
	Bond    string `json:"bond"` // amount in the bond denom
	Counter string `json:"counter"`
	Item    uint64 `json:"item,omitempty"` // a batch job's challenged item
	Open    bool   `json:"open"`
	Proven  bool   `json:"proven"`
}

// NewWatcher builds the watcher.
func NewWatcher(b *Base, cfg WatcherConfig, prover *Prover) *Watcher {
	return &Watcher{Base: b, cfg: cfg, prover: prover, checkQ: newQueue(), proveQ: newQueue(), held: map[uint64]heldFiles{}}
}

// Start launches the checking and proving workers.
func (w *Watcher) Start(ctx context.Context, wg *sync.WaitGroup) {
	work(ctx, wg, w.checkQ, w.Log, w.Metrics, "check", w.check)
	work(ctx, wg, w.proveQ, w.Log, w.Metrics, "prove_counter", w.proveCounter)
}

// CatchUp queues every posted result in its window and every challenge of
// the watcher's still open; closes the ones that resolved.
func (w *Watcher) CatchUp(ctx context.Context) error {
	jobs, err := listJobs(ctx, w.Chain, "", jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		w.checkQ.push(j.Id)
	}
	return w.refreshChallenges(ctx)
}

// OnBlock queues new results and settles the budget of resolved disputes.
func (w *Watcher) OnBlock(ctx context.Context, b Block) error {
	resolved := false
	for _, ev := range typedEvents(b) {
		switch e := ev.(type) {
		case *jobstypes.EventResultPosted:
			w.checkQ.push(e.JobId)
		case *jobstypes.EventWindowResumed:
			// a batch disputed when its result was posted (a challenge in
			// the same block) was not checked then: it is now
			w.checkQ.push(e.JobId)
		case *disputetypes.EventDisputeResolved:
			resolved = true
		}
	}
	if resolved {
		return w.refreshChallenges(ctx)
	}
	return nil
}

// refreshChallenges closes challenges whose dispute resolved and queues a
// proof for open ones not yet proven.
func (w *Watcher) refreshChallenges(ctx context.Context) error {
	w.budgetM.Lock()
	defer w.budgetM.Unlock()
	inUse := math.ZeroInt()
	var err error
	ferr := w.Store.Each("challenge/", func(key string, raw []byte) error {
		var rec challengeRecord
		var id uint64
		if _, err := fmt.Sscanf(key, "challenge/%d", &id); err != nil {
			return nil
		}
		if err := jsonUnmarshal(raw, &rec); err != nil || !rec.Open {
			return nil
		}
		res, qerr := w.Chain.Disputes.Dispute(ctx, &disputetypes.QueryDisputeRequest{JobId: id})
		switch {
		case qerr != nil:
			err = qerr // keep it counted
		case res.Dispute.Status != disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN:
			rec.Open = false
			w.heldM.Lock()
			delete(w.held, id) // nothing left to prove
			w.heldM.Unlock()
			w.dropBatch(id)
			w.Log.Info("challenge resolved", "job", id, "status", res.Dispute.Status.String(), "reason", resolutionReason(res.Dispute))
			return w.Store.Put(key, rec)
		case !rec.Proven:
			w.proveQ.push(id)
		}
		amt, _ := math.NewIntFromString(rec.Bond)
		if !amt.IsNil() {
			inUse = inUse.Add(amt)
		}
		return nil
	})
	w.Metrics.BondInUse.Set(float64(inUse.Int64()))
	if ferr != nil {
		return ferr
	}
	return err
}

func resolutionReason(d disputetypes.Dispute) string {
	if d.Resolution == nil {
		return ""
	}
	return d.Resolution.Reason
}

// bondInUse sums the open challenge bonds in the store.
func (w *Watcher) bondInUse() math.Int {
	total := math.ZeroInt()
	_ = w.Store.Each("challenge/", func(_ string, raw []byte) error {
		var rec challengeRecord
		if jsonUnmarshal(raw, &rec) == nil && rec.Open {
			if amt, ok := math.NewIntFromString(rec.Bond); ok {
				total = total.Add(amt)
			}
		}
		return nil
	})
	return total
}

// check decides whether to re-execute one posted result, does it, and
// challenges a mismatch if the budget allows.
func (w *Watcher) check(ctx context.Context, id uint64) error {
	key := jobKey("check", id)
	if w.Store.Has(key) {
		return nil // decided before (this run or an earlier one)
	}
	res, err := w.Chain.Jobs.Job(ctx, &jobstypes.QueryJobRequest{Id: id})
	if err != nil {
		return err
	}
	j := res.Job
	if j.Status != jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED || j.Result == nil || j.CircuitId == "" || j.Provider == w.Me {
		return nil
	}
	w.Metrics.JobsSeen.Inc()
	if jobstypes.IsBatch(j) {
		return w.checkBatch(ctx, j, key)
	}
	why := ""
	if w.cfg.SampleRate > 0 && lottery(w.cfg.Seed+"/sample", id) < w.cfg.SampleRate {
		why = "sampled"
	} else if w.cfg.LowReputationPPM > 0 {
		rep, err := w.Chain.Reputation.Reputation(ctx, &reptypes.QueryReputationRequest{Provider: j.Provider, Class: j.Class})
		if err != nil {
			return fmt.Errorf("reputation of %s: %w", j.Provider, err)
		}
		if rep.Reputation.ScorePpm < w.cfg.LowReputationPPM {
			why = "low_reputation"
		}
	}
	if why == "" {
		return w.Store.Put(key, checkRecord{Why: "not_sampled"})
	}
	// files that do not fit the job's circuit are not run (their cost
	// is unbounded) and are no one's result to challenge
	m, in, err := w.Fetch.JobFiles(ctx, j, 1)
	if err != nil {
		// The buyer's files, not the provider's result, are at fault (or
		// unreachable): nothing to re-execute, nothing to challenge.
		reason := refusalReason(err)
		w.Metrics.Refused.WithLabelValues(reason).Inc()
		w.Log.Warn("cannot re-execute: job files refused", "job", id, "err", err)
		return w.Store.Put(key, checkRecord{Why: "refused:" + reason})
	}
	start := time.Now()
	out, err := zkml.Infer(m, in)
	if err != nil {
		return w.Store.Put(key, checkRecord{Why: "inference: " + err.Error()})
	}
	w.Metrics.InferSeconds.Observe(time.Since(start).Seconds())
	oc := SchemeOf(j).TensorCommitment(out)
	if bytes.Equal(oc[:], j.Result.OutputCommitment) {
		w.Metrics.Checked.WithLabelValues("reproduced").Inc()
		w.Log.Info("result reproduced", "job", id, "provider", j.Provider, "why", why)
		return w.Store.Put(key, checkRecord{Checked: true, Why: why, Match: true})
	}
	w.Metrics.Checked.WithLabelValues("mismatch").Inc()
	w.Log.Warn("result does not match re-execution", "job", id, "provider", j.Provider, "posted", hex.EncodeToString(j.Result.OutputCommitment), "ours", hex.EncodeToString(oc[:]))
	w.heldM.Lock()
	w.held[id] = heldFiles{m, in} // the counter proof must not depend on the buyer serving them again
	w.heldM.Unlock()
	err = w.challenge(ctx, j, oc[:], 0, key, why)
	if !w.Store.Has(jobKey("challenge", id)) { // not challenged: nothing to prove
		w.heldM.Lock()
		delete(w.held, id)
		w.heldM.Unlock()
	}
	return err
}

func (w *Watcher) challenge(ctx context.Context, j jobstypes.Job, counter []byte, item uint64, key, why string) error {
	w.budgetM.Lock()
	defer w.budgetM.Unlock()
	bres, err := w.Chain.Disputes.ChallengeBond(ctx, &disputetypes.QueryChallengeBondRequest{JobId: j.Id})
	if err != nil {
		return fmt.Errorf("challenge bond of job %d: %w", j.Id, err)
	}
	bond := bres.Bond.Amount
	inUse := w.bondInUse()
	if inUse.Add(bond).GT(w.cfg.BondBudget) {
		w.Metrics.Challenges.WithLabelValues("skipped_budget").Inc()
		w.Log.Warn("mismatch not challenged: bond budget exhausted", "job", j.Id, "bond", bond, "in_use", inUse, "budget", w.cfg.BondBudget)
		return w.Store.Put(key, checkRecord{Checked: true, Why: why + ",over_budget"})
	}
	ckey := jobKey("challenge", j.Id)
	rec := challengeRecord{Bond: bond.String(), Counter: hex.EncodeToString(counter), Item: item, Open: true}
	if err := w.Store.Put(ckey, rec); err != nil { // intent first: a crash never forgets a bond
		return err
	}
	res, err := w.Signer.Send(ctx, "challenge", &disputetypes.MsgChallenge{Challenger: w.Me, JobId: j.Id, CounterCommitment: counter, Item: item})
	if err != nil {
		_ = w.Store.Delete(ckey)
		w.Metrics.Challenges.WithLabelValues("failed").Inc()
		return fmt.Errorf("challenge job %d: %w", j.Id, err)
	}
	w.Metrics.Challenges.WithLabelValues("opened").Inc()
	w.Metrics.BondInUse.Set(float64(inUse.Add(bond).Int64()))
	w.Log.Info("challenged", "job", j.Id, "item", item, "bond", bond, "counter", rec.Counter, "tx", res.TxHash)
	if err := w.Store.Put(key, checkRecord{Checked: true, Why: why}); err != nil {
		return err
	}
	w.proveQ.push(j.Id)
	return nil
}

// proveCounter proves the watcher's own output for a job it challenged: a
// valid counter proof settles the dispute at once.
func (w *Watcher) proveCounter(ctx context.Context, id uint64) (err error) {
	w.heldM.Lock()
	h, ok := w.held[id]
	delete(w.held, id)
	w.heldM.Unlock()
	defer func() {
		if err != nil && ok { // kept for the retry: the buyer need not serve them again
			w.heldM.Lock()
			w.held[id] = h
			w.heldM.Unlock()
		}
	}()
	ckey := jobKey("challenge", id)
	var rec challengeRecord
	if ok, err := w.Store.Get(ckey, &rec); err != nil || !ok || !rec.Open || rec.Proven {
		return err
	}
	dres, err := w.Chain.Disputes.Dispute(ctx, &disputetypes.QueryDisputeRequest{JobId: id})
	if err != nil {
		return err
	}
	if dres.Dispute.Status != disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN {
		return w.refreshChallenges(ctx)
	}
	jres, err := w.Chain.Jobs.Job(ctx, &jobstypes.QueryJobRequest{Id: id})
	if err != nil {
		return err
	}
	j := jres.Job
	if jobstypes.IsBatch(j) {
		return w.proveCounterItem(ctx, j, dres.Dispute, rec, h.model)
	}
	m, in := h.model, h.input
	if !ok { // after a restart
		if m, in, err = w.Fetch.JobFiles(ctx, j, 1); err != nil {
			return err
		}
	}
	left := time.Until(dres.Dispute.ProofDeadline)
	w.Log.Info("proving the counter output", "job", id, "left", left.Round(time.Millisecond))
	proof, out, took, err := w.prover.Prove(SchemeOf(j), m, in, id)
	if err != nil {
		w.Metrics.Proofs.WithLabelValues("error").Inc()
		return err
	}
	w.Metrics.ProofSeconds.Observe(took.Seconds())
	w.Metrics.Proofs.WithLabelValues("generated").Inc()
	if oc := SchemeOf(j).TensorCommitment(out); hex.EncodeToString(oc[:]) != rec.Counter {
		return fmt.Errorf("job %d: proven output %x is not the counter commitment %s", id, oc, rec.Counter)
	}
	res, err := w.Signer.Send(ctx, "submit_proof", &disputetypes.MsgSubmitProof{Submitter: w.Me, JobId: id, Claim: disputetypes.Claim_CLAIM_COUNTER, Proof: proof})
	if err != nil {
		w.Metrics.Proofs.WithLabelValues("refused").Inc()
		return fmt.Errorf("counter proof of job %d: %w", id, err)
	}
	w.Metrics.Proofs.WithLabelValues("accepted").Inc()
	rec.Proven = true
	w.Log.Info("counter proof accepted", "job", id, "took", took.Round(time.Millisecond), "tx", res.TxHash)
	if err := w.Store.Put(ckey, rec); err != nil {
		return err
	}
	return w.refreshChallenges(ctx)
}
