package keeper_test

import (
	"time"

	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"

	"github.com/verdict-chain/verdict/x/jobs/keeper"
	"github.com/verdict-chain/verdict/x/jobs/types"
)

// r3block makes the next block d later: BeginBlock (the halt clock), then
// EndBlock.
func (s *KeeperSuite) r3block(d time.Duration) {
	s.ctx = s.ctx.WithBlockTime(s.ctx.BlockTime().Add(d)).WithBlockHeight(s.ctx.BlockHeight() + 1)
	s.Require().NoError(s.k.BeginBlocker(s.ctx))
	s.Require().NoError(s.k.EndBlocker(s.ctx))
}

// FIXED (was an attack with a 4× pace factor and halts entering the pace
// at twice their threshold; honest but unlucky): the network is slow, 20 s blocks — live,
// and under max_block_gap, so the old rule treated them right. The pace
// reaches ~20 s and the threshold ~79 s. A one-minute job is assigned in
// the block before a real 75 s halt: the halt is not credited, the job
// expires in the first block after it, the honest provider's result is
// refused and x/slashing-sla grades it as nothing delivered (up to 2× the
// payment). The old rule credited the halt.
func (s *KeeperSuite) TestReview3SlowBlocksThenHaltExpireAnHonestJob() {
	s.register(s.prov1, 100)
	s.r3block(5 * time.Second)
	for range 30 {
		s.r3block(20 * time.Second)
	}
	res := s.submit() // a one-minute time limit
	s.ctx = s.ctx.WithBlockTime(s.ctx.BlockTime().Add(75 * time.Second)).WithBlockHeight(s.ctx.BlockHeight() + 1)
	s.Require().NoError(s.k.BeginBlocker(s.ctx))
	credit, err := s.k.HaltCredit(s.ctx)
	s.Require().NoError(err)
	s.NoError(s.post(s.prov1, res.JobId, 1000), "the result in the first block after a 75 s halt (credited %s)", credit)
	s.Require().NoError(s.k.EndBlocker(s.ctx))
	s.NotEqual(types.JobStatus_JOB_STATUS_EXPIRED, s.job(res.JobId).Status, "expired by a halt")
}

// FIXED (was an attack with the first pace rule; honest but unlucky): an upgrade halt (2 h, credited) lifted the
// threshold to 47.5 s; the restarted chain stutters — a 45 s gap (not
// credited, the pace rises to ~16 s, threshold ~64 s), then a 63 s gap.
// A one-minute job assigned between them expires in the 63 s gap; the old
// rule credited both gaps.
func (s *KeeperSuite) TestReview3UpgradeStutterExpiresAnHonestJob() {
	s.register(s.prov1, 100)
	for range 50 {
		s.r3block(5 * time.Second)
	}
	s.r3block(2 * time.Hour)
	s.r3block(45 * time.Second)
	res := s.submit()
	s.ctx = s.ctx.WithBlockTime(s.ctx.BlockTime().Add(63 * time.Second)).WithBlockHeight(s.ctx.BlockHeight() + 1)
	s.Require().NoError(s.k.BeginBlocker(s.ctx))
	credit, err := s.k.HaltCredit(s.ctx)
	s.Require().NoError(err)
	s.NoError(s.post(s.prov1, res.JobId, 1000), "the result in the first block after a 63 s stall (credit %s: only the upgrade)", credit)
	s.Require().NoError(s.k.EndBlocker(s.ctx))
	s.NotEqual(types.JobStatus_JOB_STATUS_EXPIRED, s.job(res.JobId).Status)
}

// FIXED (was an attack, pre-existing; a provider that never
// delivers, on a chain restarted from `verdictd export`): the export keeps
// the original genesis_time and CometBFT stamps the restarted chain's first
// block with it. The clock moves its last block back to that time and the
// second block credits the chain's whole age (here a year): the assigned
// job's deadline moves a year, the buyer's escrow is locked a year and the
// provider's non-delivery is never graded. Now x/jobs' genesis refuses a
// genesis_time before the exported chain's last block (and the clock never
// runs backwards besides).
func (s *KeeperSuite) TestReview3RestartWithOriginalGenesisTimeFreezesJobs() {
	s.register(s.prov1, 100)
	for range 10 {
		s.r3block(5 * time.Second)
	}
	res := s.submit()
	deadline := s.job(res.JobId).Deadline
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	exportedAt := s.ctx.BlockTime()

	key := storetypes.NewKVStoreKey(types.StoreKey)
	genesisTime := t0.Add(-365 * 24 * time.Hour) // the chain's original genesis_time
	ctx2 := testutil.DefaultContextWithDB(s.T(), key, storetypes.NewTransientStoreKey("t2")).Ctx.WithBlockTime(genesisTime).WithBlockHeight(s.ctx.BlockHeight() + 1)
	ac := s.k.AddressCodec()
	k2 := keeper.NewKeeper(s.cdc, runtime.NewKVStoreService(key), ac, s.authority, fakeAccounts{}, s.bank, fakeDistr{Bank: s.bank})
	s.Require().ErrorIs(k2.InitGenesis(ctx2, *gs), types.ErrInvalidGenesis, "genesis_time a year before the export")
	ctx2 = ctx2.WithBlockTime(exportedAt.Add(10 * time.Minute)) // the restart time, as an operator must set it
	s.Require().NoError(k2.InitGenesis(ctx2, *gs))
	s.Require().NoError(k2.BeginBlocker(ctx2)) // first block: genesis time
	s.Require().NoError(k2.EndBlocker(ctx2))
	ctx2 = ctx2.WithBlockTime(exportedAt.Add(10 * time.Minute)).WithBlockHeight(ctx2.BlockHeight() + 1)
	s.Require().NoError(k2.BeginBlocker(ctx2)) // second block: real time
	s.Require().NoError(k2.EndBlocker(ctx2))
	credit, err := k2.HaltCredit(ctx2)
	s.Require().NoError(err)
	s.LessOrEqual(credit, 10*time.Minute, "a 10-minute restart credited %s", credit)
	// the provider never delivers: its deadline should come within minutes
	for range 30 {
		ctx2 = ctx2.WithBlockTime(ctx2.BlockTime().Add(5 * time.Second)).WithBlockHeight(ctx2.BlockHeight() + 1)
		s.Require().NoError(k2.BeginBlocker(ctx2))
		s.Require().NoError(k2.EndBlocker(ctx2))
	}
	j, err := k2.GetJob(ctx2, res.JobId)
	s.Require().NoError(err)
	s.Equal(types.JobStatus_JOB_STATUS_EXPIRED, j.Status, "deadline %s now stands at %s", deadline, j.Deadline)
	s.Require().NoError(k2.CheckAccounting(ctx2))
	s.k, s.ctx = k2, ctx2 // the restarted keeper holds the shared bank's coins now (TearDown checks it)
}
