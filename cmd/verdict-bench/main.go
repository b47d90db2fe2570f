// Command verdict-bench measures the dispute path (`make bench`). Every
// figure it prints is a ratio against a baseline measured in the same run:
//
//  1. the chain's full proof check (x/dispute keeper: cached key lookup,
//     public inputs from the job, strict decoding, Groth16 verify) against
//     gnark's raw groth16.Verify on the same, already-decoded inputs;
//  2. the verify-gas calibration: the same check against a secp256k1
//     signature check, which the SDK prices at 1,000 gas;
//  3. the verification tax: for each reference shape and commitment scheme
//     (version 1 MiMC, version 2 Poseidon2 with packed products, version 3
//     with the model committed instead of hashed), native inference,
//     compile, setup, prove and verify times, key and proof sizes, prove ÷
//     native, and the constraints split by part; then, per shape, version
//     2's prove time, setup time and proving-key size as ratios to version
//     1's, and version 3's as ratios to version 2's, measured in the same
//     run.
package main

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/logger"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/core/header"
	"cosmossdk.io/log/v2"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/app"
	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/dispute/zkverify"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
	zksetup "github.com/verdict-chain/verdict/zkml/setup"
)

func main() {
	shapes := flag.String("shapes", "16-16-4,64-64-10,784-128-10", "shapes for the verification-tax table")
	schemes := flag.String("schemes", "mimc,poseidon2,pedersen", "commitment schemes (circuit versions) to measure per shape")
	cnns := flag.String("cnn", zkml.LeNet5.String(), "CNN architectures to measure (versions 2 and 3), comma-separated; empty for none")
	rounds := flag.Int("rounds", 10, "interleaved rounds for the verify comparison")
	perRound := flag.Int("per-round", 100, "verifications per round and side")
	flag.Parse()
	logger.Disable()
	fmt.Printf("verdict-bench  go %s  GOMAXPROCS=%d  %s/%s\n\n", runtime.Version(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)

	var rows []row
	var first, firstV3 *kit
	for _, s := range strings.Split(*shapes, ",") {
		sh, err := zkml.ParseShape(strings.TrimSpace(s))
		check(err)
		for _, name := range strings.Split(*schemes, ",") {
			sc, err := zkml.ParseScheme(name)
			check(err)
			k, r := measureShape(sc, sh)
			rows = append(rows, r)
			if first == nil {
				first = k
			}
			if firstV3 == nil && sc == zkml.Pedersen {
				firstV3 = k
			}
		}
	}
	for _, s := range strings.Split(*cnns, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		a, err := zkml.ParseArch(s)
		check(err)
		for _, sc := range []zkml.Scheme{zkml.Poseidon2, zkml.Pedersen} {
			_, r := measureCNN(sc, a)
			rows = append(rows, r)
		}
	}
	compareVerify(first, *rounds, *perRound)
	if firstV3 != nil && firstV3 != first { // two commitments: one more pairing, the gas calibration again
		compareVerify(firstV3, *rounds, *perRound)
	}
	printTax(rows)
	printRatios(rows)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "verdict-bench:", err)
		os.Exit(1)
	}
}

type kit struct {
	scheme  zkml.Scheme
	id      string
	mc      [zkml.CommitmentLen]byte // the model's commitment under the circuit
	vkBytes []byte
	vk      groth16.VerifyingKey
	model   *zkml.Model
	input   []int8
	output  []int8
	proof   []byte
	jobID   uint64
}

type row struct {
	shape                         string
	scheme                        zkml.Scheme
	id                            string
	constraints                   int
	split                         zkml.Split
	native, compile, setup, prove time.Duration
	gnarkSetup                    time.Duration // version 1 only: gnark's own groth16.Setup, as before zkml/setup
	verify                        time.Duration
	pkBytes, vkBytes, proofBytes  int
}

// timeIt runs f until at least minTotal has passed (and at least once) and
// returns the mean.
func timeIt(minTotal time.Duration, f func()) time.Duration {
	n, start := 0, time.Now()
	for n == 0 || time.Since(start) < minTotal {
		f()
		n++
	}
	return time.Since(start) / time.Duration(n)
}

