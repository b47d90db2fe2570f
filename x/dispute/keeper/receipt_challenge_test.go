package keeper_test

import (
	"time"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// Challenges that carry a served receipt (MsgChallenge.receipt): the
// dispute is about what the provider signed to the buyer, not only what
// its checkpoint's tree holds.

// receiptChallenge is a challenge of request first+i of c carrying the
// receipt the buyer was served, and with leaf, the tree's own leaf there.
func (s *Suite) receiptChallenge(c checkpointJob, i uint64, leaf bool) *types.MsgChallenge {
	m := &types.MsgChallenge{
		Challenger: s.challenger.String(), JobId: c.id, Item: i,
		Receipt: c.served[i].Body(), ReceiptSignature: c.served[i].Signature,
	}
	if leaf {
		p, err := batch.Path(c.leaves, i)
		s.Require().NoError(err)
		m.Leaf, m.LeafPath = c.receipts[i].Body(), batch.PathBytes(p)
	}
	return m
}

// equivocating serves request 4 with a wrong answer and builds the tree with
// the right one (what it can prove).
func (s *Suite) equivocating(seed string) checkpointJob {
	c := s.postServed(seed, 6, []int{3}, func(i int, right []int8, r *serving.Receipt) {
		if i == 3 {
			r.Output = digest(right)
		}
	})
	s.Require().NotEqual(c.served[3].Body(), c.receipts[3].Body())
	return c
}

// A provider that signs one answer to the buyer and puts another in its
// checkpoint is slashed in the challenge's own transaction when the
// challenger shows both: the served receipt and the tree's leaf with its
// path. The buyer gets the checkpoint's payment back; the challenger its
// bond and the challenger's share of the slash.
func (s *Suite) TestReceiptEquivocationSlashedAtOnce() {
	c := s.equivocating("equivocate-now")
	j := s.job(c.id)
	b0, bond0, ch0 := s.bal(s.buyer), s.providerBond(), s.bal(s.challenger)
	res, err := s.msg.Challenge(s.ctx, s.receiptChallenge(c, 3, true))
	s.Require().NoError(err)
	d := res.Dispute
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, d.Status, "no proof to wait for")
	s.Contains(d.Resolution.Reason, "equivocation")
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FAILED, s.job(c.id).Status)
	s.Equal(b0+j.Escrow.Amount.Int64(), s.bal(s.buyer), "the checkpoint's payment back in full")
	params, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	slash := types.FraudSlash(params, coin(bond0).Amount, j)
	s.Equal(bond0-slash.Int64(), s.providerBond(), "slashed as for fraud on the whole checkpoint")
	s.Equal(ch0+types.ChallengerReward(params, slash).Int64(), s.bal(s.challenger), "bond back plus the challenger's share")
	_, err = s.msg.Challenge(s.ctx, s.receiptChallenge(c, 3, true))
	s.ErrorIs(err, types.ErrNotDisputable, "a failed checkpoint is not slashed twice")
}

// Without the leaf, the challenge with a receipt opens as any other; the
// provider, asked for the receipt it signed, can only reveal its tree's
// different leaf — and a proof of that leaf does not save it: it loses at
// once.
func (s *Suite) TestReceiptChallengeRevealOfAnotherLeafLoses() {
	c := s.equivocating("equivocate-later")
	bond0 := s.providerBond()
	res, err := s.msg.Challenge(s.ctx, s.receiptChallenge(c, 3, false))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_OPEN, res.Dispute.Status)
	s.Equal(c.served[3].Body(), res.Dispute.Receipt)
	// the tree's leaf is the right answer: its proof verifies, and still
	// the provider loses, on the two signatures
	proof := s.kit.ProveItem(s.T(), c.items[3], c.id, 3)
	out, err := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, proof, s.receiptEvidence(c, 3))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, out.Dispute.Status)
	s.Contains(out.Dispute.Resolution.Reason, "equivocation")
	s.Less(s.providerBond(), bond0)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FAILED, s.job(c.id).Status)
}

// Without the receipt, the same equivocating provider would win by proving
// its tree: which is why the buyer's client keeps every receipt.
func (s *Suite) TestItemChallengeWithoutReceiptProvesTheTree() {
	c := s.equivocating("equivocate-unseen")
	_, err := s.challengeItem(c.id, 3, nil)
	s.Require().NoError(err)
	out, err := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), c.items[3], c.id, 3), s.receiptEvidence(c, 3))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, out.Dispute.Status)
}

