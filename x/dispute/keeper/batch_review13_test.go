package keeper_test

// Attacker review 13 of the batch path (ResumeWindow, batch.CheckCircuit,
// the agents' batch path): every test here asserts the SAFE behaviour, so
// a test that fails is an attack that works.

import (
	"context"
	"time"

	"cosmossdk.io/math"

	"github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// r13audits sets the audit rate (ppm).
func (s *Suite) r13audits(ppm uint32) {
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.AuditRatePpm = ppm
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().NoError(err)
}

// r13pruneEntries lists the prune-queue entries of job id.
func (s *Suite) r13pruneEntries(id uint64) []time.Time {
	var out []time.Time
	s.Require().NoError(s.k.PruneQueue.Walk(s.ctx, func(due time.Time, key uint64) (bool, error) {
		if key == id {
			out = append(out, due)
		}
		return false, nil
	}))
	return out
}

// r13windowEntries lists the x/jobs window-queue entries of job id.
func (s *Suite) r13windowEntries(id uint64) []time.Time {
	gs, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	var out []time.Time
	for _, e := range gs.WindowQueue {
		if e.JobId == id {
			out = append(out, e.Time)
		}
	}
	return out
}

// STRATEGY 1 (provider + sybil, in the block of the result): audits at
// 100%. A provider computes 1 item of an 8-item batch and fills 7; in the
// SAME block as its result, a sybil challenges the one honest item. The
// audit lottery runs in that block's EndBlock and skips a job that is
// already disputed (audit(): "challenged ... moved on in this block"); the
// provider proves the honest item, the window resumes, and no audit is
// ever drawn again. Safe: a batch whose lottery was skipped because it
// was disputed is still drawn (at the resume, or the draw kept for it).
func (s *Suite) TestReview13SameBlockSybilChallengeSkipsTheAudit() {
	s.r13audits(types.MaxPpm) // every result is audited
	const n, u = 8, 1_000_000 // payment 100,000,000 uverd
	prov0, sybil0, buyer0 := s.bal(s.prov), s.bal(s.stranger), s.bal(s.buyer)
	b := s.r12Batch("r13-skip-audit", n, u, func(uint64) map[int]bool { return allBut(n, 0) })
	// same block as the post: the provider's sybil challenges item 0
	res, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.stranger.String(), JobId: b.id, Item: 0})
	s.Require().NoError(err)
	s.endBlock() // the block's audit lottery
	s.Equal(types.DisputeKind_DISPUTE_KIND_CHALLENGE, s.dispute(b.id).Kind, "the lottery found the job disputed")
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[0], b.id, 0), s.evidence(b, 0))
	s.Require().NoError(err)
	// FIXED: the audit the lottery drew while the item was disputed opens
	// as the window resumes (x/dispute DeferredAudits)
	audited := false
	if d, err := s.k.Disputes.Get(s.ctx, b.id); err == nil && d.Kind == types.DisputeKind_DISPUTE_KIND_AUDIT {
		audited = true
	}
	for range 60 { // three hours of 3-minute blocks: past the window and any proof deadline
		s.advance(3 * time.Minute)
		if d, err := s.k.Disputes.Get(s.ctx, b.id); err == nil && d.Kind == types.DisputeKind_DISPUTE_KIND_AUDIT {
			audited = true
		}
		if st := s.job(b.id).Status; st == jobstypes.JobStatus_JOB_STATUS_FINALIZED || st == jobstypes.JobStatus_JOB_STATUS_FAILED {
			break
		}
	}
	pair := (s.bal(s.prov) - prov0) + (s.bal(s.stranger) - sybil0)
	s.True(audited,
		"ATTACK: at a 100%% audit rate, a batch with %d of %d items wrong was never audited: its sybil challenged the honest item in the block of the result, the lottery skipped the disputed job and never ran again; job %s, buyer paid %d, provider+sybil net %+d uverd (sybil bond %d, half back to the provider)",
		n-1, n, s.job(b.id).Status, buyer0-s.bal(s.buyer), pair, res.Dispute.Bond.Amount.Int64())
}

