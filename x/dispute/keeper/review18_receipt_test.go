package keeper_test

import (
	"crypto/ed25519"
	"crypto/sha512"
	"strings"
	"time"

	"filippo.io/edwards25519"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// Review 18: adversarial review of 59799dc, "disputes by receipt".
//
// FINDINGS (fail on 59799dc):
//   TestReview18RetriedRequestIsNotEquivocation          (high)
//   TestReview18RetriedRequestRevealIsProvable           (high)
//   TestReview18ResignedVoucherIsNotEquivocation         (high)
//   TestReview18BuyerDoubleVoucherIsNotProviderFraud     (high)
//   TestReview18GenesisReceiptOnAJobItCannotAnswer       (low)
// All fixed: equivocation is one request (seq and input) answered with two
// outputs (types.Contradicts); genesis checks a dispute's receipt is of
// its item of a serving checkpoint (checkGenesisReceipt).
// PASSING CHECKS (attacks refused correctly):
//   TestReview18CheckRealReceiptOfAnotherSessionRefused
//   TestReview18CheckReceiptDisputeSurvivesExportImport
//   TestReview18CheckReceiptGasChargedFirst
//   TestReview18CheckSybilShieldDoesNotHideEquivocation

// r18challenge is a challenge of item i of c by from carrying served, and
// with leaf, the tree's own leaf at i and its path.
func (s *Suite) r18challenge(c checkpointJob, i uint64, from string, served serving.Receipt, leaf bool) *types.MsgChallenge {
	m := &types.MsgChallenge{Challenger: from, JobId: c.id, Item: i, Receipt: served.Body(), ReceiptSignature: served.Signature}
	if leaf {
		p, err := batch.Path(c.leaves, i)
		s.Require().NoError(err)
		m.Leaf, m.LeafPath = c.receipts[i].Body(), batch.PathBytes(p)
	}
	return m
}

// r18resign is a second receipt the provider signs of request i of c:
// the tree's receipt with edit applied.
func (s *Suite) r18resign(c checkpointJob, i int, edit func(r *serving.Receipt)) serving.Receipt {
	r := c.receipts[i]
	edit(&r)
	r, err := serving.SignReceipt(c.provKey, sessionChain, r)
	s.Require().NoError(err)
	s.Require().NoError(serving.VerifyReceipt(c.provKey.Public().(ed25519.PublicKey), sessionChain, r))
	return r
}

// hedgedSign is an RFC 8032 ed25519 signature with a nonce of the signer's
// choosing (a "hedged" or randomized signer, as some libraries and HSMs
// produce): as valid as the deterministic one, and different from it.
func hedgedSign(priv ed25519.PrivateKey, msg []byte, nonce string) []byte {
	h := sha512.Sum512(priv.Seed())
	a, err := edwards25519.NewScalar().SetBytesWithClamping(h[:32])
	if err != nil {
		panic(err)
	}
	rb := sha512.Sum512([]byte(nonce))
	r, err := edwards25519.NewScalar().SetUniformBytes(rb[:])
	if err != nil {
		panic(err)
	}
	R := new(edwards25519.Point).ScalarBaseMult(r)
	kh := sha512.New()
	kh.Write(R.Bytes())
	kh.Write(priv.Public().(ed25519.PublicKey))
	kh.Write(msg)
	k, err := edwards25519.NewScalar().SetUniformBytes(kh.Sum(nil))
	if err != nil {
		panic(err)
	}
	S := edwards25519.NewScalar().MultiplyAdd(k, a, r)
	return append(R.Bytes(), S.Bytes()...)
}

// r18noSlash asserts an honest provider lost nothing, and its checkpoint
// stands.
func (s *Suite) r18noSlash(c checkpointJob, bond0 int64, what string) {
	s.Equal(bond0, s.providerBond(), "%s: the provider answered request %d right both times; nothing it did harmed the buyer, yet its bond was slashed", what, s.job(c.id).Checkpoint.First+3)
	s.NotEqual(jobstypes.JobStatus_JOB_STATUS_FAILED, s.job(c.id).Status, "%s: an honest checkpoint failed (the buyer refunded for requests served right)", what)
}

// FINDING (high). "Equivocation" is any byte difference between the
// served receipt and the tree's leaf, including the provider's clock
// fields. A buyer's client retries request 4 (a timeout, a dropped
// connection); the honest provider answers it again — same input, same
// right output — and signs a second receipt whose answered_ms is later.
// Its tree holds one of the two. The buyer (or its sybil) challenges with
// the other and the leaf: the provider is slashed 100× the checkpoint's
// payment in the challenge's own transaction, the buyer refunded the whole
// checkpoint it was served correctly, and the challenger paid its share.
// Nothing in the protocol (x/jobs/serving, the READMEs) tells a provider it
// must sign one receipt per request byte for byte, and nothing the buyer
// received was wrong. Fix: equivocation is the same request (seq and
// input) answered with two outputs; bodies that agree on seq, input and
// output are not evidence (refuse with ErrInvalidReceipt), and a reveal
// that agrees with the dispute's receipt on them answers it.
func (s *Suite) TestReview18RetriedRequestIsNotEquivocation() {
	c := s.postCheckpoint("r18-retry", 6)
	retried := s.r18resign(c, 3, func(r *serving.Receipt) { r.AnsweredMs += 250 })
	s.Require().Equal(c.receipts[3].Output, retried.Output, "the same answer")
	s.Require().Equal(c.receipts[3].Input, retried.Input, "to the same input")

	j := s.job(c.id)
	bond0, b0 := s.providerBond(), s.bal(s.buyer)
	res, err := s.msg.Challenge(s.ctx, s.r18challenge(c, 3, s.buyer.String(), retried, true))
	if err == nil {
		s.T().Logf("dispute %s: %v; buyer +%d uverd (checkpoint escrow %s), provider bond -%d",
			res.Dispute.Status, res.Dispute.Resolution, s.bal(s.buyer)-b0, j.Escrow, bond0-s.providerBond())
	}
	s.r18noSlash(c, bond0, "retry, challenged with the leaf")
}

// FINDING (high), the same without the leaf: the dispute is opened with
// the retried receipt; the honest provider reveals its tree's receipt of
// request 4 (the same input and output) with a valid proof of it, and
// loses for "equivocation" anyway. It could never have won: the body the
// dispute demands is not in its tree.
func (s *Suite) TestReview18RetriedRequestRevealIsProvable() {
	c := s.postCheckpoint("r18-retry-reveal", 6)
	retried := s.r18resign(c, 3, func(r *serving.Receipt) { r.ReceivedMs += 1; r.AnsweredMs += 7 })
	bond0 := s.providerBond()
	_, err := s.msg.Challenge(s.ctx, s.r18challenge(c, 3, s.challenger.String(), retried, false))
	s.Require().NoError(err)
	out, err := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), c.items[3], c.id, 3), s.receiptEvidence(c, 3))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, out.Dispute.Status, "the provider proved the very answer it served: %v", out.Dispute.Resolution)
	s.r18noSlash(c, bond0, "retry, provider revealed and proved")
}

