// Command verdict-bench-tx measures committed transactions per second on
// the one-validator localnet (`make bench-tx`, through scripts/bench-tx.sh)
// for bank MsgSend, MsgSubmitJob and MsgPostResult in the same run, and
// prints each as a ratio to bank send, with the node's CPU per transaction
// (from /proc) and the gas each type uses.
//
// Every transaction is signed offline beforehand with consecutive sequences
// from many accounts, then broadcast (CheckTx, sync) over the node's RPC on
// loopback, each account's transactions in sequence order; the rate is the
// count committed over the block time they spanned. Senders pause while
// the mempool is near full (-mempool-high), as paced clients do. Bank send
// runs first and again last, and the baseline is the mean of the two: the
// store grows through the run and later phases pay compactions of earlier
// writes. Each row also gives the fullest block against the gas cap (block
// max gas ÷ the gas limit per tx) and the median block interval. Bounded
// in count (-n per type) and time (-phase-timeout per type).
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	dbm "github.com/cosmos/cosmos-db"

	"cosmossdk.io/log/v2"
	"cosmossdk.io/math"
	"github.com/cosmos/cosmos-sdk/client"
	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/verdict-chain/verdict/agent"
	"github.com/verdict-chain/verdict/app"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

const denom = "uverd"

type account struct {
	priv   *secp256k1.PrivKey
	addr   sdk.AccAddress
	number uint64
	seq    uint64
}

type bench struct {
	rpc     string
	chain   *agent.Chain
	txCfg   client.TxConfig
	chainID string
	pid     int
	http    *http.Client
	maxGas  int64 // the block gas limit (consensus params)
	// mempoolHigh: senders wait while the node's mempool holds this many
	mempoolHigh int
}

func main() {
	home := flag.String("home", ".localnet/bench-tx/node", "localnet home (validator key, pid file)")
	node := flag.String("node", "tcp://127.0.0.1:26857", "CometBFT RPC")
	grpcAddr := flag.String("grpc", "127.0.0.1:9290", "gRPC")
	n := flag.Int("n", 20000, "transactions per type")
	accounts := flag.Int("accounts", 100, "signing accounts (half buyers, half providers for the job types)")
	timeout := flag.Duration("phase-timeout", 5*time.Minute, "bound on each type's run")
	high := flag.Int("mempool-high", 4000, "senders pause while the node's mempool holds this many txs (its size is 5,000)")
	flag.Parse()
	if err := run(*home, *node, *grpcAddr, *n, *accounts, *high, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "bench-tx:", err)
		os.Exit(1)
	}
}

