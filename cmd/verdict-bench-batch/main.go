// Command verdict-bench-batch measures batch jobs end to end on a running
// localnet (`make bench-batch`, started by scripts/bench-batch.sh), through
// the real provider agent:
//
//  1. native inference of the benchmark's items alone (every core, items in
//     memory, nothing else), the baseline;
//  2. sustained verified inferences per second: -batches batch jobs of
//     -items items each submitted back to back (one MsgSubmitJob per
//     transaction); the provider agent fetches each input file, checks it
//     against its root, infers its items across every core, builds the
//     output tree, writes and keeps the outputs, and posts one result. The
//     rate is every item over the wall time from the first submission to
//     the last result committed on chain, and its ratio to native;
//  3. latency: submission block to result block (one batch alone, and the
//     run's batches queued at once), and to FINALIZED (the challenge window
//     adds latency, not a throughput limit);
//  4. gas per inference: the submission's and the result's gas (from the
//     committed transactions) over the items;
//  5. a challenged item's proof check against a single job's: an item of a
//     fresh batch and a single job are challenged, the provider agent
//     proves both, and the two MsgSubmitProof transactions' gas and the
//     node's check of their proofs (the same functions, on the committed
//     proofs, timed in this process) are compared.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/consensys/gnark/logger"
	"github.com/cosmos/gogoproto/proto"

	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"

	"github.com/verdict-chain/verdict/cmd/internal/benchkit"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// Targets (issue "batch inference at real volume").
const (
	minNativeRatio = 0.5
	minRate        = 20_000
	maxGasPerInf   = 5
	maxCheckRatio  = 1.3
)

type bench struct {
	benchkit.Flags
	dir      string
	net      *benchkit.Net
	agent    *benchkit.Agent
	shape    zkml.Shape
	scheme   zkml.Scheme
	model    *zkml.Model
	modelC   []byte
	modelURI string
	price    int64
}

// A batchIn is a buyer's batch input file and its root.
type batchIn struct {
	path string
	n    uint64
	root batch.Hash
}

func main() {
	b := &bench{}
	b.Register(".localnet/bench-batch/node", 26767, 9191, 26791)
	flag.Int64Var(&b.price, "price", 1, "uverd per unit (one unit per item)")
	shape := flag.String("shape", "64-64-10", "reference circuit shape")
	items := flag.Uint64("items", 100_000, "items per batch")
	batches := flag.Int("batches", 50, "batches of the pipelined run (enough that the first and last blocks' latency is a small part of the run)")
	flag.Parse()
	logger.Disable()
	if err := b.run(*shape, *items, *batches); err != nil {
		fmt.Fprintln(os.Stderr, "bench-batch:", err)
		os.Exit(1)
	}
}