// FINDING (high). The body carries the buyer's voucher signature, which
// the buyer alone chooses. Ed25519 has many valid signatures per message
// (any nonce); a buyer whose client re-signs a retried request (a hedged
// signer) — or a buyer who does so on purpose — sends request 4 again with
// the same count and input under another valid voucher. A provider that
// recognises the request (same count, same input) and answers it with the
// same output and even the same times, embedding the voucher it was sent,
// has signed a second body: equivocation, slashed at once.
func (s *Suite) TestReview18ResignedVoucherIsNotEquivocation() {
	c := s.postCheckpoint("r18-hedged", 6)
	buyerKey := edKey("buyer session")
	msg, err := serving.VoucherSignBytes(sessionChain, c.session, 4, c.receipts[3].Input)
	s.Require().NoError(err)
	hedged := hedgedSign(buyerKey, msg, "retry nonce")
	s.Require().True(ed25519.Verify(buyerKey.Public().(ed25519.PublicKey), msg, hedged))
	s.Require().NotEqual(c.receipts[3].Voucher, hedged)
	again := s.r18resign(c, 3, func(r *serving.Receipt) { r.Voucher = hedged })

	bond0 := s.providerBond()
	_, _ = s.msg.Challenge(s.ctx, s.r18challenge(c, 3, s.buyer.String(), again, true))
	s.r18noSlash(c, bond0, "the same answer, same times, the buyer's other voucher of the same request")
}

