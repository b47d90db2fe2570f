package keeper_test

import (
	"context"
	"fmt"
	"time"

	"github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// Payment 100 x 1,000 = 100,000; escrow 150,000; challenge bond
// max(1,000,000, 10% x 100,000) = 1,000,000; fraud slash: sized by the job,
// 100 x its payment = 10,000,000 (below the cap of 10% of the 1,000,000,000
// bond).
const (
	payment       = price * units
	challengeBond = 1_000_000
	fraudSlash    = 100 * payment
)

// An honest provider is challenged and vindicated by its proof: it is paid
// as usual plus half the challenger's bond; the other half and the protocol
// fee go to the community pool.
func (s *Suite) TestHonestProviderVindicated() {
	id, kj := s.jobWithResult("honest", false)
	b0, p0, c0, pool0 := s.bal(s.buyer), s.bal(s.prov), s.bal(s.challenger), s.pool()

	q, err := s.q.ChallengeBond(s.ctx, &types.QueryChallengeBondRequest{JobId: id})
	s.Require().NoError(err)
	s.Equal(coin(challengeBond), q.Bond)
	d := s.challenge(id, nil)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_OPEN, d.Status)
	s.Equal(coin(challengeBond), d.Bond)
	s.Equal(t0.Add(time.Minute+time.Hour), d.ProofDeadline, "its own proof (default_prove_time) and the window")
	s.Equal(jobstypes.JobStatus_JOB_STATUS_DISPUTED, s.job(id).Status)
	s.Equal(c0-challengeBond, s.bal(s.challenger))

	// the proof can come from anyone; the provider sends it here
	res, err := s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, res.Dispute.Status)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FINALIZED, s.job(id).Status)

	s.Equal(b0+150_000-payment, s.bal(s.buyer), "buyer pays for the units used, unused escrow back")
	s.Equal(p0+payment*98/100+challengeBond/2, s.bal(s.prov), "payment minus fee, plus reward_share of the bond")
	s.Equal(pool0+payment*2/100+challengeBond/2, s.pool())
	s.Equal(c0-challengeBond, s.bal(s.challenger), "a losing challenger loses its bond")
	s.Equal(int64(bond), s.providerBond())
	r := res.Dispute.Resolution
	s.Equal(coin(challengeBond/2), r.ToProvider)
	s.Equal(coin(challengeBond/2), r.ToCommunityPool)
	s.Equal(s.prov.String(), r.ProvenBy)
}

// A provider that posted a wrong output is challenged, cannot prove it, and
// is slashed when the proof deadline passes.
func (s *Suite) TestWrongOutputSlashedAtDeadline() {
	id, kj := s.jobWithResult("liar", true)
	b0, p0, c0, pool0 := s.bal(s.buyer), s.bal(s.prov), s.bal(s.challenger), s.pool()
	s.challenge(id, nil)

	// its proof of the true output does not match the output it posted
	_, err := s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.Require().ErrorIs(err, types.ErrInvalidProof)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_OPEN, s.dispute(id).Status)

	s.advance(time.Hour)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_OPEN, s.dispute(id).Status, "deadline not reached")
	s.advance(time.Minute)
	d := s.dispute(id)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, d.Status)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FAILED, s.job(id).Status)

	s.Equal(b0+150_000, s.bal(s.buyer), "buyer refunded in full")
	s.Equal(p0, s.bal(s.prov))
	s.Equal(int64(bond-fraudSlash), s.providerBond())
	s.Equal(c0+fraudSlash/2, s.bal(s.challenger), "bond back plus half the slash")
	s.Equal(pool0+fraudSlash/2, s.pool())
	s.Equal(coin(fraudSlash), d.Resolution.Slashed)
	s.Equal(coin(challengeBond+fraudSlash/2), d.Resolution.ToChallenger)

	_, err = s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.Require().ErrorIs(err, types.ErrDisputeClosed)
}

// A challenger that names and proves the correct output wins at once.
func (s *Suite) TestChallengerProvesCorrectOutput() {
	id, kj := s.jobWithResult("liar2", true)
	b0, c0, pool0 := s.bal(s.buyer), s.bal(s.challenger), s.pool()
	s.challenge(id, kj.OutputC)

	res, err := s.submitProof(s.challenger, id, types.Claim_CLAIM_COUNTER, s.kit.Prove(s.T(), kj, id))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, res.Dispute.Status)
	s.Equal(types.Claim_CLAIM_COUNTER, res.Dispute.Resolution.Claim)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FAILED, s.job(id).Status)
	s.Equal(b0+150_000, s.bal(s.buyer))
	s.Equal(c0+fraudSlash/2, s.bal(s.challenger))
	s.Equal(pool0+fraudSlash/2, s.pool())
	s.Equal(int64(bond-fraudSlash), s.providerBond())

	// nothing is left queued for this job
	s.advance(2 * time.Hour)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, s.dispute(id).Status)
}

// A challenger whose counter output is wrong cannot prove it; the honest
// provider proves its own and wins.
func (s *Suite) TestWrongCounterClaimLoses() {
	id, kj := s.jobWithResult("honest2", false)
	wrong := append([]byte{}, kj.OutputC...)
	wrong[31] ^= 1
	s.challenge(id, wrong)
	_, err := s.submitProof(s.challenger, id, types.Claim_CLAIM_COUNTER, s.kit.Prove(s.T(), kj, id))
	s.Require().ErrorIs(err, types.ErrInvalidProof)
	_, err = s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, s.dispute(id).Status)
}

