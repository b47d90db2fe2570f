package cmd

// `verdictd zk`: the off-chain side of disputes — set up keys, commit to
// files, run inference, prove a job's result, and check a proof offline
// with the chain's own verification code.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
	zksetup "github.com/verdict-chain/verdict/zkml/setup"
)

// ZKCmd is `verdictd zk`.
func ZKCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:          "zk",
		SilenceUsage: true,
		Short:        "Off-chain proving tools for the reference workloads (quantized MLPs and CNNs)",
		Long: `Keys, commitments, inference and Groth16 proofs for the reference workloads
(the zkml package: quantized MLPs and LeNet-style CNNs). Proving keys stay off-chain: they are public parameters
that providers and challengers alike prove with (only the setup's randomness
must be destroyed); only verifying keys go on-chain. Results go to stdout
(hex), progress to stderr.

Typical provider flow:
  verdictd zk setup --shape 64-64-10 --out keys/
  verdictd zk commit model.vmdl            # model commitment for the job
  verdictd zk infer model.vmdl input.vten --out output.vten
  verdictd zk prove --keys keys/ model.vmdl input.vten --job-id 7 > proof.hex
  verdictd zk verify --vk keys/mlp-64-64-10.vk --proof proof.hex --job-id 7 \
      --model model.vmdl --input input.vten --output output.vten

--scheme poseidon2 does the same for version 2 circuits (ids mlp2-<shape>,
Poseidon2 commitments, fewer constraints); a job's commitments must be made
under the scheme of the circuit it names. CNNs (ids cnn-<arch>) are version
2 or 3: example-model --arch, setup --circuit cnn-<arch>, and --scheme
poseidon2 for commit, infer and prove.

--scheme pedersen is version 3 (ids mlp3-<shape> and cnn3-<arch>, ~10x
faster proofs than version 2): the circuit commits to the model inside the
proof instead of hashing it, so a model's commitment depends on the
circuit's setup. zk setup writes <circuit id>.ck (the commitment key) beside
the proving key; zk commit and zk verify read it from --keys.`,
	}
	cmd.PersistentFlags().String("scheme", "mimc", "commitment scheme of the circuit family: mimc (version 1, circuit ids mlp-<shape>), poseidon2 (version 2, mlp2-<shape>, cnn-<arch>) or pedersen (version 3, mlp3-<shape>, cnn3-<arch>)")
	cmd.AddCommand(setupCmd(), fingerprintCmd(), commitCmd(), inferCmd(), proveCmd(), verifyCmd(),
		exampleModelCmd(), exampleInputCmd())
	cmd.AddCommand(batchCmds()...)
	for _, c := range cmd.Commands() {
		c.SilenceUsage = true // a failed check is not a usage error
	}
	return cmd
}

// schemeOf reads the --scheme flag.
func schemeOf(cmd *cobra.Command) (zkml.Scheme, error) {
	v, _ := cmd.Flags().GetString("scheme")
	if v == "" {
		return zkml.MiMC, nil
	}
	return zkml.ParseScheme(v)
}

// spinner shows an indeterminate progress bar with elapsed time on stderr
// while fn runs (only on a terminal; logs and pipes get the final line).
func spinner(w io.Writer, label string, fn func() error) (time.Duration, error) {
	f, isFile := w.(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		start := time.Now()
		err := fn()
		d := time.Since(start)
		status := "done"
		if err != nil {
			status = "failed"
		}
		_, _ = fmt.Fprintf(w, "%s: %s in %s\n", label, status, d.Round(time.Millisecond))
		return d, err
	}
	bar := progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(label),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionClearOnFinish(),
	)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = bar.Add(1)
			}
		}
	}()
	start := time.Now()
	err := fn()
	close(done)
	_ = bar.Finish()
	d := time.Since(start)
	status := "done"
	if err != nil {
		status = "failed"
	}
	_, _ = fmt.Fprintf(w, "%s: %s in %s\n", label, status, d.Round(time.Millisecond))
	return d, err
}

func setupCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Compile the circuit of a shape and write its Groth16 proving and verifying keys",
		Long: `Writes <out>/<circuit id>.pk (proving key, shared off-chain with whoever
proves) and <out>/<circuit id>.vk (verifying key, register it on-chain under
that circuit id): mlp-<shape> with --scheme mimc, mlp2-<shape> with
--scheme poseidon2, mlp3-<shape> with --scheme pedersen; version 3 circuits
also get <out>/<circuit id>.ck, the key their model commitments are computed
with (publish it with the verifying key). The setup uses fresh randomness:
each run makes a different key pair. It prints the circuit's constraints by
part (hashing, matmul, requantization, range checks, other). Costs on 2
cores (compile twice, once profiled, + setup): 64-64-10 ~5 s (version 1)
and ~2 s (version 2); 784-128-10 ~2 min with a 520 MiB proving key
(version 1), ~30 s with 206 MiB (version 2) and ~10 s with 40 MiB
(version 3); LeNet-5 (--circuit cnn-1x32x32-6k5-16k5-120-84-10) ~30 s with
184 MiB, cnn3-… ~12 s with 68 MiB.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, _ := cmd.Flags().GetString("out")
			id, _ := cmd.Flags().GetString("circuit")
			if id == "" {
				shapeStr, _ := cmd.Flags().GetString("shape")
				sh, err := zkml.ParseShape(shapeStr)
				if err != nil {
					return err
				}
				sc, err := schemeOf(cmd)
				if err != nil {
					return err
				}
				id = sc.CircuitID(sh)
			}
			stderr := cmd.ErrOrStderr()
			var ccs constraint.ConstraintSystem
			var split zkml.Split
			if _, err := spinner(stderr, "compile "+id, func() (err error) {
				ccs, split, err = zkml.CompileByID(id, true)
				return err
			}); err != nil {
				return err
			}
			_, _ = fmt.Fprintf(stderr, "constraints by part:\n%v\n", split)
			var vkBytes []byte
			if _, err := spinner(stderr, "groth16 setup", func() error {
				pk, vk, err := zksetup.Setup(ccs)
				if err != nil {
					return err
				}
				if vkBytes, err = zkml.WriteKeysByID(out, id, pk, vk); err != nil {
					return err
				}
				return writeCommitmentKey(out, id, pk)
			}); err != nil {
				return err
			}
			fp, err := zkml.Fingerprint(ccs)
			if err != nil {
				return err
			}
			if err := os.WriteFile(zkml.FingerprintPath(out, id), []byte(fp+"\n"), 0o644); err != nil {
				return err
			}
			pkPath, vkPath := zkml.KeyPathsByID(out, id)
			h := sha256.Sum256(vkBytes)
			_, _ = fmt.Fprintf(stderr, "constraints: %d\nproving key: %s\nverifying key: %s (%d bytes, sha256 %x)\n",
				split.Total, pkPath, vkPath, len(vkBytes), h)
			return nil
		},
	}
	cmd.Flags().String("shape", "64-64-10", "layer widths, input first")
	cmd.Flags().String("circuit", "", "circuit id instead of --shape and --scheme: mlp-<shape>, mlp2-<shape>, mlp3-<shape>, cnn-<arch> or cnn3-<arch> (e.g. cnn-1x32x32-6k5-16k5-120-84-10, LeNet-5)")
	cmd.Flags().String("out", "zk-keys", "directory for the key files")
	return cmd
}

func fingerprintCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fingerprint [circuit-id]",
		Short: "Print the SHA-256 of a circuit's compiled constraint system (what zk setup records in <id>.ccs.sha256)",
		Long: `Compiles the circuit and prints the hash of its constraint system. Keys made
by 'zk setup' for another build of the circuit have another fingerprint in
<keys>/<circuit id>.ccs.sha256 and no longer prove it: the localnet scripts
compare the two and make new keys when they differ.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ccs, _, err := zkml.CompileByID(args[0], false)
			if err != nil {
				return err
			}
			fp, err := zkml.Fingerprint(ccs)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), fp)
			return err
		},
	}
	return cmd
}

// writeCommitmentKey writes a version 3 circuit's commitment key beside its
// proving key (nothing for the older versions).
func writeCommitmentKey(dir, id string, pk groth16.ProvingKey) error {
	_, sc, err := zkml.NewCircuitByID(id)
	if err != nil || sc != zkml.Pedersen {
		return err
	}
	ck, err := zkml.CommitmentKeyOf(pk)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if _, err := ck.WriteTo(&b); err != nil {
		return err
	}
	return os.WriteFile(zkml.CommitmentKeyPath(dir, id), b.Bytes(), 0o644)
}

