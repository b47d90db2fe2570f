package keeper_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/verdict-chain/verdict/testutil/zk"
	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

const sessionChain = "verdict-test-1"

func edKey(seed string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(seed))
	return ed25519.NewKeyFromSeed(s[:])
}

// checkpointJob is a serving checkpoint of the suite's provider as the test
// built it: each request's run, its receipt and the receipt tree.
type checkpointJob struct {
	id       uint64
	session  uint64
	items    []zk.Job
	receipts []serving.Receipt // the tree's
	treeOuts [][]int8          // the output tensor each tree receipt names (nil: none known)
	served   []serving.Receipt // what the buyer got
	leaves   []batch.Hash
	provKey  ed25519.PrivateKey
}

// openServing turns sessions on, gives the suite's provider a serving key
// and opens a session of maxRequests requests of seed's model; it returns
// the session, the model and the two parties' keys.
func (s *Suite) openServing(seed string, maxRequests uint64) (uint64, *zkml.Model, ed25519.PrivateKey, ed25519.PrivateKey) {
	s.ctx = s.ctx.WithChainID(sessionChain)
	p := jobstypes.DefaultParams()
	p.MaxSessionDuration = 24 * time.Hour
	_, err := s.jobsMsg.UpdateParams(s.ctx, &jobstypes.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().NoError(err)
	provKey, buyerKey := edKey("serving"), edKey("buyer session")
	_, err = s.jobsMsg.UpdateProvider(s.ctx, &jobstypes.MsgUpdateProvider{
		Operator: s.prov.String(), Moniker: "gpu", Endpoint: "https://gpu.example:8443",
		Classes:    []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		CircuitIds: []string{circuitID},
		Prices:     []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: coin(price)}},
		ServingKey: provKey.Public().(ed25519.PublicKey),
	})
	s.Require().NoError(err)
	m, err := zkml.ExampleModel(s.kit.Shape, seed)
	s.Require().NoError(err)
	mc, err := zkml.ModelCommitment(m)
	s.Require().NoError(err)
	open, err := s.jobsMsg.OpenSession(s.ctx, &jobstypes.MsgOpenSession{
		Buyer: s.buyer.String(), Provider: s.prov.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		CircuitId: circuitID, ModelCommitment: mc[:], UnitsPerRequest: units, MaxPricePerUnit: coin(150),
		MaxRequests: maxRequests, Duration: 12 * time.Hour, SessionKey: buyerKey.Public().(ed25519.PublicKey),
	})
	s.Require().NoError(err)
	return open.SessionId, m, provKey, buyerKey
}

// postCheckpoint opens a session with the suite's provider, serves n
// requests of one model off-chain — the requests in wrong answered with a
// wrong output — and checkpoints them.
func (s *Suite) postCheckpoint(seed string, n int, wrong ...int) checkpointJob {
	return s.postServed(seed, n, wrong, nil)
}

// postServed is postCheckpoint whose tree may hold other receipts than the
// ones served: before the tree's receipt of request i+1 is signed,
// treeEdit (if any) changes it, knowing the request's right output. c.served are the receipts the buyer got.
func (s *Suite) postServed(seed string, n int, wrong []int, treeEdit func(i int, right []int8, r *serving.Receipt)) checkpointJob {
	id, m, provKey, buyerKey := s.openServing(seed, uint64(n)+10)
	c := checkpointJob{session: id, provKey: provKey}
	var last serving.Commitment
	var v serving.Voucher
	for i := range n {
		in := zkml.ExampleInput(s.kit.Shape[0], fmt.Sprintf("%s-%d", seed, i))
		out, err := zkml.Infer(m, in)
		s.Require().NoError(err)
		c.items = append(c.items, zk.Job{Model: m, Input: in, Output: out})
		answered := append([]int8{}, out...)
		for _, w := range wrong {
			if w == i {
				answered[0]++
			}
		}
		// the buyer's voucher of this request, then the provider's receipt
		// of it, carrying the voucher
		v, err = serving.SignVoucher(buyerKey, sessionChain, serving.Voucher{Session: c.session, Count: uint64(i) + 1, Input: digest(in)})
		s.Require().NoError(err)
		r := serving.Receipt{Session: c.session, Seq: uint64(i) + 1, Input: v.Input, Output: digest(answered), ReceivedMs: 1000, AnsweredMs: 1004, Voucher: v.Signature}
		served, err := serving.SignReceipt(provKey, sessionChain, r)
		s.Require().NoError(err)
		c.served = append(c.served, served)
		if treeEdit != nil {
			treeEdit(i, out, &r)
		}
		switch r.Output {
		case digest(answered):
			c.treeOuts = append(c.treeOuts, answered)
		case digest(out):
			c.treeOuts = append(c.treeOuts, out)
		default:
			c.treeOuts = append(c.treeOuts, nil)
		}
		r, err = serving.SignReceipt(provKey, sessionChain, r)
		s.Require().NoError(err)
		c.receipts = append(c.receipts, r)
		c.leaves = append(c.leaves, r.Leaf(uint64(i)))
		last = r.Input
	}
	root, err := batch.Root(batch.KindReceipt, c.leaves)
	s.Require().NoError(err)
	res, err := s.jobsMsg.Checkpoint(s.ctx, &jobstypes.MsgCheckpoint{
		Provider: s.prov.String(), SessionId: c.session, Count: uint64(n), LastInput: last[:], VoucherSignature: v.Signature,
		ReceiptsRoot: root[:], ReceiptsUri: "https://gpu.example/receipts/1",
	})
	s.Require().NoError(err)
	c.id = res.JobId
	return c
}

