// Command verdict-bench-agents measures the agents end to end on a running
// localnet (`make bench-agents`, started by scripts/bench-agents.sh):
//
//  1. submit-to-result latency through a provider agent, from the job's
//     submission block to its result's block: one job at a time, then
//     -jobs jobs submitted in transactions of -batch orders each;
//  2. the verification tax end to end: the provider agent's own CPU
//     seconds (its process_cpu_seconds_total) per job when it only runs
//     jobs, and per job when it also proves every job (--prove-all),
//     measured in the same run; per 1,000 jobs with -dispute-rate of them
//     proven on a dispute or audit against proving all 1,000, and the ratio.
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
	"time"

	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/agent"
	"github.com/verdict-chain/verdict/cmd/internal/benchkit"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

type bench struct {
	benchkit.Flags
	files    string
	provider string
	buyer    *agent.Signer
	chain    *agent.Chain
	agent    *benchkit.Agent // the running provider agent
	model    []byte
	modelURI string
	inputs   [][2]string // commitment (raw), uri
	shape    zkml.Shape
	scheme   zkml.Scheme
}

func main() {
	b := &bench{}
	b.Register(".localnet/bench/node", 26757, 9190, 26790)
	shape := flag.String("shape", "64-64-10", "reference circuit shape")
	scheme := flag.String("scheme", "poseidon2", "circuit version: poseidon2 (mlp2-<shape>) or mimc (mlp-<shape>)")
	jobs := flag.Int("jobs", 1000, "jobs of the batched run")
	batch := flag.Int("batch", 100, "job orders per transaction in the batched run")
	single := flag.Int("single", 20, "jobs of the one-at-a-time latency run")
	proveJobs := flag.Int("prove-jobs", 20, "jobs of the prove-every-job run")
	rate := flag.Float64("dispute-rate", 0.01, "share of jobs proven on a dispute or audit")
	flag.StringVar(&profile, "cpuprofile", "", "write the provider agent's CPU profile of the batched run here")
	flag.Parse()
	var err error
	if b.scheme, err = zkml.ParseScheme(*scheme); err != nil {
		fmt.Fprintln(os.Stderr, "bench-agents:", err)
		os.Exit(2)
	}
	if err := b.run(*shape, *jobs, *batch, *single, *proveJobs, *rate); err != nil {
		fmt.Fprintln(os.Stderr, "bench-agents:", err)
		os.Exit(1)
	}
}

