package keeper_test

import (
	"fmt"
	"time"

	"github.com/verdict-chain/verdict/testutil/zk"
	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// r17StandInCheckpoint opens a session with the suite's provider and has
// the buyer send n requests, each with its voucher (count i, the commitment
// of the buyer's own input i). The provider answers none of them: it runs
// the model once on an input of its own choosing and commits a receipt of
// that one inference for every request. It checkpoints with the buyer's
// genuine last voucher (count n, the buyer's last input).
func (s *Suite) r17StandInCheckpoint(seed string, n int) (c checkpointJob, standIn zk.Job, buyerInputs [][]int8) {
	id, m, provKey, buyerKey := s.openServing(seed, uint64(n)+10)
	c = checkpointJob{session: id}

	// the provider's stand-in: one inference on an input it chose, run once
	x := zkml.ExampleInput(s.kit.Shape[0], seed+"-provider-chosen")
	fx, err := zkml.Infer(m, x)
	s.Require().NoError(err)
	standIn = zk.Job{Model: m, Input: x, Output: fx}

	var lastVoucher serving.Voucher
	for i := range n {
		y := zkml.ExampleInput(s.kit.Shape[0], fmt.Sprintf("%s-buyer-%d", seed, i))
		buyerInputs = append(buyerInputs, y)
		// the buyer's voucher for request i+1 names its own input y
		lastVoucher, err = serving.SignVoucher(buyerKey, sessionChain, serving.Voucher{Session: c.session, Count: uint64(i) + 1, Input: digest(y)})
		s.Require().NoError(err)
		// the provider's receipt for request i+1 names x, not y, and carries
		// the buyer's genuine voucher of request i+1 (which names y)
		r := serving.Receipt{Session: c.session, Seq: uint64(i) + 1, Input: digest(x), Output: digest(fx), ReceivedMs: 1000, AnsweredMs: 1004, Voucher: lastVoucher.Signature}
		r, err = serving.SignReceipt(provKey, sessionChain, r)
		s.Require().NoError(err)
		c.receipts = append(c.receipts, r)
		c.leaves = append(c.leaves, r.Leaf(uint64(i)))
		c.items = append(c.items, standIn)
		c.treeOuts = append(c.treeOuts, fx)
	}
	root, err := batch.Root(batch.KindReceipt, c.leaves)
	s.Require().NoError(err)
	s.Require().NotEqual(lastVoucher.Input, c.receipts[n-1].Input, "the last voucher names the buyer's input, the last receipt another")
	res, err := s.jobsMsg.Checkpoint(s.ctx, &jobstypes.MsgCheckpoint{
		Provider: s.prov.String(), SessionId: c.session, Count: uint64(n), LastInput: lastVoucher.Input[:], VoucherSignature: lastVoucher.Signature,
		ReceiptsRoot: root[:], ReceiptsUri: "https://gpu.example/receipts/1",
	})
	s.Require().NoError(err)
	c.id = res.JobId
	return c, standIn, buyerInputs
}

// REGRESSION (review 17, high; a real problem in the tree under review at
// 20:05 UTC, fixed in the working tree by ~20:33 while the review ran: a
// receipt now carries the buyer's voucher of its request and checkReceipt
// verifies it; here the stand-in receipts carry the buyer's genuine
// vouchers, which name the buyer's inputs, not the stand-in's). It was:
// a receipt's input was never tied to the request the buyer paid for. The
// checkpoint's voucher signed the buyer's input of its last request, the
// chain checked that signature and threw the input away; x/dispute took
// the input commitment from the provider's own receipt (checkReceipt). So
// a provider that answers no request — it runs
// the model once on an input of its choosing and commits that inference as
// the receipt of every request — is paid for the whole checkpoint, passes
// every audit with certainty, and wins every challenge: here the buyer
// challenges its last request, the one whose input the checkpoint's own
// voucher names, and loses its bond to the provider's proof of an
// inference on another input.
func (s *Suite) TestReview17ReceiptAnswersAnInputTheBuyerNeverSent() {
	const n = 4
	c, standIn, buyerInputs := s.r17StandInCheckpoint("r17-stand-in", n)
	s.Require().NotEqual(zkml.TensorCommitment(buyerInputs[n-1]), zkml.TensorCommitment(standIn.Input))
	b0 := s.bal(s.buyer)

	res, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.buyer.String(), JobId: c.id, Item: n - 1})
	s.Require().NoError(err)
	bondPaid := res.Dispute.Bond.Amount.Int64()

	proof := s.kit.ProveItem(s.T(), standIn, c.id, n-1)
	got, err := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, proof, s.receiptEvidence(c, n-1))
	if err == nil {
		s.T().Logf("dispute %s: the buyer lost its %d bond; the checkpoint pays on (job %s)",
			got.Dispute.Status, bondPaid, s.job(c.id).Status)
	}
	s.Require().Error(err, "request %d's receipt answers an input the buyer's voucher for that very request does not name: "+
		"its proof must not clear the provider", n)
	s.Equal(b0-bondPaid, s.bal(s.buyer))

	// nor may the rest of the window pay for requests nobody answered
	s.advance(2 * time.Hour)
	s.NotEqual(jobstypes.JobStatus_JOB_STATUS_FINALIZED, s.job(c.id).Status, "paid for %d requests whose receipts answer an input the buyer never sent", n)
}
