// Command verdict-bench-endblock measures block execution at scale (`make
// bench`): the app, built as `verdictd start` builds it (goleveldb, IAVL
// with the default node cache, inter-block cache), holds a stored history
// of N jobs — closed jobs waiting for their retention, open jobs, providers
// (one per 100 jobs) with reputation records, resolved disputes and SLA
// assessments and violations (one per 100 jobs) — and then runs blocks in
// which the same work falls due whatever N is: `-due` challenge windows
// ending and `-due` deadlines passing per block (jobs that went through the
// real Msg path). Each size runs in a process of its own; the table gives
// the median and slowest FinalizeBlock of the measured blocks (BeginBlock +
// EndBlock, no transactions), the median Commit, and the memory and disk
// of the node holding N jobs, then the ratio of the largest size's median
// to the smallest's, measured in the same run (the smallest size runs
// first and again last, and its two medians are averaged).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/collections"
	"cosmossdk.io/log/v2"
	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/server"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	minttypes "github.com/cosmos/cosmos-sdk/x/mint/types"

	"github.com/verdict-chain/verdict/app"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	reputationtypes "github.com/verdict-chain/verdict/x/reputation/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
)

const chainID = "verdict-bench-endblock"

func main() {
	sizes := flag.String("sizes", "10000,1000000", "stored jobs of each run")
	due := flag.Int("due", 50, "challenge windows ending and deadlines passing per block (each)")
	blocks := flag.Int("blocks", 30, "measured blocks")
	child := flag.Int("child", 0, "internal: build and measure one size in this process")
	flag.Parse()
	if *child > 0 {
		if err := runChild(*child, *due, *blocks); err != nil {
			fmt.Fprintln(os.Stderr, "verdict-bench-endblock:", err)
			os.Exit(1)
		}
		return
	}
	fmt.Printf("verdict-bench-endblock  go %s  GOMAXPROCS=%d  %s/%s\n", runtime.Version(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("per measured block: %d windows end and %d deadlines pass (x/jobs settles at most 100 a block); %d blocks\n\n", *due, *due, *blocks)
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1000 {
			fmt.Fprintf(os.Stderr, "verdict-bench-endblock: size %q: need an integer ≥ 1000\n", s)
			os.Exit(2)
		}
		ns = append(ns, n)
	}
	// The smallest size runs first and again last: the baseline is the mean
	// of both, so that the machine's drift over the run does not land on
	// one side of the ratio.
	slices.Sort(ns)
	if len(ns) > 1 {
		ns = append(ns, ns[0])
	}
	var results []result
	for _, n := range ns {
		r, err := runSize(n, *due, *blocks)
		if err != nil {
			fmt.Fprintln(os.Stderr, "verdict-bench-endblock:", err)
			os.Exit(1)
		}
		results = append(results, r)
	}
	fmt.Println("| stored jobs | build | FinalizeBlock median | slowest | Commit median | settled per block | node RSS | Go heap in use | data on disk |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		fmt.Printf("| %d | %.0f s | %.2f ms | %.2f ms | %.2f ms | %d | %d MiB | %d MiB | %d MiB |\n",
			r.Jobs, r.BuildSec, r.MedianMs, r.MaxMs, r.CommitMs, r.SettledPerBlock, r.RSSMiB, r.HeapMiB, r.DiskMiB)
	}
	if len(results) > 2 {
		base := (results[0].MedianMs + results[len(results)-1].MedianMs) / 2
		top := results[len(results)-2]
		fmt.Printf("\nEndBlock ratio %d / %d stored jobs: %.2f (median FinalizeBlock against the mean of the two %d-job runs; goal ≤ 1.2)\n",
			top.Jobs, results[0].Jobs, top.MedianMs/base, results[0].Jobs)
	}
}

type result struct {
	Jobs            int
	BuildSec        float64
	MedianMs        float64
	MaxMs           float64
	CommitMs        float64
	SettledPerBlock int
	RSSMiB          int
	HeapMiB         int
	DiskMiB         int
}

