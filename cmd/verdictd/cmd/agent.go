package cmd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/agent"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// AgentCmd is `verdictd agent provider|watcher|monitor`.
func AgentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Long-running off-chain agents: a provider that runs and proves, a watcher that challenges, an SLA monitor",
		Long: `Each agent follows the chain over the node's CometBFT websocket (catching up
from gRPC on start and after every reconnect), keeps its state in
<agent-home>/data, serves /metrics and /healthz on --listen, and stops
cleanly on SIGINT or SIGTERM. Every flag may also be set in a TOML file
(--config, default <agent-home>/config.toml) under the flag's name;
flags given on the command line win.`,
	}
	cmd.AddCommand(providerAgentCmd(), watcherAgentCmd(), monitorAgentCmd(), servingKeyCmd())
	return cmd
}

func commonAgentFlags(f *pflag.FlagSet) {
	f.String(flags.FlagNode, "tcp://127.0.0.1:26657", "CometBFT RPC of a node (websocket at /websocket)")
	f.String("grpc-addr", "127.0.0.1:9090", "gRPC of the same node")
	f.String(flags.FlagChainID, "", "chain id (default: asked from the node)")
	f.String(flags.FlagFrom, "", "key that signs the agent's transactions")
	f.String(flags.FlagKeyringBackend, "test", "keyring backend (os|file|test)")
	f.String("keyring-dir", "", "keyring directory (default: --home)")
	f.String("agent-home", "", "agent state, outputs and config (default: <home>/agents/<role>-<key>)")
	f.String("config", "", "TOML file of flag values (default: <agent-home>/config.toml when it exists)")
	f.String("listen", "127.0.0.1:0", "HTTP address for /metrics, /healthz and the role's routes")
	f.String("gas-prices", "0.01uverd", "gas price paid by every transaction")
	f.Float64("gas-adjustment", 1.5, "margin on simulated gas")
	f.Duration("tx-timeout", 30*time.Second, "how long to wait for a transaction to be in a block")
	f.Duration("stall-timeout", 30*time.Second, "no new block for this long: reconnect")
	f.Int64("max-file-bytes", 16<<20, "largest model or input file fetched")
	f.Int64("max-batch-bytes", 1<<30, "largest batch file (.vbat) fetched, streamed to disk (memory stays bounded whatever the batch's item count)")
	f.Duration("fetch-timeout", 10*time.Second, "timeout of one file fetch, end to end (file:// included)")
	f.String("file-root", "", "allow file:// URIs, only for regular files under this directory (default: file:// refused)")
	f.Bool("fetch-private", false, "allow http(s) fetches from loopback, private and link-local addresses (a local test network)")
	f.String("log-format", "text", "text or json")
	f.String("log-level", "info", "debug, info, warn or error")
	f.Bool("pprof", false, "also serve /debug/pprof/ on --listen (keep --listen on loopback)")
}

// applyConfigFile sets every flag not given on the command line from the
// TOML file, by flag name.
func applyConfigFile(cmd *cobra.Command, agentHome string) error {
	path, _ := cmd.Flags().GetString("config")
	explicit := path != ""
	if !explicit {
		path = filepath.Join(agentHome, "config.toml")
	}
	bz, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("config %s: %w", path, err)
	}
	var values map[string]any
	if err := toml.Unmarshal(bz, &values); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	for k, v := range values {
		fl := cmd.Flags().Lookup(k)
		if fl == nil {
			return fmt.Errorf("config %s: unknown setting %q", path, k)
		}
		if fl.Changed {
			continue
		}
		if err := cmd.Flags().Set(k, fmt.Sprint(v)); err != nil {
			return fmt.Errorf("config %s: %s: %w", path, k, err)
		}
	}
	return nil
}

