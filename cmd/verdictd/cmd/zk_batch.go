package cmd

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/verdict-chain/verdict/agent"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/zkml"
)

// Batch jobs: N inputs in one .vbat file, committed by a Merkle root
// (x/jobs/batch). These commands make, commit, run and prove batches the
// way the agents do.

func batchCmds() []*cobra.Command {
	return []*cobra.Command{exampleBatchCmd(), batchRootCmd(), inferBatchCmd(), batchItemCmd(), proveItemCmd()}
}

// maxBatchFile bounds the batch files these commands read (the largest a
// batch can be: 2^20 items of the largest tensor a proof carries).
var maxBatchFile = zkml.BatchHeader{ItemLen: batch.MaxItemBytes, Count: batch.MaxItems}.Size()

func exampleBatchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "example-batch [out-file]",
		Short: "Write a batch file (.vbat) of deterministic example inputs, derived from a seed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, _ := cmd.Flags().GetUint64("items")
			size, _ := cmd.Flags().GetInt("size")
			seed, _ := cmd.Flags().GetString("seed")
			if err := batch.CheckItems(n); err != nil {
				return err
			}
			if size < 1 || size > zkml.MaxDim {
				return fmt.Errorf("--size must be 1..%d", zkml.MaxDim)
			}
			root, err := zkml.WriteExampleBatch(args[0], size, n, seed)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(root[:]))
			return err
		},
	}
	cmd.Flags().Uint64("items", 1000, "number of items")
	cmd.Flags().Int("size", 64, "int8 values per item (the model's input length)")
	cmd.Flags().String("seed", "example", "seed")
	return cmd
}

func kindFlag(cmd *cobra.Command) (batch.Kind, error) {
	switch k, _ := cmd.Flags().GetString("kind"); k {
	case "input":
		return batch.KindInput, nil
	case "output":
		return batch.KindOutput, nil
	default:
		return 0, fmt.Errorf("--kind %q: input or output", k)
	}
}

func batchRootCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "batch-root [file.vbat]",
		Short: "Print a batch file's root (hex): a batch job's input commitment (--kind input) or its result's output commitment (--kind output)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind, err := kindFlag(cmd)
			if err != nil {
				return err
			}
			fh, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer func() { _ = fh.Close() }()
			h, root, err := zkml.BatchRoot(fh, kind, maxBatchFile)
			if err != nil {
				return err
			}
			_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "%d items of %d values\n", h.Count, h.ItemLen)
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(root[:]))
			return err
		},
	}
	cmd.Flags().String("kind", "input", "tree kind: input or output")
	return cmd
}

func inferBatchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "infer-batch [model] [inputs.vbat] [outputs.vbat]",
		Short: "Run the model on every item of a batch across every core; write the outputs and print their root (the result's output commitment)",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := zkml.ReadModel(args[0])
			if err != nil {
				return err
			}
			workers, _ := cmd.Flags().GetInt("workers")
			if workers <= 0 {
				workers = runtime.GOMAXPROCS(0)
			}
			start := time.Now()
			root, err := agent.InferBatch(cmd.Context(), m, args[1], args[2], workers, nil)
			if err != nil {
				return err
			}
			_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "inferred in %s on %d workers\n", time.Since(start).Round(time.Millisecond), workers)
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(root[:]))
			return err
		},
	}
	cmd.Flags().Int("workers", 0, "goroutines (0: one per core)")
	return cmd
}

func batchItemCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "batch-item [file.vbat] [index]",
		Short: "Write one item of a batch file as a tensor (.vten); `zk commit` of it is the item's counter commitment",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			i, err := strconv.ParseUint(args[1], 10, 64)
			if err != nil {
				return fmt.Errorf("index %q: %w", args[1], err)
			}
			out, _ := cmd.Flags().GetString("out")
			if out == "" {
				return errors.New("--out is required")
			}
			bf, err := zkml.OpenBatchFile(args[0], maxBatchFile)
			if err != nil {
				return err
			}
			defer func() { _ = bf.Close() }()
			raw, err := bf.Item(i)
			if err != nil {
				return err
			}
			return zkml.WriteTensor(out, zkml.Int8s(raw))
		},
	}
	cmd.Flags().String("out", "", "the item's tensor file")
	return cmd
}

func proveItemCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prove-item [model] [inputs.vbat] [posted-outputs.vbat]",
		Short: "Prove one item of a batch job; prints the proof (hex), writes the item's evidence as `tx dispute submit-proof` flags",
		Long: `Runs the model on item --item of the inputs and proves its output as that
item of job --job-id (the proof verifies for no other item or job). The
evidence the chain checks the proof against — the item's input and posted
output with their inclusion paths in the job's two trees — goes to
--evidence as flags for 'verdictd tx dispute submit-proof':

  verdictd zk prove-item --keys keys/ --job-id 7 --item 4242 --evidence ev.flags \
      model.vmdl inputs.vbat outputs.vbat > proof.hex
  verdictd tx dispute submit-proof 7 provider $(cat proof.hex) $(cat ev.flags) --from provider

The posted outputs are the provider's file (served at its output URI):
a challenger proving its counter output passes the provider's file too,
since the chain checks the posted item against the result's root.`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, _ := cmd.Flags().GetString("keys")
			jobID, _ := cmd.Flags().GetUint64("job-id")
			item, _ := cmd.Flags().GetUint64("item")
			evPath, _ := cmd.Flags().GetString("evidence")
			if jobID == 0 || evPath == "" {
				return errors.New("--job-id and --evidence are required")
			}
			sc, err := schemeOf(cmd)
			if err != nil {
				return err
			}
			m, err := zkml.ReadModel(args[0])
			if err != nil {
				return err
			}
			ev, err := agent.ItemEvidence(args[1], args[2], item)
			if err != nil {
				return err
			}
			id := m.CircuitID(sc)
			var proof []byte
			var out []int8
			total, err := spinner(cmd.ErrOrStderr(), fmt.Sprintf("prove item %d of job %d (%s)", item, jobID, id), func() error {
				pk, err := zkml.ReadProvingKeyByID(dir, id)
				if err != nil {
					return err
				}
				ccs, _, err := zkml.CompileByID(id, false)
				if err != nil {
					return err
				}
				proof, out, err = sc.ProveItem(ccs, pk, m, zkml.Int8s(ev.Input), jobID, item)
				return err
			})
			if err != nil {
				return err
			}
			oc := sc.TensorCommitment(out)
			_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "item %d: output commitment %x, posted output is the model's: %v, proof %d bytes, elapsed %s\n",
				item, oc, string(ev.Output) == string(zkml.Raw(out)), len(proof), total.Round(time.Millisecond))
			flags := []string{"--item-input", hex.EncodeToString(ev.Input), "--item-output", hex.EncodeToString(ev.Output)}
			for _, p := range ev.InPath {
				flags = append(flags, "--input-path", hex.EncodeToString(p))
			}
			for _, p := range ev.OutPath {
				flags = append(flags, "--output-path", hex.EncodeToString(p))
			}
			if err := os.WriteFile(evPath, []byte(strings.Join(flags, " ")+"\n"), 0o644); err != nil { //nolint:gosec // public evidence
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(proof))
			return err
		},
	}
	cmd.Flags().String("keys", "zk-keys", "directory holding <circuit id>.pk")
	cmd.Flags().Uint64("job-id", 0, "the batch job")
	cmd.Flags().Uint64("item", 0, "the disputed item")
	cmd.Flags().String("evidence", "", "write the item's evidence here, as submit-proof flags")
	return cmd
}
