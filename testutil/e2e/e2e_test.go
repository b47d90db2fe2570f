//go:build e2e

// Package e2e starts the real verdictd binary on loopback with the project's
// own scripts/localnet.sh and drives the job lifecycle through the CLI, then
// reads the results back over gRPC and REST. Run with `make test-e2e`.
package e2e

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"

	cosmosreflection "cosmossdk.io/api/cosmos/reflection/v1"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/types/query"

	attesttypes "github.com/verdict-chain/verdict/x/attest/types"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	forwardstypes "github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	reputationtypes "github.com/verdict-chain/verdict/x/reputation/types"
	slashingslatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"

	"github.com/verdict-chain/verdict/testutil/cli"
	"github.com/verdict-chain/verdict/testutil/demo"
	"github.com/verdict-chain/verdict/testutil/loopback"
)

type net4 struct{ rpc, p2p, grpc, api int }

func freePorts(t *testing.T) net4 {
	p := loopback.FreePorts(t, 4)
	return net4{p[0], p[1], p[2], p[3]}
}

func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

type chain struct {
	t     *testing.T
	root  string
	home  string
	bin   string
	ports net4
	env   []string
	// agentFiles: the directory agents may read file:// URIs from
	agentFiles string
	h          *cli.Chain
}

// harness is the shared CLI harness (testutil/cli) on the test chain.
func (c *chain) harness(t *testing.T) *cli.Chain {
	if c.h == nil {
		h, err := cli.Dial(cli.Config{
			Bin: c.bin, Home: c.home,
			RPC: fmt.Sprintf("127.0.0.1:%d", c.ports.rpc), GRPC: fmt.Sprintf("127.0.0.1:%d", c.ports.grpc),
		})
		require.NoError(t, err)
		t.Cleanup(func() { _ = h.Close() })
		c.h = h
	}
	return c.h
}

func (c *chain) script(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(c.root, "scripts", name), args...)
	cmd.Env = append(os.Environ(), c.env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// cli runs verdictd against the test chain with a bounded time.
func (c *chain) cli(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, c.bin, append(args, "--home", c.home)...).CombinedOutput()
	return string(out), err
}

// addr is a key's address (the harness remembers it: one CLI call per key).
func (c *chain) addr(key string) string {
	a, err := c.harness(c.t).Addr(context.Background(), key)
	require.NoError(c.t, err)
	return a
}

// txCode broadcasts, paying gas at the node's minimum price (a zero-fee tx
// is refused), waits (bounded) for the block and returns the result code.
func (c *chain) txCode(from string, args ...string) (uint32, string) {
	fees := []string{"--gas-prices", "0.01uverd", "--gas", "500000"}
	for _, a := range args {
		if a == "--gas" {
			fees = fees[:2]
		}
	}
	out, err := c.cli(append(append(append([]string{"tx"}, args...), fees...), "--from", from, "-y", "-o", "json")...)
	require.NoError(c.t, err, out)
	var res struct {
		Code   uint32 `json:"code"`
		TxHash string `json:"txhash"`
		RawLog string `json:"raw_log"`
	}
	require.NoError(c.t, json.Unmarshal([]byte(out), &res), out)
	if res.Code != 0 {
		return res.Code, res.RawLog
	}
	// the block's result over CometBFT RPC (bounded by the harness's tx
	// timeout), not a CLI process per poll
	r, err := c.harness(c.t).WaitTx(context.Background(), res.TxHash)
	require.NoError(c.t, err)
	return r.Code, r.Log
}

// lastJobID is the newest job's id (ids are sequential; the listing is by id).
func (c *chain) lastJobID() string {
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", c.ports.grpc), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(c.t, err)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := jobstypes.NewQueryClient(conn).Jobs(ctx, &jobstypes.QueryJobsRequest{Pagination: &query.PageRequest{Limit: 1, Reverse: true}})
	require.NoError(c.t, err)
	require.NotEmpty(c.t, res.Jobs)
	return strconv.FormatUint(res.Jobs[0].Id, 10)
}

