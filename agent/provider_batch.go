package agent

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// runBatch runs a batch job: its model and input file checked (within the
// decline window when it can be declined) and retained, its items inferred
// across BatchWorkers, the outputs written to outputs/<id>.vbat, and one
// result posted with the output root.
func (p *Provider) runBatch(ctx, fctx context.Context, j jobstypes.Job, declinable bool) error {
	m, inPath, err := p.batchFiles(fctx, j)
	if err != nil && declinable && fctx.Err() != nil && ctx.Err() == nil {
		err = fmt.Errorf("%w: %v", ErrDeclineClosing, err)
	}
	if err != nil {
		return p.refuse(ctx, j, err)
	}
	if err := sleep(ctx, p.cfg.Delay); err != nil {
		return err
	}
	honest := true
	var wrong func(uint64) bool
	if p.cfg.WrongOutputRate > 0 && lottery(p.cfg.Seed+"/wrong", j.Id) < p.cfg.WrongOutputRate {
		honest = false
		first := uint64(lottery(p.cfg.Seed+"/wrong-first", j.Id) * float64(j.Items))
		wrong = func(i uint64) bool {
			return i == first || itemLottery(p.cfg.Seed+"/wrong-item", j.Id, i) < p.cfg.WrongItemRate
		}
	}
	workers := p.cfg.BatchWorkers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	start := time.Now()
	root, err := InferBatch(ctx, m, inPath, p.batchOutPath(j.Id), workers, wrong)
	if err != nil {
		return fmt.Errorf("job %d: batch inference: %w", j.Id, err)
	}
	took := time.Since(start)
	p.Metrics.InferSeconds.Observe(took.Seconds())
	p.Log.Info("batch inferred", "job", j.Id, "items", j.Items, "took", took.Round(time.Millisecond),
		"items_per_s", int64(float64(j.Items)/max(took.Seconds(), 1e-9)), "honest", honest)
	return p.post(ctx, j, outputRecord{Commitment: hex.EncodeToString(root[:]), Honest: honest}, root[:], took)
}

func (p *Provider) batchOutPath(id uint64) string {
	return filepath.Join(p.outDir, strconv.FormatUint(id, 10)+".vbat")
}

// batchFiles returns a batch job's model (and its bytes) and the path of
// its retained input file: the retained copy when there is one (its root
// checked again), else fetched, checked and retained.
func (p *Provider) batchFiles(ctx context.Context, j jobstypes.Job) (*zkml.Model, string, error) {
	sc := SchemeOf(j)
	if mb, inPath, ok := p.retain.LoadBatch(j.Id); ok {
		m, err := p.Fetch.ParseModel(sc, mb, j.ModelCommitment)
		if err == nil {
			if err = checkBatchFile(inPath, batch.KindInput, j.Items, inputLen(m), j.InputCommitment); err == nil {
				return m, inPath, nil
			}
		}
		p.Log.Warn("retained batch unreadable; fetching again", "job", j.Id, "err", err)
		if err := p.retain.Release(j.Id); err != nil {
			return nil, "", err
		}
	}
	m, mb, _, err := p.Fetch.JobModel(ctx, j, p.cfg.MaxWork)
	if err != nil {
		return nil, "", err
	}
	need := int64(len(mb)) + batchSize(j, m)
	release, err := p.retain.Reserve(need)
	defer release()
	if err != nil {
		return nil, "", err
	}
	tmp := p.retain.TempPath(j.Id)
	if err := p.Fetch.BatchInput(ctx, j, m, tmp); err != nil {
		return nil, "", err
	}
	if err := p.retain.KeepFile(j.Id, j.ModelCommitment, mb, j.InputCommitment, tmp, need); err != nil {
		return nil, "", err
	}
	p.Metrics.RetainedBytes.Set(float64(p.retain.Used()))
	_, inPath, ok := p.retain.LoadBatch(j.Id)
	if !ok {
		return nil, "", fmt.Errorf("job %d: retained batch input missing", j.Id)
	}
	return m, inPath, nil
}

