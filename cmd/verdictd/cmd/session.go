package cmd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/verdict-chain/verdict/agent"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
	"github.com/verdict-chain/verdict/zkml"
)

// SessionCmd is the buyer's client of serving sessions: `verdictd session
// key|infer|check`.
func SessionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "session",
		Short: "Serving sessions, the buyer's side: a session key, requests with vouchers and receipts, checking checkpoints",
		Long: `A serving session (tx jobs open-session) is paid for on chain and used
off chain: each request goes to the provider's endpoint with a voucher
signed by the session key, each answer comes back with the provider's
signed receipt, which this client checks and keeps in a receipts file. The
provider is paid per checkpoint; check compares your receipts with each
checkpoint and challenges a wrong answer or an equivocation.`,
		RunE: client.ValidateCmd,
	}
	cmd.AddCommand(sessionKeyCmd(), sessionInferCmd(), sessionCheckCmd())
	return cmd
}

func sessionKeyCmd() *cobra.Command {
	return keyFileCmd("key [file]", "Print the public key (hex) of an ed25519 session key file, creating the key if absent",
		"Pass the printed key as open-session's session-key; keep the file: it signs the session's vouchers.")
}

// keyFileCmd prints the public key of an ed25519 key file (a provider's
// serving key, a buyer's session key), creating the key if absent.
func keyFileCmd(use, short, long string) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Long: long, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := agent.LoadKeyFile(args[0])
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(key.Public().(ed25519.PublicKey)))
			return err
		},
	}
}

// sessionClient reads session id and its provider's endpoint from the
// chain, and the requests already answered from the receipts file.
func sessionClient(cmd *cobra.Command, id uint64) (*agent.SessionClient, client.Context, string, error) {
	clientCtx, err := client.GetClientQueryContext(cmd)
	if err != nil {
		return nil, clientCtx, "", err
	}
	q := jobstypes.NewQueryClient(clientCtx)
	res, err := q.Session(cmd.Context(), &jobstypes.QuerySessionRequest{Id: id})
	if err != nil {
		return nil, clientCtx, "", err
	}
	f := cmd.Flags()
	endpoint, _ := f.GetString("endpoint")
	if endpoint == "" {
		p, err := q.Provider(cmd.Context(), &jobstypes.QueryProviderRequest{Operator: res.Session.Provider})
		if err != nil {
			return nil, clientCtx, "", err
		}
		endpoint = p.Provider.Endpoint
	}
	keyFile, _ := f.GetString("key")
	if keyFile == "" {
		return nil, clientCtx, "", errors.New("--key: the session key file is required")
	}
	key, err := agent.LoadKeyFile(keyFile)
	if err != nil {
		return nil, clientCtx, "", err
	}
	c, err := agent.NewSessionClient(res.Session, endpoint, key, 0)
	if err != nil {
		return nil, clientCtx, "", err
	}
	receipts, _ := f.GetString("receipts")
	if receipts == "" {
		receipts = fmt.Sprintf("session-%d.receipts", id)
	}
	fh, err := os.Open(receipts)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, clientCtx, "", err
	default:
		held, err := agent.ReadServed(fh, id)
		_ = fh.Close()
		if err != nil {
			return nil, clientCtx, "", fmt.Errorf("%s: %w", receipts, err)
		}
		c.Hold(held)
	}
	return c, clientCtx, receipts, nil
}

func sessionFlags(cmd *cobra.Command) {
	cmd.Flags().String("key", "", "the session key file (verdictd session key FILE)")
	cmd.Flags().String("receipts", "", "the receipts file, appended to (default session-<id>.receipts)")
	cmd.Flags().String("endpoint", "", "the provider's base URL (default: its registered endpoint)")
}

func sessionInferCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "infer [session-id] [input.vten]...",
		Short: "Send requests to the session's provider, each with a voucher; keep each answer's receipt",
		Long: `Sends each input tensor (or, with --requests N, N example inputs derived
from --seed) one after another, continuing after the requests already in
the receipts file. An answer is accepted only with a receipt the session's
provider key signed, of this request, this input and this very output; it
is appended to the receipts file before the next request. Outputs go to
--out (one <seq>.vten each) when set. Prints a JSON summary: requests,
seconds, requests per second.`,
		Example: "verdictd session infer 3 --key buyer.key --requests 10000 --seed demo --node tcp://127.0.0.1:26657",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("session id: %w", err)
			}
			c, _, receipts, err := sessionClient(cmd, id)
			if err != nil {
				return err
			}
			f := cmd.Flags()
			n, _ := f.GetUint64("requests")
			seed, _ := f.GetString("seed")
			outDir, _ := f.GetString("out")
			var inputs [][]int8
			for _, path := range args[1:] {
				bz, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				t, err := zkml.UnmarshalTensor(bz)
				if err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				inputs = append(inputs, t)
			}
			if len(inputs) > 0 && n > 0 {
				return errors.New("give input files or --requests, not both")
			}
			_, shape, err := zkml.ParseCircuitID(c.Session.CircuitId)
			if n > 0 && err != nil {
				return fmt.Errorf("--requests derives inputs for an MLP circuit; session %d is %s: give input files", id, c.Session.CircuitId)
			}
			total := uint64(len(inputs)) + n
			fh, err := os.OpenFile(receipts, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			defer func() { _ = fh.Close() }()
			if outDir != "" {
				if err := os.MkdirAll(outDir, 0o755); err != nil {
					return err
				}
			}
			rate, _ := f.GetFloat64("rate")
			start := time.Now()
			for i := range total {
				if rate > 0 { // at most rate requests per second
					if wait := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); wait > 0 {
						time.Sleep(wait)
					}
				}
				in := func() []int8 {
					if i < uint64(len(inputs)) {
						return inputs[i]
					}
					return zkml.ExampleInput(shape[0], fmt.Sprintf("%s-%d", seed, c.Count()+1))
				}()
				ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
				out, r, err := c.Infer(ctx, in)
				cancel()
				if err != nil {
					return fmt.Errorf("request %d of %d: %w", i+1, total, err)
				}
				sr, _ := c.Served(r.Seq) // with the buyer's own times
				if err := agent.AppendServed(fh, sr); err != nil {
					return err
				}
				if outDir != "" {
					bz, err := zkml.MarshalTensor(out)
					if err == nil {
						err = os.WriteFile(filepath.Join(outDir, fmt.Sprintf("%d.vten", r.Seq)), bz, 0o644)
					}
					if err != nil {
						return err
					}
				}
			}
			if err := fh.Sync(); err != nil {
				return err
			}
			took := time.Since(start).Seconds()
			return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]any{
				"session": id, "requests": total, "count": c.Count(), "seconds": took, "requests_per_second": float64(total) / max(took, 1e-9),
			})
		},
	}
	flags.AddQueryFlagsToCmd(cmd)
	sessionFlags(cmd)
	cmd.Flags().Uint64("requests", 0, "send this many example inputs (derived from --seed and the request count) instead of files")
	cmd.Flags().String("seed", "request", "seed of the example inputs of --requests")
	cmd.Flags().String("out", "", "directory for the output tensors (<seq>.vten)")
	cmd.Flags().Float64("rate", 0, "send at most this many requests per second (0: as fast as they are answered)")
	return cmd
}

// checkpointReport is what check found in one checkpoint.
type checkpointReport struct {
	Job          uint64   `json:"job"`
	First        uint64   `json:"first"`
	Requests     uint64   `json:"requests"`
	Status       string   `json:"status"`
	Held         uint64   `json:"held"`
	Equivocation uint64   `json:"equivocation,omitempty"`
	Unprovable   uint64   `json:"unprovable,omitempty"`
	Wrong        []uint64 `json:"wrong,omitempty"`
	Error        string   `json:"error,omitempty"`
	Challenged   string   `json:"challenged,omitempty"`
	Proven       bool     `json:"counter_proven,omitempty"`
	// Timing: the latency the buyer saw beside what the receipts claim
	Timing   *agent.Timing `json:"timing,omitempty"`
	Reported bool          `json:"sla_reported,omitempty"`
}