func mustUint(t *testing.T, s string) uint64 {
	n, err := strconv.ParseUint(s, 10, 64)
	require.NoError(t, err)
	return n
}

// demo runs the named demo scenes (testutil/demo; the closing accounts
// scene always runs) against the test chain, their story in <home>/demo.log.
func (c *chain) demo(t *testing.T, scenes []string) *demo.Result {
	h := c.harness(t)
	logPath := filepath.Join(c.home, "demo.log")
	f, err := os.Create(logPath)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	cfg := demo.Config{
		Chain: h, Bin: c.bin, TEESim: filepath.Join(filepath.Dir(c.bin), "verdict-teesim"), TEEDir: filepath.Join(c.home, "tee"),
		ZKDir: filepath.Join(c.root, ".localnet", "zk"), Work: filepath.Join(c.home, "demo-files"),
		ZKShape: "64-64-10", CNNArch: "1x32x32-6k5-16k5-120-84-10", SLAShape: "16-16-4", AgentPorts: loopback.FreePorts(t, 11), Out: f,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 13*time.Minute)
	defer cancel()
	res, err := demo.Run(ctx, cfg, scenes)
	if err != nil {
		bz, _ := os.ReadFile(logPath)
		story := string(bz)
		if len(story) > 8000 {
			story = story[len(story)-8000:]
		}
		t.Fatalf("demo: %v\n(story in %s) ...%s", err, logPath, story)
	}
	t.Logf("demo scenes: %v", res.Elapsed)
	return res
}

// startChain starts a one-validator localnet of the test's own on free
// loopback ports (scripts/localnet.sh, a fresh home) and stops it when the
// test ends. challengeWindow is x/jobs' challenge window: short where a
// test waits for results to finalize, longer where a test must challenge
// a result from outside the node (a CLI round trip under load).
func startChain(t *testing.T, name, challengeWindow string) *chain {
	bin := os.Getenv("VERDICTD")
	if bin == "" {
		t.Skip("VERDICTD not set: run through `make test-e2e`")
	}
	p := freePorts(t)
	c := &chain{t: t, root: repoRoot(t), home: filepath.Join(t.TempDir(), "node"), bin: bin, ports: p}
	c.env = []string{
		"VERDICTD=" + bin, "LOCALNET_HOME=" + c.home, "CHAIN_ID=verdict-e2e-" + name, "CHALLENGE_WINDOW=" + challengeWindow,
		"VOTING_PERIOD=10s", "EXPEDITED_VOTING_PERIOD=5s",
		fmt.Sprintf("RPC_PORT=%d", p.rpc), fmt.Sprintf("P2P_PORT=%d", p.p2p),
		fmt.Sprintf("GRPC_PORT=%d", p.grpc), fmt.Sprintf("API_PORT=%d", p.api),
	}
	out, err := c.start()
	require.NoError(t, err, out)
	t.Cleanup(func() {
		out, _ := c.script(30*time.Second, "localnet.sh", "stop")
		t.Log(out)
	})
	return c
}

// The demo's chain starts first: the demo is the longest test, so nothing
// else's start may delay it. lifecycleStarted is called once it is up (or
// its test ends); the other tests wait for it (bounded) when it runs.
var (
	lifecycleUp   = make(chan struct{})
	lifecycleOnce sync.Once
)

func lifecycleStarted() { lifecycleOnce.Do(func() { close(lifecycleUp) }) }

// afterLifecycleStart waits for the demo's chain to be up, when
// TestLifecycleOnRealNode is among the tests run.
func afterLifecycleStart(t *testing.T) {
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
		if re, err := regexp.Compile(f.Value.String()); err != nil || !re.MatchString("TestLifecycleOnRealNode") {
			return
		}
	}
	select {
	case <-lifecycleUp:
	case <-time.After(2 * time.Minute):
		t.Log("the demo's chain did not come up in 2 min: starting anyway")
	}
}