// commitmentKey is the commitment key of the model's version 3 circuit,
// read from the --keys directory (nil under the older versions) and checked
// against the hash the chain registered with the circuit (`q dispute
// circuit <id>`: commitment_key_hash), given by --commitment-key-hash or
// asked of --node. A key that is not the registered one commits models to
// what no honest prover proves — or, tampered, to another model's
// commitment (review 26) — so it is refused.
func commitmentKey(cmd *cobra.Command, sc zkml.Scheme, m *zkml.Model) (*zkml.CommitmentKey, error) {
	if sc != zkml.Pedersen {
		return nil, nil
	}
	id := m.CircuitID(sc)
	want, err := registeredKeyHash(cmd, id)
	if err != nil {
		return nil, err
	}
	dir, _ := cmd.Flags().GetString("keys")
	return checkedCommitmentKey(dir, id, want)
}

// checkedCommitmentKey reads dir's key of circuit id and refuses it unless
// it hashes to want.
func checkedCommitmentKey(dir, id string, want []byte) (*zkml.CommitmentKey, error) {
	path := zkml.CommitmentKeyPath(dir, id)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v (made by `verdictd zk setup --circuit %s`)", zkml.ErrCommitmentKey, err, id)
	}
	if got := sha256.Sum256(raw); !bytes.Equal(got[:], want) {
		return nil, fmt.Errorf("%w: %s hashes to %x, the circuit's registered key to %x", zkml.ErrCommitmentKey, path, got, want)
	}
	return zkml.ReadCommitmentKey(raw)
}

// registeredKeyHash is --commitment-key-hash (hex), or else the circuit's
// commitment_key_hash as --node reports it.
func registeredKeyHash(cmd *cobra.Command, id string) ([]byte, error) {
	if h, _ := cmd.Flags().GetString("commitment-key-hash"); h != "" {
		b, err := hex.DecodeString(strings.TrimSpace(h))
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("--commitment-key-hash: want %d bytes in hex", sha256.Size)
		}
		return b, nil
	}
	if !cmd.Flags().Changed(flags.FlagNode) {
		return nil, fmt.Errorf("%w: a version 3 commitment is made with the key the chain registered for %s: give --node (to ask the chain) or --commitment-key-hash (from `verdictd q dispute circuit %s`)", zkml.ErrCommitmentKey, id, id)
	}
	clientCtx, err := client.GetClientQueryContext(cmd)
	if err != nil {
		return nil, err
	}
	return queryKeyHash(cmd.Context(), clientCtx, id)
}

// queryKeyHash asks the chain for a circuit's registered commitment key
// hash.
func queryKeyHash(ctx context.Context, clientCtx client.Context, id string) ([]byte, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	r, err := types.NewQueryClient(clientCtx).Circuit(ctx, &types.QueryCircuitRequest{Id: id})
	if err != nil {
		return nil, fmt.Errorf("circuit %s: %w", id, err)
	}
	if len(r.Circuit.CommitmentKeyHash) == 0 {
		return nil, fmt.Errorf("%w: circuit %s has no registered commitment key", zkml.ErrCommitmentKey, id)
	}
	return r.Circuit.CommitmentKeyHash, nil
}

// commitmentOf reads a model or tensor file (by its magic) and commits to it.
func commitmentOf(cmd *cobra.Command, sc zkml.Scheme, path string) ([]byte, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	switch {
	case len(b) >= 4 && string(b[:4]) == "VMDL":
		m := &zkml.Model{}
		if err := m.UnmarshalBinary(b); err != nil {
			return nil, "", fmt.Errorf("%s: %w", path, err)
		}
		ck, err := commitmentKey(cmd, sc, m)
		if err != nil {
			return nil, "", err
		}
		c, err := sc.ModelCommitmentWithKey(m, ck)
		return c[:], "model " + m.CircuitID(sc), err
	case len(b) >= 4 && string(b[:4]) == "VTEN":
		t, err := zkml.UnmarshalTensor(b)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", path, err)
		}
		c := sc.TensorCommitment(t)
		return c[:], fmt.Sprintf("tensor of %d", len(t)), nil
	}
	return nil, "", fmt.Errorf("%s: neither a model (VMDL) nor a tensor (VTEN) file", path)
}

func commitCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "commit [file]",
		Short: "Print the commitment (hex) of a model (.vmdl) or tensor (.vten) file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := schemeOf(cmd)
			if err != nil {
				return err
			}
			c, what, err := commitmentOf(cmd, sc, args[0])
			if err != nil {
				return err
			}
			_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "%s\n", what)
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(c))
			return err
		},
	}
	keyCheckFlags(cmd)
	return cmd
}

// keyCheckFlags are the flags a version 3 model commitment needs: the key
// directory and the registered hash the key is checked against.
func keyCheckFlags(cmd *cobra.Command) {
	cmd.Flags().String("keys", "zk-keys", "directory holding <circuit id>.ck (version 3 model commitments)")
	cmd.Flags().String("commitment-key-hash", "", "version 3: the sha256 (hex) the chain registered for the circuit's commitment key; without it, --node is asked")
	cmd.Flags().String(flags.FlagNode, "tcp://localhost:26657", "version 3: the node asked for the circuit's registered commitment key hash")
}

func inferCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "infer [model] [input]",
		Short: "Run the model on an input natively; write the output tensor and print its commitment",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := schemeOf(cmd)
			if err != nil {
				return err
			}
			m, err := zkml.ReadModel(args[0])
			if err != nil {
				return err
			}
			in, err := zkml.ReadTensor(args[1])
			if err != nil {
				return err
			}
			start := time.Now()
			out, err := zkml.Infer(m, in)
			if err != nil {
				return err
			}
			elapsed := time.Since(start)
			if path, _ := cmd.Flags().GetString("out"); path != "" {
				if err := zkml.WriteTensor(path, out); err != nil {
					return err
				}
			}
			c := sc.TensorCommitment(out)
			_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "output %v (inference %s)\n", out, elapsed)
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(c[:]))
			return err
		},
	}
	cmd.Flags().String("out", "", "write the output tensor to this file")
	return cmd
}

func proveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prove [model] [input]",
		Short: "Prove a job's result; prints the proof (hex) for `tx dispute submit-proof`",
		Long: `Runs the model on the input, and proves that the model committed in the job,
on the input committed in the job, gives this output — for this job id. The
proof only verifies for that job. Needs the proving key from 'zk setup'.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, _ := cmd.Flags().GetString("keys")
			jobID, _ := cmd.Flags().GetUint64("job-id")
			if jobID == 0 {
				return errors.New("--job-id is required")
			}
			sc, err := schemeOf(cmd)
			if err != nil {
				return err
			}
			m, err := zkml.ReadModel(args[0])
			if err != nil {
				return err
			}
			in, err := zkml.ReadTensor(args[1])
			if err != nil {
				return err
			}
			id := m.CircuitID(sc)
			stderr := cmd.ErrOrStderr()
			var proof []byte
			var out []int8
			total, err := spinner(stderr, fmt.Sprintf("prove job %d (%s)", jobID, id), func() error {
				pk, err := zkml.ReadProvingKeyByID(dir, id)
				if err != nil {
					return err
				}
				ccs, _, err := zkml.CompileByID(id, false)
				if err != nil {
					return err
				}
				proof, out, err = sc.Prove(ccs, pk, m, in, jobID)
				return err
			})
			if err != nil {
				return err
			}
			oc := sc.TensorCommitment(out)
			_, _ = fmt.Fprintf(stderr, "output commitment %x, proof %d bytes, elapsed %s\n", oc, len(proof), total.Round(time.Millisecond))
			if path, _ := cmd.Flags().GetString("out"); path != "" {
				if err := os.WriteFile(path, []byte(hex.EncodeToString(proof)+"\n"), 0o644); err != nil {
					return err
				}
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(proof))
			return err
		},
	}
	cmd.Flags().String("keys", "zk-keys", "directory holding <circuit id>.pk")
	cmd.Flags().Uint64("job-id", 0, "the job the proof is for")
	cmd.Flags().String("out", "", "also write the proof (hex) to this file")
	return cmd
}

// commitmentFlag takes a hex commitment or computes it from a file.
func commitmentFlag(cmd *cobra.Command, name string) ([]byte, error) {
	if path, _ := cmd.Flags().GetString(name); path != "" {
		sc, err := schemeOf(cmd)
		if err != nil {
			return nil, err
		}
		c, _, err := commitmentOf(cmd, sc, path)
		return c, err
	}
	h, _ := cmd.Flags().GetString(name + "-commitment")
	if h == "" {
		return nil, fmt.Errorf("--%s or --%s-commitment is required", name, name)
	}
	return hex.DecodeString(strings.TrimSpace(h))
}

func verifyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check a proof offline, exactly as the chain does",
		Long: `Builds the public inputs the way the chain does (model, input and output
commitments, job id), parses the verifying key and the proof with the chain's
strict decoders, and verifies. Commitments come from files (--model, --input,
--output) or hex (--model-commitment, ...).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			vkPath, _ := cmd.Flags().GetString("vk")
			proofArg, _ := cmd.Flags().GetString("proof")
			jobID, _ := cmd.Flags().GetUint64("job-id")
			vkBytes, err := os.ReadFile(vkPath)
			if err != nil {
				return err
			}
			proofHex := proofArg
			if b, err := os.ReadFile(proofArg); err == nil {
				proofHex = string(b)
			}
			proof, err := hex.DecodeString(strings.TrimSpace(proofHex))
			if err != nil {
				return fmt.Errorf("--proof: not a file or hex: %w", err)
			}
			var cs [3][]byte
			for i, name := range []string{"model", "input", "output"} {
				if cs[i], err = commitmentFlag(cmd, name); err != nil {
					return err
				}
			}
			vk, err := types.ParseVK(vkBytes, types.DefaultParams().MaxVkBytes)
			if err != nil {
				return err
			}
			job := jobstypes.Job{Id: jobID, ModelCommitment: cs[0], InputCommitment: cs[1]}
			public, err := types.PublicInputs(job, cs[2])
			if err != nil {
				return err
			}
			start := time.Now()
			if err := zkverify.Verify(vk, proof, public); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "proof valid for job %d (verified in %s)\n", jobID, time.Since(start).Round(time.Microsecond))
			return err
		},
	}
	f := cmd.Flags()
	f.String("vk", "", "verifying key file (compressed, from zk setup)")
	f.String("proof", "", "proof file or hex")
	f.Uint64("job-id", 0, "the job id the proof is for")
	keyCheckFlags(cmd)
	for _, n := range []string{"model", "input", "output"} {
		f.String(n, "", n+" file")
		f.String(n+"-commitment", "", n+" commitment (hex)")
	}
	return cmd
}

func exampleModelCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "example-model [out-file]",
		Short: "Write a deterministic example model of a shape (or a CNN arch), derived from a seed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			shapeStr, _ := cmd.Flags().GetString("shape")
			seed, _ := cmd.Flags().GetString("seed")
			if archStr, _ := cmd.Flags().GetString("arch"); archStr != "" {
				a, err := zkml.ParseArch(archStr)
				if err != nil {
					return err
				}
				m, err := zkml.ExampleCNN(a, seed)
				if err != nil {
					return err
				}
				return zkml.WriteModel(args[0], m)
			}
			sh, err := zkml.ParseShape(shapeStr)
			if err != nil {
				return err
			}
			m, err := zkml.ExampleModel(sh, seed)
			if err != nil {
				return err
			}
			return zkml.WriteModel(args[0], m)
		},
	}
	cmd.Flags().String("shape", "64-64-10", "layer widths, input first")
	cmd.Flags().String("arch", "", "a CNN instead: <C>x<H>x<W>-<F>k<K>...-<widths> (1x32x32-6k5-16k5-120-84-10 is LeNet-5)")
	cmd.Flags().String("seed", "example", "seed")
	return cmd
}

func exampleInputCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "example-input [out-file]",
		Short: "Write a deterministic example input tensor, derived from a seed",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, _ := cmd.Flags().GetInt("size")
			seed, _ := cmd.Flags().GetString("seed")
			if n < 1 || n > zkml.MaxDim {
				return fmt.Errorf("--size must be 1..%d", zkml.MaxDim)
			}
			return zkml.WriteTensor(args[0], zkml.ExampleInput(n, seed))
		},
	}
	cmd.Flags().Int("size", 64, "number of int8 values")
	cmd.Flags().String("seed", "example", "seed")
	return cmd
}
