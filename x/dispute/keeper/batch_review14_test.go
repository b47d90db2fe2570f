package keeper_test

// Attacker review 14 of the batch path (a reviewer that did not write it,
// briefed with the economic-safety rules and the diff): each test is a
// strategy that worked before its fix and now loses.

import (
	"context"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/dispute/keeper"
	"github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// r14tx runs fn as one transaction: its store writes and the fake bank's
// moves are kept only if it returns nil (the fake bank is a Go map that a
// cache context does not roll back).
func (s *Suite) r14tx(fn func(ctx context.Context) error) error {
	snap := map[string]sdk.Coins{}
	for a, c := range s.bank.Balances {
		snap[a] = append(sdk.Coins{}, c...)
	}
	cache, write := s.ctx.CacheContext()
	if err := fn(cache); err != nil {
		s.bank.Balances = snap
		return err
	}
	write()
	return nil
}

// STRATEGY (provider + sybil, a postponed audit retried inside the
// provider's own transaction): audits at 100%; the provider computes 4 of
// 8 items. Its sybil challenges honest item 0 in the block of the result.
// The audit used to be drawn then and deferred, and opened INSIDE the
// provider's proof of item 0 with its item drawn there: one atomic
// transaction [proof of item 0, proof of the audit for honest item g],
// sent every block for every g, failed at no cost until the draw fell on
// an honest item (it escaped in 2 blocks, +93,000,000 uverd for the pair).
// Now the lottery is postponed undrawn and runs at the end of the block the
// window resumes in: the combined transaction never passes, and the audit
// that opens names the item that block's hash draws.
func (s *Suite) TestReview14PostponedAuditCannotBeRetriedInsideATx() {
	s.r13audits(types.MaxPpm)
	const n, u = 8, 1_000_000
	honest := []uint64{0, 1, 2, 3}
	b := s.r12Batch("r14-retry", n, u, func(uint64) map[int]bool { return map[int]bool{4: true, 5: true, 6: true, 7: true} })
	_, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.stranger.String(), JobId: b.id, Item: 0})
	s.Require().NoError(err)
	s.endBlock()
	postponed, err := s.k.DeferredAudits.Has(s.ctx, b.id)
	s.Require().NoError(err)
	s.Require().True(postponed, "the lottery is postponed while item 0 is disputed")

	proofs := map[uint64][]byte{}
	for _, g := range honest {
		proofs[g] = s.kit.ProveItem(s.T(), b.items[g], b.id, g)
	}
	proveItem0 := func(ctx context.Context) error {
		m := s.evidence(b, 0)
		m.Submitter, m.Claim, m.Proof = s.prov.String(), types.Claim_CLAIM_PROVIDER, proofs[0]
		_, err := s.msg.SubmitProof(ctx, m)
		return err
	}
	for range 10 {
		s.setBlock(s.ctx.BlockTime().Add(5*time.Second), s.ctx.BlockHeight()+1)
		for _, g := range honest {
			err := s.r14tx(func(cache context.Context) error {
				if err := proveItem0(cache); err != nil {
					return err
				}
				m := s.evidence(b, g)
				m.Submitter, m.Claim, m.Proof = s.prov.String(), types.Claim_CLAIM_PROVIDER, proofs[g]
				_, err := s.msg.SubmitProof(cache, m)
				return err
			})
			s.Require().Error(err, "no audit is open inside the transaction that resumes the window")
		}
		s.endBlock()
	}
	// the provider proves item 0 alone: nothing is audited inside its transaction
	s.setBlock(s.ctx.BlockTime().Add(5*time.Second), s.ctx.BlockHeight()+1)
	s.Require().NoError(proveItem0(s.ctx))
	s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(b.id).Status, "the window resumed; no audit yet")
	pending, err := s.k.PendingAudits.Has(s.ctx, b.id)
	s.Require().NoError(err)
	s.True(pending, "the postponed lottery runs at the end of this block")
	postponed, err = s.k.DeferredAudits.Has(s.ctx, b.id)
	s.Require().NoError(err)
	s.False(postponed)
	hi := s.ctx.HeaderInfo()
	want := keeper.AuditItem(hi.Hash, hi.Height, s.job(b.id))
	s.endBlock()
	d := s.dispute(b.id)
	s.Equal(types.DisputeKind_DISPUTE_KIND_AUDIT, d.Kind, "audited at 100%%")
	s.Equal(want, d.Item, "the item the block's hash drew, not one the provider chose")
}

