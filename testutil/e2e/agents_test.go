//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/verdict-chain/verdict/testutil/cli"
	"github.com/verdict-chain/verdict/testutil/hostile"
	"github.com/verdict-chain/verdict/testutil/loopback"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// providerBond is a provider's bond now.
func providerBond(t *testing.T, jq jobstypes.QueryClient, operator string) math.Int {
	res, err := jq.Provider(context.Background(), &jobstypes.QueryProviderRequest{Operator: operator})
	require.NoError(t, err)
	return res.Provider.Bond.Amount
}

// startAgent runs `verdictd agent <role>` against the test chain (the
// harness's cli.StartAgent, reading files under c.agentFiles) and stops it
// (SIGTERM) when the test ends.
func (c *chain) startAgent(t *testing.T, name, role, key string, port int, args ...string) *cli.Agent {
	if c.agentFiles != "" {
		args = append(args, "--file-root", c.agentFiles)
	}
	a, err := c.harness(t).StartAgent(context.Background(), filepath.Join(c.home, "e2e-agents"), name, role, key, port, args...)
	require.NoError(t, err)
	t.Cleanup(func() { a.Stop() })
	return a
}

// agentProviders makes gpu-h (agent-honest: the version 1 and 2 reference
// circuits, the hostile buyer's compute bomb being a version 2 model) and
// gpu-x (agent-cheat: version 1) ACTIVE providers with SLA offers, and the
// watcher's key funded: registered on a fresh chain; on a chain the demo
// ran on (its agent scene leaves them PAUSED, version 1 only), resumed and
// updated.
func (c *chain) agentProviders(t *testing.T, jq jobstypes.QueryClient, ports []int) (honest, cheat string) {
	ctx := context.Background()
	const offer = `{"class":"WORKLOAD_CLASS_INFERENCE","max_units_per_job":"1000000","max_open_units":"100000000","max_items_per_job":"100000","price_per_unit":{"denom":"uverd","amount":"100"},"sla":{"p99_latency_ms":100,"jitter_ms":10,"max_slash_bps":10000}}`
	h := c.harness(t)
	for i, p := range []struct{ key, moniker, circuits string }{
		{"agent-honest", "gpu-h", "mlp-64-64-10,mlp2-64-64-10"},
		{"agent-cheat", "gpu-x", "mlp-64-64-10"},
	} {
		op, err := h.EnsureKey(ctx, p.key)
		require.NoError(t, err)
		if i == 0 {
			honest = op
		} else {
			cheat = op
		}
		endpoint := fmt.Sprintf("http://127.0.0.1:%d", ports[i])
		args := []string{"--region", "eu-west", "--classes", "inference", "--circuit-ids", p.circuits, "--prices", offer}
		if _, err := jq.Provider(ctx, &jobstypes.QueryProviderRequest{Operator: op}); err != nil { // a fresh chain
			c.fund(t, op, 5_000_000_000)
			code, log := c.txCode(p.key, append([]string{"jobs", "register-provider", p.moniker, endpoint, "2000000000uverd"}, args...)...)
			require.Zero(t, code, log)
			continue
		}
		if code, log := c.txCode(p.key, "jobs", "resume-provider"); code != 0 {
			require.Contains(t, log, "only a PAUSED provider can resume")
		}
		code, log := c.txCode(p.key, append([]string{"jobs", "update-provider", p.moniker, endpoint}, args...)...)
		require.Zero(t, code, log)
	}
	w, err := h.EnsureKey(ctx, "watcher")
	require.NoError(t, err)
	c.fund(t, w, 5_000_000_000)
	return honest, cheat
}

// fund tops addr up to at least amount uverd from the validator.
func (c *chain) fund(t *testing.T, addr string, amount int64) {
	b, err := c.harness(t).Balance(context.Background(), addr, "uverd")
	require.NoError(t, err)
	if b.GTE(math.NewInt(amount)) {
		return
	}
	code, log := c.txCode("validator", "bank", "send", "validator", addr, fmt.Sprintf("%duverd", amount))
	require.Zero(t, code, log)
}

