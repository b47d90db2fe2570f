package keeper_test

import (
	"fmt"
	"testing"
	"time"

	"cosmossdk.io/core/header"
	"cosmossdk.io/log/v2"
	"cosmossdk.io/math"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/cosmos-sdk/codec"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/store/v2"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/verdict-chain/verdict/testutil/fakes"
	"github.com/verdict-chain/verdict/testutil/keepertest"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/reputation/keeper"
	"github.com/verdict-chain/verdict/x/reputation/types"
)

type benchEnv struct {
	ctx   sdk.Context
	sched jobstypes.Scheduler
	job   jobstypes.Job
}

// newBenchEnv registers n providers (prices spread so the offer index is
// realistic, each with some reputation) on a real store.
func newBenchEnv(b *testing.B, n int) benchEnv {
	b.Helper()
	// A committed multistore, as a node has between blocks: iterators then
	// read the persisted index (an uncommitted IAVL tree re-sorts its
	// pending writes on every iterator, which is not what a chain does).
	keys := storetypes.NewKVStoreKeys(jobstypes.StoreKey, types.StoreKey)
	db := dbm.NewMemDB()
	cms := store.NewCommitMultiStore(db, log.NewNopLogger())
	for _, k := range keys {
		cms.MountStoreWithDB(k, storetypes.StoreTypeIAVL, nil)
	}
	if err := cms.LoadLatestVersion(); err != nil {
		b.Fatal(err)
	}
	ctx := sdk.NewContext(cms.CacheMultiStore(), cmtproto.Header{}, false, log.NewNopLogger()).
		WithBlockTime(t0).WithHeaderInfo(header.Info{Time: t0, Height: 1, Hash: []byte("h")})
	ac := addresscodec.NewBech32Codec(sdk.GetConfig().GetBech32AccountAddrPrefix())
	reg := codectypes.NewInterfaceRegistry()
	cdc := codec.NewProtoCodec(reg)
	bank := fakes.NewBank()
	gov := authtypes.NewModuleAddress("gov").String()
	jk, msg := keepertest.NewJobs(cdc, runtime.NewKVStoreService(keys[jobstypes.StoreKey]), ac, gov, bank)
	rk := keeper.NewKeeper(cdc, runtime.NewKVStoreService(keys[types.StoreKey]), ac, gov, jk)
	if err := jk.InitGenesis(ctx, *jobstypes.DefaultGenesis()); err != nil {
		b.Fatal(err)
	}
	if err := rk.InitGenesis(ctx, *types.DefaultGenesis()); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		op := sdk.AccAddress(fmt.Sprintf("p%019d", i))
		bank.Balances[op.String()] = sdk.NewCoins(sdk.NewInt64Coin(denom, 2_000_000_000))
		if _, err := msg.RegisterProvider(ctx, &jobstypes.MsgRegisterProvider{
			Operator: op.String(), Moniker: "p", Endpoint: "https://p.example",
			Classes: []jobstypes.WorkloadClass{inference},
			Prices:  []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: inference, PricePerUnit: sdk.NewInt64Coin(denom, int64(100+i%997))}},
			Bond:    sdk.NewInt64Coin(denom, 1_000_000_000),
		}); err != nil {
			b.Fatal(err)
		}
		if i%3 == 0 {
			if err := rk.RecordSLAViolation(ctx, op.String(), inference, uint32(i%1000)*1000, math.NewInt(1_000_000)); err != nil {
				b.Fatal(err)
			}
		}
	}
	ctx.MultiStore().(storetypes.CacheMultiStore).Write()
	cms.Commit()
	ctx = sdk.NewContext(cms.CacheMultiStore(), cmtproto.Header{}, false, log.NewNopLogger()).
		WithHeaderInfo(header.Info{Time: t0, Height: 2, Hash: []byte("h")})
	buyer := sdk.AccAddress("buyer_______________")
	job := jobstypes.Job{Id: 1, Buyer: buyer.String(), Class: inference, MaxPricePerUnit: sdk.NewInt64Coin(denom, 5000)}
	return benchEnv{ctx: ctx.WithBlockTime(t0.Add(time.Hour)), sched: rk.Scheduler(), job: job}
}

func (e benchEnv) assign(b *testing.B) {
	if op, err := e.sched.SelectProvider(e.ctx, e.job); err != nil || op == nil {
		b.Fatalf("no assignment: %v", err)
	}
}

// BenchmarkSchedulerScaling measures one assignment with 10, 100 and 10,000
// registered providers in the same run, interleaved, and reports the ratios
// to the 10-provider baseline. The scan reads at most max_candidates (64)
// offers, so the cost is bounded by min(n, 64) candidate reads.
func BenchmarkSchedulerScaling(b *testing.B) {
	sizes := []int{10, 100, 10_000}
	envs := make([]benchEnv, len(sizes))
	for i, n := range sizes {
		envs[i] = newBenchEnv(b, n)
	}
	spent := make([]time.Duration, len(sizes))
	b.ResetTimer()
	for range b.N {
		for i, e := range envs {
			start := time.Now()
			e.assign(b)
			spent[i] += time.Since(start)
		}
	}
	b.StopTimer()
	per := func(i int) float64 { return float64(spent[i].Nanoseconds()) / float64(b.N) }
	for i, n := range sizes {
		b.ReportMetric(per(i)/1000, fmt.Sprintf("µs/assign@%d", n))
	}
	b.ReportMetric(per(2)/per(0), "ratio_10000/10")
	b.ReportMetric(per(2)/per(1), "ratio_10000/100")
	// per candidate read: what remains of n is the store's O(log n) depth
	perCand := func(i int) float64 { return per(i) / float64(min(sizes[i], 64)) }
	b.ReportMetric(perCand(2)/perCand(0), "per-candidate_ratio_10000/10")
}