func (b *bench) run(shape string, items uint64, batches int) error {
	ctx := context.Background()
	var err error
	if b.shape, err = zkml.ParseShape(shape); err != nil {
		return err
	}
	if batches < 1 {
		return errors.New("-batches must be at least 1")
	}
	b.scheme = zkml.Poseidon2
	if b.dir, err = os.MkdirTemp("", "bench-batch"); err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(b.dir) }()
	if b.net, err = benchkit.Connect(ctx, b.Home, b.Node, b.GRPC, b.dir); err != nil {
		return err
	}
	if err := b.writeModel(); err != nil {
		return err
	}
	t0 := time.Now()
	ins := make([]batchIn, batches+2) // the run's, a warm-up's, a disputed one's
	for i := range ins {
		n := items
		if i == batches {
			n = 1000
		}
		p := filepath.Join(b.dir, fmt.Sprintf("in-%d.vbat", i))
		root, err := zkml.WriteExampleBatch(p, b.shape[0], n, fmt.Sprintf("bench-batch-%d", i))
		if err != nil {
			return err
		}
		ins[i] = batchIn{path: p, n: n, root: root}
	}
	run, warm, disputed := ins[:batches], ins[batches], ins[batches+1]
	fmt.Printf("Batch jobs end to end: circuit %s, %d batches of %d items (the buyer wrote them in %s), provider agent on %d cores, 1 s blocks\n\n",
		b.scheme.CircuitID(b.shape), batches, items, time.Since(t0).Round(time.Millisecond), runtime.NumCPU())

	// 1. Native inference of the same items alone.
	native, err := b.native(run)
	if err != nil {
		return err
	}
	total := uint64(batches) * items
	nativeRate := float64(total) / native.Seconds()

	// The provider agent, warmed up (its proving key loaded) before anything is timed.
	if b.agent, err = benchkit.StartAgent(b.Bin, b.Port, filepath.Join(b.dir, "provider.log"),
		"provider", "--home", b.Home, "--from", "provider", "--node", b.Node, "--grpc-addr", b.GRPC,
		"--listen", fmt.Sprintf("127.0.0.1:%d", b.Port), "--agent-home", filepath.Join(b.dir, "agent"),
		"--zk-keys", b.ZKKeys, "--log-level", "info", "--file-root", b.dir); err != nil {
		return err
	}
	defer b.agent.Stop()
	if err := waitLog(b.agent.Log, "warm-up: ready to prove", 10*time.Minute); err != nil {
		return err
	}
	w, err := b.submit(ctx, []batchIn{warm})
	if err != nil {
		return err
	}
	if _, err := b.waitResults(ctx, w, 2*time.Minute); err != nil {
		return err
	}

	// One batch alone: its latency without a queue.
	one, err := b.submit(ctx, run[:1])
	if err != nil {
		return err
	}
	if _, err := b.waitResults(ctx, one, 2*time.Minute); err != nil {
		return err
	}
	oneJob, err := b.net.Chain.Jobs.Job(ctx, &jobstypes.QueryJobRequest{Id: one[0].id})
	if err != nil {
		return err
	}
	oneLatency := oneJob.Job.Result.PostedAt.Sub(oneJob.Job.SubmittedAt)

	// 2. The pipelined run.
	start := time.Now()
	subs, err := b.submit(ctx, run)
	if err != nil {
		return err
	}
	end, err := b.waitResults(ctx, subs, 5*time.Minute)
	if err != nil {
		return err
	}
	wall := end.Sub(start)
	rate := float64(total) / wall.Seconds()

	// 5 (started now, inside the window). A fresh batch and a single job.
	dsub, err := b.submit(ctx, []batchIn{disputed})
	if err != nil {
		return err
	}
	single, err := b.submitSingle(ctx)
	if err != nil {
		return err
	}
	if _, err := b.waitResults(ctx, append(dsub, single), 2*time.Minute); err != nil {
		return err
	}
	item := disputed.n * 7 / 9
	if err := b.challenge(ctx, dsub[0].id, item); err != nil {
		return err
	}
	if err := b.challenge(ctx, single.id, 0); err != nil {
		return err
	}

	// 3. Latency to FINALIZED, while the disputes run.
	jobs, err := b.waitFinalized(ctx, subs, 5*time.Minute)
	if err != nil {
		return err
	}
	var toResult, toFinal []time.Duration
	for _, j := range jobs {
		toResult = append(toResult, j.Result.PostedAt.Sub(j.SubmittedAt))
		toFinal = append(toFinal, j.Settlement.SettledAt.Sub(j.SubmittedAt))
	}
	params, err := b.net.Chain.Jobs.Params(ctx, &jobstypes.QueryParamsRequest{})
	if err != nil {
		return err
	}

	// 4. Gas per inference.
	postGas, err := b.postGas(ctx, subs)
	if err != nil {
		return err
	}
	var submitGas uint64
	for _, s := range subs {
		submitGas += s.gas
	}

	// 5. The two proofs.
	itemCheck, singleCheck, err := b.proofChecks(ctx, dsub[0].id, single.id)
	if err != nil {
		return err
	}

	ratio := rate / nativeRate
	p := func(ds []time.Duration, q int) string { return benchkit.Pct(ds, q).Round(time.Millisecond).String() }
	fmt.Println("| throughput | items | seconds | items/s | ratio to native |")
	fmt.Println("|---|---|---|---|---|")
	fmt.Printf("| native inference alone (in memory, %d goroutines) | %d | %.2f | %.0f | 1 |\n", runtime.GOMAXPROCS(0), total, native.Seconds(), nativeRate)
	fmt.Printf("| verified end to end (first submission to last result on chain) | %d | %.2f | %.0f | %.2fx |\n\n", total, wall.Seconds(), rate, ratio)
	fmt.Println("| latency (block times) | p50 | p99 |")
	fmt.Println("|---|---|---|")
	fmt.Printf("| submission to result, one batch alone | %s | |\n", oneLatency.Round(time.Millisecond))
	fmt.Printf("| submission to result, %d batches submitted at once | %s | %s |\n", batches, p(toResult, 50), p(toResult, 99))
	fmt.Printf("| submission to FINALIZED (challenge window %s) | %s | %s |\n\n", params.Params.ChallengeWindow, p(toFinal, 50), p(toFinal, 99))
	gasPer := float64(submitGas+postGas) / float64(total)
	fmt.Printf("on-chain gas: %d per MsgSubmitJob, %d per MsgPostResult (means over %d batches) = %.2f gas per inference\n\n",
		submitGas/uint64(batches), postGas/uint64(batches), batches, gasPer)
	fmt.Println("| proof check on the node's code (committed proofs) | gas (MsgSubmitProof) | check time |")
	fmt.Println("|---|---|---|")
	fmt.Printf("| a single job's proof | %d | %s |\n", singleCheck.gas, singleCheck.took)
	fmt.Printf("| item %d of a batch of %d (two paths, commitments, proof) | %d | %s |\n", item, disputed.n, itemCheck.gas, itemCheck.took)
	checkRatio := float64(itemCheck.took) / float64(singleCheck.took)
	fmt.Printf("| item / single | %.2fx | %.2fx |\n\n", float64(itemCheck.gas)/float64(singleCheck.gas), checkRatio)

	fmt.Printf("targets: %s ≥ %.1fx native; %s ≥ %d verified inferences/s; %s ≤ %d gas per inference; %s item check ≤ %.1fx a single job's\n",
		met(ratio >= minNativeRatio), minNativeRatio, met(rate >= minRate), minRate, met(gasPer <= maxGasPerInf), maxGasPerInf, met(checkRatio <= maxCheckRatio), maxCheckRatio)
	return nil
}