func run(home, node, grpcAddr string, n, nacc, high int, timeout time.Duration) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "bench-tx")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	tempApp := app.New(log.NewNopLogger(), dbm.NewMemDB(), false, simtestutil.NewAppOptionsWithFlagHome(tmp))
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := &bench{rpc: strings.Replace(node, "tcp://", "http://", 1), txCfg: tempApp.TxConfig(), http: &http.Client{Timeout: 30 * time.Second}, mempoolHigh: high}
	if b.chain, err = agent.Dial(node, grpcAddr, lg, agent.NewMetrics("bench-tx")); err != nil {
		return err
	}
	if b.chainID, err = agent.NodeChainID(ctx, node); err != nil {
		return err
	}
	var cp struct {
		Params struct {
			Block struct {
				MaxGas string `json:"max_gas"`
			} `json:"block"`
		} `json:"consensus_params"`
	}
	if err := b.rpcCall("/consensus_params", &cp); err != nil {
		return err
	}
	if b.maxGas, err = strconv.ParseInt(cp.Params.Block.MaxGas, 10, 64); err != nil || b.maxGas <= 0 {
		return fmt.Errorf("block max_gas %q: %v", cp.Params.Block.MaxGas, err)
	}
	pidBytes, err := os.ReadFile(filepath.Join(home, "verdictd.pid"))
	if err != nil {
		return fmt.Errorf("node pid: %w", err)
	}
	if b.pid, err = strconv.Atoi(strings.TrimSpace(string(pidBytes))); err != nil {
		return err
	}
	kr, err := keyring.New(sdk.KeyringServiceName(), keyring.BackendTest, home, nil, tempApp.AppCodec())
	if err != nil {
		return err
	}
	validator, err := agent.NewSigner(b.chain, kr, tempApp.AppCodec(), tempApp.ClientTxConfig(), "validator", b.chainID, "0.01uverd", 1.5, time.Minute, lg, agent.NewMetrics("bench-tx-validator"))
	if err != nil {
		return err
	}

	// Accounts, funded in one multi-send.
	accs := make([]*account, nacc)
	out := make([]banktypes.Output, nacc)
	each := math.NewInt(5_000_000_000)
	for i := range accs {
		priv := secp256k1.GenPrivKeyFromSecret([]byte(fmt.Sprintf("verdict-bench-tx-%d", i)))
		accs[i] = &account{priv: priv, addr: sdk.AccAddress(priv.PubKey().Address())}
		out[i] = banktypes.Output{Address: accs[i].addr.String(), Coins: sdk.NewCoins(sdk.NewCoin(denom, each))}
	}
	total := sdk.NewCoins(sdk.NewCoin(denom, each.MulRaw(int64(nacc))))
	if _, err := validator.Send(ctx, "fund", &banktypes.MsgMultiSend{
		Inputs: []banktypes.Input{{Address: validator.Address.String(), Coins: total}}, Outputs: out,
	}); err != nil {
		return fmt.Errorf("funding: %w", err)
	}
	for _, a := range accs {
		res, err := b.chain.Auth.AccountInfo(ctx, &authtypes.QueryAccountInfoRequest{Address: a.addr.String()})
		if err != nil {
			return err
		}
		a.number, a.seq = res.Info.AccountNumber, res.Info.Sequence
	}
	buyers, providers := accs[:nacc/2], accs[nacc/2:]

	// Providers register (their offers name no circuit: jobs run without one).
	var reg [][]byte
	for _, p := range providers {
		tx, err := b.sign(p, 400_000, &jobstypes.MsgRegisterProvider{
			Operator: p.addr.String(), Moniker: "bench", Endpoint: "http://127.0.0.1:1", Region: "local",
			Classes: []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
			Prices:  []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: sdk.NewCoin(denom, math.NewInt(100))}},
			Bond:    sdk.NewCoin(denom, math.NewInt(2_000_000_000)),
		})
		if err != nil {
			return err
		}
		reg = append(reg, tx)
	}
	// Buyers send once before the measured phases: an account's first
	// transaction also stores its public key, and a gas limit simulated on
	// it would overstate every later send.
	var warm [][]byte
	for _, a := range buyers {
		tx, err := b.sign(a, 400_000, &banktypes.MsgSend{FromAddress: a.addr.String(), ToAddress: a.addr.String(), Amount: sdk.NewCoins(sdk.NewCoin(denom, math.NewInt(1)))})
		if err != nil {
			return err
		}
		warm = append(warm, tx)
	}
	if _, err := b.phase(ctx, "register and warm up", [][][]byte{reg, warm}, timeout); err != nil {
		return err
	}

	fmt.Printf("Transactions per second on the one-validator localnet (1 s blocks, %d accounts, %d per type)\n\n", nacc, n)
	type row struct {
		name string
		r    phaseResult
		gas  uint64
	}
	var rows []row

	// 1. bank MsgSend, every account to the next.
	sendMsg := func(i int) func(*account) sdk.Msg {
		return func(a *account) sdk.Msg {
			return &banktypes.MsgSend{FromAddress: a.addr.String(), ToAddress: accs[(i+1)%nacc].addr.String(), Amount: sdk.NewCoins(sdk.NewCoin(denom, math.NewInt(1)))}
		}
	}
	// Bank send runs first and again last: the store and its compactions
	// grow through the run, so the baseline is the mean of both.
	bankPhase := func(name string) error {
		gas, err := b.gasOf(ctx, accs[0], sendMsg(0)(accs[0]))
		if err != nil {
			return err
		}
		per := make([][][]byte, nacc)
		for k := 0; k < n; k++ {
			i := k % nacc
			tx, err := b.sign(accs[i], gas, sendMsg(i)(accs[i]))
			if err != nil {
				return err
			}
			per[i] = append(per[i], tx)
		}
		r, err := b.phase(ctx, name, per, timeout)
		if err != nil {
			return err
		}
		rows = append(rows, row{"bank MsgSend (" + name + ")", r, gas})
		return nil
	}
	if err := bankPhase("first"); err != nil {
		return err
	}

	// 2. MsgSubmitJob: buyers order from providers directly, round robin.
	var jobN uint64
	submitMsg := func(a *account) sdk.Msg {
		jobN++
		c := make([]byte, 32)
		c[31] = byte(jobN)
		c[30] = byte(jobN >> 8)
		c[29] = byte(jobN >> 16)
		return &jobstypes.MsgSubmitJob{
			Buyer: a.addr.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
			ModelCommitment: c, InputCommitment: c, Units: 1, MaxPricePerUnit: sdk.NewCoin(denom, math.NewInt(150)),
			Provider: providers[jobN%uint64(len(providers))].addr.String(), TimeLimit: 110 * time.Second,
		}
	}
	gas, err := b.gasOf(ctx, buyers[0], submitMsg(buyers[0]))
	if err != nil {
		return err
	}
	per := make([][][]byte, len(buyers))
	for k := 0; k < n; k++ {
		i := k % len(buyers)
		tx, err := b.sign(buyers[i], gas, submitMsg(buyers[i]))
		if err != nil {
			return err
		}
		per[i] = append(per[i], tx)
	}
	r, err := b.phase(ctx, "submit job", per, timeout)
	if err != nil {
		return err
	}
	rows = append(rows, row{"MsgSubmitJob", r, gas})

	// 3. MsgPostResult: each provider posts for its assigned jobs.
	per = make([][][]byte, len(providers))
	var gasPost uint64
	for i, p := range providers {
		ids, err := b.assigned(ctx, p.addr.String())
		if err != nil {
			return err
		}
		for _, id := range ids {
			c := make([]byte, 32)
			c[31] = 7
			msg := &jobstypes.MsgPostResult{Provider: p.addr.String(), JobId: id, OutputCommitment: c, UnitsUsed: 1}
			if gasPost == 0 {
				if gasPost, err = b.gasOf(ctx, p, msg); err != nil {
					return err
				}
			}
			tx, err := b.sign(p, gasPost, msg)
			if err != nil {
				return err
			}
			per[i] = append(per[i], tx)
		}
	}
	r, err = b.phase(ctx, "post result", per, timeout)
	if err != nil {
		return err
	}
	rows = append(rows, row{"MsgPostResult", r, gasPost})
	if err := bankPhase("last"); err != nil {
		return err
	}

	fmt.Println("| message | sent | committed | tx/s | ratio to bank send (mean of both) | node CPU per tx | gas per tx (limit) | fullest block (gas cap) | median block interval |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	base := (rows[0].r.tps() + rows[len(rows)-1].r.tps()) / 2
	for _, w := range rows {
		fmt.Printf("| %s | %d | %d | %.0f | %.2f | %.2f ms | %d | %d (%d) | %.2f s |\n", w.name, w.r.sent, w.r.committed, w.r.tps(), w.r.tps()/base,
			w.r.cpuPerTx()*1000, w.gas, w.r.fullest(), b.maxGas/int64(w.gas), w.r.interval().Seconds())
	}
	return nil
}