func measureShape(sc zkml.Scheme, sh zkml.Shape) (*kit, row) {
	m, err := zkml.ExampleModel(sh, "bench")
	check(err)
	return measure(sc, sh.String(), m, zkml.ExampleInput(sh[0], "bench"))
}

func measureCNN(sc zkml.Scheme, a zkml.Arch) (*kit, row) {
	m, err := zkml.ExampleCNN(a, "bench")
	check(err)
	return measure(sc, a.String(), m, zkml.ExampleInput(a.InputLen(), "bench"))
}

// measure times one circuit (the model's, under sc) end to end.
func measure(sc zkml.Scheme, shape string, m *zkml.Model, in []int8) (*kit, row) {
	id := m.CircuitID(sc)
	fmt.Fprintf(os.Stderr, "%s: compile, setup, prove...\n", id)
	r := row{shape: shape, scheme: sc, id: id}
	var out []int8
	var err error
	r.native = timeIt(300*time.Millisecond, func() { out, err = zkml.Infer(m, in); check(err) })

	var ccs constraint.ConstraintSystem
	start := time.Now()
	ccs, _, err = zkml.CompileByID(id, false)
	check(err)
	r.compile = time.Since(start)
	r.constraints = ccs.GetNbConstraints()
	_, r.split, err = zkml.CompileByID(id, true) // a second, profiled compilation: the same system
	check(err)
	if r.split.Total != r.constraints {
		check(fmt.Errorf("%s: profiled compilation has %d constraints, plain %d", r.id, r.split.Total, r.constraints))
	}

	if sc == zkml.MiMC { // the setup as it was: gnark's, on the version 1 circuit
		start = time.Now()
		_, _, err = groth16.Setup(ccs)
		check(err)
		r.gnarkSetup = time.Since(start)
	}
	start = time.Now()
	pk, vk, err := zksetup.Setup(ccs)
	check(err)
	r.setup = time.Since(start)
	var pkb, vkb bytes.Buffer
	_, err = pk.WriteRawTo(&pkb)
	check(err)
	r.pkBytes = pkb.Len()
	pkb = bytes.Buffer{}
	_, err = vk.WriteTo(&vkb)
	check(err)
	r.vkBytes = vkb.Len()

	const jobID = 7
	var proof []byte
	proveRuns := 3
	if r.constraints > 200_000 {
		proveRuns = 2
	}
	start = time.Now()
	for range proveRuns {
		proof, _, err = sc.Prove(ccs, pk, m, in, jobID)
		check(err)
	}
	r.prove = time.Since(start) / time.Duration(proveRuns)
	r.proofBytes = len(proof)

	pvk, err := zkverify.ParseVerifyingKey(vkb.Bytes(), zkverify.Limits{NbPublic: 4})
	check(err)
	var ck *zkml.CommitmentKey
	if sc == zkml.Pedersen {
		ck, err = zkml.CommitmentKeyOf(pk)
		check(err)
	}
	mc, err := sc.ModelCommitmentWithKey(m, ck)
	check(err)
	ic, oc := sc.TensorCommitment(in), sc.TensorCommitment(out)
	pub, err := types.PublicInputs(jobstypes.Job{Id: jobID, ModelCommitment: mc[:], InputCommitment: ic[:]}, oc[:])
	check(err)
	r.verify = timeIt(300*time.Millisecond, func() { check(zkverify.Verify(pvk, proof, pub)) })
	return &kit{scheme: sc, id: id, mc: mc, vkBytes: vkb.Bytes(), vk: vk, model: m, input: in, output: out, proof: proof, jobID: jobID}, r
}

// chainApp is the real application on an in-memory store with the kit's
// circuit registered, as a validator runs it; the bench calls its x/dispute
// keeper's proof check.
func chainApp(k *kit) (*app.App, sdk.Context) {
	home, err := os.MkdirTemp("", "verdict-bench")
	check(err)
	defer func() { _ = os.RemoveAll(home) }()
	a := app.New(log.NewNopLogger(), dbm.NewMemDB(), true, simtestutil.NewAppOptionsWithFlagHome(home))
	ctx := a.NewNextBlockContext(cmtproto.Header{Height: 1}).WithHeaderInfo(header.Info{Height: 1})
	check(a.DisputeKeeper.Params.Set(ctx, types.DefaultParams()))
	_, err = a.DisputeKeeper.RegisterCircuit(ctx, types.Circuit{Id: "bench", ProofSystem: types.ProofSystem_PROOF_SYSTEM_GROTH16_BN254, VerifyingKey: k.vkBytes})
	check(err)
	return a, ctx
}