// startMu: localnets start one at a time. The first start on a machine
// makes the Groth16 keys every localnet shares (in .localnet/zk, under the
// scripts' own lock too); later ones take ~10 s, and staggering them keeps
// the tests' busiest first minute apart on 2 cores.
var startMu sync.Mutex

// start runs localnet.sh start (bounded; one start at a time).
func (c *chain) start() (string, error) {
	startMu.Lock()
	defer startMu.Unlock()
	return c.script(4*time.Minute, "localnet.sh", "start")
}

// TestLifecycleOnRealNode runs the demo on a localnet of its own, then the
// wrong signers, every query surface and the CosmJS example. It runs beside
// TestAgentFaultsOnRealNode (the agent faults, then the demo's audit scene),
// each on chains of its own: each mostly waits for blocks and windows.
func TestLifecycleOnRealNode(t *testing.T) {
	t.Parallel()
	t.Cleanup(lifecycleStarted) // a failed start must not hold the others up
	c := startChain(t, "1", "8s")
	lifecycleStarted()
	p := c.ports

	// The demo, in-process: its scenes side by side (register, submit,
	// post, window, FINALIZED, disputes settled by real Groth16 proofs, SLA
	// grading, TEE, forwards, the agents, batches); exact balances
	// throughout. All but the audit scene, which TestAgentFaultsOnRealNode
	// runs on a chain of its own.
	var scenes []string
	for _, sc := range demo.Scenes() {
		if sc.Name != "audit" {
			scenes = append(scenes, sc.Name)
		}
	}
	res := c.demo(t, scenes)
	ids := func(k string) uint64 {
		id, ok := res.IDs[k]
		require.True(t, ok, "the demo recorded no %s", k)
		return id
	}

	// Wrong signers are refused by the chain, not just by the CLI.
	model := strings.Repeat("0a", 32) // a canonical BN254 field element
	code, log := c.txCode("buyer", "jobs", "submit-job", "inference", strings.Repeat("ab", 32), model, "10", "150uverd", "60s")
	require.NotZero(t, code, "a commitment above the field modulus was accepted: %s", log)
	require.Contains(t, log, "canonical BN254 field element")
	code, log = c.txCode("buyer", "jobs", "submit-job", "inference", model, model, "10", "150uverd", "60s")
	require.Zero(t, code, log)
	jobID := c.lastJobID() // the one just submitted
	code, log = c.txCode("buyer", "jobs", "post-result", jobID, model, "5")
	require.NotZero(t, code, "the buyer posted a result: %s", log)
	require.Contains(t, log, "only the assigned provider")
	code, log = c.txCode("challenger", "jobs", "cancel-job", jobID)
	require.NotZero(t, code, "a stranger cancelled: %s", log)
	code, log = c.txCode("challenger", "jobs", "pause-provider")
	require.NotZero(t, code, log)
	require.Contains(t, log, "provider not found")
	code, log = c.txCode("buyer", "jobs", "cancel-job", jobID)
	require.Zero(t, code, log)

	// Every query answers over gRPC...
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", p.grpc), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	// The server reflection that `grpcurl list` uses shows the module's services.
	rc, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(context.Background())
	require.NoError(t, err)
	require.NoError(t, rc.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}))
	listed, err := rc.Recv()
	require.NoError(t, err)
	var services []string
	for _, s := range listed.GetListServicesResponse().GetService() {
		services = append(services, s.GetName())
	}
	require.Contains(t, services, "verdict.jobs.v1.Query")
	require.Contains(t, services, "verdict.dispute.v1.Query")
	require.Contains(t, services, "cosmos.tx.v1beta1.Service") // where signed Msgs are broadcast
	// The Msg service is not served directly (a Msg travels in a signed tx
	// through cosmos.tx.v1beta1.Service/BroadcastTx); the chain's own
	// reflection service publishes its descriptor for clients to build txs.
	fds, err := cosmosreflection.NewReflectionServiceClient(conn).FileDescriptors(context.Background(), &cosmosreflection.FileDescriptorsRequest{})
	require.NoError(t, err)
	var msgServices []string
	for _, fd := range fds.Files {
		if fd.GetPackage() == "verdict.jobs.v1" || fd.GetPackage() == "verdict.dispute.v1" {
			for _, svc := range fd.Service {
				msgServices = append(msgServices, fd.GetPackage()+"."+svc.GetName())
			}
		}
	}
	require.Contains(t, msgServices, "verdict.jobs.v1.Msg")
	require.Contains(t, msgServices, "verdict.dispute.v1.Msg")
	require.NoError(t, rc.CloseSend())

	q := jobstypes.NewQueryClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	params, err := q.Params(ctx, &jobstypes.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, "uverd", params.Params.Denom)
	prov, err := q.Provider(ctx, &jobstypes.QueryProviderRequest{Operator: c.addr("provider")})
	require.NoError(t, err)
	require.Equal(t, jobstypes.ProviderStatus_PROVIDER_STATUS_PAUSED, prov.Provider.Status, "it stepped aside in the demo")
	provs, err := q.Providers(ctx, &jobstypes.QueryProvidersRequest{Status: jobstypes.ProviderStatus_PROVIDER_STATUS_ACTIVE})
	require.NoError(t, err)
	require.Len(t, provs.Providers, 2, "gpu-a and gpu-b; the first provider and the agents' three paused in the demo")
	job, err := q.Job(ctx, &jobstypes.QueryJobRequest{Id: ids("lifecycle.job")})
	require.NoError(t, err)
	require.Equal(t, jobstypes.JobStatus_JOB_STATUS_FINALIZED, job.Job.Status)
	jobs, err := q.Jobs(ctx, &jobstypes.QueryJobsRequest{Buyer: c.addr("buyer"), Status: jobstypes.JobStatus_JOB_STATUS_CANCELLED})
	require.NoError(t, err)
	require.Len(t, jobs.Jobs, 1)
	acc, err := q.Accounting(ctx, &jobstypes.QueryAccountingRequest{})
	require.NoError(t, err)
	require.True(t, acc.Balanced)
	require.Zero(t, acc.OpenEscrow.Amount.Int64())
	// the serving scene's session: 10,000 requests checkpointed, closed,
	// the 2,000 unused refunded; listed by its buyer
	sess, err := q.Session(ctx, &jobstypes.QuerySessionRequest{Id: ids("serving.session")})
	require.NoError(t, err)
	require.Equal(t, jobstypes.SessionStatus_SESSION_STATUS_CLOSED, sess.Session.Status)
	require.Equal(t, uint64(10_000), sess.Session.Checkpointed)
	require.Equal(t, int64(2_000*100), sess.Session.Refund.Amount.Int64())
	sessions, err := q.Sessions(ctx, &jobstypes.QuerySessionsRequest{Buyer: sess.Session.Buyer})
	require.NoError(t, err)
	require.Len(t, sessions.Sessions, 3, "gpu-v's and gpu-w's two")

	// ...and over REST.
	hc := &http.Client{Timeout: 10 * time.Second}
	for _, path := range []string{"params", "providers", "providers/" + c.addr("provider"), "jobs", "jobs/1", "jobs?status=5", "accounting", "sessions", "sessions/" + strconv.FormatUint(ids("serving.session"), 10)} {
		resp, err := hc.Get(fmt.Sprintf("http://127.0.0.1:%d/verdict/jobs/v1/%s", p.api, path))
		require.NoError(t, err, path)
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body), path)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %v", path, body)
	}
	out, err := c.cli("q", "jobs", "jobs", "--status", "finalized", "-o", "json")
	require.NoError(t, err, out)
	require.Contains(t, out, `"JOB_STATUS_FINALIZED"`)

	// x/dispute over gRPC: the demo's disputes.
	dq := disputetypes.NewQueryClient(conn)
	circuits, err := dq.Circuits(ctx, &disputetypes.QueryCircuitsRequest{})
	require.NoError(t, err)
	require.Len(t, circuits.Circuits, 6, "three versions of the reference MLP circuit, two of the CNN, and the SLA scenes' small MLP")
	require.Equal(t, "cnn-1x32x32-6k5-16k5-120-84-10", circuits.Circuits[0].Id)  // LeNet-5, version 2
	require.Equal(t, "cnn3-1x32x32-6k5-16k5-120-84-10", circuits.Circuits[1].Id) // LeNet-5, version 3: the demo's dispute D
	require.Equal(t, "mlp-64-64-10", circuits.Circuits[2].Id)                    // version 1 (MiMC): the agents
	require.Equal(t, "mlp2-16-16-4", circuits.Circuits[3].Id)                    // the SLA and TEE scenes
	require.Equal(t, "mlp2-64-64-10", circuits.Circuits[4].Id)                   // version 2 (Poseidon2): the demo's disputes
	require.Equal(t, "mlp3-64-64-10", circuits.Circuits[5].Id)                   // version 3 (the model committed in the proof)
	won, err := dq.Dispute(ctx, &disputetypes.QueryDisputeRequest{JobId: ids("disputes.a")})
	require.NoError(t, err)
	require.Equal(t, disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, won.Dispute.Status)
	lost, err := dq.Disputes(ctx, &disputetypes.QueryDisputesRequest{Status: disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST})
	require.NoError(t, err)
	require.Len(t, lost.Disputes, 6, "dispute B and C, the cheat the watcher agent caught, the batch the batch watcher caught, and the serving scene's wrong answer and equivocation")
	dparams, err := dq.Params(ctx, &disputetypes.QueryParamsRequest{})
	require.NoError(t, err)
	require.Zero(t, dparams.Params.AuditRatePpm, "the localnet turns audits off")
	// ...and over REST.
	for _, path := range []string{"params", "circuits", "circuits/mlp-64-64-10", "circuits/mlp2-64-64-10", "circuits/cnn-1x32x32-6k5-16k5-120-84-10", "circuits/mlp3-64-64-10", "disputes", "disputes/" + strconv.FormatUint(ids("disputes.a"), 10), "disputes?status=3"} {
		resp, err := hc.Get(fmt.Sprintf("http://127.0.0.1:%d/verdict/dispute/v1/%s", p.api, path))
		require.NoError(t, err, path)
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body), path)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %v", path, body)
	}

	// x/reputation and x/slashingsla over gRPC and REST: the demo's SLA story.
	rq := reputationtypes.NewQueryClient(conn)
	rank, err := rq.RankProviders(ctx, &reputationtypes.QueryRankProvidersRequest{Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, MaxPricePerUnit: "150uverd"})
	require.NoError(t, err)
	require.Len(t, rank.Providers, 2)
	require.Equal(t, c.addr("provider3"), rank.Providers[0].Operator, "gpu-b ranks first after gpu-a's violation")
	rep, err := rq.Reputation(ctx, &reputationtypes.QueryReputationRequest{Provider: c.addr("provider2"), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE})
	require.NoError(t, err)
	require.Equal(t, uint64(1), rep.Reputation.Record.SlaViolations)
	eff, err := rq.EstimateEfficiency(ctx, &reputationtypes.QueryEstimateEfficiencyRequest{Providers: []string{c.addr("provider2"), c.addr("provider3")}, SyncBytesPerStep: 10_000_000, ComputeMsPerStep: 500})
	require.NoError(t, err)
	require.NotZero(t, eff.EfficiencyPpm)
	sq := slashingslatypes.NewQueryClient(conn)
	as, err := sq.Assessment(ctx, &slashingslatypes.QueryAssessmentRequest{JobId: ids("sla.job")})
	require.NoError(t, err)
	require.Equal(t, uint32(2750), as.Assessment.SlashBps)
	mons, err := sq.Monitors(ctx, &slashingslatypes.QueryMonitorsRequest{})
	require.NoError(t, err)
	require.ElementsMatch(t, []string{c.addr("monitor"), c.addr("monitor2"), c.addr("monitor3")}, mons.Monitors)
	for _, path := range []string{
		"reputation/v1/params", "reputation/v1/reputation/" + c.addr("provider2") + "/1", "reputation/v1/rank?class=1&max_price_per_unit=150uverd",
		"slashingsla/v1/params", "slashingsla/v1/monitors", "slashingsla/v1/assessments/" + strconv.FormatUint(ids("sla.job"), 10), "slashingsla/v1/violations/" + c.addr("provider2"),
	} {
		resp, err := hc.Get(fmt.Sprintf("http://127.0.0.1:%d/verdict/%s", p.api, path))
		require.NoError(t, err, path)
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body), path)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %v", path, body)
	}
	// x/attest over gRPC and REST: the demo's attestation, no longer
	// counting since governance removed its measurement.
	aq := attesttypes.NewQueryClient(conn)
	att, err := aq.Attestation(ctx, &attesttypes.QueryAttestationRequest{Operator: c.addr("provider3")})
	require.NoError(t, err)
	require.False(t, att.Attested)
	require.Contains(t, att.Reason, "no longer allowed")
	require.Equal(t, attesttypes.TeeType_TEE_TYPE_SEV_SNP, att.Attestation.TeeType)
	ms, err := aq.Measurements(ctx, &attesttypes.QueryMeasurementsRequest{})
	require.NoError(t, err)
	require.Empty(t, ms.Measurements, "governance removed the only one")
	pol, err := aq.Policy(ctx, &attesttypes.QueryPolicyRequest{})
	require.NoError(t, err)
	require.Len(t, pol.Policy.AmdRoots, 1, "the localnet trusts only the simulated guest's test root")
	require.True(t, pol.Policy.TdxRequireCollateral)
	for _, path := range []string{"params", "policy", "measurements", "attestations", "attestations/" + c.addr("provider3")} {
		resp, err := hc.Get(fmt.Sprintf("http://127.0.0.1:%d/verdict/attest/v1/%s", p.api, path))
		require.NoError(t, err, path)
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body), path)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %v", path, body)
	}
	// no one revokes another's attestation: the signer's own is revoked
	code, log = c.txCode("provider2", "attest", "revoke-attestation")
	require.NotZero(t, code, log)
	require.Contains(t, log, "has no attestation")
	code, log = c.txCode("provider", "attest", "submit-collateral", "tcb-info", hex.EncodeToString([]byte(`{"tcbInfo":{}}`)), "")
	require.NotZero(t, code, log)
	require.Contains(t, log, "invalid collateral")

	// x/forwards over gRPC and REST: the demo's forward position, settled.
	fq := forwardstypes.NewQueryClient(conn)
	fpos, err := fq.Position(ctx, &forwardstypes.QueryPositionRequest{Id: ids("forwards.position")})
	require.NoError(t, err)
	require.Equal(t, forwardstypes.PositionStatus_POSITION_STATUS_SETTLED, fpos.Position.Status)
	require.Equal(t, uint64(30), fpos.Position.Delivered)
	require.Equal(t, uint64(20), fpos.Position.Settlement.FaultUnits)
	facc, err := fq.Accounting(ctx, &forwardstypes.QueryAccountingRequest{})
	require.NoError(t, err)
	require.True(t, facc.Balanced)
	for _, path := range []string{"params", "positions/1", "positions/owner/" + c.addr("buyer-fwd"), "accounting", "index/1"} {
		resp, err := hc.Get(fmt.Sprintf("http://127.0.0.1:%d/verdict/forwards/v1/%s", p.api, path))
		require.NoError(t, err, path)
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body), path)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %v", path, body)
	}
	code, log = c.txCode("challenger", "forwards", "transfer-position", "1", c.addr("challenger"))
	require.NotZero(t, code, log)
	require.Contains(t, log, "belongs to")
	code, log = c.txCode("challenger", "forwards", "cancel-order", "1")
	require.NotZero(t, code, log)

	// a stranger's SLA report is refused on chain
	code, log = c.txCode("challenger", "slashingsla", "submit-report", "6", `{"latency_p99_ms":1,"completed_ppm":1000000,"window":"1s"}`)
	require.NotZero(t, code, log)

	// Amino-JSON signing (Ledger, legacy multisig) in one step through the
	// CLI, a transaction of every module: optional sub-messages left out
	// (--hardware, --metrics) and present (--sla); the stored terms are the
	// signed ones.
	amino := "--sign-mode=amino-json"
	code, log = c.txCode("provider", "jobs", "resume-provider", amino)
	require.Zero(t, code, log)
	code, log = c.txCode("provider", "jobs", "update-provider", "gpu-node-1", "https://gpu-node-1.verdict.local:8443",
		"--region", "eu-west", "--classes", "inference", "--circuit-ids", "mlp-64-64-10",
		"--prices", `{"class":"WORKLOAD_CLASS_INFERENCE","max_units_per_job":"1000000","max_open_units":"100000000","price_per_unit":{"denom":"uverd","amount":"100"},"sla":{"p99_latency_ms":100,"jitter_ms":10,"max_slash_bps":10000}}`,
		"--declared-latency-ms", "20", "--declared-bandwidth-mbps", "1000", amino)
	require.Zero(t, code, log)
	sla := `{"max_p99_latency_ms":200,"max_jitter_ms":20,"completion_time":"60s","max_slash_bps":1000}`
	code, log = c.txCode("buyer", "jobs", "submit-job", "inference", model, model, "10", "150uverd", "60s", "--circuit-id", "mlp-64-64-10", "--sla", sla, amino)
	require.Zero(t, code, log)
	aminoJob := c.lastJobID()
	job11, err := q.Job(ctx, &jobstypes.QueryJobRequest{Id: mustUint(t, aminoJob)})
	require.NoError(t, err)
	require.Equal(t, &jobstypes.SLATerms{MaxP99LatencyMs: 200, MaxJitterMs: 20, CompletionTime: time.Minute, MaxSlashBps: 1000}, job11.Job.Sla)
	require.Equal(t, c.addr("provider"), job11.Job.Provider)
	code, log = c.txCode("provider", "jobs", "post-result", aminoJob, model, "5", amino)
	require.Zero(t, code, log)
	code, log = c.txCode("monitor", "slashingsla", "submit-report", aminoJob,
		`{"latency_p50_ms":60,"latency_p99_ms":150,"jitter_ms":5,"throughput_mean_milli":"9000","completed_ppm":1000000,"window":"60s"}`, amino)
	require.Zero(t, code, log)

	// A provider cannot challenge its own result; garbage proofs are refused
	// with a registered error, on chain.
	code, log = c.txCode("provider", "dispute", "challenge", aminoJob)
	require.NotZero(t, code, log)
	require.Contains(t, log, "cannot challenge its own result")
	code, log = c.txCode("challenger", "dispute", "challenge", aminoJob, amino)
	require.Zero(t, code, log)
	code, log = c.txCode("provider3", "attest", "revoke-attestation", amino)
	require.Zero(t, code, log)
	code, log = c.txCode("buyer", "dispute", "submit-proof", aminoJob, "provider", strings.Repeat("ff", 196), "--gas", "600000")
	require.NotZero(t, code, log)
	require.Contains(t, log, "malformed proof")
	code, log = c.txCode("buyer", "dispute", "submit-proof", aminoJob, "provider", strings.Repeat("ff", 5000), "--gas", "600000")
	require.NotZero(t, code, log)
	require.Contains(t, log, "malformed proof")

	// x/reputation's only Msg is the governance params update: a proposal
	// signed in amino-JSON (the Msg travels inside the proposal's Any),
	// voted and applied.
	rp, err := rq.Params(ctx, &reputationtypes.QueryParamsRequest{})
	require.NoError(t, err)
	require.NotEqual(t, uint32(12345), rp.Params.ExplorationPpm)
	rp.Params.ExplorationPpm = 12345
	newParams, err := codec.ProtoMarshalJSON(&rp.Params, nil) // the JSON the CLI takes (protojson)
	require.NoError(t, err)
	code, log = c.txCode("validator", "reputation", "update-params-proposal", string(newParams), "--title", "exploration", "--summary", "e2e", "--deposit", "10000000uverd", amino)
	require.Zero(t, code, log)
	out, err = c.cli("q", "gov", "proposals", "-o", "json")
	require.NoError(t, err, out)
	var props struct {
		Proposals []struct {
			ID string `json:"id"`
		} `json:"proposals"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &props), out)
	require.NotEmpty(t, props.Proposals)
	code, log = c.txCode("validator", "gov", "vote", props.Proposals[len(props.Proposals)-1].ID, "yes", amino)
	require.Zero(t, code, log)
	require.Eventually(t, func() bool {
		rp, err := rq.Params(ctx, &reputationtypes.QueryParamsRequest{})
		return err == nil && rp.Params.ExplorationPpm == 12345
	}, 40*time.Second, time.Second, "the proposal did not pass and apply")

	// REST enum query parameters take names as well as numbers.
	for _, status := range []string{"5", "JOB_STATUS_FINALIZED"} {
		resp, err := hc.Get(fmt.Sprintf("http://127.0.0.1:%d/verdict/jobs/v1/jobs?status=%s", p.api, status))
		require.NoError(t, err)
		var body struct {
			Jobs []map[string]any `json:"jobs"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, status)
		require.NotEmpty(t, body.Jobs, status)
	}

	// The node serves Verdict's OpenAPI document (api.swagger = true).
	resp, err := hc.Get(fmt.Sprintf("http://127.0.0.1:%d/swagger/openapi.json", p.api))
	require.NoError(t, err)
	var doc struct {
		Paths map[string]any `json:"paths"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	resp.Body.Close()
	require.Contains(t, doc.Paths, "/verdict/jobs/v1/jobs/{id}")
	require.Contains(t, doc.Paths, "/verdict/dispute/v1/disputes")
	for path := range doc.Paths {
		require.False(t, strings.HasPrefix(path, "/cosmos/feegrant") || strings.HasPrefix(path, "/cosmos/authz"), "the app has no such module: %s", path)
	}

	t.Run("cosmjs", func(t *testing.T) { c.cosmjs(t) })
}

// cosmjs runs examples/cosmjs/verdict.mjs (the README's CosmJS snippet)
// against the chain: a REST query, then MsgSubmitJob with SLA terms signed
// in direct and in amino-JSON mode. Needs Node.js and the npm registry.
func (c *chain) cosmjs(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("Node.js not installed: the CosmJS example is untested on this machine")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm not installed: the CosmJS example is untested on this machine")
	}
	dir := filepath.Join(c.root, "examples", "cosmjs")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("npm ci failed (registry unreachable?), the CosmJS example is untested here: %v\n%s", err, out)
	}
	var key struct {
		Mnemonic string `json:"mnemonic"`
	}
	bz, err := os.ReadFile(filepath.Join(c.home, "buyer.key.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(bz, &key))
	cmd = exec.CommandContext(ctx, node, "verdict.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MNEMONIC="+key.Mnemonic,
		fmt.Sprintf("VERDICT_RPC=http://127.0.0.1:%d", c.ports.rpc), fmt.Sprintf("VERDICT_REST=http://127.0.0.1:%d", c.ports.api))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	var modes []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var res struct {
			Mode  string         `json:"mode"`
			JobID string         `json:"job_id"`
			SLA   map[string]any `json:"sla"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &res), line)
		require.NotEmpty(t, res.JobID)
		require.EqualValues(t, 200, res.SLA["max_p99_latency_ms"], line)
		require.EqualValues(t, 1000, res.SLA["max_slash_bps"], line)
		require.Equal(t, "60s", res.SLA["completion_time"], line)
		modes = append(modes, res.Mode)
	}
	require.Equal(t, []string{"direct", "amino"}, modes)
}