// proveItem answers a dispute of one item of a batch result: the item's
// input and posted output read from disk with their inclusion paths, the
// item proven, and the proof sent only if the proven output is the one
// posted (a wrong item cannot be proven; nothing is spent trying).
func (p *Provider) proveItem(ctx context.Context, j jobstypes.Job, d disputetypes.Dispute) error {
	kind := strings.TrimPrefix(d.Kind.String(), "DISPUTE_KIND_")
	m, inPath, err := p.batchFiles(ctx, j)
	if err != nil {
		return fmt.Errorf("dispute of job %d item %d: %w", j.Id, d.Item, err)
	}
	ev, err := ItemEvidence(inPath, p.batchOutPath(j.Id), d.Item)
	if err != nil {
		return fmt.Errorf("dispute of job %d item %d: %w", j.Id, d.Item, err)
	}
	if j.Result == nil || !bytes.Equal(ev.OutRoot[:], j.Result.OutputCommitment) {
		p.Metrics.Proofs.WithLabelValues("cannot").Inc()
		p.Log.Warn("the kept outputs are not the posted root: no proof can verify; not submitting", "job", j.Id, "item", d.Item)
		return nil
	}
	sc := SchemeOf(j)
	left := time.Until(d.ProofDeadline)
	est := p.prover.Estimate(m.CircuitID(sc))
	p.Log.Info("dispute: proving a batch item", "job", j.Id, "item", d.Item, "kind", kind, "left", left.Round(time.Millisecond), "estimate", est.Round(time.Millisecond))
	return p.proveAndSubmit(ctx, j, d, sc, m, zkml.Int8s(ev.Input), zkml.Int8s(ev.Output), ev.Msg(p.Me, j.Id, disputetypes.Claim_CLAIM_PROVIDER, nil))
}

// proveAndSubmit answers the open dispute d of an item of job j (a batch
// item or a served request): the item's proof on input, kept in the store
// once made, sent as msg's proof only if the proven output is want, the
// output posted or served (a wrong one cannot be proven: nothing is spent
// trying), and only while the dispute is open.
func (p *Provider) proveAndSubmit(ctx context.Context, j jobstypes.Job, d disputetypes.Dispute, sc zkml.Scheme, m *zkml.Model, input, want []int8, msg *disputetypes.MsgSubmitProof) error {
	key := jobKey("proof", j.Id) + "/" + strconv.FormatUint(d.Item, 10)
	var hexProof string
	if ok, _ := p.Store.Get(key, &hexProof); ok {
		msg.Proof, _ = hex.DecodeString(hexProof)
	} else {
		if out, err := zkml.Infer(m, input); err != nil || !slices.Equal(out, want) {
			p.Metrics.Proofs.WithLabelValues("cannot").Inc()
			p.Log.Warn("the item's posted or served output is not the model's: no proof can verify; not submitting", "job", j.Id, "item", d.Item)
			return nil
		}
		proof, out, took, err := p.prover.ProveItem(sc, m, input, j.Id, d.Item)
		if err != nil {
			p.Metrics.Proofs.WithLabelValues("error").Inc()
			return fmt.Errorf("job %d item %d: proving: %w", j.Id, d.Item, err)
		}
		p.Metrics.ProofSeconds.Observe(took.Seconds())
		p.Metrics.Proofs.WithLabelValues("generated").Inc()
		if !slices.Equal(out, want) {
			p.Metrics.Proofs.WithLabelValues("cannot").Inc()
			p.Log.Warn("the proven output differs from the posted or served one: not submitting", "job", j.Id, "item", d.Item)
			return nil
		}
		if err := p.Store.Put(key, hex.EncodeToString(proof)); err != nil {
			return err
		}
		msg.Proof = proof
	}
	if dres, err := p.Chain.Disputes.Dispute(ctx, &disputetypes.QueryDisputeRequest{JobId: j.Id}); err == nil && dres.Dispute.Status != disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN {
		return nil
	}
	res, err := p.Signer.Send(ctx, "submit_proof", msg)
	if err != nil {
		p.Metrics.Proofs.WithLabelValues("refused").Inc()
		return fmt.Errorf("submit proof of job %d item %d: %w", j.Id, d.Item, err)
	}
	p.Metrics.Proofs.WithLabelValues("accepted").Inc()
	p.Log.Info("proof accepted", "job", j.Id, "item", d.Item, "kind", strings.TrimPrefix(d.Kind.String(), "DISPUTE_KIND_"),
		"left", time.Until(d.ProofDeadline).Round(time.Millisecond), "tx", res.TxHash)
	return nil
}

