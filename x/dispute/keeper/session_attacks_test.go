package keeper_test

import (
	"bytes"
	"time"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// Attacks on a serving session's money paths across its seams with
// x/dispute: closing it while a checkpoint is disputed, and a provider
// withholding checkpoints.

func (s *Suite) session(id uint64) jobstypes.Session {
	se, err := s.jobs.GetSession(s.ctx, id)
	s.Require().NoError(err)
	return se
}

// Closing a session while one of its checkpoints is disputed changes
// nothing of the dispute: a buyer who closes (notice) or a provider who
// closes (at once) cannot buy the dispute out. The equivocating provider is
// still slashed and the buyer refunded the checkpoint; an honest one still
// proves and is paid after the rest of its window, the session long closed.
// The session's unused escrow goes back to the buyer once, at its close.
func (s *Suite) TestSessionClosedDuringAChallenge() {
	// the provider closes the session under a receipt challenge
	c := s.equivocating("close-under-challenge")
	b0, bond0 := s.bal(s.buyer), s.providerBond()
	unused := s.session(c.session).Escrow.Amount.Int64()
	_, err := s.msg.Challenge(s.ctx, s.receiptChallenge(c, 3, false))
	s.Require().NoError(err)
	_, err = s.jobsMsg.CloseSession(s.ctx, &jobstypes.MsgCloseSession{Signer: s.prov.String(), SessionId: c.session})
	s.Require().NoError(err)
	s.Equal(jobstypes.SessionStatus_SESSION_STATUS_CLOSED, s.session(c.session).Status)
	s.Equal(b0+unused, s.bal(s.buyer), "the unused escrow back at once")
	s.advance(48 * time.Hour) // past the proof deadline: no reveal
	d := s.dispute(c.id)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, d.Status)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FAILED, s.job(c.id).Status)
	s.Equal(b0+unused+s.job(c.id).Escrow.Amount.Int64(), s.bal(s.buyer), "and the checkpoint's payment, once")
	s.Less(s.providerBond(), bond0)

	// the buyer closes the session under a challenge of an honest receipt;
	// its notice (10 minutes here) ends long before the proof deadline
	h := s.postCheckpoint("close-honest", 5)
	jp := jobstypes.DefaultParams()
	jp.MaxSessionDuration, jp.SessionNotice = 24*time.Hour, 10*time.Minute
	_, err = s.jobsMsg.UpdateParams(s.ctx, &jobstypes.MsgUpdateParams{Authority: s.authority, Params: jp})
	s.Require().NoError(err)
	p0 := s.bal(s.prov)
	_, err = s.msg.Challenge(s.ctx, s.receiptChallenge(h, 1, false))
	s.Require().NoError(err)
	_, err = s.jobsMsg.CloseSession(s.ctx, &jobstypes.MsgCloseSession{Signer: s.buyer.String(), SessionId: h.session})
	s.Require().NoError(err)
	s.advance(11 * time.Minute) // the notice ends: the session closes
	s.Equal(jobstypes.SessionStatus_SESSION_STATUS_CLOSED, s.session(h.session).Status)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_OPEN, s.dispute(h.id).Status, "the proof deadline is the provider's, not the session's")
	out, err := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), h.items[1], h.id, 1), s.receiptEvidence(h, 1))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, out.Dispute.Status)
	s.advance(2 * time.Hour)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FINALIZED, s.job(h.id).Status)
	s.Greater(s.bal(s.prov), p0, "paid for the checkpoint, and the challenger's bond share")
}

// A provider that withholds checkpoints gains nothing by it: requests it
// answered but never checkpointed are never paid — after the session
// closes no checkpoint is taken, and the buyer gets the whole unused
// escrow back; a checkpoint sent at the last moment still runs its full
// challenge window after it, so waiting shortens no one's chance to
// challenge.
func (s *Suite) TestSessionWithheldCheckpointsArePaidNothing() {
	id, _, _, buyerKey := s.openServing("withheld", 50)
	b0 := s.bal(s.buyer)
	escrow := s.session(id).Escrow.Amount.Int64()
	_, err := s.jobsMsg.CloseSession(s.ctx, &jobstypes.MsgCloseSession{Signer: s.buyer.String(), SessionId: id})
	s.Require().NoError(err)
	s.advance(2 * time.Hour)
	s.Equal(jobstypes.SessionStatus_SESSION_STATUS_CLOSED, s.session(id).Status)
	s.Equal(b0+escrow, s.bal(s.buyer), "nothing checkpointed, nothing paid")
	// the buyer's real voucher of 10 requests the provider answered
	in := zkml.ExampleInput(s.kit.Shape[0], "withheld-10")
	v, err := serving.SignVoucher(buyerKey, sessionChain, serving.Voucher{Session: id, Count: 10, Input: digest(in)})
	s.Require().NoError(err)
	_, err = s.jobsMsg.Checkpoint(s.ctx, &jobstypes.MsgCheckpoint{
		Provider: s.prov.String(), SessionId: id, Count: 10, LastInput: v.Input[:], VoucherSignature: v.Signature,
		ReceiptsRoot: bytes.Repeat([]byte{7}, 32), ReceiptsUri: "https://gpu.example/receipts",
	})
	s.ErrorIs(err, jobstypes.ErrInvalidStatus, "no checkpoint after the close")

	// a checkpoint posted just before the end: its window runs in full
	c := s.postCheckpoint("withheld-late", 4)
	j := s.job(c.id)
	s.Equal(s.ctx.BlockTime(), j.Result.PostedAt)
	s.GreaterOrEqual(j.WindowEnd.Sub(j.Result.PostedAt), jobstypes.DefaultParams().ChallengeWindow, "a whole challenge window from the checkpoint")
}