// receiptEvidence is request first+i's evidence: its receipt body and
// path, the request's input and the output the receipt names.
func (s *Suite) receiptEvidence(c checkpointJob, i uint64) *types.MsgSubmitProof {
	p, err := batch.Path(c.leaves, i)
	s.Require().NoError(err)
	return &types.MsgSubmitProof{
		JobId: c.id, Receipt: c.receipts[i].Body(), InputPath: batch.PathBytes(p),
		ItemInput: zkml.Raw(c.items[i].Input), ItemOutput: zkml.Raw(c.treeOuts[i]),
	}
}

// digest is a tensor's digest in vouchers and receipts.
func digest(t []int8) serving.Commitment { return serving.Digest(zkml.Raw(t)) }

// An honest provider answers a challenge of any receipt of its checkpoint
// with that request's proof — the batch item path, its commitments read
// from the receipt — and wins; the checkpoint is paid after the rest of its
// window.
func (s *Suite) TestCheckpointReceiptProvenByItsProvider() {
	c := s.postCheckpoint("serve-honest", 9)
	j := s.job(c.id)
	s.Equal(uint64(9), j.Items)
	p0 := s.bal(s.prov)
	_, err := s.challengeItem(c.id, 6, nil)
	s.Require().NoError(err)

	// evidence of another request, or in batch form, is refused
	proof := s.kit.ProveItem(s.T(), c.items[6], c.id, 6)
	wrongSeq := s.receiptEvidence(c, 5)
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, proof, wrongSeq)
	s.ErrorIs(err, types.ErrInvalidItem, "request 6's receipt offered for item 6 (request 7)")
	batchForm := s.receiptEvidence(c, 6)
	batchForm.OutputPath = batchForm.InputPath
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, proof, batchForm)
	s.ErrorIs(err, types.ErrInvalidItem, "a batch item's output path")
	for name, edit := range map[string]func(m *types.MsgSubmitProof){
		"no input tensor":             func(m *types.MsgSubmitProof) { m.ItemInput = nil },
		"no output tensor":            func(m *types.MsgSubmitProof) { m.ItemOutput = nil },
		"another input than received": func(m *types.MsgSubmitProof) { m.ItemInput = zkml.Raw(c.items[5].Input) },
		"another output than served":  func(m *types.MsgSubmitProof) { m.ItemOutput = zkml.Raw(c.items[5].Output) },
		"no receipt":                  func(m *types.MsgSubmitProof) { m.Receipt = nil },
	} {
		m := s.receiptEvidence(c, 6)
		edit(m)
		_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, proof, m)
		s.ErrorIs(err, types.ErrInvalidItem, name)
	}
	tampered := s.receiptEvidence(c, 6)
	tampered.Receipt[8+2*32+15]++ // the answer time
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, proof, tampered)
	s.ErrorIs(err, types.ErrInvalidItem, "a body the tree does not hold")

	res, err := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, proof, s.receiptEvidence(c, 6))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, res.Dispute.Status)
	s.Greater(s.bal(s.prov), p0, "the challenger's bond share")
	s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(c.id).Status, "one request proven shields nothing: the window runs again")
	s.advance(2 * time.Hour)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FINALIZED, s.job(c.id).Status)
}

// A wrong answer caught by its receipt fails the whole checkpoint: the
// challenger proves the right output, the buyer gets the checkpoint's
// payment back, the provider's bond pays the fraud slash of it.
func (s *Suite) TestCheckpointWrongReceiptFailsTheCheckpoint() {
	c := s.postCheckpoint("serve-cheat", 7, 4)
	j := s.job(c.id)
	b0, bond0 := s.bal(s.buyer), s.providerBond()
	right := zkml.TensorCommitment(c.items[4].Output)
	_, err := s.challengeItem(c.id, 4, right[:])
	s.Require().NoError(err)
	proof := s.kit.ProveItem(s.T(), c.items[4], c.id, 4)
	res, err := s.submitItem(s.challenger.String(), types.Claim_CLAIM_COUNTER, proof, s.receiptEvidence(c, 4))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, res.Dispute.Status)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FAILED, s.job(c.id).Status)
	s.Equal(b0+j.Escrow.Amount.Int64(), s.bal(s.buyer), "the checkpoint's payment back in full")
	params, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	s.Equal(bond0-types.FraudSlash(params, coin(bond0).Amount, j).Int64(), s.providerBond(), "slashed for the whole checkpoint")

	// the counter claim needs a receipt that differs from it
	honest := s.postCheckpoint("serve-honest-2", 3)
	good := zkml.TensorCommitment(honest.items[1].Output)
	bad := good
	bad[31] ^= 1
	_, err = s.challengeItem(honest.id, 1, bad[:])
	s.Require().NoError(err)
	_, err = s.submitItem(s.challenger.String(), types.Claim_CLAIM_COUNTER, s.kit.ProveItem(s.T(), honest.items[1], honest.id, 1), s.receiptEvidence(honest, 1))
	s.Error(err, "the receipt says the true output: nothing to refute")
}