// Evidence is one batch item's input and output with their inclusion
// paths, as MsgSubmitProof carries them, and the roots the paths lead to.
type Evidence struct {
	Input, Output   []byte
	InPath, OutPath [][]byte
	InRoot, OutRoot batch.Hash
}

// Msg is the proof of the item as a transaction's message.
func (ev Evidence) Msg(submitter string, jobID uint64, claim disputetypes.Claim, proof []byte) *disputetypes.MsgSubmitProof {
	return &disputetypes.MsgSubmitProof{
		Submitter: submitter, JobId: jobID, Claim: claim, Proof: proof,
		ItemInput: ev.Input, InputPath: ev.InPath, ItemOutput: ev.Output, OutputPath: ev.OutPath,
	}
}

// ItemEvidence reads item i's evidence from a batch's input and output
// files.
func ItemEvidence(inPath, outPath string, i uint64) (Evidence, error) {
	var ev Evidence
	for _, f := range []struct {
		path string
		kind batch.Kind
		raw  *[]byte
		p    *[][]byte
		root *batch.Hash
	}{{inPath, batch.KindInput, &ev.Input, &ev.InPath, &ev.InRoot}, {outPath, batch.KindOutput, &ev.Output, &ev.OutPath, &ev.OutRoot}} {
		bf, err := zkml.OpenBatchFile(f.path, zkml.BatchHeader{ItemLen: zkml.MaxTensorLen, Count: batch.MaxItems}.Size())
		if err != nil {
			return ev, err
		}
		*f.raw, *f.p, *f.root, err = bf.Evidence(f.kind, i)
		_ = bf.Close()
		if err != nil {
			return ev, err
		}
	}
	if len(ev.Input) > disputetypes.MaxItemBytes || len(ev.Output) > disputetypes.MaxItemBytes {
		return ev, fmt.Errorf("item tensors of %d and %d bytes: more than a proof may carry (%d)", len(ev.Input), len(ev.Output), disputetypes.MaxItemBytes)
	}
	return ev, nil
}

// serveBatchOutput serves a batch job's outputs: the whole .vbat file, or
// with ?item=<i> that item's output as a tensor (.vten) read in O(1) (its
// inclusion path is what a reader of the whole file computes; the file is
// a few bytes per item).
func (p *Provider) serveBatchOutput(w http.ResponseWriter, r *http.Request, path string) {
	q := r.URL.Query().Get("item")
	if q == "" {
		http.ServeFile(w, r, path)
		return
	}
	i, err := strconv.ParseUint(q, 10, 64)
	if err != nil {
		http.Error(w, "item=<index> expected", http.StatusBadRequest)
		return
	}
	bf, err := zkml.OpenBatchFile(path, zkml.BatchHeader{ItemLen: zkml.MaxTensorLen, Count: batch.MaxItems}.Size())
	if err != nil {
		http.Error(w, "outputs unreadable", http.StatusInternalServerError)
		return
	}
	defer func() { _ = bf.Close() }()
	raw, err := bf.Item(i)
	if errors.Is(err, batch.ErrIndex) {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, "outputs unreadable", http.StatusInternalServerError)
		return
	}
	bz, err := zkml.MarshalTensor(zkml.Int8s(raw))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("X-Item", strconv.FormatUint(i, 10))
	_, _ = w.Write(bz)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// counterCommitment is the commitment a watcher states for its own output
// of an item: the item's tensor commitment under the job's scheme.
func counterCommitment(j jobstypes.Job, out []int8) ([]byte, error) {
	s, err := zkverify.SchemeOfCircuit(j.CircuitId)
	if err != nil {
		return nil, err
	}
	c, err := zkverify.TensorCommitment(s, zkml.Raw(out))
	return c[:], err
}