// gasOf simulates msg signed by a (at its current sequence) and adds 30%.
func (b *bench) gasOf(ctx context.Context, a *account, msg sdk.Msg) (uint64, error) {
	tx, err := b.build(a, 10_000_000, a.seq, msg)
	if err != nil {
		return 0, err
	}
	res, err := b.chain.Tx.Simulate(ctx, &txtypes.SimulateRequest{TxBytes: tx})
	if err != nil {
		return 0, fmt.Errorf("simulate %T: %w", msg, err)
	}
	return res.GasInfo.GasUsed * 13 / 10, nil
}

// sign builds and signs msg at the account's next sequence.
func (b *bench) sign(a *account, gas uint64, msg sdk.Msg) ([]byte, error) {
	tx, err := b.build(a, gas, a.seq, msg)
	if err != nil {
		return nil, err
	}
	a.seq++
	return tx, nil
}

func (b *bench) build(a *account, gas, seq uint64, msg sdk.Msg) ([]byte, error) {
	tb := b.txCfg.NewTxBuilder()
	if err := tb.SetMsgs(msg); err != nil {
		return nil, err
	}
	tb.SetGasLimit(gas)
	tb.SetFeeAmount(sdk.NewCoins(sdk.NewCoin(denom, math.NewIntFromUint64((gas+99)/100)))) // 0.01 uverd per gas, rounded up
	mode := signing.SignMode_SIGN_MODE_DIRECT
	empty := signing.SignatureV2{PubKey: a.priv.PubKey(), Data: &signing.SingleSignatureData{SignMode: mode}, Sequence: seq}
	if err := tb.SetSignatures(empty); err != nil {
		return nil, err
	}
	sig, err := clienttx.SignWithPrivKey(context.Background(), mode, authsigning.SignerData{
		ChainID: b.chainID, AccountNumber: a.number, Sequence: seq, PubKey: a.priv.PubKey(), Address: a.addr.String(),
	}, tb, a.priv, b.txCfg, seq)
	if err != nil {
		return nil, err
	}
	if err := tb.SetSignatures(sig); err != nil {
		return nil, err
	}
	return b.txCfg.TxEncoder()(tb.GetTx())
}