// STRATEGY 2 (a halt while an item is disputed): the dispute pauses the
// window with L left; the chain halts for 2 h during the dispute (the proof
// deadline moves by the halt, as it should); the provider proves in the
// first block after. ResumeWindow reads the job's WindowEnd rebased by the
// halt (current()) against the dispute's OpenedAt, which the halt did not
// move. Safe: the resumed window is L (the window was not running during
// the dispute, so the halt took none of it).
func (s *Suite) TestReview13HaltDuringItemDisputeStretchesTheWindow() {
	s.r3tick(5 * time.Second)
	for range 20 {
		s.r3tick(5 * time.Second)
	}
	b := s.postBatch("r13-halt", 6)
	s.endBlock()
	for range 12 { // one minute into the window
		s.r3tick(5 * time.Second)
	}
	j := s.job(b.id)
	_, err := s.challengeItem(b.id, 2, nil)
	s.Require().NoError(err)
	left := j.WindowEnd.Sub(s.ctx.BlockTime())
	s.endBlock()
	s.r3tick(5 * time.Second)
	// a 2-hour halt: the first block after it
	s.setBlock(s.ctx.BlockTime().Add(2*time.Hour), s.ctx.BlockHeight()+1)
	s.Require().NoError(s.jobs.BeginBlocker(s.ctx))
	credit, err := s.jobs.HaltCredit(s.ctx)
	s.Require().NoError(err)
	s.Require().Positive(credit, "the halt is counted")
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[2], b.id, 2), s.evidence(b, 2))
	s.Require().NoError(err)
	s.endBlock()
	got := s.job(b.id).WindowEnd.Sub(s.ctx.BlockTime())
	s.Equal(left, got,
		"ATTACK (delay): the window left when the dispute opened was %s; after a %s halt during the dispute it resumed with %s (the halt counted as challenge time the window never ran)",
		left, credit, got)
}

// STRATEGY 3 (a dispute opened in the last block of the window): the
// provider proves after the original window end has passed. Safe: the
// result resumes with the ~1 s left, nobody can dispute it after that, it
// is paid exactly once and the queues hold one entry each.
func (s *Suite) TestReview13LastBlockDisputeFinalizesAtOnce() {
	b := s.postBatch("r13-last-block", 5)
	end := s.job(b.id).WindowEnd
	s.setBlock(end.Add(-time.Second), s.ctx.BlockHeight()+1)
	_, err := s.challengeItem(b.id, 4, nil)
	s.Require().NoError(err)
	s.endBlock()
	s.advance(20 * time.Minute) // well past the original window end
	s.Require().True(s.ctx.BlockTime().After(end))
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[4], b.id, 4), s.evidence(b, 4))
	s.Require().NoError(err)
	j := s.job(b.id)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, j.Status)
	s.Equal(time.Second, j.WindowEnd.Sub(s.ctx.BlockTime()), "the second left")
	s.Equal([]time.Time{j.WindowEnd}, s.r13windowEntries(b.id), "one window entry, at the resumed end")
	p0 := s.bal(s.prov)
	s.endBlock()
	s.setBlock(s.ctx.BlockTime().Add(2*time.Second), s.ctx.BlockHeight()+1)
	_, err = s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.stranger.String(), JobId: b.id, Item: 1})
	s.Require().ErrorIs(err, types.ErrNotDisputable, "the second ran out")
	s.endBlock()
	j = s.job(b.id)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FINALIZED, j.Status)
	s.Equal(j.Settlement.ProviderPayment.Amount.Int64(), s.bal(s.prov)-p0, "paid once")
	s.Empty(s.r13windowEntries(b.id))
	s.advance(2 * time.Hour)
	s.Equal(j.Settlement.ProviderPayment.Amount.Int64(), s.bal(s.prov)-p0, "and never again")
}

