package keeper_test

// Attacker review 16 of the dispute seam (window_left, the postponed
// lottery), by a reviewer that did not write it: the strategy that worked,
// now refused.

import (
	"github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// STRATEGY (genesis without window_left: an export written before the
// field existed, or a hand-made file): an OPEN challenge of one item of a
// batch carries window_left 0. x/dispute's genesis accepts it (Validate
// allows 0..MaxChallengeWindow, InitGenesis never looks), though the chain
// never records 0 for an open dispute (MarkDisputed requires now <
// window_end). The provider's sybil challenged honest item 0 in the block
// of the result; after the import the provider proves item 0, ResumeWindow
// gets left = 0, the window ends in that very block and the next
// EndBlocker pays the batch with 3 of 4 items wrong: the watcher that
// holds a counter for item 1 is refused ("window ended"), the buyer pays in
// full for a wrong batch and the provider keeps its bond.
//
// Refused: InitGenesis (which has the job) refuses an OPEN dispute of a
// batch job with window_left <= 0.
func (s *Suite) TestReview16GenesisOpenBatchDisputeWithoutWindowLeft() {
	s.r13audits(0)
	const n, u = 4, 1_000_000
	b := s.r12Batch("r16-gen-left", n, u, func(uint64) map[int]bool { return allBut(n, 0) })
	_, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.stranger.String(), JobId: b.id, Item: 0})
	s.Require().NoError(err)
	s.endBlock()
	s.Require().Positive(s.dispute(b.id).WindowLeft, "the chain records a positive window_left")

	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	bad := *gs
	bad.Disputes = append([]types.Dispute(nil), gs.Disputes...)
	for i := range bad.Disputes {
		if bad.Disputes[i].JobId == b.id {
			bad.Disputes[i].WindowLeft = 0 // as written before the field existed
		}
	}
	s.Require().ErrorIs(s.r10reimport(*jobsGS, bad), types.ErrInvalidGenesis)
	// the chain's own export imports, and the honest item's proof resumes the window
	s.Require().NoError(s.r10reimport(*jobsGS, *gs))
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[0], b.id, 0), s.evidence(b, 0))
	s.Require().NoError(err)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(b.id).Status, "the window runs again: item 1 can still be challenged")
}