func compareVerify(k *kit, rounds, perRound int) {
	fmt.Fprintf(os.Stderr, "verify comparison on %s: %d rounds x %d per side...\n", k.id, rounds, perRound)
	// Baseline: gnark's Verify on inputs decoded once, outside the loop.
	proof := groth16.NewProof(ecc.BN254)
	_, err := proof.ReadFrom(bytes.NewReader(k.proof))
	check(err)
	mc := k.mc
	ic, oc := k.scheme.TensorCommitment(k.input), k.scheme.TensorCommitment(k.output)
	pw, err := frontend.NewWitness(&zkml.Circuit{ModelCommitment: mc[:], InputCommitment: ic[:], OutputCommitment: oc[:], JobID: k.jobID},
		ecc.BN254.ScalarField(), frontend.PublicOnly())
	check(err)
	raw := func() { check(groth16.Verify(proof, k.vk, pw)) }

	// The chain: everything from the stored job and the tx's proof bytes.
	a, ctx := chainApp(k)
	job := jobstypes.Job{Id: k.jobID, ModelCommitment: mc[:], InputCommitment: ic[:]}
	chain := func() { check(a.DisputeKeeper.VerifyJobProof(ctx, "bench", job, oc[:], k.proof)) }

	// Gas baseline: one secp256k1 signature check (1,000 gas in the SDK).
	priv := secp256k1.GenPrivKey()
	msg := sha256.Sum256([]byte("verdict"))
	sig, err := priv.Sign(msg[:])
	check(err)
	pub := priv.PubKey()
	secp := func() {
		if !pub.VerifySignature(msg[:], sig) {
			check(fmt.Errorf("secp256k1 signature did not verify"))
		}
	}

	// VK parse cost (what the cache saves on every proof).
	parse := func() {
		_, err := zkverify.ParseVerifyingKey(k.vkBytes, zkverify.Limits{NbPublic: 4})
		check(err)
	}

	var tRaw, tChain, tSecp, tParse time.Duration
	for range rounds { // interleaved, so drift hits every side alike
		tRaw += loop(perRound, raw)
		tChain += loop(perRound, chain)
		tSecp += loop(perRound*10, secp)
		tParse += loop(perRound/4+1, parse)
	}
	n := time.Duration(rounds * perRound)
	mRaw, mChain := tRaw/n, tChain/n
	mSecp := tSecp / (n * 10)
	mParse := tParse / time.Duration(rounds*(perRound/4+1))
	fmt.Printf("## On-chain proof check vs raw groth16.Verify (%s, same run)\n\n", k.id)
	fmt.Printf("| check | mean |\n|---|---|\n")
	fmt.Printf("| raw groth16.Verify (proof, VK, witness decoded beforehand) | %s |\n", mRaw.Round(time.Microsecond))
	fmt.Printf("| x/dispute VerifyJobProof (cached VK, strict decode, public inputs from the job) | %s |\n", mChain.Round(time.Microsecond))
	fmt.Printf("| VK parse + validation (saved by the cache) | %s |\n", mParse.Round(time.Microsecond))
	fmt.Printf("| secp256k1 signature check (SDK: 1,000 gas) | %s |\n\n", mSecp.Round(time.Microsecond))
	fmt.Printf("ratio on-chain / raw = %.3f\n", float64(mChain)/float64(mRaw))
	fmt.Printf("ratio VK parse / on-chain check = %.3f (cost a cache miss would add)\n", float64(mParse)/float64(mChain))
	units := float64(mChain) / float64(mSecp)
	fmt.Printf("ratio on-chain check / secp256k1 check = %.1f -> %.0f gas at the SDK's signature price; with a 2x margin %.0f (param default verify_gas = %d)\n\n",
		units, units*1000, units*2000, types.DefaultVerifyGas)
}

