package keeper_test

// Attacker review 15 of the postponed batch audit lottery (review 14 fix),
// by a reviewer that did not write it: every test asserts the SAFE
// behaviour; the two genesis gaps it found are fixed.

import (
	"time"

	"github.com/verdict-chain/verdict/x/dispute/keeper"
	"github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

func (s *Suite) r15pending(id uint64) bool {
	ok, err := s.k.PendingAudits.Has(s.ctx, id)
	s.Require().NoError(err)
	return ok
}

func (s *Suite) r15deferred(id uint64) bool {
	ok, err := s.k.DeferredAudits.Has(s.ctx, id)
	s.Require().NoError(err)
	return ok
}

// STRATEGY (provider + sybil, re-defer in the resume block): audits at
// 100%; 7 of 8 items filled. The sybil challenges honest item 0 in the block
// of the result; then, block after block, the provider proves item 0 and
// the sybil re-challenges it in the SAME block, after the proof, so the job
// is disputed again when the resumed lottery is due. Refused: each such
// block re-postpones the lottery (nothing drawn, nothing lost), the pair
// pays half a bond per round, and the block in which the provider finally
// lets the window run draws exactly one audit with that block's hash.
func (s *Suite) TestReview15RedeferInResumeBlockRefused() {
	s.r13audits(types.MaxPpm)
	const n, u = 8, 1_000_000
	b := s.r12Batch("r15-redefer", n, u, func(uint64) map[int]bool { return allBut(n, 0) })
	pair0 := s.bal(s.prov) + s.bal(s.stranger)
	_, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.stranger.String(), JobId: b.id, Item: 0})
	s.Require().NoError(err)
	s.endBlock()
	s.True(s.r15deferred(b.id))
	proof0 := s.kit.ProveItem(s.T(), b.items[0], b.id, 0)
	audits := 0
	for round := range 4 {
		s.setBlock(s.ctx.BlockTime().Add(5*time.Second), s.ctx.BlockHeight()+1)
		_, err := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, proof0, s.evidence(b, 0))
		s.Require().NoError(err, "round %d", round)
		s.True(s.r15pending(b.id))
		_, err = s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.stranger.String(), JobId: b.id, Item: 0})
		s.Require().NoError(err, "round %d: re-challenge in the resume block", round)
		s.endBlock()
		s.False(s.r15pending(b.id))
		s.True(s.r15deferred(b.id), "round %d: re-postponed", round)
		s.Equal(types.DisputeKind_DISPUTE_KIND_CHALLENGE, s.dispute(b.id).Kind)
	}
	s.setBlock(s.ctx.BlockTime().Add(5*time.Second), s.ctx.BlockHeight()+1)
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, proof0, s.evidence(b, 0))
	s.Require().NoError(err)
	hi := s.ctx.HeaderInfo()
	want := keeper.AuditItem(hi.Hash, hi.Height, s.job(b.id))
	s.endBlock()
	d := s.dispute(b.id)
	s.Require().Equal(types.DisputeKind_DISPUTE_KIND_AUDIT, d.Kind, "drawn once the window resumed undisputed")
	s.Equal(want, d.Item)
	audits++
	s.False(s.r15deferred(b.id))
	s.False(s.r15pending(b.id))
	// the drawn item: prove it if honest, else let it lapse
	if d.Item == 0 {
		_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, proof0, s.evidence(b, 0))
		s.Require().NoError(err)
	}
	for st := s.job(b.id).Status; st == jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED || st == jobstypes.JobStatus_JOB_STATUS_DISPUTED; st = s.job(b.id).Status {
		s.advance(10 * time.Minute)
		if dd := s.dispute(b.id); dd.Kind == types.DisputeKind_DISPUTE_KIND_AUDIT && dd.OpenedAt.After(d.OpenedAt) {
			audits++
		}
	}
	s.Equal(1, audits, "one lottery, one audit")
	s.False(s.r15deferred(b.id))
	pair := s.bal(s.prov) + s.bal(s.stranger) - pair0
	s.T().Logf("item drawn %d, job %s, provider+sybil net %+d uverd", d.Item, s.job(b.id).Status, pair)
	if d.Item != 0 {
		s.Equal(jobstypes.JobStatus_JOB_STATUS_FAILED, s.job(b.id).Status)
		s.Negative(pair)
	}
}

