package keeper_test

import (
	"time"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"

	"github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// r4restart exports both modules, imports them into fresh stores and makes
// the restarted chain's first block carry genesisTime (CometBFT stamps the
// block at InitialHeight with genesis_time, which `verdictd export` keeps).
func (s *Suite) r4restart(genesisTime time.Time) error {
	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().NoError(jobsGS.Validate(s.ac))
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	h := s.ctx.BlockHeight()
	s.keys = storetypes.NewKVStoreKeys(jobstypes.StoreKey, types.StoreKey)
	s.ctx = testutilCtx(s.keys)
	s.setBlock(genesisTime, h+1)
	s.newKeepers()
	if err := s.jobs.InitGenesis(s.ctx, *jobsGS); err != nil {
		return err
	}
	s.Require().NoError(s.k.InitGenesis(s.ctx, *gs))
	s.Require().NoError(s.jobs.BeginBlocker(s.ctx))
	return nil
}

// FIXED (was an attack by any challenger, no stake; a chain restarted from
// `verdictd export` with its original genesis_time): the restarted chain's
// first block ran at genesis_time, a year before the export, so a
// challenge landing in it got a proof deadline a year in the past and the
// honest provider's proof in block 2 was refused (slashed 100×). x/jobs'
// genesis now refuses that genesis_time; restarted at the restart time,
// the challenge in block 1 gets its whole proof window.
func (s *Suite) TestReview4RestartFirstBlockSlashesAnHonestProvider() {
	for range 5 {
		s.r3tick(5 * time.Second)
	}
	id, kj := s.jobWithResult("restart-honest", false)
	s.endBlock()
	s.r3tick(5 * time.Second)
	exportedAt := s.ctx.BlockTime()

	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().ErrorIs(s.jobs.InitGenesis(s.ctx.WithBlockTime(t0.Add(-365*24*time.Hour)), *jobsGS), jobstypes.ErrInvalidGenesis,
		"a genesis_time a year before the export (refused before anything is written)")
	restart := exportedAt.Add(10 * time.Minute)
	s.Require().NoError(s.r4restart(restart)) // block 1 of the restarted chain
	d := s.challenge(id, nil)
	s.endBlock()
	bond0 := s.providerBond()

	s.setBlock(restart.Add(5*time.Second), s.ctx.BlockHeight()+1) // block 2
	s.Require().NoError(s.jobs.BeginBlocker(s.ctx))
	_, err = s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.NoError(err, "the honest proof in the first block it could be sent (deadline %s)", d.ProofDeadline)
	s.endBlock()
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, s.dispute(id).Status)
	s.Equal(bond0, s.providerBond(), "an honest provider slashed")
}