// runSize runs one size in a child process (its memory is its own).
func runSize(n, due, blocks int) (result, error) {
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	fmt.Printf("building and measuring %d stored jobs…\n", n)
	cmd := exec.Command(self, "-child", strconv.Itoa(n), "-due", strconv.Itoa(due), "-blocks", strconv.Itoa(blocks))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return result{}, fmt.Errorf("size %d: %w", n, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "RESULT "); ok {
			var r result
			return r, json.Unmarshal([]byte(line), &r)
		}
	}
	return result{}, fmt.Errorf("size %d: no result line in %q", n, out)
}

type bench struct {
	a       *app.App
	height  int64
	now     time.Time
	denom   string
	buyer   sdk.AccAddress
	provs   []sdk.AccAddress
	settled int
}

func runChild(n, due, blocks int) error {
	home, err := os.MkdirTemp("", "verdict-bench-endblock-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(home) }()
	db, err := dbm.NewGoLevelDB("application", filepath.Join(home, "data"), nil)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	// app.toml's defaults, as `verdictd start` reads them
	opts := simtestutil.AppOptionsMap{
		flags.FlagHome:             home,
		flags.FlagChainID:          chainID,
		server.FlagPruning:         "default",
		server.FlagInterBlockCache: true,
		server.FlagIAVLCacheSize:   781250,
		server.FlagMempoolMaxTxs:   -1,
	}
	a := app.New(log.NewNopLogger(), db, true, opts, server.DefaultBaseappOptions(opts)...)
	b := &bench{a: a, denom: app.BondDenom, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	start := time.Now()
	nprov := max(n/100, 10)
	if err := b.genesis(nprov); err != nil {
		return err
	}
	if err := b.history(n); err != nil {
		return err
	}
	firstDue, err := b.dueWork(due, blocks)
	if err != nil {
		return err
	}
	buildSec := time.Since(start).Seconds()
	runtime.GC() // the build's garbage is not the measured blocks' cost

	// Measured blocks: block i at the time group i falls due.
	var fin, com []float64
	for i := 0; i < blocks; i++ {
		b.now = firstDue.Add(time.Duration(i) * time.Second)
		before := b.settled
		f, c, err := b.block(false)
		if err != nil {
			return err
		}
		if got := b.settled - before; got != 2*due {
			return fmt.Errorf("block %d settled %d jobs, want %d", i, got, 2*due)
		}
		fin, com = append(fin, f), append(com, c)
	}
	if err := b.check(); err != nil {
		return err
	}
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r := result{
		Jobs: n, BuildSec: buildSec, MedianMs: median(fin), MaxMs: slices.Max(fin), CommitMs: median(com),
		SettledPerBlock: 2 * due, RSSMiB: rssMiB(), HeapMiB: int(ms.HeapInuse >> 20), DiskMiB: duMiB(filepath.Join(home, "data")),
	}
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	fmt.Printf("RESULT %s\n", line)
	return nil
}

// genesis: one validator, the buyer and the providers funded.
func (b *bench) genesis(nprov int) error {
	valSet, err := simtestutil.CreateRandomValidatorSet()
	if err != nil {
		return err
	}
	b.buyer = sdk.AccAddress("bench-buyer_________")
	accs := []authtypes.GenesisAccount{authtypes.NewBaseAccountWithAddress(b.buyer)}
	bal := []banktypes.Balance{{Address: b.buyer.String(), Coins: sdk.NewCoins(sdk.NewInt64Coin(b.denom, 1_000_000_000_000))}}
	for i := 0; i < nprov; i++ {
		op := sdk.AccAddress(fmt.Sprintf("bench-provider-%05d", i))
		b.provs = append(b.provs, op)
		accs = append(accs, authtypes.NewBaseAccountWithAddress(op))
		bal = append(bal, banktypes.Balance{Address: op.String(), Coins: sdk.NewCoins(sdk.NewInt64Coin(b.denom, 10_000_000_000))})
	}
	gs, err := simtestutil.GenesisStateWithValSet(b.a.AppCodec(), b.a.DefaultGenesis(), valSet, accs, bal...)
	if err != nil {
		return err
	}
	state, err := json.Marshal(gs)
	if err != nil {
		return err
	}
	if _, err := b.a.InitChain(&abci.RequestInitChain{
		ChainId: chainID, Time: b.now, AppStateBytes: state,
		ConsensusParams: simtestutil.DefaultConsensusParams, Validators: []abci.ValidatorUpdate{},
	}); err != nil {
		return err
	}
	if _, _, err := b.block(true); err != nil {
		return err
	}
	// Providers register through the real Msg path.
	ctx := b.ctx()
	for _, op := range b.provs {
		if err := b.deliver(ctx, &jobstypes.MsgRegisterProvider{
			Operator: op.String(), Moniker: "bench", Endpoint: "https://bench.example", Region: "local",
			Classes: []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
			Prices:  []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: sdk.NewInt64Coin(b.denom, 100)}},
			Bond:    sdk.NewInt64Coin(b.denom, 5_000_000_000),
		}); err != nil {
			return err
		}
	}
	return nil
}