// TestAgentFaultsOnRealNode runs the agent fault tests on a localnet of
// their own, beside TestLifecycleOnRealNode's demo, then the demo's audit
// scene on another fresh localnet: the scene turns audits on chain-wide, so
// on the demo's chain it would have to run alone after every other scene;
// here it overlaps them (the fault tests end before the demo's lanes).
func TestAgentFaultsOnRealNode(t *testing.T) {
	t.Parallel()
	afterLifecycleStart(t)
	c := startChain(t, "agents", "15s")
	a := startChain(t, "audit", "8s") // idle until the faults are done: its start is off the longest path
	c.agentFaults(t)
	if out, err := c.script(30*time.Second, "localnet.sh", "stop"); err != nil { // its blocks would only load the machine
		t.Logf("stopping the agents' chain: %v\n%s", err, out)
	}
	t.Run("the demo's audit scene on a chain of its own", func(t *testing.T) {
		res := a.demo(t, []string{"audit"})
		_, ok := res.IDs["audit.audited"]
		require.True(t, ok, "the audit scene recorded no audited job")
	})
}

// agentFaults: a provider agent killed (SIGKILL) right after a challenge
// and restarted still proves before the deadline; a watcher with no bond
// budget left does not challenge a mismatch; a file whose bytes do not
// match the job's commitment is refused (and the job declined).
func (c *chain) agentFaults(t *testing.T) {
	c.harness(t) // dialled by the test, not by its first subtest
	ctx := context.Background()
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", c.ports.grpc), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	jq, dq := jobstypes.NewQueryClient(conn), disputetypes.NewQueryClient(conn)
	job := func(id string) jobstypes.Job {
		res, err := jq.Job(ctx, &jobstypes.QueryJobRequest{Id: mustUint(t, id)})
		require.NoError(t, err)
		return res.Job
	}
	waitStatus := func(id string, want jobstypes.JobStatus, within time.Duration) {
		require.Eventually(t, func() bool { return job(id).Status == want }, within, 500*time.Millisecond, "job %s never %s (now %s)", id, want, job(id).Status)
	}

	// The buyer's files.
	dir := t.TempDir()
	c.agentFiles = dir
	model := filepath.Join(dir, "model.vmdl")
	out, err := c.cli("zk", "example-model", model, "--shape", "64-64-10", "--seed", "e2e-agents")
	require.NoError(t, err, out)
	commit := func(path string) string {
		out, err := exec.Command(c.bin, "zk", "commit", path).Output()
		require.NoError(t, err)
		return strings.TrimSpace(string(out))
	}
	input := func(seed string) string {
		p := filepath.Join(dir, seed+".vten")
		out, err := c.cli("zk", "example-input", p, "--size", "64", "--seed", seed)
		require.NoError(t, err, out)
		return p
	}
	submit := func(provider, inputFile, inputCommitment string) string {
		code, log := c.txCode("buyer", "jobs", "submit-job", "inference", commit(model), inputCommitment, "100", "150uverd", "90s",
			"--circuit-id", "mlp-64-64-10", "--provider", provider, "--model-uri", "file://"+model, "--input-uri", "file://"+inputFile)
		require.Zero(t, code, log)
		return c.lastJobID()
	}
	zk := filepath.Join(c.root, ".localnet", "zk")
	ports := loopback.FreePorts(t, 3)
	honest, cheat := c.agentProviders(t, jq, ports)

	t.Run("provider killed after a challenge proves after restart", func(t *testing.T) {
		args := []string{"--zk-keys", zk, "--public-url", fmt.Sprintf("http://127.0.0.1:%d", ports[0])}
		a := c.startAgent(t, "gpu-h", "provider", "agent-honest", ports[0], args...)
		in := input("e2e-kill")
		id := submit(honest, in, commit(in))
		waitStatus(id, jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, 60*time.Second)
		code, log := c.txCode("challenger", "dispute", "challenge", id)
		require.Zero(t, code, log)
		a.Kill() // mid-proof: the first proof compiles the circuit too
		killedAt := time.Now()
		d, err := dq.Dispute(ctx, &disputetypes.QueryDisputeRequest{JobId: mustUint(t, id)})
		require.NoError(t, err)
		require.Equal(t, disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN, d.Dispute.Status, "settled before the kill: the test proves nothing")
		b := c.startAgent(t, "gpu-h", "provider", "agent-honest", ports[0], args...)
		require.Eventually(t, func() bool {
			d, err := dq.Dispute(ctx, &disputetypes.QueryDisputeRequest{JobId: mustUint(t, id)})
			return err == nil && d.Dispute.Status != disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN
		}, 60*time.Second, 500*time.Millisecond)
		d, err = dq.Dispute(ctx, &disputetypes.QueryDisputeRequest{JobId: mustUint(t, id)})
		require.NoError(t, err)
		require.Equal(t, disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, d.Dispute.Status, "log:\n%s", b.LogText())
		require.Equal(t, honest, d.Dispute.Resolution.ProvenBy)
		require.Eventually(t, func() bool { return b.Metric(`verdict_agent_proofs_total{outcome="accepted"`) == 1 }, 10*time.Second, 200*time.Millisecond)
		require.Contains(t, b.LogText(), "dispute: proving")
		t.Logf("killed %s after the challenge; proof accepted %s after the kill, deadline was %s", killedAt.Format(time.TimeOnly),
			time.Since(killedAt).Round(time.Second), d.Dispute.ProofDeadline.Format(time.TimeOnly))
		waitStatus(id, jobstypes.JobStatus_JOB_STATUS_FINALIZED, 30*time.Second)
	})

	t.Run("watcher without bond budget does not challenge", func(t *testing.T) {
		c.startAgent(t, "gpu-x", "provider", "agent-cheat", ports[1], "--zk-keys", zk, "--wrong-output-rate", "1",
			"--public-url", fmt.Sprintf("http://127.0.0.1:%d", ports[1]))
		w := c.startAgent(t, "watcher-broke", "watcher", "watcher", ports[2], "--zk-keys", zk, "--sample-rate", "1", "--bond-budget", "0")
		in := input("e2e-broke")
		id := submit(cheat, in, commit(in))
		waitStatus(id, jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, 60*time.Second)
		require.Eventually(t, func() bool {
			return w.Metric(`verdict_agent_challenges_total{outcome="skipped_budget"`) == 1
		}, 30*time.Second, 500*time.Millisecond, "log:\n%s", w.LogText())
		require.Equal(t, float64(1), w.Metric(`verdict_agent_results_checked_total{outcome="mismatch"`))
		waitStatus(id, jobstypes.JobStatus_JOB_STATUS_FINALIZED, 60*time.Second)
		_, err := dq.Dispute(ctx, &disputetypes.QueryDisputeRequest{JobId: mustUint(t, id)})
		require.Error(t, err, "a dispute was opened with no budget")
		require.Zero(t, w.Metric(`verdict_agent_challenges_total{outcome="opened"`))
		require.Contains(t, w.LogText(), "bond budget exhausted")
	})

	t.Run("node restart: the agent reconnects and catches up", func(t *testing.T) {
		if c.env == nil {
			t.Skip("does not restart a localnet it did not start")
		}
		a := c.startAgent(t, "gpu-h3", "provider", "agent-honest", ports[0], "--zk-keys", zk, "--stall-timeout", "5s",
			"--public-url", fmt.Sprintf("http://127.0.0.1:%d", ports[0]))
		out, err := c.script(30*time.Second, "localnet.sh", "stop")
		require.NoError(t, err, out)
		time.Sleep(6 * time.Second) // longer than the stall timeout: no block, the agent gives up the connection
		out, err = c.start()
		require.NoError(t, err, out)
		in := input("e2e-reconnect")
		id := submit(honest, in, commit(in))
		waitStatus(id, jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, 60*time.Second)
		require.Contains(t, a.LogText(), "reconnecting")
		require.Positive(t, a.Metric(`verdict_agent_errors_total{role="provider",where="subscription"}`))
	})

	t.Run("hostile buyer: stalls, a FIFO, a compute bomb, a wrong shape and vanishing files cost the provider nothing", func(t *testing.T) {
		srv := hostile.NewServer(t)
		a := c.startAgent(t, "gpu-h4", "provider", "agent-honest", ports[0], "--zk-keys", zk,
			"--public-url", fmt.Sprintf("http://127.0.0.1:%d", ports[0]), "--fetch-private", "--fetch-timeout", "4s",
			"--run-workers", "8", "--retain-check", "2s")
		bond0 := providerBond(t, jq, honest)
		hex := func(c [32]byte) string { return fmt.Sprintf("%x", c[:]) }
		hostileJob := func(circuit, mc, muri, ic, iuri string) string {
			code, log := c.txCode("challenger", "jobs", "submit-job", "inference", mc, ic, "100", "150uverd", "90s",
				"--circuit-id", circuit, "--provider", honest, "--model-uri", muri, "--input-uri", iuri)
			require.Zero(t, code, log)
			return c.lastJobID()
		}
		modelBytes, err := os.ReadFile(model)
		require.NoError(t, err)
		m := &zkml.Model{}
		require.NoError(t, m.UnmarshalBinary(modelBytes))
		mc, err := zkml.MiMC.ModelCommitment(m)
		require.NoError(t, err)
		good := zkml.ExampleInput(64, "e2e-hostile")
		goodBytes, err := zkml.MarshalTensor(good)
		require.NoError(t, err)
		gc := zkml.MiMC.TensorCommitment(good)

		// files served until the result, then taken down and the result
		// challenged (inside its challenge window)
		vanish := hostileJob("mlp-64-64-10", hex(mc), srv.Serve("vanish-model", modelBytes), hex(gc), srv.Serve("vanish-input", goodBytes))
		waitStatus(vanish, jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, 60*time.Second)
		srv.TakeDown("vanish-model")
		srv.TakeDown("vanish-input")
		require.Positive(t, a.Metric("verdict_agent_retained_bytes"))
		code, log := c.txCode("challenger", "dispute", "challenge", vanish)
		require.Zero(t, code, log)

		var declined []string
		for i := range 3 { // URIs that answer headers and then nothing
			declined = append(declined, hostileJob("mlp-64-64-10", hex(mc), srv.Stall(fmt.Sprint("m", i)), hex(gc), srv.Stall(fmt.Sprint("i", i))))
		}
		declined = append(declined, hostileJob("mlp-64-64-10", hex(mc), hostile.FIFO(t, dir, "model.fifo"), hex(gc), srv.Serve("fifo-input", goodBytes)))
		narrow, err := hostile.WrongShape("64-32-10", "e2e-narrow")
		require.NoError(t, err)
		nb, err := narrow.MarshalBinary()
		require.NoError(t, err)
		nc, err := zkml.MiMC.ModelCommitment(narrow)
		require.NoError(t, err)
		declined = append(declined, hostileJob("mlp-64-64-10", hex(nc), srv.Serve("narrow", nb), hex(gc), srv.Serve("narrow-input", goodBytes)))
		bomb, bombIn, err := hostile.ComputeBomb()
		require.NoError(t, err)
		bb, err := bomb.MarshalBinary()
		require.NoError(t, err)
		bc, err := zkml.Poseidon2.ModelCommitment(bomb)
		require.NoError(t, err)
		bib, err := zkml.MarshalTensor(bombIn)
		require.NoError(t, err)
		declined = append(declined, hostileJob("mlp2-64-64-10", hex(bc), srv.Serve("bomb", bb), hex(zkml.Poseidon2.TensorCommitment(bombIn)), srv.Serve("bomb-input", bib)))

		// an honest buyer's job, behind all of them
		in := input("e2e-behind-hostile")
		submitted := time.Now()
		id := submit(honest, in, commit(in))
		waitStatus(id, jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, 30*time.Second)
		t.Logf("honest job %s posted %s after submission, behind %d hostile jobs", id, time.Since(submitted).Round(time.Second), len(declined)+1)

		for _, h := range declined {
			require.Eventually(t, func() bool { return job(h).Status == jobstypes.JobStatus_JOB_STATUS_SUBMITTED }, 60*time.Second, 500*time.Millisecond,
				"hostile job %s not declined (now %s); log:\n%s", h, job(h).Status, a.LogText())
			require.Nil(t, job(h).Result)
		}
		require.Equal(t, float64(2), a.Metric(`verdict_agent_files_refused_total{reason="unprovable"`), "the wrong shape and the bomb")
		require.Equal(t, float64(1), a.Metric(`verdict_agent_files_refused_total{reason="uri"`), "the FIFO")
		require.Equal(t, float64(3), a.Metric(`verdict_agent_files_refused_total{reason="fetch"`), "the stalls")
		require.Contains(t, a.LogText(), "not a regular file")

		// the vanished files' dispute
		require.Eventually(t, func() bool {
			d, err := dq.Dispute(ctx, &disputetypes.QueryDisputeRequest{JobId: mustUint(t, vanish)})
			return err == nil && d.Dispute.Status != disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN
		}, 90*time.Second, 500*time.Millisecond)
		d, err := dq.Dispute(ctx, &disputetypes.QueryDisputeRequest{JobId: mustUint(t, vanish)})
		require.NoError(t, err)
		require.Equal(t, disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, d.Dispute.Status, "log:\n%s", a.LogText())
		require.Equal(t, 1, srv.Hits("vanish-model"), "proved from the kept copy, not fetched again")
		require.True(t, providerBond(t, jq, honest).GTE(bond0), "the honest provider's bond is whole")

		rss := a.Metric("process_resident_memory_bytes")
		t.Logf("provider agent resident memory after the hostile buyer: %.0f MiB", rss/(1<<20))
		require.Less(t, rss, float64(1<<30))
		for _, h := range declined {
			code, log := c.txCode("challenger", "jobs", "cancel-job", h)
			require.Zero(t, code, log)
		}
	})

	t.Run("file not matching its commitment is refused", func(t *testing.T) {
		a := c.startAgent(t, "gpu-h2", "provider", "agent-honest", ports[0], "--zk-keys", zk,
			"--public-url", fmt.Sprintf("http://127.0.0.1:%d", ports[0]))
		committed, served := input("e2e-committed"), input("e2e-served")
		id := submit(honest, served, commit(committed)) // the URI's bytes are not the committed input
		require.Eventually(t, func() bool { return job(id).Status == jobstypes.JobStatus_JOB_STATUS_SUBMITTED }, 60*time.Second, 500*time.Millisecond,
			"the job was not declined; log:\n%s", a.LogText())
		j := job(id)
		require.Nil(t, j.Result)
		require.Empty(t, j.Provider)
		require.Equal(t, float64(1), a.Metric(`verdict_agent_files_refused_total{reason="commitment"`))
		require.Contains(t, a.LogText(), "does not match the on-chain commitment")
		code, log := c.txCode("buyer", "jobs", "cancel-job", id)
		require.Zero(t, code, log)
	})
}

// TestAgentsOnRunningLocalnet runs the agent fault tests against a localnet
// that is already up after `make demo` (for working on the agents without
// the whole end-to-end run): VERDICTD=build/verdictd LOCALNET=1 go test
// -tags e2e -run TestAgentsOnRunningLocalnet ./testutil/e2e.
func TestAgentsOnRunningLocalnet(t *testing.T) {
	bin := os.Getenv("VERDICTD")
	if bin == "" || os.Getenv("LOCALNET") == "" {
		t.Skip("set VERDICTD and LOCALNET=1 with `make demo`'s localnet running")
	}
	root := repoRoot(t)
	c := &chain{t: t, root: root, home: filepath.Join(root, ".localnet", "node"), bin: bin, ports: net4{rpc: 26657, grpc: 9090, api: 1317, p2p: 26656}}
	c.agentFaults(t)
}