func met(ok bool) string {
	if ok {
		return "met:"
	}
	return "MISSED:"
}

func (b *bench) writeModel() error {
	m, err := zkml.ExampleModel(b.shape, "bench-batch")
	if err != nil {
		return err
	}
	path := filepath.Join(b.dir, "model.vmdl")
	if err := zkml.WriteModel(path, m); err != nil {
		return err
	}
	mc, err := b.scheme.ModelCommitmentIn(b.ZKKeys, m)
	if err != nil {
		return err
	}
	b.model, b.modelC, b.modelURI = m, mc[:], "file://"+path
	return nil
}

// native times inference of every item of the files, read into memory
// first, across GOMAXPROCS goroutines.
func (b *bench) native(files []batchIn) (time.Duration, error) {
	var took time.Duration
	workers := runtime.GOMAXPROCS(0)
	for _, f := range files {
		fh, err := os.Open(f.path)
		if err != nil {
			return 0, err
		}
		br, err := zkml.NewBatchReader(fh, 0)
		if err != nil {
			_ = fh.Close()
			return 0, err
		}
		items := make([][]int8, 0, f.n)
		err = br.Each(func(_ uint64, raw []byte) error {
			items = append(items, append([]int8(nil), zkml.Int8s(raw)...))
			return nil
		})
		_ = fh.Close()
		if err != nil {
			return 0, err
		}
		t0 := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, workers)
		for w := range workers {
			wg.Go(func() {
				for i := w; i < len(items); i += workers {
					if _, err := zkml.Infer(b.model, items[i]); err != nil {
						errs[w] = err
						return
					}
				}
			})
		}
		wg.Wait()
		took += time.Since(t0)
		if err := errors.Join(errs...); err != nil {
			return 0, err
		}
	}
	return took, nil
}