// history writes n stored jobs in chunks, each chunk committed: 90% closed
// (finalized, waiting for retention), 10% assigned with a deadline past the
// measured blocks (their escrow funded and counted, as the real path would);
// per 100 jobs a resolved dispute and an SLA assessment, per 1,000 an SLA
// violation; a reputation record per provider.
func (b *bench) history(n int) error {
	const chunk = 50_000
	k := b.a.JobsKeeper
	commit := make([]byte, 32)
	past := b.now.Add(-time.Hour)
	future := b.now.Add(6 * 24 * time.Hour)
	for lo := 1; lo <= n; lo += chunk {
		ctx := b.ctx()
		escrow := math.ZeroInt()
		hi := min(lo+chunk-1, n)
		for id := lo; id <= hi; id++ {
			op := b.provs[id%len(b.provs)]
			price := sdk.NewInt64Coin(b.denom, 100)
			j := jobstypes.Job{
				Id: uint64(id), Buyer: b.buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
				ModelCommitment: commit, InputCommitment: commit, Units: 10,
				MaxPricePerUnit: sdk.NewInt64Coin(b.denom, 150), Escrow: sdk.NewInt64Coin(b.denom, 1_500),
				Provider: op.String(), PricePerUnit: price, AssignedVia: "scheduler",
				SubmittedAt: past, AssignedAt: past, Deadline: past.Add(10 * time.Minute),
			}
			if id%10 == 0 {
				j.Status, j.Deadline = jobstypes.JobStatus_JOB_STATUS_ASSIGNED, future
				escrow = escrow.Add(j.Escrow.Amount)
				if err := k.DeadlineQueue.Push(ctx, j.Deadline, j.Id); err != nil {
					return err
				}
				cur, err := k.OpenJobs.Get(ctx, op)
				if err != nil && !isNotFound(err) {
					return err
				}
				if err := k.OpenJobs.Set(ctx, op, cur+1); err != nil {
					return err
				}
			} else {
				j.Status = jobstypes.JobStatus_JOB_STATUS_FINALIZED
				j.Result = &jobstypes.Result{OutputCommitment: commit, UnitsUsed: 10, PostedAt: past, PostedHeight: 1}
				j.WindowEnd = past.Add(30 * time.Minute)
				j.Settlement = &jobstypes.Settlement{
					ProviderPayment: sdk.NewInt64Coin(b.denom, 980), ProtocolFee: sdk.NewInt64Coin(b.denom, 20),
					BuyerRefund: sdk.NewInt64Coin(b.denom, 500), SettledAt: j.WindowEnd,
				}
				if err := k.PruneQueue.Push(ctx, j.WindowEnd.Add(30*24*time.Hour), j.Id); err != nil {
					return err
				}
			}
			if err := k.Jobs.Set(ctx, j.Id, j); err != nil {
				return err
			}
			if id%100 == 1 {
				if err := b.sideRecords(ctx, j, op); err != nil {
					return err
				}
			}
		}
		// the open jobs' escrow: into the module and its ledger
		if escrow.IsPositive() {
			coins := sdk.NewCoins(sdk.NewCoin(b.denom, escrow))
			if err := b.a.BankKeeper.MintCoins(ctx, minttypes.ModuleName, coins); err != nil {
				return err
			}
			if err := b.a.BankKeeper.SendCoinsFromModuleToModule(ctx, minttypes.ModuleName, jobstypes.ModuleName, coins); err != nil {
				return err
			}
		}
		l, err := k.Ledger.Get(ctx)
		if err != nil {
			return err
		}
		l.NextJobId = uint64(hi) + 1
		l.TotalEscrow = l.TotalEscrow.Add(escrow)
		if err := k.Ledger.Set(ctx, l); err != nil {
			return err
		}
		if _, _, err := b.block(true); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "  %d / %d jobs stored\n", hi, n)
	}
	ctx := b.ctx()
	for _, op := range b.provs {
		key := collections.Join(op, int32(jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE))
		if err := b.a.ReputationKeeper.Records.Set(ctx, key, reputationtypes.Record{
			Provider: op.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
			Completed: 90, Expired: 10, UpdatedAt: b.now,
		}); err != nil {
			return err
		}
	}
	_, _, err := b.block(true)
	return err
}