// STRATEGY 4 (griefer + genesis): a griefer (here the buyer) challenges an
// honest batch's items one after another, the provider proving each; the
// chain is exported and imported between two of them (a RESULT_POSTED
// batch with a resolved dispute record), then re-disputed. Safe: the
// window left never grows, each challenge costs the griefer its bond (half
// to the provider), the job is paid once, there is at most one prune entry
// for the job at any time, and when everything is pruned no dispute
// record, prune entry or proving backlog is left (finite state).
func (s *Suite) TestReview13RepeatedDisputesGenesisAndPrune() {
	b := s.postBatch("r13-repeat", 6)
	s.endBlock()
	s.advance(time.Minute)
	left0 := s.job(b.id).WindowEnd.Sub(s.ctx.BlockTime())
	buyer0, prov0 := s.bal(s.buyer), s.bal(s.prov)
	var bonds int64
	for i := range 5 {
		if i == 2 { // export and import with a resolved record and a RESULT_POSTED batch
			jobsGS, err := s.jobs.ExportGenesis(s.ctx)
			s.Require().NoError(err)
			s.Require().NoError(s.r10reimportJobs(*jobsGS))
			s.Len(s.r13pruneEntries(b.id), 1, "the resolved record's prune entry rebuilt")
			s.Require().NoError(s.k.CheckAccounting(s.ctx))
		}
		res, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.buyer.String(), JobId: b.id, Item: uint64(i)})
		s.Require().NoError(err, "challenge %d", i)
		bonds += res.Dispute.Bond.Amount.Int64()
		s.Empty(s.r13pruneEntries(b.id), "challenge %d: the resolved record's prune entry went with it", i)
		s.advance(30 * time.Second)
		_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[i], b.id, uint64(i)), s.evidence(b, uint64(i)))
		s.Require().NoError(err, "proof %d", i)
		s.Len(s.r13pruneEntries(b.id), 1, "proof %d", i)
		left := s.job(b.id).WindowEnd.Sub(s.ctx.BlockTime())
		s.LessOrEqual(left, left0, "proof %d: the window never grows", i)
		s.endBlock()
		s.Require().NoError(s.jobs.CheckIndexes(s.ctx))
		s.Require().NoError(s.k.CheckAccounting(s.ctx))
	}
	for s.job(b.id).Status == jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED {
		s.advance(10 * time.Minute)
	}
	j := s.job(b.id)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FINALIZED, j.Status)
	s.Equal(buyer0-bonds+j.Settlement.BuyerRefund.Amount.Int64(), s.bal(s.buyer), "the griefer lost every bond (its escrow was paid out, the unused part refunded once)")
	s.Equal(j.Settlement.ProviderPayment.Amount.Int64()+bonds/2, s.bal(s.prov)-prov0, "the provider paid once, plus half of each bond")
	dp, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	s.setBlock(s.ctx.BlockTime().Add(dp.Retention+time.Hour), s.ctx.BlockHeight()+1)
	s.endBlock()
	_, err = s.k.Disputes.Get(s.ctx, b.id)
	s.Require().Error(err, "the record is pruned")
	s.Empty(s.r13pruneEntries(b.id))
	has, err := s.k.ProvingBacklog.Has(s.ctx, s.prov)
	s.Require().NoError(err)
	s.False(has, "no proving backlog left")
	var dead int
	s.Require().NoError(s.k.PruneQueue.WalkDeadLetters(s.ctx, func(time.Time, uint64) (bool, error) { dead++; return false, nil }))
	s.Require().NoError(s.k.DeadlineQueue.WalkDeadLetters(s.ctx, func(time.Time, uint64) (bool, error) { dead++; return false, nil }))
	s.Zero(dead, "no settlement failed")
}