// STRATEGY (export/import while the lottery is postponed): the deferred
// entry is exported and rebuilt; the provider's proof after the import puts
// the job back in the lottery. Refused: drawn at the end of that block.
func (s *Suite) TestReview15ExportImportWhilePostponedRefused() {
	s.r13audits(types.MaxPpm)
	b := s.r12Batch("r15-export", 4, 1_000_000, nil)
	_, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.stranger.String(), JobId: b.id, Item: 2})
	s.Require().NoError(err)
	s.endBlock()
	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Equal([]uint64{b.id}, gs.DeferredAudits)
	s.Require().NoError(s.r10reimport(*jobsGS, *gs))
	s.True(s.r15deferred(b.id))
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[2], b.id, 2), s.evidence(b, 2))
	s.Require().NoError(err)
	s.endBlock()
	s.Equal(types.DisputeKind_DISPUTE_KIND_AUDIT, s.dispute(b.id).Kind)
	s.False(s.r15deferred(b.id))
}

// STRATEGY (hand-made genesis, audited twice): a deferred lottery waiting
// on an open AUDIT dispute of a batch (a state the chain never produces:
// the lottery is postponed behind a challenge only) was accepted, and the
// audit's proof put the job back in the lottery: a second audit. Refused:
// a deferred lottery must wait on an open challenge.
func (s *Suite) TestReview15GenesisDeferredOnAuditRefused() {
	s.r13audits(types.MaxPpm)
	b := s.r12Batch("r15-twice", 4, 1_000_000, nil)
	s.endBlock()
	first := s.dispute(b.id)
	s.Require().Equal(types.DisputeKind_DISPUTE_KIND_AUDIT, first.Kind, "the ordinary lottery audited the result")
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	gs.DeferredAudits = []uint64{b.id}
	s.Require().ErrorIs(gs.Validate(s.ac), types.ErrInvalidGenesis)
}

// STRATEGY (hand-made or restarted genesis, honest provider slashed): x/jobs'
// genesis takes a RESULT_POSTED batch with any window_end; a challenge of an
// honest item recorded window_left past MaxChallengeWindow, the provider's
// correct proof was refused by ResumeWindow and the honest provider was
// fraud-slashed (and the chain's own export failed Validate). Refused:
// window_left is recorded at most MaxChallengeWindow; the proof resumes it.
func (s *Suite) TestReview15GenesisWindowBeyondCapRefused() {
	b := s.postBatch("r15-cap", 4)
	s.endBlock()
	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	far := s.ctx.BlockTime().Add(jobstypes.MaxChallengeWindow + 30*24*time.Hour)
	for i := range jobsGS.Jobs {
		if jobsGS.Jobs[i].Id == b.id {
			for k := range jobsGS.WindowQueue {
				if jobsGS.WindowQueue[k].JobId == b.id {
					jobsGS.WindowQueue[k].Time = far
				}
			}
			jobsGS.Jobs[i].WindowEnd = far
		}
	}
	s.Require().NoError(s.r10reimportJobs(*jobsGS), "x/jobs genesis takes a window past the cap")
	bond0 := s.providerBond()
	d, err := s.challengeItem(b.id, 1, nil)
	s.Require().NoError(err)
	s.Equal(jobstypes.MaxChallengeWindow, d.WindowLeft, "recorded at the cap")
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.NoError(gs.Validate(s.ac), "the chain's own export validates")
	m := s.evidence(b, 1)
	m.Submitter, m.Claim, m.Proof = s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[1], b.id, 1)
	_, err = s.msg.SubmitProof(s.ctx, m)
	s.Require().NoError(err, "the honest proof resumes the window")
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, s.dispute(b.id).Status)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(b.id).Status)
	s.Equal(bond0, s.providerBond())
}