// sideRecords: a resolved dispute and an SLA assessment for job j, and a
// violation for one job in ten of those.
func (b *bench) sideRecords(ctx sdk.Context, j jobstypes.Job, op sdk.AccAddress) error {
	zero := sdk.NewInt64Coin(b.denom, 0)
	if err := b.a.DisputeKeeper.Disputes.Set(ctx, j.Id, disputetypes.Dispute{
		JobId: j.Id, Kind: disputetypes.DisputeKind_DISPUTE_KIND_CHALLENGE, Provider: j.Provider, Challenger: j.Buyer,
		Bond: sdk.NewInt64Coin(b.denom, 1_000), CounterCommitment: j.ModelCommitment, OpenedAt: j.SubmittedAt,
		ProofDeadline: j.SubmittedAt.Add(time.Hour), Status: disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON,
		Resolution: &disputetypes.Resolution{Reason: "proof verified", ProvenBy: j.Provider, Slashed: zero, ToProvider: sdk.NewInt64Coin(b.denom, 1_000), ToChallenger: zero},
	}); err != nil {
		return err
	}
	if err := b.a.SlashingSLAKeeper.Assessments.Set(ctx, j.Id, slatypes.Assessment{
		JobId: j.Id, Provider: j.Provider, Class: j.Class, MonitorReports: 2,
		Slashed: zero, ToBuyer: zero, ToCommunityPool: zero, AssessedAt: j.SubmittedAt, Payment: sdk.NewInt64Coin(b.denom, 1_000),
	}); err != nil {
		return err
	}
	if j.Id%1000 == 1 {
		return b.a.SlashingSLAKeeper.Violations.Set(ctx, collections.Join3(op, j.SubmittedAt, j.Id))
	}
	return nil
}