// newBase assembles what every role needs from the flags.
func newBase(cmd *cobra.Command, role string) (*agent.Base, string, func(), error) {
	f := cmd.Flags()
	clientCtx := client.GetClientContextFromCmd(cmd)
	home, _ := f.GetString(flags.FlagHome)
	if home == "" {
		home = clientCtx.HomeDir
	}
	from, _ := f.GetString(flags.FlagFrom)
	if from == "" {
		return nil, "", nil, errors.New("--from is required: the key that signs the agent's transactions")
	}
	agentHome, _ := f.GetString("agent-home")
	if agentHome == "" {
		agentHome = filepath.Join(home, "agents", role+"-"+from)
	}
	if err := applyConfigFile(cmd, agentHome); err != nil {
		return nil, "", nil, err
	}
	if err := os.MkdirAll(agentHome, 0o755); err != nil {
		return nil, "", nil, err
	}
	logFormat, _ := f.GetString("log-format")
	logLevel, _ := f.GetString("log-level")
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return nil, "", nil, fmt.Errorf("--log-level: %w", err)
	}
	hopts := &slog.HandlerOptions{Level: level}
	var handler slog.Handler = slog.NewTextHandler(cmd.ErrOrStderr(), hopts)
	if logFormat == "json" {
		handler = slog.NewJSONHandler(cmd.ErrOrStderr(), hopts)
	}
	log := slog.New(handler).With("agent", role)

	node, _ := f.GetString(flags.FlagNode)
	grpcAddr, _ := f.GetString("grpc-addr")
	metrics := agent.NewMetrics(role)
	chain, err := agent.Dial(node, grpcAddr, log, metrics)
	if err != nil {
		return nil, "", nil, err
	}
	chain.StallTimeout, _ = f.GetDuration("stall-timeout")
	chainID, _ := f.GetString(flags.FlagChainID)
	if chainID == "" {
		if chainID, err = agent.NodeChainID(cmd.Context(), node); err != nil {
			return nil, "", nil, fmt.Errorf("%w (or pass --chain-id)", err)
		}
	}
	backend, _ := f.GetString(flags.FlagKeyringBackend)
	krDir, _ := f.GetString("keyring-dir")
	if krDir == "" {
		krDir = home
	}
	kr, err := keyring.New(sdk.KeyringServiceName(), backend, krDir, cmd.InOrStdin(), clientCtx.Codec)
	if err != nil {
		return nil, "", nil, err
	}
	prices, _ := f.GetString("gas-prices")
	adjust, _ := f.GetFloat64("gas-adjustment")
	txTimeout, _ := f.GetDuration("tx-timeout")
	signer, err := agent.NewSigner(chain, kr, clientCtx.Codec, clientCtx.TxConfig, from, chainID, prices, adjust, txTimeout, log, metrics)
	if err != nil {
		return nil, "", nil, err
	}
	store, err := agent.OpenStore(agentHome)
	if err != nil {
		return nil, "", nil, err
	}
	var fc agent.FetchConfig
	fc.MaxBytes, _ = f.GetInt64("max-file-bytes")
	fc.MaxBatchBytes, _ = f.GetInt64("max-batch-bytes")
	fc.Timeout, _ = f.GetDuration("fetch-timeout")
	fc.FileRoot, _ = f.GetString("file-root")
	fc.AllowPrivate, _ = f.GetBool("fetch-private")
	fc.KeysDir, _ = f.GetString("zk-keys")
	fc.KeyHash = chain.CommitmentKeyHash
	fetcher, err := agent.NewFetcher(fc)
	if err != nil {
		return nil, "", nil, err
	}
	listen, _ := f.GetString("listen")
	b := &agent.Base{
		Log: log, Chain: chain, Signer: signer, Store: store, Metrics: metrics,
		Fetch: fetcher, Mux: http.NewServeMux(), Listen: listen,
		Me: signer.Address.String(),
	}
	b.Pprof, _ = f.GetBool("pprof")
	log.Info("starting", "address", b.Me, "chain", chainID, "home", agentHome, "node", node, "grpc", grpcAddr)
	cleanup := func() { _ = store.Close(); _ = chain.Close() }
	return b, agentHome, cleanup, nil
}

