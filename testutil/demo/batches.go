package demo

import (
	"fmt"
	"path/filepath"
	"time"

	"cosmossdk.io/math"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// batchItems is the size of the scene's batches.
const batchItems = 10_000

// batchesScene: two provider agents take a batch job of 10,000 inferences
// each, committed by Merkle roots; a watcher re-executes a private sample
// of every batch's items. The honest batch is reproduced and finalized; the
// cheat's batch, half of its items filled in, is caught by the sample, and
// the watcher proves its own output of one item: the whole batch fails.
func batchesScene(s *S) {
	s.Say("Batch jobs: 10,000 inferences in one job, committed by Merkle roots; a watcher samples their items")
	honest, cheat := s.Account("batch-honest", 5_000_000_000), s.Account("batch-cheat", 5_000_000_000)
	watcherAddr := s.Account("batch-watcher", 5_000_000_000)
	s.Account("buyer-batches", 5_000_000_000)
	buyer := s.Addr("buyer-batches")
	ap := s.cfg.AgentPorts
	// the offer states the largest batch the provider takes (consent to its size)
	offer := fmt.Sprintf(`{"class":"WORKLOAD_CLASS_INFERENCE","max_units_per_job":"%d","max_open_units":"1000000","max_items_per_job":"%d","price_per_unit":{"denom":"uverd","amount":"%d"}}`,
		batchItems, batchItems, price)
	for i, k := range []struct{ key, moniker string }{{"batch-honest", "gpu-bh"}, {"batch-cheat", "gpu-bx"}} {
		s.registerProviderAt(k.key, k.moniker, fmt.Sprintf("http://127.0.0.1:%d", ap[5+i]), "--circuit-ids", s.cfg.circuitV1(), "--prices", offer)
	}
	s.Info("gpu-bh %s and gpu-bx %s offer batches of up to %d items at %d uverd per item", honest, cheat, batchItems, price)

	s.Say("The buyer writes 10,000 inputs to one batch file (.vbat) and commits to its Merkle root")
	model := s.File("batch-model.vmdl")
	s.Zk("", "example-model", model, "--shape", s.cfg.ZKShape, "--seed", "batches")
	modelC := s.Zk("", "commit", model)
	in := s.File("batch-input.vbat")
	root := s.Zk("", "example-batch", in, "--items", id(batchItems), "--size", inputSize(s.cfg.ZKShape), "--seed", "demo-batch")
	want := s.Zk("", "infer-batch", model, in, s.File("batch-output.vbat"))
	s.Info("input root  %s  (verdictd zk example-batch: SHA-256 tree, each leaf binds its position)", root)
	s.Info("output root %s  (verdictd zk infer-batch: what an honest provider must post)", want)

	zk, err := filepath.Abs(s.cfg.ZKDir)
	s.Must(err, "zk dir")
	// neither provider proves here (the honest batch is not challenged, the
	// cheat cannot prove): no warm-up proof, so the scene's only proofs are
	// the watcher's
	gpuH := s.startAgent("gpu-bh", "provider", "batch-honest", ap[5], "--zk-keys", zk, "--warm-up=false", "--public-url", fmt.Sprintf("http://127.0.0.1:%d", ap[5]))
	s.startAgent("gpu-bx", "provider", "batch-cheat", ap[6], "--zk-keys", zk, "--warm-up=false", "--public-url", fmt.Sprintf("http://127.0.0.1:%d", ap[6]),
		"--wrong-output-rate", "1", "--wrong-item-rate", "0.5")
	w := s.startAgent("batch-watcher", "watcher", "batch-watcher", ap[7], "--zk-keys", zk,
		"--sample-rate", "0", "--low-reputation-ppm", "0", "--batch-sample", "16", "--fetch-private")
	s.Info("gpu-bx's agent fills in half of its batch's items (--wrong-item-rate 0.5, testing only)")
	s.Info("the watcher re-executes 16 items of every batch, drawn privately (--batch-sample 16)")

	dp, jp := s.DisputeParams(), s.JobsParams()
	modelPath, err := filepath.Abs(model)
	s.Must(err, "model path")
	inPath, err := filepath.Abs(in)
	s.Must(err, "input path")
	b0, h0, w0, c0 := s.Gross(buyer), s.Gross(honest), s.Gross(watcherAddr), s.Pool()
	x0, xb0, hb0 := s.Gross(cheat), s.Bond(cheat), s.Bond(honest)
	submit := func(op string) uint64 {
		return s.JobID(s.Tx("buyer-batches", "jobs", "submit-job", "inference", modelC, root, id(batchItems), u(price), "90s",
			"--items", id(batchItems), "--circuit-id", s.cfg.circuitV1(), "--provider", op,
			"--model-uri", "file://"+modelPath, "--input-uri", "file://"+inPath))
	}
	jh, jx := submit(honest), submit(cheat)
	s.Record("batch", jh)
	s.Record("batch-cheat", jx)
	s.Info("batch job %d to gpu-bh, batch job %d to gpu-bx: one transaction each, %d units (one per item)", jh, jx, batchItems)

	s.Say("gpu-bh's agent checks the file against the root, runs the 10,000 items across its cores and posts one result")
	s.WaitStatus(jh, jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, agentTimeout)
	j := s.Job(jh)
	s.Show(map[string]any{"id": j.Id, "items": j.Items, "status": j.Status.String(), "output_commitment": fmt.Sprintf("%x", j.Result.OutputCommitment), "output_uri": j.Result.OutputUri})
	s.Expect("posted output root (the batch's true outputs)", fmt.Sprintf("%x", j.Result.OutputCommitment), want)
	const probe = 4321
	served := s.File("batch-item-served.vten")
	s.fetch(fmt.Sprintf("%s?item=%d", j.Result.OutputUri, probe), served)
	s.Zk("", "batch-item", s.File("batch-output.vbat"), id(probe), "--out", s.File("batch-item-local.vten"))
	s.Expect(fmt.Sprintf("item %d served at output_uri?item=%d", probe, probe), s.Zk("", "commit", served), s.Zk("", "commit", s.File("batch-item-local.vten")))

	s.Say("gpu-bx's batch: the watcher's sample finds a wrong item, it challenges that item and proves its own output")
	s.WaitFor(fmt.Sprintf("job %d: a winning challenge of one item", jx), agentTimeout, func() bool {
		d, ok := s.Dispute(jx)
		return ok && d.Status == disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST
	})
	d := s.MustDispute(jx)
	s.Show(map[string]any{"job_id": d.JobId, "item": d.Item, "kind": d.Kind.String(), "challenger": d.Challenger, "status": d.Status.String(), "claim": d.Resolution.Claim.String()})
	s.Expect("challenger", d.Challenger, watcherAddr)
	s.Expect("settled by the watcher's proof of the item (paths to both roots checked on-chain)", d.Resolution.Claim, disputetypes.Claim_CLAIM_COUNTER)
	jxj := s.Job(jx)
	s.Expect(fmt.Sprintf("job %d status (one wrong item fails the batch)", jx), jxj.Status, jobstypes.JobStatus_JOB_STATUS_FAILED)

	s.Say("gpu-bh's batch: the sample reproduced, no challenge; the window passes and it is FINALIZED")
	s.WaitStatus(jh, jobstypes.JobStatus_JOB_STATUS_FINALIZED, 60*time.Second)
	s.Expect("watcher: batches reproduced", w.Metric(`verdict_agent_results_checked_total{outcome="reproduced"`), 1)
	s.Expect("gpu-bh: files refused", gpuH.Metric(`verdict_agent_files_refused_total{reason="commitment"`), 0)
	j = s.Job(jh)
	pay := jobstypes.Payment(j)
	fee := jobstypes.Fee(pay, jp.ProtocolFeeBps)
	sl := disputetypes.FraudSlash(dp, xb0, jxj)
	rw := disputetypes.ChallengerReward(dp, sl)
	s.Info("gpu-bh is paid %s for %d inferences less the fee %s; gpu-bx's bond loses %s (x/dispute FraudSlash), %s of it to the watcher",
		pay, batchItems, fee, sl, rw)
	s.Expect("gpu-bh balance change (payment - fee)", s.Gross(honest).Sub(h0), pay.Sub(fee))
	s.Expect("gpu-bh bond change", s.Bond(honest).Sub(hb0), math.ZeroInt())
	s.Expect("gpu-bx bond change", s.Bond(cheat).Sub(xb0), sl.Neg())
	s.Expect("gpu-bx balance change", s.Gross(cheat).Sub(x0), math.ZeroInt())
	s.Expect("buyer balance change (gpu-bh's payment; gpu-bx's batch refunded in full)", s.Gross(buyer).Sub(b0), pay.Neg())
	s.Expect("watcher balance change (bond back + reward)", s.Gross(watcherAddr).Sub(w0), rw)
	s.ExpectPool(c0, "fee + rest of the slash", fee.Add(sl).Sub(rw))

	for _, key := range []string{"batch-honest", "batch-cheat"} {
		s.Tx(key, "jobs", "pause-provider")
	}
	s.JobsBalanced()
}
