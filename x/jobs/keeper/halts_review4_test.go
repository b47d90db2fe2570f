package keeper_test

import (
	"time"

	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"

	"github.com/verdict-chain/verdict/x/jobs/keeper"
	"github.com/verdict-chain/verdict/x/jobs/types"
)

// r4restart exports the module and imports it into a fresh store whose
// first block carries genesisTime (CometBFT stamps the block at
// InitialHeight with genesis_time, which `verdictd export` keeps).
func (s *KeeperSuite) r4restart(genesisTime time.Time) error {
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	ac := s.k.AddressCodec()
	s.Require().NoError(gs.Validate(ac))
	key := storetypes.NewKVStoreKey(types.StoreKey)
	s.ctx = testutil.DefaultContextWithDB(s.T(), key, storetypes.NewTransientStoreKey("t4")).Ctx.
		WithBlockTime(genesisTime).WithBlockHeight(s.ctx.BlockHeight() + 1)
	s.k = keeper.NewKeeper(s.cdc, runtime.NewKVStoreService(key), ac, s.authority, fakeAccounts{}, s.bank, fakeDistr{Bank: s.bank})
	s.k.SetHooks(s.hooks)
	s.msg = keeper.NewMsgServerImpl(s.k)
	if err := s.k.InitGenesis(s.ctx, *gs); err != nil {
		return err
	}
	s.Require().NoError(s.k.BeginBlocker(s.ctx))
	return nil
}

// FIXED (was an attack, no stake; a chain restarted from `verdictd export`
// with its original genesis_time): the restarted chain's first block
// carries genesis_time, so every time set in it (a challenge window, a job
// deadline) was a year stale and the second block credited only the
// restart: a lazy provider's result posted in block 1 was FINALIZED (paid)
// in block 2 with no live time to challenge it, and an honest buyer's
// one-minute job expired before its provider could post. x/jobs' genesis
// now refuses a genesis_time before the exported chain's last block; with
// the restart time as genesis_time both jobs keep their whole windows.
func (s *KeeperSuite) TestReview4RestartFirstBlockRunsAYearInThePast() {
	s.register(s.prov1, 100)
	for range 10 {
		s.r3block(5 * time.Second)
	}
	msg := s.submitMsg()
	msg.TimeLimit = time.Hour
	lazy, err := s.msg.SubmitJob(s.ctx, msg)
	s.Require().NoError(err)
	s.r3block(5 * time.Second)
	exportedAt := s.ctx.BlockTime()
	k0, ctx0 := s.k, s.ctx

	err = s.r4restart(t0.Add(-365 * 24 * time.Hour))
	s.Require().ErrorIs(err, types.ErrInvalidGenesis, "a genesis_time a year before the export")
	s.k, s.ctx = k0, ctx0 // the refused import left the original keeper in charge

	restart := exportedAt.Add(10 * time.Minute)
	s.Require().NoError(s.r4restart(restart)) // block 1 at the restart time
	s.Require().NoError(s.post(s.prov1, lazy.JobId, 1000))
	honest := s.submit()
	s.Require().NoError(s.k.EndBlocker(s.ctx))

	s.ctx = s.ctx.WithBlockTime(restart.Add(5 * time.Second)).WithBlockHeight(s.ctx.BlockHeight() + 1) // block 2
	s.Require().NoError(s.k.BeginBlocker(s.ctx))
	postErr := s.post(s.prov1, honest.JobId, 1000)
	s.Require().NoError(s.k.EndBlocker(s.ctx))
	s.NoError(postErr, "the honest provider's result in the first block it could send it")
	s.NotEqual(types.JobStatus_JOB_STATUS_EXPIRED, s.job(honest.JobId).Status)
	s.Equal(types.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(lazy.JobId).Status,
		"a result posted 5 s of live time ago settled: its 1 h challenge window ended at %s", s.job(lazy.JobId).WindowEnd)
	s.Equal(restart.Add(time.Hour), s.job(lazy.JobId).WindowEnd, "the whole window from the first block")
}