func (b *bench) run(shape string, jobs, batch, single, proveJobs int, rate float64) error {
	ctx := context.Background()
	var err error
	if b.shape, err = zkml.ParseShape(shape); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "bench-agents")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	net, err := benchkit.Connect(ctx, b.Home, b.Node, b.GRPC, tmp)
	if err != nil {
		return err
	}
	b.chain, b.buyer, b.provider = net.Chain, net.Buyer, net.Provider
	if err := b.writeFiles(tmp, max(jobs, single, proveJobs)+8); err != nil {
		return err
	}
	b.files = tmp

	fmt.Printf("Agents end to end: circuit %s, provider agent on %d cores, 1 s blocks\n\n", b.scheme.CircuitID(b.shape), runtime.NumCPU())

	// 1. Optimistic: the agent runs and posts, proves nothing.
	stop, err := b.startAgent(tmp, "optimistic")
	if err != nil {
		return err
	}
	if _, err := b.submitAndWait(ctx, 2, 2, false); err != nil { // warm-up
		stop()
		return err
	}
	var lat1 []time.Duration
	for i := 0; i < single; i++ {
		r, err := b.submitAndWait(ctx, 1, 1, false)
		if err != nil {
			stop()
			return err
		}
		lat1 = append(lat1, r.latencies...)
	}
	var prof chan error
	if profile != "" {
		prof = make(chan error, 1)
		go func() { prof <- b.agent.Profile(profile, 8) }()
	}
	opt, err := b.submitAndWait(ctx, jobs, batch, false)
	if prof != nil {
		if perr := <-prof; perr != nil {
			fmt.Fprintln(os.Stderr, "profile:", perr)
		}
	}
	stop()
	if err != nil {
		return err
	}
	// 2. Prove every job (--prove-all): the same work plus a proof each.
	stop, err = b.startAgent(tmp, "prove-all", "--prove-all")
	if err != nil {
		return err
	}
	if _, err := b.submitAndWait(ctx, 2, 2, true); err != nil { // warm-up: compiles the circuit, loads the key
		stop()
		return err
	}
	all, err := b.submitAndWait(ctx, proveJobs, proveJobs, true)
	stop()
	if err != nil {
		return err
	}

	p := func(ds []time.Duration, q int) string { return pct(ds, q).Round(time.Millisecond).String() }
	fmt.Println("| submit-to-result latency (submission block to result block) | p50 | p99 |")
	fmt.Println("|---|---|---|")
	fmt.Printf("| one job at a time (%d jobs) | %s | %s |\n", single, p(lat1, 50), p(lat1, 99))
	fmt.Printf("| %d jobs, %d orders per transaction | %s | %s |\n", jobs, batch, p(opt.latencies, 50), p(opt.latencies, 99))
	fmt.Printf("\nbatched run: %d results in %s of wall time = %.1f results/s\n\n", jobs, opt.wall.Round(time.Millisecond), float64(jobs)/opt.wall.Seconds())

	perJob := opt.cpu / float64(jobs)
	perProveJob := all.cpu / float64(proveJobs)
	proof := perProveJob - perJob
	if proof <= 0 {
		return errors.New("a proof cost no CPU: measurement broken")
	}
	disputed := 1000 * rate
	optimistic := 1000*perJob + disputed*proof
	everything := 1000 * perProveJob
	fmt.Println("| provider agent CPU (its own process) | seconds |")
	fmt.Println("|---|---|")
	fmt.Printf("| per job, run and post only (%d jobs) | %.4f |\n", jobs, perJob)
	fmt.Printf("| per job, run, prove and post (%d jobs) | %.4f |\n", proveJobs, perProveJob)
	fmt.Printf("| one proof (the difference) | %.4f |\n", proof)
	fmt.Printf("| per 1,000 jobs, %.0f%% proven on dispute or audit | %.2f |\n", rate*100, optimistic)
	fmt.Printf("| per 1,000 jobs, every job proven | %.2f |\n", everything)
	fmt.Printf("\nverification tax end to end: proving every job costs %.1fx the optimistic path (%.0f%% disputed); bound at that rate: %.0fx\n",
		everything/optimistic, rate*100, 1/rate)
	return nil
}

func (b *bench) writeFiles(dir string, n int) error {
	m, err := zkml.ExampleModel(b.shape, "bench-agents")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "model.vmdl")
	if err := zkml.WriteModel(path, m); err != nil {
		return err
	}
	mc, err := b.scheme.ModelCommitmentIn(b.ZKKeys, m)
	if err != nil {
		return err
	}
	b.model, b.modelURI = mc[:], "file://"+path
	for i := 0; i < n; i++ {
		in := zkml.ExampleInput(b.shape[0], fmt.Sprintf("bench-%d", i))
		p := filepath.Join(dir, fmt.Sprintf("in-%d.vten", i))
		if err := zkml.WriteTensor(p, in); err != nil {
			return err
		}
		c := b.scheme.TensorCommitment(in)
		b.inputs = append(b.inputs, [2]string{string(c[:]), "file://" + p})
	}
	return nil
}

// startAgent runs the provider agent and returns its stop function.
func (b *bench) startAgent(dir, name string, extra ...string) (func(), error) {
	args := append([]string{
		"provider", "--home", b.Home, "--from", "provider", "--node", b.Node, "--grpc-addr", b.GRPC,
		"--listen", fmt.Sprintf("127.0.0.1:%d", b.Port), "--agent-home", filepath.Join(dir, "agent-"+name),
		"--zk-keys", b.ZKKeys, "--log-level", "warn", "--pprof", "--warm-up=false", "--file-root", dir,
	}, extra...)
	a, err := benchkit.StartAgent(b.Bin, b.Port, filepath.Join(dir, name+".log"), args...)
	if err != nil {
		return nil, err
	}
	b.agent = a
	return a.Stop, nil
}