// STRATEGY 5 (governance changes retention between two disputes of one
// batch): open() removes the earlier record's prune entry at ResolvedAt +
// the retention of TODAY, but it was pushed at ResolvedAt + the retention
// of THEN. Safe: re-disputing leaves no stale prune entry for the job (a
// stale one fires later and deletes the newer dispute's record before its
// own retention).
func (s *Suite) TestReview13RetentionChangeLeavesAStalePruneEntry() {
	b := s.postBatch("r13-retention", 4)
	_, err := s.challengeItem(b.id, 0, nil)
	s.Require().NoError(err)
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[0], b.id, 0), s.evidence(b, 0))
	s.Require().NoError(err)
	first := s.dispute(b.id)
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.Retention *= 2
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().NoError(err)
	s.advance(time.Minute)
	truth := zkml.TensorCommitment(b.items[1].Output)
	_, err = s.challengeItem(b.id, 1, truth[:])
	s.Require().NoError(err)
	stale := s.r13pruneEntries(b.id)
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[1], b.id, 1), s.evidence(b, 1))
	s.Require().NoError(err)
	second := s.dispute(b.id)
	// FIXED: the stale entry may stay (open() removes the entry at today's
	// retention), but settlePrune checks an entry against the record it
	// finds: one due before the record's own time puts it back there
	s.T().Logf("stale entries after the retention change: %v", stale)
	s.advance(2 * time.Hour) // the window ends, the job is paid
	staleDue := first.Resolution.ResolvedAt.Add(p.Retention / 2)
	s.setBlock(staleDue.Add(time.Minute), s.ctx.BlockHeight()+1)
	s.endBlock()
	_, err = s.k.Disputes.Get(s.ctx, b.id)
	s.Require().NoError(err,
		"ATTACK (state): after a retention change, the earlier dispute's prune entry (due %s) pruned the newer record (resolved %s, due %s) early",
		staleDue, second.Resolution.ResolvedAt, second.Resolution.ResolvedAt.Add(p.Retention))
	s.setBlock(second.Resolution.ResolvedAt.Add(p.Retention).Add(time.Minute), s.ctx.BlockHeight()+1)
	s.endBlock()
	_, err = s.k.Disputes.Get(s.ctx, b.id)
	s.Require().Error(err, "pruned at its own time")
	s.Empty(s.r13pruneEntries(b.id), "no entry left behind")
}

// r13hook counts AfterDisputeResolved per job and records the job's status
// each time.
type r13hook struct {
	calls  map[uint64]int
	status func(id uint64) jobstypes.JobStatus
	seen   []jobstypes.JobStatus
}

func (h *r13hook) AfterDisputeResolved(_ context.Context, d types.Dispute) error {
	h.calls[d.JobId]++
	h.seen = append(h.seen, h.status(d.JobId))
	return nil
}

// STRATEGY 6 (provider + sybil farming reputation): every item dispute a
// batch's provider wins calls AfterDisputeResolved (x/reputation: +2 units
// of evidence weighted by the WHOLE batch's payment) on a job that is not
// final. Safe: each such outcome costs the pair more than the protocol fee
// that buys the same evidence with a self-dealt job (so repeating
// disputes on one job is no cheaper a farm), at the smallest and a large
// payment.
func (s *Suite) TestReview13RepeatedWonDisputesAreNoCheapReputation() {
	h := &r13hook{calls: map[uint64]int{}, status: func(id uint64) jobstypes.JobStatus { return s.job(id).Status }}
	s.k.SetHooks(h)
	b := s.postBatch("r13-rep", 4)
	pair0 := s.bal(s.prov) + s.bal(s.stranger)
	for i := range 3 {
		_, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.stranger.String(), JobId: b.id, Item: uint64(i)})
		s.Require().NoError(err)
		_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[i], b.id, uint64(i)), s.evidence(b, uint64(i)))
		s.Require().NoError(err)
	}
	s.Equal(3, h.calls[b.id], "one hook call per won dispute")
	for _, st := range h.seen {
		s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, st, "hooks see the job open")
	}
	cost := pair0 - (s.bal(s.prov) + s.bal(s.stranger))
	jp := s.jobsParams()
	payment := jobstypes.Payment(s.job(b.id))
	// a won dispute is worth 2 completed jobs of evidence at the same value
	fee := payment.MulRaw(int64(jp.ProtocolFeeBps)).QuoRaw(10_000).MulRaw(2)
	s.True(math.NewInt(cost/3).GTE(fee), "a won dispute cost the pair %d, the evidence costs %s as self-dealt jobs", cost/3, fee)
	dp, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	for _, pay := range []int64{1, 1_000_000, 10_000_000_000} {
		bond := dp.ChallengeBond(math.NewInt(pay)).Amount
		c := bond.Sub(types.ProviderShare(dp, bond))
		f := math.NewInt(pay).MulRaw(int64(jp.ProtocolFeeBps)).QuoRaw(10_000).MulRaw(2)
		s.True(c.GTE(f), "payment %d: a won dispute costs %s, the evidence %s", pay, c, f)
	}
}