// Audits: at rate 100% every provable result is audited at the end of its
// block; the provider proves it and is paid, with no bond involved.
func (s *Suite) TestAuditProvenAndUnproven() {
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.AuditRatePpm = types.MaxPpm
	s.Require().NoError(s.k.Params.Set(s.ctx, p))

	id, kj := s.jobWithResult("audited", false)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(id).Status, "drawn at the end of the block")
	s.endBlock()
	d := s.dispute(id)
	s.Equal(types.DisputeKind_DISPUTE_KIND_AUDIT, d.Kind)
	s.Empty(d.Challenger)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_DISPUTED, s.job(id).Status)
	p0 := s.bal(s.prov)
	_, err = s.submitProof(s.stranger, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.Require().NoError(err)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FINALIZED, s.job(id).Status)
	s.Equal(p0+payment*98/100, s.bal(s.prov))

	// an audit nobody proves: the whole slash goes to the community pool
	id2, _ := s.jobWithResult("audited2", true)
	s.advance(time.Second)
	s.Equal(types.DisputeKind_DISPUTE_KIND_AUDIT, s.dispute(id2).Kind)
	pool0, b0 := s.pool(), s.bal(s.buyer)
	// the proof window, after its own proving time and the first audit's
	// (a stranger proved that one: the provider may still be making its own)
	s.advance(time.Hour + 2*time.Minute)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, s.dispute(id2).Status)
	s.Equal(pool0+fraudSlash, s.pool())
	s.Equal(b0+150_000, s.bal(s.buyer))

	// counter claims make no sense without a challenger's commitment
	id3, kj3 := s.jobWithResult("audited3", false)
	s.endBlock()
	_, err = s.submitProof(s.prov, id3, types.Claim_CLAIM_COUNTER, s.kit.Prove(s.T(), kj3, id3))
	s.Require().ErrorIs(err, types.ErrInvalidClaim)
}

type recordingHooks struct{ calls []string }

func (h *recordingHooks) AfterDisputeResolved(_ context.Context, d types.Dispute) error {
	h.calls = append(h.calls, fmt.Sprintf("%d:%s:%s", d.JobId, d.Kind, d.Status))
	return nil
}

// Outcomes reach the hooks (x/reputation's feed), one call per resolution.
func (s *Suite) TestHooksSeeOutcomes() {
	h := &recordingHooks{}
	s.k.SetHooks(h)
	id, kj := s.jobWithResult("hook-win", false)
	s.challenge(id, nil)
	_, err := s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.Require().NoError(err)
	id2, _ := s.jobWithResult("hook-lose", true)
	s.challenge(id2, nil)
	s.advance(time.Hour + time.Minute) // the proof window, after the first dispute's proving time
	s.Equal([]string{
		fmt.Sprintf("%d:DISPUTE_KIND_CHALLENGE:DISPUTE_STATUS_PROVIDER_WON", id),
		fmt.Sprintf("%d:DISPUTE_KIND_CHALLENGE:DISPUTE_STATUS_PROVIDER_LOST", id2),
	}, h.calls)
}

func (s *Suite) TestAuditRateZeroNeverAudits() {
	for i := range 5 {
		id, _ := s.jobWithResult(string(rune('p'+i)), false)
		s.endBlock()
		s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(id).Status)
	}
	s.advance(2 * time.Hour) // windows pass: finalized, nothing disputed
	res, err := s.q.Disputes(s.ctx, &types.QueryDisputesRequest{})
	s.Require().NoError(err)
	s.Empty(res.Disputes)
}

// fixedWeight gives every provider the same factor (changeable: the
// weigher itself is set once, at wiring).
type fixedWeight struct{ ppm uint32 }

func (w *fixedWeight) AuditWeightPPM(context.Context, jobstypes.Job) (uint32, error) {
	return w.ppm, nil
}

// The audit rate is scaled per provider by the weigher (x/reputation in the
// app): a factor of 0 turns audits off for it, a factor of 2 doubles the
// rate (capped at 100%).
func (s *Suite) TestAuditRateWeighedPerProvider() {
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.AuditRatePpm = types.MaxPpm
	s.Require().NoError(s.k.Params.Set(s.ctx, p))
	w := &fixedWeight{ppm: 0}
	s.k.SetAuditWeighers(w)
	id, _ := s.jobWithResult("weigh-0", false)
	s.endBlock()
	s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(id).Status)

	p.AuditRatePpm = types.MaxPpm / 2
	s.Require().NoError(s.k.Params.Set(s.ctx, p))
	w.ppm = 2 * types.MaxPpm
	for i := range 5 {
		id, _ := s.jobWithResult(fmt.Sprintf("weigh-2-%d", i), false)
		s.endBlock()
		s.Equal(jobstypes.JobStatus_JOB_STATUS_DISPUTED, s.job(id).Status, "rate 50% x 2 = always")
	}
	s.advance(2 * time.Hour) // the audits nobody proves settle
}