// dueWork submits, through the real Msg path, `due` jobs whose deadline
// passes and `due` jobs whose challenge window ends at each of the measured
// blocks, and returns the time of the first.
func (b *bench) dueWork(due, blocks int) (time.Time, error) {
	k := b.a.JobsKeeper
	ctx := b.ctx()
	params, err := k.Params.Get(ctx)
	if err != nil {
		return time.Time{}, err
	}
	base := 20 * time.Minute
	first := b.now.Add(base)
	commit := make([]byte, 32)
	next := 0
	submit := func(limit time.Duration) (uint64, error) {
		op := b.provs[next%len(b.provs)]
		next++
		msg := &jobstypes.MsgSubmitJob{
			Buyer: b.buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, Provider: op.String(),
			ModelCommitment: commit, InputCommitment: commit, Units: 10,
			MaxPricePerUnit: sdk.NewInt64Coin(b.denom, 150), TimeLimit: limit,
		}
		j, err := k.SubmitJob(ctx, b.buyer, msg)
		return j.Id, err
	}
	for g := 0; g < blocks; g++ {
		off := base + time.Duration(g)*time.Second
		// deadlines: no result ever comes
		for i := 0; i < due; i++ {
			if _, err := submit(off); err != nil {
				return first, err
			}
		}
		// windows: a result now, the window set so that it ends at the group's block
		p := params
		p.ChallengeWindow = off
		if err := k.Params.Set(ctx, p); err != nil {
			return first, err
		}
		for i := 0; i < due; i++ {
			id, err := submit(time.Hour)
			if err != nil {
				return first, err
			}
			j, err := k.GetJob(ctx, id)
			if err != nil {
				return first, err
			}
			if err := b.deliver(ctx, &jobstypes.MsgPostResult{Provider: j.Provider, JobId: id, OutputCommitment: commit, UnitsUsed: 10}); err != nil {
				return first, err
			}
		}
	}
	if err := k.Params.Set(ctx, params); err != nil {
		return first, err
	}
	_, _, err = b.block(true)
	return first, err
}

// ctx writes straight into the committed stores at the next height; the
// next block commits what it wrote.
func (b *bench) ctx() sdk.Context {
	//nolint:staticcheck // NewNextBlockContext's writes would be dropped by the next FinalizeBlock
	return b.a.NewUncachedContext(false, cmtproto.Header{Height: b.height + 1, Time: b.now, ChainID: chainID})
}

func (b *bench) deliver(ctx sdk.Context, msg sdk.Msg) error {
	h := b.a.MsgServiceRouter().Handler(msg)
	if h == nil {
		return fmt.Errorf("no route for %T", msg)
	}
	_, err := h(ctx, msg)
	return err
}

// block runs and commits an empty block at b.now (advanced by a second
// first if advance); it returns the FinalizeBlock and Commit times in ms,
// and counts the jobs it settled.
func (b *bench) block(advance bool) (float64, float64, error) {
	b.height++
	if advance {
		b.now = b.now.Add(time.Second)
	}
	t0 := time.Now()
	res, err := b.a.FinalizeBlock(&abci.RequestFinalizeBlock{Height: b.height, Time: b.now})
	if err != nil {
		return 0, 0, err
	}
	t1 := time.Now()
	if _, err := b.a.Commit(); err != nil {
		return 0, 0, err
	}
	t2 := time.Now()
	for _, e := range res.Events {
		switch e.Type {
		case "verdict.jobs.v1.EventJobFinalized", "verdict.jobs.v1.EventJobExpired":
			b.settled++
		case "verdict.jobs.v1.EventSettlementDeadLettered":
			return 0, 0, fmt.Errorf("a settlement failed at height %d: %v", b.height, e.Attributes)
		}
	}
	return ms(t1.Sub(t0)), ms(t2.Sub(t1)), nil
}

// check runs the x/jobs invariants over the whole state once measured.
func (b *bench) check() error {
	ctx := b.ctx()
	if err := b.a.JobsKeeper.CheckAccounting(ctx); err != nil {
		return err
	}
	return b.a.JobsKeeper.CheckIndexes(ctx)
}

func isNotFound(err error) bool { return errors.Is(err, collections.ErrNotFound) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func rssMiB() int {
	bz, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(bz), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return kb >> 10
		}
	}
	return -1
}

func duMiB(dir string) int {
	var total int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			total += info.Size()
		}
		return nil
	})
	return int(total >> 20)
}