// seed returns the agent's private lottery seed: the flag, or one made
// at first start and kept in the agent's store.
func seed(cmd *cobra.Command, b *agent.Base) (string, error) {
	if s, _ := cmd.Flags().GetString("seed"); s != "" {
		return s, nil
	}
	var s string
	if ok, err := b.Store.Get("seed", &s); err != nil || ok {
		return s, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	s = hex.EncodeToString(raw)
	return s, b.Store.Put("seed", s)
}

func runAgent(cmd *cobra.Command, b *agent.Base, a agent.Agent) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return agent.Run(ctx, b, a)
}

func providerAgentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "provider",
		Short: "Run the jobs assigned to --from, post results, and prove every challenged or audited result before its deadline",
		Long: `Follows jobs assigned to the operator (--from): fetches the model and input
named by the job (http(s)://; file:// only under --file-root), declines
the job (free) when the files do not match the on-chain commitments, do not
fit the job's circuit exactly, or do not fit the retention budget; keeps
them under <agent-home>/retained until the result can no longer be
disputed; runs the model natively (--run-workers at once, fairly across
buyers), publishes the output at /outputs/<job> and posts the result with
its units and measured metrics. On a challenge or an audit it proves
the result with the Groth16 proving key (--zk-keys) and submits the proof,
logging the time left to the deadline. It also serves /infer, the endpoint
SLA monitors probe (register http://<listen> as the provider's endpoint):
signed probes of its running SLA jobs only, from their buyers or registered
monitors.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, agentHome, cleanup, err := newBase(cmd, "provider")
			if err != nil {
				return err
			}
			defer cleanup()
			f := cmd.Flags()
			var cfg agent.ProviderConfig
			cfg.PublicURL, _ = f.GetString("public-url")
			cfg.WrongOutputRate, _ = f.GetFloat64("wrong-output-rate")
			cfg.Delay, _ = f.GetDuration("delay")
			cfg.ProveAll, _ = f.GetBool("prove-all")
			cfg.WarmUp, _ = f.GetBool("warm-up")
			cfg.RunWorkers, _ = f.GetInt("run-workers")
			cfg.RetainBytes, _ = f.GetInt64("retain-bytes")
			cfg.RetainCheck, _ = f.GetDuration("retain-check")
			cfg.MaxWork, _ = f.GetInt64("max-work")
			cfg.DeclineMargin, _ = f.GetDuration("decline-margin")
			cfg.BatchWorkers, _ = f.GetInt("batch-workers")
			cfg.WrongItemRate, _ = f.GetFloat64("wrong-item-rate")
			if cfg.WrongOutputRate < 0 || cfg.WrongOutputRate > 1 || cfg.WrongItemRate < 0 || cfg.WrongItemRate > 1 {
				return errors.New("--wrong-output-rate and --wrong-item-rate must be in [0, 1]")
			}
			if cfg.Seed, err = seed(cmd, b); err != nil {
				return err
			}
			if cfg.PublicURL == "" {
				if cfg.PublicURL, err = registeredEndpoint(cmd.Context(), b); err != nil {
					return err
				}
			}
			if serve, _ := f.GetBool("serve-sessions"); serve {
				if cfg.ServingKeyFile, _ = f.GetString("serving-key"); cfg.ServingKeyFile == "" {
					cfg.ServingKeyFile = filepath.Join(agentHome, "serving_key")
				}
			}
			cfg.CheckpointEvery, _ = f.GetUint64("checkpoint-every")
			cfg.CheckpointInterval, _ = f.GetDuration("checkpoint-interval")
			cfg.SessionMargin, _ = f.GetDuration("session-margin")
			cfg.SessionIdle, _ = f.GetDuration("session-idle")
			cfg.ServeWrongAt, _ = f.GetUint64("serve-wrong")
			cfg.ServeEquivocateAt, _ = f.GetUint64("serve-equivocate")
			keys, _ := f.GetString("zk-keys")
			p, err := agent.NewProvider(b, cfg, agent.NewProver(keys), agentHome)
			if err != nil {
				return err
			}
			return runAgent(cmd, b, p)
		},
	}
	commonAgentFlags(cmd.Flags())
	cmd.Flags().String("zk-keys", "zk-keys", "directory of the proving keys (<circuit id>.pk from verdictd zk setup: mlp-<shape>.pk, mlp2-<shape>.pk, mlp3-<shape>.pk with its .ck)")
	cmd.Flags().String("public-url", "", "base URL where others reach this agent (default: the provider's registered endpoint)")
	cmd.Flags().Float64("wrong-output-rate", 0, "TESTING: share of jobs posted with a deliberately wrong output")
	cmd.Flags().Duration("delay", 0, "TESTING: added before each result and to each /infer answer")
	cmd.Flags().Bool("prove-all", false, "prove every job right after running it (the prove-everything baseline)")
	cmd.Flags().Bool("warm-up", true, "at start, compile, load the key and time one proof for each registered circuit")
	cmd.Flags().String("seed", "", "seed of the wrong-output lottery (default: random, kept in the agent's store)")
	cmd.Flags().Int("run-workers", 8, "jobs fetched and run at once, fairly across buyers (one buyer: at most a quarter of them)")
	cmd.Flags().Int64("retain-bytes", 8<<30, "disk budget for the job files kept until a result can no longer be disputed (a job that does not fit is declined)")
	cmd.Flags().Duration("retain-check", time.Minute, "how often kept job files are checked for release")
	cmd.Flags().Int64("max-work", 1_000_000_000, "most multiply-adds a run of a job that names no circuit may cost (a job naming a circuit is bounded by it)")
	cmd.Flags().Duration("decline-margin", 6*time.Second, "a job's files must be checked this long before its decline window closes, or it is declined")
	cmd.Flags().Int("batch-workers", 0, "goroutines inferring a batch job's items at once (0: one per core)")
	cmd.Flags().Float64("wrong-item-rate", 0, "TESTING: in a batch job picked by --wrong-output-rate, the share of items posted wrong (at least one)")
	cmd.Flags().Bool("serve-sessions", true, "answer serving sessions at /v1/sessions/<id>/infer with signed receipts, and checkpoint them")
	cmd.Flags().String("serving-key", "", "the ed25519 serving key file (hex seed; created if absent; default <agent-home>/serving_key): register its public key (verdictd agent serving-key FILE) as the provider's serving key")
	cmd.Flags().Uint64("checkpoint-every", 200_000, "checkpoint a session once this many answered requests wait (a checkpoint costs ~146,000 gas whatever its size: 0.73 gas per request at 200,000)")
	cmd.Flags().Duration("checkpoint-interval", 30*time.Second, "checkpoint a session's answered requests at most this long after the first of them")
	cmd.Flags().Duration("session-margin", 20*time.Second, "stop answering a session this long before its end, so its last checkpoint lands")
	cmd.Flags().Duration("session-idle", 10*time.Minute, "close a session that answered nothing this long (0: never): an open session holds this provider's capacity on chain, free to its buyer while idle")
	cmd.Flags().Uint64("serve-wrong", 0, "TESTING: answer request N of every session wrong (its receipt and checkpoint say the same)")
	cmd.Flags().Uint64("serve-equivocate", 0, "TESTING: answer request N of every session wrong, and checkpoint the model's output for it (equivocation)")
	return cmd
}

func servingKeyCmd() *cobra.Command {
	return keyFileCmd("serving-key [file]", "Print the public key (hex) of a provider agent's serving key file, creating the key if absent",
		`The provider agent signs session receipts with this ed25519 key