// proveCounter proves the right output of a wrong answer just challenged
// (once the chain holds its dispute) and submits the proof: the provider
// loses at once instead of at its deadline.
func proveCounter(cmd *cobra.Command, txCtx client.Context, c *agent.SessionClient, j jobstypes.Job, ch *disputetypes.MsgChallenge, m *zkml.Model, keys string) error {
	q := disputetypes.NewQueryClient(txCtx)
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := q.Dispute(cmd.Context(), &disputetypes.QueryDisputeRequest{JobId: j.Id})
		if err == nil && res.Dispute.Status == disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN && res.Dispute.Item == ch.Item {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("the challenge's dispute did not appear within a minute")
		}
		time.Sleep(500 * time.Millisecond)
	}
	held, ok := c.Served(j.Checkpoint.First + ch.Item)
	if !ok {
		return errors.New("the request is not held")
	}
	proof, _, _, err := agent.NewProver(keys).ProveItem(agent.SchemeOf(j), m, held.Input, j.Id, ch.Item)
	if err != nil {
		return err
	}
	msg, err := c.CounterEvidence(cmd.Context(), j, ch.Item, txCtx.GetFromAddress().String(), proof)
	if err != nil {
		return err
	}
	return tx.GenerateOrBroadcastTxCLI(txCtx, cmd.Flags(), msg)
}

func sessionCheckCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check [session-id]",
		Short: "Check the session's checkpoints against your receipts; with --challenge, challenge what is wrong",
		Long: `For each checkpoint of the session still in its challenge window, reads
the receipts the provider published (its receipts_uri), checks that they
build the checkpoint's root, and compares them with the receipts file: a
request answered with another output than the checkpoint holds is
equivocation (the challenge carries both and slashes the provider at once);
a request the checkpoint holds without your voucher of it cannot be proven
(its challenge wins at the proof deadline).
With --model (the session's model file), every answer held is also run
again: a wrong answer is challenged with its receipt and the right output's
commitment (the provider cannot prove its answer). Prints one JSON report
per checkpoint. --challenge signs and broadcasts the challenges (--from).
Each report also sets the latency you saw (your receipts file keeps when
each request left and its answer came) against the service times the
provider's receipts claim, and counts receipts whose times cannot be true
beside your clock; --report submits your measurement as your SLA report
on a checkpoint of a session with SLA terms.`,
		Example: "verdictd session check 3 --key buyer.key --model model.vmod --challenge --from buyer",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("session id: %w", err)
			}
			c, clientCtx, _, err := sessionClient(cmd, id)
			if err != nil {
				return err
			}
			f := cmd.Flags()
			var m *zkml.Model
			if path, _ := f.GetString("model"); path != "" {
				bz, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				sc := agent.SchemeOf(jobstypes.Job{CircuitId: c.Session.CircuitId})
				m = new(zkml.Model)
				if err := m.UnmarshalBinary(bz); err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				var ck *zkml.CommitmentKey // version 3: the key the chain registered
				if sc == zkml.Pedersen {
					want, err := queryKeyHash(cmd.Context(), clientCtx, c.Session.CircuitId)
					if err != nil {
						return err
					}
					keys, _ := f.GetString("zk-keys")
					if ck, err = checkedCommitmentKey(keys, c.Session.CircuitId, want); err != nil {
						return err
					}
				}
				mc, err := sc.ModelCommitmentWithKey(m, ck)
				if err != nil || !bytes.Equal(mc[:], c.Session.ModelCommitment) {
					return fmt.Errorf("%s is not the session's model (its commitment)", path)
				}
			}
			challenge, _ := f.GetBool("challenge")
			report, _ := f.GetBool("report")
			var txCtx client.Context
			if challenge || report {
				if txCtx, err = client.GetClientTxContext(cmd); err != nil {
					return err
				}
				txCtx = txCtx.WithOutput(io.Discard) // the report says what was sent
			}
			jobs, err := checkpointJobs(cmd.Context(), clientCtx, c.Session)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			for _, j := range jobs {
				rep := checkpointReport{Job: j.Id, First: j.Checkpoint.First, Requests: j.Items, Status: j.Status.String(), Timing: c.Timing(j)}
				for i := range j.Items {
					if _, ok := c.Served(j.Checkpoint.First + i); ok {
						rep.Held++
					}
				}
				if report && j.Sla != nil && rep.Timing != nil && j.Status == jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED {
					if err := reportTiming(cmd, txCtx, clientCtx, j, rep.Timing); err != nil {
						rep.Error = "sla report: " + err.Error()
					} else {
						rep.Reported = true
					}
				}
				if j.Status != jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED {
					if err := enc.Encode(rep); err != nil {
						return err
					}
					continue
				}
				challenger := txCtx.GetFromAddress().String()
				var msgs []*disputetypes.MsgChallenge
				eq, err := c.Check(cmd.Context(), j)
				if err != nil {
					rep.Error = err.Error()
				} else if eq != nil {
					if eq.Kind == agent.Equivocation {
						rep.Equivocation = eq.Seq
					} else {
						rep.Unprovable = eq.Seq
					}
					msgs = append(msgs, eq.Challenge(challenger, j.Id))
				}
				if m != nil {
					wrong, err := c.Wrong(j, m, challenger)
					if err != nil {
						return err
					}
					for _, w := range wrong {
						rep.Wrong = append(rep.Wrong, j.Checkpoint.First+w.Item)
						msgs = append(msgs, w)
					}
				}
				if challenge && len(msgs) > 0 {
					// one dispute of a job at a time: equivocation first
					// (it settles at once), else the first wrong answer
					ch := msgs[0]
					if err := tx.GenerateOrBroadcastTxCLI(txCtx, f, ch); err != nil {
						rep.Error = err.Error()
					} else {
						rep.Challenged = fmt.Sprintf("request %d", j.Checkpoint.First+ch.Item)
						if keys, _ := f.GetString("zk-keys"); keys != "" && len(ch.CounterCommitment) > 0 && m != nil {
							if err := proveCounter(cmd, txCtx, c, j, ch, m, keys); err != nil {
								rep.Error = "counter proof: " + err.Error()
							} else {
								rep.Proven = true
							}
						}
					}
				}
				if err := enc.Encode(rep); err != nil {
					return err
				}
			}
			return nil
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	sessionFlags(cmd)
	cmd.Flags().String("model", "", "the session's model file (.vmod): run every answer held again")
	cmd.Flags().Bool("challenge", false, "challenge the first equivocation or wrong answer of each checkpoint (signed by --from)")
	cmd.Flags().String("zk-keys", "", "with --challenge and --model: prove the right output of a wrong answer challenged (the proving keys' directory), so the provider loses at once; a version 3 session's model is checked with the commitment key there")
	cmd.Flags().Bool("report", false, "submit the latency you measured as your SLA report on each checkpoint of a session with SLA terms (signed by --from; a buyer's report weighs on reputation and moves no money)")
	return cmd
}

