package agent

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// A batch result is checked by sampling: the watcher fetches the batch's
// input (from the buyer) and outputs (from the provider) to disk within
// --max-batch-bytes, checks both against the job's roots, re-executes
// BatchSample items drawn privately from its seed, and challenges the
// first item whose posted output it cannot reproduce, with its own output
// as counter commitment. A provider that fills a share f of a batch with
// wrong outputs is caught by one watcher with probability 1-(1-f)^k; the
// chain's audits draw items too (see the README's partial-cheating
// argument).

func (w *Watcher) batchDir(id uint64) string {
	return filepath.Join(w.cfg.BatchDir, strconv.FormatUint(id, 10))
}

// dropBatch deletes a batch's files (checked, or its challenge resolved).
func (w *Watcher) dropBatch(id uint64) {
	if w.cfg.BatchDir != "" {
		_ = os.RemoveAll(w.batchDir(id))
	}
}

// checkBatch samples a batch result's items and challenges the first
// mismatch.
func (w *Watcher) checkBatch(ctx context.Context, j jobstypes.Job, key string) error {
	if w.cfg.BatchSample <= 0 || w.cfg.BatchDir == "" {
		return w.Store.Put(key, checkRecord{Why: "batch_not_sampled"})
	}
	refused := func(err error) error {
		reason := refusalReason(err)
		w.Metrics.Refused.WithLabelValues(reason).Inc()
		w.Log.Warn("cannot check the batch: files refused", "job", j.Id, "err", err)
		w.dropBatch(j.Id)
		return w.Store.Put(key, checkRecord{Why: "refused:" + reason})
	}
	m, _, _, err := w.Fetch.JobModel(ctx, j, 1)
	if err != nil {
		return refused(err)
	}
	dir := w.batchDir(j.Id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	inPath, outPath := filepath.Join(dir, "input.vbat"), filepath.Join(dir, "output.vbat")
	if err := w.Fetch.BatchInput(ctx, j, m, inPath); err != nil {
		return refused(err)
	}
	in, err := zkml.OpenBatchFile(inPath, uint64(batchSize(j, m))) //nolint:gosec // positive
	if err != nil {
		return refused(err)
	}
	defer func() { _ = in.Close() }()
	// the output length is the model's: item 0 run once fixes it
	raw0, err := in.Item(0)
	if err != nil {
		return err
	}
	o0, err := zkml.Infer(m, zkml.Int8s(raw0))
	if err != nil {
		return w.Store.Put(key, checkRecord{Why: "inference: " + err.Error()})
	}
	outSize := int64(zkml.BatchHeader{ItemLen: len(o0), Count: j.Items}.Size()) //nolint:gosec // bounded by MaxItems × MaxTensorLen
	if outSize > w.Fetch.MaxBatchBytes {
		return refused(fmt.Errorf("%w: the outputs take %d bytes, more than --max-batch-bytes", ErrTooLarge, outSize))
	}
	if err := w.Fetch.FetchFile(ctx, j.Result.OutputUri, outSize, outPath); err != nil {
		// a provider that does not serve its outputs cannot be checked
		// item by item here; the buyer (who paid for them) can challenge
		w.Metrics.Checked.WithLabelValues("outputs_unavailable").Inc()
		w.Log.Warn("batch outputs unavailable: not checked", "job", j.Id, "uri", j.Result.OutputUri, "err", err)
		w.dropBatch(j.Id)
		return w.Store.Put(key, checkRecord{Why: "outputs_unavailable"})
	}
	if err := checkBatchFile(outPath, batch.KindOutput, j.Items, len(o0), j.Result.OutputCommitment); err != nil {
		w.Metrics.Checked.WithLabelValues("outputs_unavailable").Inc()
		w.Log.Warn("batch outputs served are not the posted root: not checked", "job", j.Id, "err", err)
		w.dropBatch(j.Id)
		return w.Store.Put(key, checkRecord{Why: "outputs_mismatch"})
	}
	out, err := zkml.OpenBatchFile(outPath, uint64(outSize)) //nolint:gosec // positive
	if err != nil {
		return err
	}
	defer func() { _ = out.Close() }()
	start := time.Now()
	items := sampleItems(w.cfg.Seed+"/batch", j.Id, j.Items, w.cfg.BatchSample)
	for _, i := range items {
		rin, err := in.Item(i)
		if err != nil {
			return err
		}
		rout, err := out.Item(i)
		if err != nil {
			return err
		}
		ours, err := zkml.Infer(m, zkml.Int8s(rin))
		if err != nil {
			return w.Store.Put(key, checkRecord{Why: "inference: " + err.Error()})
		}
		if bytes.Equal(zkml.Raw(ours), rout) {
			continue
		}
		w.Metrics.Checked.WithLabelValues("mismatch").Inc()
		counter, err := counterCommitment(j, ours)
		if err != nil {
			return err
		}
		w.Log.Warn("batch item does not match re-execution", "job", j.Id, "item", i, "provider", j.Provider, "sampled", len(items))
		w.heldM.Lock()
		w.held[j.Id] = heldFiles{model: m}
		w.heldM.Unlock()
		err = w.challenge(ctx, j, counter, i, key, "batch_sampled")
		if !w.Store.Has(jobKey("challenge", j.Id)) {
			w.heldM.Lock()
			delete(w.held, j.Id)
			w.heldM.Unlock()
			w.dropBatch(j.Id)
		}
		return err
	}
	w.Metrics.InferSeconds.Observe(time.Since(start).Seconds())
	w.Metrics.Checked.WithLabelValues("reproduced").Inc()
	w.Log.Info("batch reproduced", "job", j.Id, "provider", j.Provider, "items", j.Items, "sampled", len(items))
	w.dropBatch(j.Id)
	return w.Store.Put(key, checkRecord{Checked: true, Why: "batch_sampled", Match: true})
}

// proveCounterItem proves the watcher's own output of the challenged item
// of a batch job, with both inclusion paths (the posted output's too: the
// chain refuses a counter claim on an item whose posted output is the
// counter).
func (w *Watcher) proveCounterItem(ctx context.Context, j jobstypes.Job, d disputetypes.Dispute, rec challengeRecord, m *zkml.Model) error {
	if d.Item != rec.Item {
		return fmt.Errorf("job %d: the dispute names item %d, the challenge was of item %d", j.Id, d.Item, rec.Item)
	}
	if m == nil { // after a restart
		var err error
		if m, _, _, err = w.Fetch.JobModel(ctx, j, 1); err != nil {
			return err
		}
	}
	dir := w.batchDir(j.Id)
	ev, err := ItemEvidence(filepath.Join(dir, "input.vbat"), filepath.Join(dir, "output.vbat"), d.Item)
	if err != nil {
		return fmt.Errorf("job %d item %d: the batch files kept for the challenge: %w", j.Id, d.Item, err)
	}
	left := time.Until(d.ProofDeadline)
	w.Log.Info("proving the counter output of a batch item", "job", j.Id, "item", d.Item, "left", left.Round(time.Millisecond))
	proof, out, took, err := w.prover.ProveItem(SchemeOf(j), m, zkml.Int8s(ev.Input), j.Id, d.Item)
	if err != nil {
		w.Metrics.Proofs.WithLabelValues("error").Inc()
		return err
	}
	w.Metrics.ProofSeconds.Observe(took.Seconds())
	w.Metrics.Proofs.WithLabelValues("generated").Inc()
	counter, err := counterCommitment(j, out)
	if err != nil {
		return err
	}
	if hex.EncodeToString(counter) != rec.Counter {
		return fmt.Errorf("job %d item %d: proven output %x is not the counter commitment %s", j.Id, d.Item, counter, rec.Counter)
	}
	res, err := w.Signer.Send(ctx, "submit_proof", ev.Msg(w.Me, j.Id, disputetypes.Claim_CLAIM_COUNTER, proof))
	if err != nil {
		w.Metrics.Proofs.WithLabelValues("refused").Inc()
		return fmt.Errorf("counter proof of job %d item %d: %w", j.Id, d.Item, err)
	}
	w.Metrics.Proofs.WithLabelValues("accepted").Inc()
	rec.Proven = true
	w.Log.Info("counter proof accepted", "job", j.Id, "item", d.Item, "took", took.Round(time.Millisecond), "tx", res.TxHash)
	if err := w.Store.Put(jobKey("challenge", j.Id), rec); err != nil {
		return err
	}
	return w.refreshChallenges(ctx)
}
