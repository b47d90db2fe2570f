// Package benchkit is what the localnet benchmarks (cmd/verdict-bench-agents,
// cmd/verdict-bench-batch) share: a connection to the node with the
// buyer's signer and the provider's address from the localnet's test
// keyring, a provider agent started and stopped as a child process, its
// /metrics read, and percentiles.
package benchkit

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log/v2"
	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/agent"
	"github.com/verdict-chain/verdict/app"
)

// Net is a running localnet seen by a benchmark.
type Net struct {
	Chain    *agent.Chain
	Buyer    *agent.Signer // the keyring's "buyer"
	Provider string        // the keyring's "provider" address
	Codec    codec.Codec
	TxConfig client.TxConfig
}

// Connect dials the node and opens the localnet's test keyring in home; tmp
// is a scratch directory for the app that supplies the codecs.
func Connect(ctx context.Context, home, node, grpcAddr, tmp string) (*Net, error) {
	tempApp := app.New(log.NewNopLogger(), dbm.NewMemDB(), false, simtestutil.NewAppOptionsWithFlagHome(tmp))
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	chain, err := agent.Dial(node, grpcAddr, lg, agent.NewMetrics("bench"))
	if err != nil {
		return nil, err
	}
	kr, err := keyring.New(sdk.KeyringServiceName(), keyring.BackendTest, home, nil, tempApp.AppCodec())
	if err != nil {
		return nil, err
	}
	chainID, err := agent.NodeChainID(ctx, node)
	if err != nil {
		return nil, err
	}
	buyer, err := agent.NewSigner(chain, kr, tempApp.AppCodec(), tempApp.ClientTxConfig(), "buyer", chainID, "0.01uverd", 1.3, time.Minute, lg, agent.NewMetrics("bench-buyer"))
	if err != nil {
		return nil, err
	}
	rec, err := kr.Key("provider")
	if err != nil {
		return nil, err
	}
	addr, err := rec.GetAddress()
	if err != nil {
		return nil, err
	}
	return &Net{Chain: chain, Buyer: buyer, Provider: addr.String(), Codec: tempApp.AppCodec(), TxConfig: tempApp.ClientTxConfig()}, nil
}

// Agent is an agent run as a child process of the benchmark.
type Agent struct {
	Port int
	Log  string // its log file
	stop func()
}

// StartAgent runs `bin agent <args...>` with its output in logPath and
// waits (at most 30 s) until its /healthz on 127.0.0.1:port answers.
func StartAgent(bin string, port int, logPath string, args ...string) (*Agent, error) {
	logf, err := os.Create(logPath) //nolint:gosec // the benchmark's own scratch file
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"agent"}, args...)...) //nolint:gosec // the benchmark's own binary
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	a := &Agent{Port: port, Log: logPath}
	a.stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
		}
		_ = logf.Close()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port)); err == nil {
			_ = res.Body.Close()
			return a, nil
		}
		if time.Now().After(deadline) {
			a.Stop()
			return nil, fmt.Errorf("agent on port %d not healthy in 30 s (log %s)", port, logPath)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Stop sends SIGTERM and waits (at most 15 s, then kills).
func (a *Agent) Stop() { a.stop() }

// Metric reads the first sample of the agent's /metrics whose line starts
// with prefix (0 when there is none).
func (a *Agent) Metric(prefix string) (float64, error) {
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", a.Port))
	if err != nil {
		return 0, err
	}
	defer func() { _ = res.Body.Close() }()
	bz, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(bz), "\n") {
		if strings.HasPrefix(line, prefix) {
			return strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		}
	}
	return 0, nil
}

// Profile saves the agent's CPU profile over the next seconds to path.
func (a *Agent) Profile(path string, seconds int) error {
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", a.Port, seconds))
	if err != nil {
		return err
	}
	defer func() { _ = res.Body.Close() }()
	f, err := os.Create(path) //nolint:gosec // the caller's path
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	_, err = io.Copy(f, res.Body)
	return err
}

// Pct is the nearest-rank percentile q (0..100) of ds.
func Pct(ds []time.Duration, q int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[max((q*len(s)+99)/100-1, 0)]
}

// Flags are what every localnet benchmark is told about its localnet.
type Flags struct {
	Bin, Home, Node, GRPC, ZKKeys string
	Port                          int // the provider agent's HTTP port
}

// Register defines the flags on the default flag set, with the defaults of
// a benchmark's own localnet (scripts/bench-*.sh pass them all).
func (f *Flags) Register(home string, rpcPort, grpcPort, agentPort int) {
	flag.StringVar(&f.Bin, "bin", "build/verdictd", "verdictd binary (runs the agent)")
	flag.StringVar(&f.Home, "home", home, "localnet home (test keyring)")
	flag.StringVar(&f.Node, "node", fmt.Sprintf("tcp://127.0.0.1:%d", rpcPort), "CometBFT RPC")
	flag.StringVar(&f.GRPC, "grpc", fmt.Sprintf("127.0.0.1:%d", grpcPort), "gRPC")
	flag.StringVar(&f.ZKKeys, "zk-keys", ".localnet/zk", "proving keys")
	flag.IntVar(&f.Port, "port", agentPort, "the provider agent's HTTP port")
}