func loop(n int, f func()) time.Duration {
	start := time.Now()
	for range n {
		f()
	}
	return time.Since(start)
}

func size(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func printTax(rows []row) {
	fmt.Printf("## Verification tax (Groth16 BN254, this machine)\n\n")
	fmt.Printf("| circuit | constraints | native inference | compile | setup (zkml/setup) | setup (gnark's) | prove | verify | PK | VK | proof | prove ÷ native |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		gs := "–"
		if r.gnarkSetup > 0 {
			gs = r.gnarkSetup.Round(time.Millisecond).String()
		}
		fmt.Printf("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1e |\n",
			r.id, r.constraints, r.native.Round(time.Nanosecond), r.compile.Round(time.Millisecond), r.setup.Round(time.Millisecond), gs,
			r.prove.Round(time.Millisecond), r.verify.Round(time.Microsecond), size(r.pkBytes), size(r.vkBytes), size(r.proofBytes),
			float64(r.prove)/float64(r.native))
	}
	fmt.Printf("\n## Constraints by part\n\n")
	fmt.Printf("| circuit | hashing | matmul | requantization | range checks | other | total |\n")
	fmt.Printf("|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		sp := r.split
		pct := func(n int) string { return fmt.Sprintf("%d (%.0f%%)", n, 100*float64(n)/float64(sp.Total)) }
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %d |\n", r.id, pct(sp.Hashing), pct(sp.Matmul), pct(sp.Requantization), pct(sp.RangeChecks), pct(sp.Other), sp.Total)
	}
	fmt.Println()
}

// printRatios prints, for every shape measured under two versions, the
// newer circuit's figures over the older one's: version 2 over version 1
// as it was (gnark's setup) and, for the setup, against version 1 under
// the same setup code, which separates the circuit's share from the
// setup's; then version 3 over version 2.
func printRatios(rows []row) {
	pairs := func(old, new zkml.Scheme, f func(o, n row)) {
		for _, o := range rows {
			if o.scheme != old {
				continue
			}
			for _, n := range rows {
				if n.scheme == new && n.shape == o.shape {
					f(o, n)
				}
			}
		}
	}
	r := func(n, o time.Duration) string {
		return fmt.Sprintf("%.2f (%s → %s)", float64(n)/float64(o), o.Round(time.Millisecond), n.Round(time.Millisecond))
	}
	printed := false
	pairs(zkml.MiMC, zkml.Poseidon2, func(o, n row) {
		if !printed {
			fmt.Printf("## Version 2 over version 1 (same run; below 1 is better)\n\n")
			fmt.Printf("| shape | constraints | prove | setup (v1 with gnark's setup) | setup (both with zkml/setup) | proving key |\n|---|---|---|---|---|---|\n")
			printed = true
		}
		fmt.Printf("| %s | %.2f | %s | %s | %s | %.2f (%s → %s) |\n", o.shape,
			float64(n.constraints)/float64(o.constraints), r(n.prove, o.prove), r(n.setup, o.gnarkSetup), r(n.setup, o.setup),
			float64(n.pkBytes)/float64(o.pkBytes), size(o.pkBytes), size(n.pkBytes))
	})
	if printed {
		fmt.Println()
	}
	printed = false
	pairs(zkml.Poseidon2, zkml.Pedersen, func(o, n row) {
		if !printed {
			fmt.Printf("## Version 3 over version 2 (same run; below 1 is better)\n\n")
			fmt.Printf("| shape | constraints | prove | setup | proving key | verify | proof |\n|---|---|---|---|---|---|---|\n")
			printed = true
		}
		fmt.Printf("| %s | %.2f (%d → %d) | %s | %s | %.2f (%s → %s) | %.2f (%s → %s) | %d B → %d B |\n", o.shape,
			float64(n.constraints)/float64(o.constraints), o.constraints, n.constraints,
			r(n.prove, o.prove), r(n.setup, o.setup),
			float64(n.pkBytes)/float64(o.pkBytes), size(o.pkBytes), size(n.pkBytes),
			float64(n.verify)/float64(o.verify), o.verify.Round(time.Microsecond), n.verify.Round(time.Microsecond),
			o.proofBytes, n.proofBytes)
	})
	if printed {
		fmt.Println()
	}
}