// The postponement reveals nothing: it happens whether or not the lottery
// would have drawn the job (here audits are off), so neither the provider
// nor its challenger learns, while the item dispute is open, that an audit
// waits.
func (s *Suite) TestReview14PostponementRevealsNoDraw() {
	s.r13audits(0)
	b := s.r12Batch("r14-reveal", 4, 1_000_000, func(uint64) map[int]bool { return nil })
	_, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.stranger.String(), JobId: b.id, Item: 1})
	s.Require().NoError(err)
	s.endBlock()
	postponed, err := s.k.DeferredAudits.Has(s.ctx, b.id)
	s.Require().NoError(err)
	s.True(postponed, "postponed at a zero audit rate too")
	m := s.evidence(b, 1)
	m.Submitter, m.Claim, m.Proof = s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[1], b.id, 1)
	_, err = s.msg.SubmitProof(s.ctx, m)
	s.Require().NoError(err)
	s.endBlock()
	s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(b.id).Status, "drawn at rate 0: not audited")
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, s.dispute(b.id).Status)
}

// STRATEGY (governance sets challenge_window above a year): an item
// dispute records window_left up to the window, and the window resumes only
// within MaxChallengeWindow, so an honest provider's proof of a right item
// was refused and it was slashed. Now such a window is refused; at the
// bound the proof is accepted.
func (s *Suite) TestReview14ChallengeWindowBoundedSoEveryItemProofResumes() {
	jp := s.jobsParams()
	jp.ChallengeWindow = jobstypes.MaxChallengeWindow + time.Hour
	jp.UnbondingPeriod = jp.MaxJobDuration + jp.ChallengeWindow + time.Hour
	_, err := s.jobsMsg.UpdateParams(s.ctx, &jobstypes.MsgUpdateParams{Authority: s.authority, Params: jp})
	s.Require().ErrorIs(err, jobstypes.ErrInvalidParams)

	jp.ChallengeWindow = jobstypes.MaxChallengeWindow
	jp.UnbondingPeriod = jp.MaxJobDuration + jp.ChallengeWindow + time.Hour
	s.setJobsParams(jp)
	b := s.postBatch("r14-long-window", 4)
	s.endBlock()
	bond0 := s.providerBond()
	_, err = s.challengeItem(b.id, 1, nil)
	s.Require().NoError(err)
	m := s.evidence(b, 1)
	m.Submitter, m.Claim, m.Proof = s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[1], b.id, 1)
	_, err = s.msg.SubmitProof(s.ctx, m)
	s.Require().NoError(err, "the honest provider's proof of item 1 resumes the year-long window")
	s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(b.id).Status)
	s.Equal(bond0, s.providerBond())
}

// STRATEGY (a hand-made genesis): a deferred audit of a single-input job
// was imported; the single job's proof never reads the set, so the entry
// outlived its dispute and the chain's own next export failed to validate.
// Now such a genesis is refused.
func (s *Suite) TestReview14GenesisRefusesDeferredAuditOfSingleJob() {
	id, _ := s.jobWithResult("r14-single-deferred", false)
	s.challenge(id, nil)
	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	gs.DeferredAudits = []uint64{id}
	s.Require().NoError(gs.Validate(s.ac), "stateless validation cannot see the job's kind")
	s.Require().ErrorIs(s.r10reimport(*jobsGS, *gs), types.ErrInvalidGenesis)
}