type phaseResult struct {
	sent, committed int
	span            time.Duration // block time from the block before the first to the last
	cpu             time.Duration // node CPU over the phase
	perBlock        []int         // committed txs of each block with any
	intervals       []time.Duration
}

// fullest is the largest block of the phase; interval the median time
// between its blocks.
func (r phaseResult) fullest() int {
	if len(r.perBlock) == 0 {
		return 0
	}
	return slices.Max(r.perBlock)
}

func (r phaseResult) interval() time.Duration {
	if len(r.intervals) == 0 {
		return 0
	}
	s := slices.Clone(r.intervals)
	slices.Sort(s)
	return s[len(s)/2]
}

func (r phaseResult) tps() float64 {
	if r.span <= 0 {
		return 0
	}
	return float64(r.committed) / r.span.Seconds()
}

func (r phaseResult) cpuPerTx() float64 {
	if r.committed == 0 {
		return 0
	}
	return r.cpu.Seconds() / float64(r.committed)
}

// phase broadcasts every account's transactions in order (accounts in
// parallel) and waits until the accepted ones are committed.
func (b *bench) phase(ctx context.Context, name string, per [][][]byte, timeout time.Duration) (phaseResult, error) {
	var r phaseResult
	deadline := time.Now().Add(timeout)
	h0, _, err := b.status()
	if err != nil {
		return r, err
	}
	cpu0, err := procCPU(b.pid)
	if err != nil {
		return r, err
	}
	var accepted, refused atomic.Int64
	var firstRefusal atomic.Value
	// Keep the mempool below b.mempoolHigh: with a full mempool a tx can
	// pass the app's CheckTx (its sequence taken in the check state) and
	// still be turned away, and the account's next txs then fail until the
	// next block resets the check state. Clients that pace themselves do
	// not lose transactions that way.
	var full atomic.Bool
	pacing, stopPacing := context.WithCancel(ctx)
	defer stopPacing()
	go func() {
		for pacing.Err() == nil {
			if n, err := b.mempoolSize(); err == nil {
				full.Store(n >= b.mempoolHigh)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	work := make(chan [][]byte)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for txs := range work {
				for _, tx := range txs {
					for full.Load() && time.Now().Before(deadline) {
						time.Sleep(20 * time.Millisecond)
					}
					for {
						code, log, err := b.broadcast(tx)
						if err == nil && code == 0 {
							accepted.Add(1)
							break
						}
						if time.Now().After(deadline) {
							refused.Add(1)
							break
						}
						if err != nil || strings.Contains(log, "mempool is full") {
							time.Sleep(50 * time.Millisecond)
							continue
						}
						refused.Add(1)
						firstRefusal.CompareAndSwap(nil, log)
						break
					}
				}
			}
		}()
	}
	for _, txs := range per {
		r.sent += len(txs)
		work <- txs
	}
	close(work)
	wg.Wait()
	if refused.Load() > 0 {
		fmt.Fprintf(os.Stderr, "%s: %d refused by CheckTx, first: %v\n", name, refused.Load(), firstRefusal.Load())
	}
	// Count committed transactions block by block.
	want := int(accepted.Load())
	h := h0
	var first, last time.Time
	for r.committed < want {
		if time.Now().After(deadline) {
			return r, fmt.Errorf("%s: %d of %d committed within %s", name, r.committed, want, timeout)
		}
		top, _, err := b.status()
		if err != nil {
			return r, err
		}
		for h < top {
			h++
			ntx, t, err := b.block(h)
			if err != nil {
				return r, err
			}
			if h == h0+1 {
				_, first, err = b.block(h0)
				if err != nil {
					return r, err
				}
			}
			r.committed += ntx
			if ntx > 0 {
				if !last.IsZero() {
					r.intervals = append(r.intervals, t.Sub(last))
				}
				last = t
				r.perBlock = append(r.perBlock, ntx)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	cpu1, err := procCPU(b.pid)
	if err != nil {
		return r, err
	}
	r.span, r.cpu = last.Sub(first), cpu1-cpu0
	fmt.Fprintf(os.Stderr, "%s: %d sent, %d accepted, %d committed in blocks %d..%d\n", name, r.sent, want, r.committed, h0+1, h)
	return r, nil
}

func (b *bench) rpcCall(path string, v any) error {
	res, err := b.http.Get(b.rpc + path)
	if err != nil {
		return err
	}
	defer func() { _ = res.Body.Close() }()
	var env struct {
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil {
		return err
	}
	if len(env.Result) == 0 {
		return fmt.Errorf("rpc %s: %s", path, env.Error)
	}
	return json.Unmarshal(env.Result, v)
}

func (b *bench) status() (int64, time.Time, error) {
	var st struct {
		SyncInfo struct {
			Height string    `json:"latest_block_height"`
			Time   time.Time `json:"latest_block_time"`
		} `json:"sync_info"`
	}
	if err := b.rpcCall("/status", &st); err != nil {
		return 0, time.Time{}, err
	}
	h, err := strconv.ParseInt(st.SyncInfo.Height, 10, 64)
	return h, st.SyncInfo.Time, err
}

// block returns a block's transaction count and time.
func (b *bench) block(h int64) (int, time.Time, error) {
	var res struct {
		BlockMetas []struct {
			NumTxs string `json:"num_txs"`
			Header struct {
				Time time.Time `json:"time"`
			} `json:"header"`
		} `json:"block_metas"`
	}
	if err := b.rpcCall(fmt.Sprintf("/blockchain?minHeight=%d&maxHeight=%d", h, h), &res); err != nil {
		return 0, time.Time{}, err
	}
	if len(res.BlockMetas) != 1 {
		return 0, time.Time{}, fmt.Errorf("block %d not found", h)
	}
	n, err := strconv.Atoi(res.BlockMetas[0].NumTxs)
	return n, res.BlockMetas[0].Header.Time, err
}

// mempoolSize is the node's count of unconfirmed transactions.
func (b *bench) mempoolSize() (int, error) {
	var r struct {
		N string `json:"n_txs"`
	}
	if err := b.rpcCall("/num_unconfirmed_txs?limit=1", &r); err != nil {
		return 0, err
	}
	return strconv.Atoi(r.N)
}

func (b *bench) broadcast(tx []byte) (uint32, string, error) {
	body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"broadcast_tx_sync","params":{"tx":%q}}`, base64.StdEncoding.EncodeToString(tx))
	res, err := b.http.Post(b.rpc, "application/json", bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = res.Body.Close() }()
	var env struct {
		Result *struct {
			Code uint32 `json:"code"`
			Log  string `json:"log"`
		} `json:"result"`
		Error *struct {
			Data string `json:"data"`
		} `json:"error"`
	}
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil {
		return 0, "", err
	}
	if env.Result == nil {
		msg := "rpc error"
		if env.Error != nil {
			msg = env.Error.Data
		}
		return 1, msg, nil
	}
	return env.Result.Code, env.Result.Log, nil
}

// assigned lists a provider's ASSIGNED jobs.
func (b *bench) assigned(ctx context.Context, provider string) ([]uint64, error) {
	var ids []uint64
	var key []byte
	for {
		req := &jobstypes.QueryJobsRequest{Provider: provider, Status: jobstypes.JobStatus_JOB_STATUS_ASSIGNED, Pagination: &query.PageRequest{Key: key, Limit: 500}}
		res, err := b.chain.Jobs.Jobs(ctx, req)
		// A latest-height query that races the node's commit has once read
		// an index entry and then not found its job (IAVL's fast-node read of
		// the latest version); the same query a moment later is whole.
		for try := 0; err != nil && try < 3; try++ {
			time.Sleep(300 * time.Millisecond)
			res, err = b.chain.Jobs.Jobs(ctx, req)
		}
		if err != nil {
			return nil, err
		}
		for _, j := range res.Jobs {
			ids = append(ids, j.Id)
		}
		if res.Pagination == nil || len(res.Pagination.NextKey) == 0 {
			return ids, nil
		}
		key = res.Pagination.NextKey
	}
}

// procCPU is a process's user + system CPU time (Linux /proc; clock ticks
// of 10 ms).
func procCPU(pid int) (time.Duration, error) {
	bz, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(bz)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc stat")
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}