// A buyer who challenges an honest receipt with that receipt loses its
// bond: the provider reveals the same body and proves it.
func (s *Suite) TestHonestReceiptChallengedWithItsReceiptIsProven() {
	c := s.postCheckpoint("receipt-honest", 5)
	p0, ch0 := s.bal(s.prov), s.bal(s.challenger)
	res, err := s.msg.Challenge(s.ctx, s.receiptChallenge(c, 2, false))
	s.Require().NoError(err)
	bond := res.Dispute.Bond.Amount.Int64()
	out, err := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), c.items[2], c.id, 2), s.receiptEvidence(c, 2))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, out.Dispute.Status)
	s.Equal(ch0-bond, s.bal(s.challenger), "the challenger's bond is lost")
	s.Greater(s.bal(s.prov), p0)
	s.advance(2 * time.Hour)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FINALIZED, s.job(c.id).Status)

	// the honest tree's own leaf is no equivocation evidence
	c2 := s.postCheckpoint("receipt-honest-2", 3)
	_, err = s.msg.Challenge(s.ctx, s.receiptChallenge(c2, 1, true))
	s.ErrorIs(err, types.ErrInvalidReceipt)
}

// Receipt evidence that is not the provider's signature of that request
// on that chain and session, or whose leaf is not the tree's, is refused
// with a registered error and moves nothing.
func (s *Suite) TestReceiptChallengeBadEvidenceRefused() {
	c := s.equivocating("receipt-bad")
	ch0, bond0 := s.bal(s.challenger), s.providerBond()
	try := func(why string, edit func(m *types.MsgChallenge)) {
		m := s.receiptChallenge(c, 3, true)
		edit(m)
		if err := m.ValidateBasic(); err != nil {
			s.ErrorIs(err, types.ErrInvalidReceipt, why)
			return
		}
		_, err := s.msg.Challenge(s.ctx, m)
		s.ErrorIs(err, types.ErrInvalidReceipt, why)
	}
	resign := func(key []byte, chain string, edit func(r *serving.Receipt)) func(m *types.MsgChallenge) {
		return func(m *types.MsgChallenge) {
			r := c.served[3]
			if edit != nil {
				edit(&r)
			}
			signed, err := serving.SignReceipt(key, chain, r)
			s.Require().NoError(err)
			m.Receipt, m.ReceiptSignature = signed.Body(), signed.Signature
		}
	}
	try("another item", func(m *types.MsgChallenge) { m.Item = 2 })
	try("a tampered body", func(m *types.MsgChallenge) { m.Receipt[20]++ })
	try("short signature", func(m *types.MsgChallenge) { m.ReceiptSignature = m.ReceiptSignature[:10] })
	try("signed by another key", resign(edKey("not the provider"), sessionChain, nil))
	try("signed for another chain", resign(c.provKey, "verdict-other-1", nil))
	try("signed for another session", resign(c.provKey, sessionChain, func(r *serving.Receipt) { r.Session++ }))
	try("a receipt of an input the buyer never sent", resign(c.provKey, sessionChain, func(r *serving.Receipt) { r.Input[5] ^= 1 }))
	try("a leaf off the tree", func(m *types.MsgChallenge) { m.Leaf[100] ^= 1 })
	try("a leaf of another item", func(m *types.MsgChallenge) {
		p, err := batch.Path(c.leaves, 2)
		s.Require().NoError(err)
		m.Leaf, m.LeafPath = c.receipts[2].Body(), batch.PathBytes(p)
	})
	try("a leaf without its path", func(m *types.MsgChallenge) { m.LeafPath = nil })
	try("a short leaf", func(m *types.MsgChallenge) { m.Leaf = m.Leaf[:10] })
	try("a leaf with no receipt", func(m *types.MsgChallenge) { m.Receipt, m.ReceiptSignature = nil, nil })

	// a plain job carries no receipt
	plain, _ := s.jobWithResult("plain-receipt", false)
	m := s.receiptChallenge(c, 3, false)
	m.JobId, m.Item = plain, 0
	_, err := s.msg.Challenge(s.ctx, m)
	s.ErrorIs(err, types.ErrInvalidReceipt)

	s.Equal(ch0, s.bal(s.challenger), "no bond taken")
	s.Equal(bond0, s.providerBond())
	s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(c.id).Status)
}