// agentMetric reads one sample of the running agent's /metrics.
func (b *bench) agentMetric(prefix string) (float64, error) { return b.agent.Metric(prefix) }

type runResult struct {
	latencies []time.Duration
	cpu       float64 // agent CPU seconds over the run
	wall      time.Duration
}

var (
	next    int    // the next input file
	profile string // -cpuprofile
)

// submitAndWait submits n direct orders to the provider (batch per tx) and
// waits (bounded) until the agent posted all their results (and, with
// proofs, made all their proofs).
func (b *bench) submitAndWait(ctx context.Context, n, batch int, proofs bool) (runResult, error) {
	var r runResult
	cpu0, err := b.agentMetric("process_cpu_seconds_total")
	if err != nil {
		return r, err
	}
	posted0, _ := b.agentMetric("verdict_agent_results_posted_total")
	proofs0, _ := b.agentMetric(`verdict_agent_proofs_total{outcome="generated"`)
	start := time.Now()
	var hashes []string
	for done := 0; done < n; {
		k := min(batch, n-done)
		msgs := make([]sdk.Msg, k)
		for i := range msgs {
			in := b.inputs[next%len(b.inputs)]
			next++
			msgs[i] = &jobstypes.MsgSubmitJob{
				Buyer: b.buyer.Address.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
				ModelCommitment: b.model, InputCommitment: []byte(in[0]), ModelUri: b.modelURI, InputUri: in[1],
				CircuitId: b.scheme.CircuitID(b.shape), Units: 1, MaxPricePerUnit: sdk.NewCoin("uverd", math.NewInt(150)),
				Provider: b.provider, TimeLimit: 100 * time.Second,
			}
		}
		h, err := b.buyer.Broadcast(ctx, "submit_job", nil, msgs...)
		if err != nil {
			return r, err
		}
		hashes = append(hashes, h)
		done += k
	}
	var ids []uint64
	for _, h := range hashes {
		res, err := b.buyer.Await(ctx, "submit_job", h)
		if err != nil {
			return r, err
		}
		for _, ev := range res.Events {
			if ev.Type != "verdict.jobs.v1.EventJobSubmitted" {
				continue
			}
			for _, a := range ev.Attributes {
				if a.Key == "job_id" {
					id, err := strconv.ParseUint(strings.Trim(a.Value, `"`), 10, 64)
					if err != nil {
						return r, err
					}
					ids = append(ids, id)
				}
			}
		}
	}
	if len(ids) != n {
		return r, fmt.Errorf("%d jobs submitted, %d ids found", n, len(ids))
	}
	deadline := time.Now().Add(time.Duration(n)*3*time.Second + time.Minute)
	for {
		posted, _ := b.agentMetric("verdict_agent_results_posted_total")
		proven, _ := b.agentMetric(`verdict_agent_proofs_total{outcome="generated"`)
		if posted-posted0 >= float64(n) && (!proofs || proven-proofs0 >= float64(n)) {
			break
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("agent posted %.0f of %d results (proofs %.0f)", posted-posted0, n, proven-proofs0)
		}
		time.Sleep(250 * time.Millisecond)
	}
	r.wall = time.Since(start)
	cpu1, err := b.agentMetric("process_cpu_seconds_total")
	if err != nil {
		return r, err
	}
	r.cpu = cpu1 - cpu0
	for _, id := range ids {
		res, err := b.chain.Jobs.Job(ctx, &jobstypes.QueryJobRequest{Id: id})
		if err != nil {
			return r, err
		}
		if res.Job.Result == nil {
			return r, fmt.Errorf("job %d has no result", id)
		}
		r.latencies = append(r.latencies, res.Job.Result.PostedAt.Sub(res.Job.SubmittedAt))
	}
	return r, nil
}

func pct(ds []time.Duration, q int) time.Duration { return benchkit.Pct(ds, q) }