// A submitted job.
type submitted struct {
	id  uint64
	gas uint64
}

// submit sends one MsgSubmitJob per batch to the provider, back to back,
// then waits for them all to commit.
func (b *bench) submit(ctx context.Context, files []batchIn) ([]submitted, error) {
	var hashes []string
	for _, f := range files {
		h, err := b.net.Buyer.Broadcast(ctx, "submit_job", nil, &jobstypes.MsgSubmitJob{
			Buyer: b.net.Buyer.Address.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
			ModelCommitment: b.modelC, InputCommitment: f.root[:], ModelUri: b.modelURI, InputUri: "file://" + f.path,
			CircuitId: b.scheme.CircuitID(b.shape), Units: f.n, Items: f.n, MaxPricePerUnit: sdk.NewCoin("uverd", math.NewInt(b.price)),
			Provider: b.net.Provider, TimeLimit: 100 * time.Second,
		})
		if err != nil {
			return nil, err
		}
		hashes = append(hashes, h)
	}
	return b.await(ctx, hashes)
}

// submitSingle sends one single-inference job to the provider.
func (b *bench) submitSingle(ctx context.Context) (submitted, error) {
	in := zkml.ExampleInput(b.shape[0], "bench-batch-single")
	p := filepath.Join(b.dir, "single.vten")
	if err := zkml.WriteTensor(p, in); err != nil {
		return submitted{}, err
	}
	c := b.scheme.TensorCommitment(in)
	h, err := b.net.Buyer.Broadcast(ctx, "submit_job", nil, &jobstypes.MsgSubmitJob{
		Buyer: b.net.Buyer.Address.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		ModelCommitment: b.modelC, InputCommitment: c[:], ModelUri: b.modelURI, InputUri: "file://" + p,
		CircuitId: b.scheme.CircuitID(b.shape), Units: 1, MaxPricePerUnit: sdk.NewCoin("uverd", math.NewInt(b.price)),
		Provider: b.net.Provider, TimeLimit: 100 * time.Second,
	})
	if err != nil {
		return submitted{}, err
	}
	s, err := b.await(ctx, []string{h})
	if err != nil {
		return submitted{}, err
	}
	return s[0], nil
}

func (b *bench) await(ctx context.Context, hashes []string) ([]submitted, error) {
	var out []submitted
	for _, h := range hashes {
		res, err := b.net.Buyer.Await(ctx, "submit_job", h)
		if err != nil {
			return nil, err
		}
		id, err := eventJobID(res.Events)
		if err != nil {
			return nil, fmt.Errorf("tx %s: %w", h, err)
		}
		out = append(out, submitted{id: id, gas: uint64(res.GasUsed)}) //nolint:gosec // gas is not negative
	}
	return out, nil
}

func eventJobID(evs []abci.Event) (uint64, error) {
	for _, ev := range evs {
		if ev.Type != "verdict.jobs.v1.EventJobSubmitted" {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == "job_id" {
				return strconv.ParseUint(strings.Trim(a.Value, `"`), 10, 64)
			}
		}
	}
	return 0, errors.New("no EventJobSubmitted")
}

// waitResults polls until every job has a result on chain (bounded) and
// returns when the last was first seen.
func (b *bench) waitResults(ctx context.Context, subs []submitted, limit time.Duration) (time.Time, error) {
	_, at, err := b.waitJobs(ctx, subs, limit, func(j jobstypes.Job) bool { return j.Result != nil })
	return at, err
}

func (b *bench) waitFinalized(ctx context.Context, subs []submitted, limit time.Duration) ([]jobstypes.Job, error) {
	jobs, _, err := b.waitJobs(ctx, subs, limit, func(j jobstypes.Job) bool { return j.Status == jobstypes.JobStatus_JOB_STATUS_FINALIZED })
	return jobs, err
}