// reportTiming submits the buyer's measurement of checkpoint job j as its
// SLA report, once: a report already on chain from this buyer is left.
func reportTiming(cmd *cobra.Command, txCtx, clientCtx client.Context, j jobstypes.Job, t *agent.Timing) error {
	me := txCtx.GetFromAddress().String()
	res, err := slatypes.NewQueryClient(clientCtx).Reports(cmd.Context(), &slatypes.QueryReportsRequest{JobId: j.Id})
	if err != nil {
		return err
	}
	for _, r := range res.Reports {
		if r.Reporter == me {
			return nil
		}
	}
	return tx.GenerateOrBroadcastTxCLI(txCtx, cmd.Flags(), &slatypes.MsgSubmitReport{Reporter: me, JobId: j.Id, Metrics: t.Metrics})
}

// checkpointJobs are the jobs of a session's checkpoints, oldest first.
func checkpointJobs(ctx context.Context, clientCtx client.Context, s jobstypes.Session) ([]jobstypes.Job, error) {
	q := jobstypes.NewQueryClient(clientCtx)
	var out []jobstypes.Job
	var key []byte
	for page := 0; page < 1000; page++ {
		res, err := q.Jobs(ctx, &jobstypes.QueryJobsRequest{Buyer: s.Buyer, Provider: s.Provider, Pagination: &query.PageRequest{Key: key, Limit: 200}})
		if err != nil {
			return nil, err
		}
		for _, j := range res.Jobs {
			if j.Checkpoint != nil && j.Checkpoint.SessionId == s.Id {
				out = append(out, j)
			}
		}
		if res.Pagination == nil || len(res.Pagination.NextKey) == 0 {
			return out, nil
		}
		key = res.Pagination.NextKey
	}
	return out, errors.New("job listing longer than 200,000 entries")
}