// FINDING (high). The buyer signs two vouchers for count 4, with inputs X
// and Y (it "re-sends request 4" with another input). The honest provider
// answers both correctly. Its checkpoint holds X's receipt. The buyer
// challenges with Y's receipt and the tree's leaf: the provider is slashed
// at once. The two vouchers of one count are the buyer's own equivocation,
// and both of the provider's answers are right. Fix: a receipt whose input
// differs from the leaf's is no evidence against the provider (refuse it;
// the chain could even see the buyer signed two inputs for one count).
func (s *Suite) TestReview18BuyerDoubleVoucherIsNotProviderFraud() {
	const seed = "r18-double"
	c := s.postCheckpoint(seed, 6)
	m, err := zkml.ExampleModel(s.kit.Shape, seed)
	s.Require().NoError(err)
	y := zkml.ExampleInput(s.kit.Shape[0], seed+"-the-other-request-4")
	fy, err := zkml.Infer(m, y)
	s.Require().NoError(err)
	v, err := serving.SignVoucher(edKey("buyer session"), sessionChain, serving.Voucher{Session: c.session, Count: 4, Input: digest(y)})
	s.Require().NoError(err)
	answeredY := s.r18resign(c, 3, func(r *serving.Receipt) {
		r.Input, r.Output, r.Voucher = v.Input, digest(fy), v.Signature
	})

	bond0, b0 := s.providerBond(), s.bal(s.buyer)
	res, err := s.msg.Challenge(s.ctx, s.r18challenge(c, 3, s.buyer.String(), answeredY, true))
	if err == nil {
		s.T().Logf("dispute %s; buyer +%d uverd, provider bond -%d", res.Dispute.Status, s.bal(s.buyer)-b0, bond0-s.providerBond())
	}
	s.r18noSlash(c, bond0, "two right answers to the buyer's two vouchers of one count")
}

// FINDING (low). x/dispute's genesis checks only a receipt's length: a
// receipt on an open dispute of a job that is not a serving checkpoint (a
// plain batch) is imported, and then the honest provider's proof of the
// item panics in SubmitProof (j.Checkpoint is nil in equivocationReason;
// as a transaction, a failed tx every time), so it is slashed at the
// deadline. A receipt of another request (seq ≠ first+item) on a
// checkpoint's dispute is imported too, and no reveal can ever equal it.
// Fix: genesis refuses a receipt unless the job is a checkpoint and the
// body's seq is first+item (and SubmitProof tests len(d.Receipt) != 0
// with j.Checkpoint != nil).
func (s *Suite) TestReview18GenesisReceiptOnAJobItCannotAnswer() {
	// a receipt on a plain batch's dispute
	b := s.postBatch("r18-genesis-batch", 5)
	_, err := s.challengeItem(b.id, 2, nil)
	s.Require().NoError(err)
	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	bad := *gs
	bad.Disputes = append([]types.Dispute(nil), gs.Disputes...)
	body := make([]byte, serving.BodyLen)
	body[7] = 3
	for i := range bad.Disputes {
		if bad.Disputes[i].JobId == b.id {
			bad.Disputes[i].Receipt = body
		}
	}
	err = s.r10reimport(*jobsGS, bad)
	s.ErrorIs(err, types.ErrInvalidGenesis, "a receipt on a dispute of a job that is not a serving checkpoint")
	s.Require().NoError(s.r10reimport(*jobsGS, *gs))
	s.NotPanics(func() {
		_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[2], b.id, 2), s.evidence(b, 2))
	}, "the honest provider's proof of the item")
	s.Require().NoError(err)

	// a receipt of another request on a checkpoint's dispute
	c := s.postCheckpoint("r18-genesis-checkpoint", 5)
	_, err = s.msg.Challenge(s.ctx, s.receiptChallenge(c, 2, false))
	s.Require().NoError(err)
	jobsGS, err = s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	gs, err = s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	bad = *gs
	bad.Disputes = append([]types.Dispute(nil), gs.Disputes...)
	for i := range bad.Disputes {
		if bad.Disputes[i].JobId == c.id {
			bad.Disputes[i].Receipt = c.served[3].Body()
		}
	}
	s.ErrorIs(s.r10reimport(*jobsGS, bad), types.ErrInvalidGenesis, "a receipt of request 4 on item 2's dispute")
	s.Require().NoError(s.r10reimport(*jobsGS, *gs))
}