func (b *bench) waitJobs(ctx context.Context, subs []submitted, limit time.Duration, done func(jobstypes.Job) bool) ([]jobstypes.Job, time.Time, error) {
	deadline := time.Now().Add(limit)
	jobs := make([]jobstypes.Job, len(subs))
	ok := make([]bool, len(subs))
	for left := len(subs); ; {
		for i, s := range subs {
			if ok[i] {
				continue
			}
			res, err := b.net.Chain.Jobs.Job(ctx, &jobstypes.QueryJobRequest{Id: s.id})
			if err != nil {
				return nil, time.Time{}, err
			}
			if done(res.Job) {
				jobs[i], ok[i] = res.Job, true
				left--
			} else if st := res.Job.Status; st == jobstypes.JobStatus_JOB_STATUS_FAILED || st == jobstypes.JobStatus_JOB_STATUS_CANCELLED || st == jobstypes.JobStatus_JOB_STATUS_EXPIRED {
				return nil, time.Time{}, fmt.Errorf("job %d ended %s (agent log %s)", s.id, st, b.agent.Log)
			}
		}
		if left == 0 {
			return jobs, time.Now(), nil
		}
		if time.Now().After(deadline) {
			return nil, time.Time{}, fmt.Errorf("%d of %d jobs not done in %s (agent log %s)", left, len(subs), limit, b.agent.Log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// postGas sums the gas of the provider's MsgPostResult transactions for
// the jobs (a transaction carrying several results is shared evenly).
func (b *bench) postGas(ctx context.Context, subs []submitted) (uint64, error) {
	want := map[uint64]bool{}
	for _, s := range subs {
		want[s.id] = true
	}
	var sum uint64
	found := 0
	err := b.eachTx(ctx, "/verdict.jobs.v1.MsgPostResult", func(tx *txtypes.Tx, gas uint64) error {
		var mine uint64
		for _, a := range tx.Body.Messages {
			var m jobstypes.MsgPostResult
			if a.TypeUrl != "/verdict.jobs.v1.MsgPostResult" {
				continue
			}
			if err := proto.Unmarshal(a.Value, &m); err != nil {
				return err
			}
			if want[m.JobId] {
				mine++
			}
		}
		if mine > 0 {
			sum += gas * mine / uint64(len(tx.Body.Messages))
			found += int(mine) //nolint:gosec // a handful
		}
		return nil
	})
	if err == nil && found != len(subs) {
		err = fmt.Errorf("found %d of %d results' transactions", found, len(subs))
	}
	return sum, err
}

// eachTx visits the committed transactions carrying a message of typeURL
// with their gas used.
func (b *bench) eachTx(ctx context.Context, typeURL string, fn func(*txtypes.Tx, uint64) error) error {
	for page := uint64(1); page <= 50; page++ {
		res, err := b.net.Chain.Tx.GetTxsEvent(ctx, &txtypes.GetTxsEventRequest{Query: fmt.Sprintf("message.action='%s'", typeURL), Page: page, Limit: 100})
		if err != nil {
			return err
		}
		for i, tx := range res.Txs {
			if err := fn(tx, uint64(res.TxResponses[i].GasUsed)); err != nil { //nolint:gosec // gas is not negative
				return err
			}
		}
		if page*100 >= res.Total {
			return nil
		}
	}
	return errors.New("more than 5,000 transactions: not this benchmark's localnet")
}

// challenge opens a dispute of job id (item of a batch) as the buyer.
func (b *bench) challenge(ctx context.Context, id, item uint64) error {
	_, err := b.net.Buyer.Send(ctx, "challenge", &disputetypes.MsgChallenge{Challenger: b.net.Buyer.Address.String(), JobId: id, Item: item})
	return err
}

type check struct {
	gas  uint64
	took time.Duration
}

// proofChecks waits until the provider agent's proofs settled both
// disputes (bounded), then takes the committed MsgSubmitProof of each and
// times the node's check of it: paths and the item's commitments (batch),
// public inputs and Groth16 verification, each the mean of 50 runs.
func (b *bench) proofChecks(ctx context.Context, batchID, singleID uint64) (item, single check, err error) {
	for _, id := range []uint64{batchID, singleID} {
		if err := b.waitDispute(ctx, id, 5*time.Minute); err != nil {
			return item, single, err
		}
	}
	msgs := map[uint64]*disputetypes.MsgSubmitProof{}
	gas := map[uint64]uint64{}
	if err := b.eachTx(ctx, "/verdict.dispute.v1.MsgSubmitProof", func(tx *txtypes.Tx, g uint64) error {
		for _, a := range tx.Body.Messages {
			m := &disputetypes.MsgSubmitProof{}
			if err := proto.Unmarshal(a.Value, m); err != nil {
				return err
			}
			if (m.JobId == batchID || m.JobId == singleID) && len(tx.Body.Messages) == 1 {
				msgs[m.JobId], gas[m.JobId] = m, g
			}
		}
		return nil
	}); err != nil {
		return item, single, err
	}
	if msgs[batchID] == nil || msgs[singleID] == nil {
		return item, single, errors.New("the provider's MsgSubmitProof transactions were not found")
	}
	circ, err := b.net.Chain.Disputes.Circuit(ctx, &disputetypes.QueryCircuitRequest{Id: b.scheme.CircuitID(b.shape)})
	if err != nil {
		return item, single, err
	}
	vk, err := disputetypes.ParseVK(circ.Circuit.VerifyingKey, 1<<20)
	if err != nil {
		return item, single, err
	}
	job := func(id uint64) (jobstypes.Job, error) {
		res, err := b.net.Chain.Jobs.Job(ctx, &jobstypes.QueryJobRequest{Id: id})
		if err != nil {
			return jobstypes.Job{}, err
		}
		return res.Job, nil
	}
	bj, err := job(batchID)
	if err != nil {
		return item, single, err
	}
	sj, err := job(singleID)
	if err != nil {
		return item, single, err
	}
	d, err := b.net.Chain.Disputes.Dispute(ctx, &disputetypes.QueryDisputeRequest{JobId: batchID})
	if err != nil {
		return item, single, err
	}
	const runs = 50
	var tItem, tSingle time.Duration
	for range runs {
		t0 := time.Now()
		pub, err := disputetypes.PublicInputs(sj, sj.Result.OutputCommitment)
		if err == nil {
			err = zkverify.Verify(vk, msgs[singleID].Proof, pub)
		}
		if err != nil {
			return item, single, fmt.Errorf("single job's committed proof: %w", err)
		}
		t1 := time.Now()
		ic, oc, err := disputetypes.CheckItem(bj, d.Dispute.Item, msgs[batchID])
		if err == nil {
			pub, err = disputetypes.PublicInputsItem(bj, d.Dispute.Item, ic[:], oc[:])
		}
		if err == nil {
			err = zkverify.Verify(vk, msgs[batchID].Proof, pub)
		}
		if err != nil {
			return item, single, fmt.Errorf("batch item's committed proof: %w", err)
		}
		tSingle += t1.Sub(t0)
		tItem += time.Since(t1)
	}
	return check{gas: gas[batchID], took: (tItem / runs).Round(time.Microsecond)},
		check{gas: gas[singleID], took: (tSingle / runs).Round(time.Microsecond)}, nil
}

// waitDispute waits until job id's dispute was won by the provider's proof.
func (b *bench) waitDispute(ctx context.Context, id uint64, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		res, err := b.net.Chain.Disputes.Dispute(ctx, &disputetypes.QueryDisputeRequest{JobId: id})
		if err != nil {
			return err
		}
		switch res.Dispute.Status {
		case disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON:
			return nil
		case disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN:
		default:
			return fmt.Errorf("dispute of job %d ended %s (agent log %s)", id, res.Dispute.Status, b.agent.Log)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dispute of job %d not settled in %s (agent log %s)", id, limit, b.agent.Log)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// waitLog waits (bounded) until the file holds the text.
func waitLog(path, text string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		bz, err := os.ReadFile(path) //nolint:gosec // the benchmark's own log
		if err == nil && strings.Contains(string(bz), text) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%q not in %s after %s", text, path, limit)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