(--serving-key, default <agent-home>/serving_key). Register its public key
with the provider (tx jobs register-provider / update-provider
--serving-key <hex>) so buyers can open sessions with it.`)
}

func registeredEndpoint(ctx context.Context, b *agent.Base) (string, error) {
	res, err := b.Chain.Jobs.Provider(ctx, &jobstypes.QueryProviderRequest{Operator: b.Me})
	if err != nil {
		return "", fmt.Errorf("provider %s is not registered (register it, or pass --public-url): %w", b.Me, err)
	}
	return res.Provider.Endpoint, nil
}

func watcherAgentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "watcher",
		Short: "Re-execute a sample of posted results and challenge (then prove) the ones that do not reproduce",
		Long: `Re-executes --sample-rate of posted results, and every result of a provider
whose reputation score in the job's class is below --low-reputation-ppm. A
result it reproduces is never challenged. On a mismatch it challenges with
its own output as counter commitment, bonding at most --bond-budget in open
challenges, and proves its output (a valid counter proof settles at once).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, agentHome, cleanup, err := newBase(cmd, "watcher")
			if err != nil {
				return err
			}
			defer cleanup()
			f := cmd.Flags()
			var cfg agent.WatcherConfig
			cfg.SampleRate, _ = f.GetFloat64("sample-rate")
			cfg.LowReputationPPM, _ = f.GetUint32("low-reputation-ppm")
			budget, _ := f.GetString("bond-budget")
			var ok bool
			if cfg.BondBudget, ok = math.NewIntFromString(strings.TrimSuffix(budget, "uverd")); !ok || cfg.BondBudget.IsNegative() {
				return fmt.Errorf("--bond-budget %q: a non-negative amount", budget)
			}
			if cfg.SampleRate < 0 || cfg.SampleRate > 1 {
				return errors.New("--sample-rate must be in [0, 1]")
			}
			cfg.BatchSample, _ = f.GetInt("batch-sample")
			if cfg.BatchSample < 0 || cfg.BatchSample > 10_000 {
				return errors.New("--batch-sample must be in [0, 10000]")
			}
			cfg.BatchDir = filepath.Join(agentHome, "batches")
			if cfg.Seed, err = seed(cmd, b); err != nil {
				return err
			}
			keys, _ := f.GetString("zk-keys")
			return runAgent(cmd, b, agent.NewWatcher(b, cfg, agent.NewProver(keys)))
		},
	}
	commonAgentFlags(cmd.Flags())
	cmd.Flags().String("zk-keys", "zk-keys", "directory of the proving keys (<circuit id>.pk, and a version 3 circuit's .ck)")
	cmd.Flags().Float64("sample-rate", 0.1, "share of posted results re-executed")
	cmd.Flags().Uint32("low-reputation-ppm", 500_000, "re-execute every result of providers scoring below this (0: off)")
	cmd.Flags().String("bond-budget", "100000000", "most uverd held in open challenge bonds")
	cmd.Flags().String("seed", "", "seed of the sampling lottery (default: random, kept in the agent's store)")
	cmd.Flags().Int("batch-sample", 16, "items of every batch result re-executed, drawn privately from the seed (0: batches are not checked)")
	return cmd
}

func monitorAgentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "monitor",
		Short: "Probe providers running jobs with SLA terms and report latency, jitter, throughput and completion",
		Long: `For every job with SLA terms, probes the provider's registered endpoint
(/infer with the job's own input) while the job runs, and once the result
is posted submits the signed report (--from must be a registered monitor,
or the job's buyer) within the report window.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, _, cleanup, err := newBase(cmd, "monitor")
			if err != nil {
				return err
			}
			defer cleanup()
			f := cmd.Flags()
			var cfg agent.MonitorConfig
			cfg.ProbeInterval, _ = f.GetDuration("probe-interval")
			cfg.ProbeTimeout, _ = f.GetDuration("probe-timeout")
			cfg.MaxProbes, _ = f.GetInt("max-probes")
			if cfg.ProbeInterval <= 0 || cfg.ProbeTimeout <= 0 || cfg.MaxProbes <= 0 {
				return errors.New("--probe-interval, --probe-timeout and --max-probes must be positive")
			}
			return runAgent(cmd, b, agent.NewMonitor(b, cfg))
		},
	}
	commonAgentFlags(cmd.Flags())
	cmd.Flags().Duration("probe-interval", 250*time.Millisecond, "time between two probes of one job's provider")
	cmd.Flags().Duration("probe-timeout", 2*time.Second, "a probe not answered in this time counts at this latency")
	cmd.Flags().Int("max-probes", 400, "probes per job at most")
	cmd.Flags().String("zk-keys", "zk-keys", "directory of version 3 circuits' commitment keys (<circuit id>.ck from verdictd zk setup), to check their jobs' models")
	return cmd
}