// PASSING CHECK. A real receipt the provider signed in another session
// (same serving key, same buyer key, same seq) is refused on this
// checkpoint, with or without the leaf; so is a receipt of a request in
// another checkpoint (another seq).
func (s *Suite) TestReview18CheckRealReceiptOfAnotherSessionRefused() {
	a := s.postServed("r18-session-a", 6, []int{3}, nil) // served wrong in session a
	c := s.postCheckpoint("r18-session-b", 6)
	s.Require().NotEqual(a.session, c.session)
	s.Require().Equal(a.served[3].Seq, c.receipts[3].Seq)
	ch0, bond0 := s.bal(s.challenger), s.providerBond()
	for _, leaf := range []bool{false, true} {
		_, err := s.msg.Challenge(s.ctx, s.r18challenge(c, 3, s.challenger.String(), a.served[3], leaf))
		s.ErrorIs(err, types.ErrInvalidReceipt)
		_, err = s.msg.Challenge(s.ctx, s.r18challenge(c, 2, s.challenger.String(), c.served[3], leaf))
		s.ErrorIs(err, types.ErrInvalidReceipt, "request 4's receipt as item 2")
	}
	s.Equal(ch0, s.bal(s.challenger))
	s.Equal(bond0, s.providerBond())
}

// PASSING CHECK. An open receipt dispute survives export and import (also
// through the JSON codec) with its receipt: the equivocating provider's
// reveal of its tree's other leaf still loses.
func (s *Suite) TestReview18CheckReceiptDisputeSurvivesExportImport() {
	c := s.equivocating("r18-genesis")
	_, err := s.msg.Challenge(s.ctx, s.receiptChallenge(c, 3, false))
	s.Require().NoError(err)
	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	bz, err := s.cdc.MarshalJSON(gs)
	s.Require().NoError(err)
	s.True(strings.Contains(string(bz), `"receipt":`))
	var back types.GenesisState
	s.Require().NoError(s.cdc.UnmarshalJSON(bz, &back))
	s.Require().NoError(s.r10reimport(*jobsGS, back))
	s.Equal(c.served[3].Body(), s.dispute(c.id).Receipt)
	bond0 := s.providerBond()
	out, err := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), c.items[3], c.id, 3), s.receiptEvidence(c, 3))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, out.Dispute.Status)
	s.Less(s.providerBond(), bond0)
}

// PASSING CHECK. Receipt evidence pays ReceiptGas before anything is read
// (even of a job that does not exist).
func (s *Suite) TestReview18CheckReceiptGasChargedFirst() {
	m := &types.MsgChallenge{Challenger: s.challenger.String(), JobId: 999, Receipt: make([]byte, serving.BodyLen), ReceiptSignature: make([]byte, 64), LeafPath: make([][]byte, 20)}
	want := types.ReceiptGas(m)
	s.Require().Greater(want, uint64(2*types.ReceiptSigGas))
	ctx := s.ctx
	defer func() { s.ctx = ctx }()
	s.ctx = ctx.WithGasMeter(storetypes.NewGasMeter(want - 1))
	s.Require().Panics(func() { _, _ = s.msg.Challenge(s.ctx, m) })
	meter := storetypes.NewInfiniteGasMeter()
	s.ctx = ctx.WithGasMeter(meter)
	_, err := s.msg.Challenge(s.ctx, m)
	s.Error(err)
	s.GreaterOrEqual(meter.GasConsumed(), want)
}

// PASSING CHECK. The equivocating provider's sybil challenges the
// equivocated request first without a receipt and the provider proves its
// tree; the window resumes and the buyer's receipt challenge still slashes
// it: a proven item shields nothing.
func (s *Suite) TestReview18CheckSybilShieldDoesNotHideEquivocation() {
	c := s.equivocating("r18-shield")
	_, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.stranger.String(), JobId: c.id, Item: 3})
	s.Require().NoError(err)
	_, err = s.msg.Challenge(s.ctx, s.receiptChallenge(c, 3, true))
	s.ErrorIs(err, types.ErrNotDisputable, "one dispute at a time")
	out, err := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), c.items[3], c.id, 3), s.receiptEvidence(c, 3))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, out.Dispute.Status)
	s.advance(time.Second)
	bond0 := s.providerBond()
	res, err := s.msg.Challenge(s.ctx, s.receiptChallenge(c, 3, true))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, res.Dispute.Status)
	s.Less(s.providerBond(), bond0)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FAILED, s.job(c.id).Status)
}
