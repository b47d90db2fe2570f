package keeper_test

import (
	"fmt"
	"time"

	"github.com/verdict-chain/verdict/x/dispute/keeper"
	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"

	"github.com/verdict-chain/verdict/testutil/zk"
)

// batchJob is a batch job of the suite's provider as the test built it:
// every item's input and posted output, the trees' leaves, and each
// item's true run (for proofs).
type batchJob struct {
	id            uint64
	items         []zk.Job // item i's model, input and true output
	posted        [][]int8 // what the provider posted per item
	inLeaves      []batch.Hash
	outLeaves     []batch.Hash
	inRoot, oRoot batch.Hash
}

// offerBatches lets the suite's provider take batches of up to max items.
func (s *Suite) offerBatches(max uint64) {
	_, err := s.jobsMsg.UpdateProvider(s.ctx, &jobstypes.MsgUpdateProvider{
		Operator: s.prov.String(), Moniker: "gpu", Endpoint: "https://gpu.example:8443",
		Classes:    []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		CircuitIds: []string{circuitID},
		Prices: []jobstypes.ClassPrice{{
			MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, MaxItemsPerJob: max,
			Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: coin(price),
		}},
	})
	s.Require().NoError(err)
}

// postBatch submits a batch of n items of one model and posts its result;
// the items in wrong get a wrong output (first value + 1).
func (s *Suite) postBatch(seed string, n int, wrong ...int) batchJob {
	s.offerBatches(1 << 20)
	m, err := zkml.ExampleModel(s.kit.Shape, seed)
	s.Require().NoError(err)
	mc, err := zkml.ModelCommitment(m)
	s.Require().NoError(err)
	b := batchJob{}
	for i := range n {
		in := zkml.ExampleInput(s.kit.Shape[0], fmt.Sprintf("%s-%d", seed, i))
		out, err := zkml.Infer(m, in)
		s.Require().NoError(err)
		b.items = append(b.items, zk.Job{Model: m, Input: in, Output: out})
		posted := append([]int8{}, out...)
		for _, w := range wrong {
			if w == i {
				posted[0]++
			}
		}
		b.posted = append(b.posted, posted)
		b.inLeaves = append(b.inLeaves, batch.LeafInt8(batch.KindInput, uint64(i), in))
		b.outLeaves = append(b.outLeaves, batch.LeafInt8(batch.KindOutput, uint64(i), posted))
	}
	b.inRoot, err = batch.Root(batch.KindInput, b.inLeaves)
	s.Require().NoError(err)
	b.oRoot, err = batch.Root(batch.KindOutput, b.outLeaves)
	s.Require().NoError(err)
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		ModelCommitment: mc[:], InputCommitment: b.inRoot[:], InputUri: "ipfs://batch", CircuitId: circuitID,
		Units: max(units, uint64(n)), MaxPricePerUnit: coin(150), TimeLimit: time.Hour, Items: uint64(n),
	})
	s.Require().NoError(err)
	s.Require().Equal(s.prov.String(), res.Provider)
	b.id = res.JobId
	_, err = s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: s.prov.String(), JobId: b.id, OutputCommitment: b.oRoot[:], UnitsUsed: max(units, uint64(n))})
	s.Require().NoError(err)
	return b
}

// evidence is item i's evidence as an honest party sends it.
func (s *Suite) evidence(b batchJob, i uint64) *types.MsgSubmitProof {
	ip, err := batch.Path(b.inLeaves, i)
	s.Require().NoError(err)
	op, err := batch.Path(b.outLeaves, i)
	s.Require().NoError(err)
	return &types.MsgSubmitProof{
		JobId: b.id, ItemInput: zkml.Raw(b.items[i].Input), InputPath: batch.PathBytes(ip),
		ItemOutput: zkml.Raw(b.posted[i]), OutputPath: batch.PathBytes(op),
	}
}

func (s *Suite) submitItem(from string, claim types.Claim, proof []byte, m *types.MsgSubmitProof) (*types.MsgSubmitProofResponse, error) {
	m.Submitter, m.Claim, m.Proof = from, claim, proof
	return s.msg.SubmitProof(s.ctx, m)
}

func (s *Suite) challengeItem(id, item uint64, counter []byte) (types.Dispute, error) {
	res, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.challenger.String(), JobId: id, CounterCommitment: counter, Item: item})
	if err != nil {
		return types.Dispute{}, err
	}
	return res.Dispute, nil
}

// An honest provider answers a challenge of any item of its batch with
// that item's proof and two paths, and wins the challenger's bond share.
func (s *Suite) TestBatchItemProvenByItsProvider() {
	b := s.postBatch("batch-honest", 13)
	c0, p0 := s.bal(s.challenger), s.bal(s.prov)
	d, err := s.challengeItem(b.id, 11, nil)
	s.Require().NoError(err)
	s.Equal(uint64(11), d.Item)
	proof := s.kit.ProveItem(s.T(), b.items[11], b.id, 11)
	res, err := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, proof, s.evidence(b, 11))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, res.Dispute.Status)
	s.Less(s.bal(s.challenger), c0)
	s.Greater(s.bal(s.prov), p0, "the provider got its share of the bond")
	s.advance(2 * time.Hour)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FINALIZED, s.job(b.id).Status)
}

// One wrong item anywhere in a batch fails the whole job: the challenger
// proves the item's true output (its counter), the provider is slashed as
// for fraud and the buyer gets everything back.
func (s *Suite) TestBatchWrongItemFailsTheJob() {
	b := s.postBatch("batch-wrong", 9, 6)
	buyer0, bond0 := s.bal(s.buyer), s.providerBond()
	escrow := s.job(b.id).Escrow.Amount.Int64()
	truth := zkml.TensorCommitment(b.items[6].Output)
	_, err := s.challengeItem(b.id, 6, truth[:])
	s.Require().NoError(err)
	// the provider cannot prove what it posted for item 6
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[6], b.id, 6), s.evidence(b, 6))
	s.Require().ErrorIs(err, types.ErrInvalidProof)
	res, err := s.submitItem(s.challenger.String(), types.Claim_CLAIM_COUNTER, s.kit.ProveItem(s.T(), b.items[6], b.id, 6), s.evidence(b, 6))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, res.Dispute.Status)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FAILED, s.job(b.id).Status)
	s.Equal(buyer0+escrow, s.bal(s.buyer), "the buyer is refunded in full")
	s.Less(s.providerBond(), bond0, "the provider is slashed")
}

// A wrong item nobody proves right still fails the job at the deadline.
func (s *Suite) TestBatchWrongItemLapses() {
	b := s.postBatch("batch-lapse", 4, 0)
	bond0 := s.providerBond()
	d, err := s.challengeItem(b.id, 0, nil)
	s.Require().NoError(err)
	s.setBlock(d.ProofDeadline.Add(time.Second), s.ctx.BlockHeight()+1)
	s.endBlock()
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, s.dispute(b.id).Status)
	s.Less(s.providerBond(), bond0)
}

// Every way of answering one item with another's evidence, another job's
// proof or a forged path is refused with a registered error, and the
// dispute stays open for the true proof.
func (s *Suite) TestBatchItemEvidenceRefused() {
	b := s.postBatch("batch-refuse", 13)
	other := s.postBatch("batch-other", 13)
	_, err := s.challengeItem(b.id, 5, nil)
	s.Require().NoError(err)
	good := s.kit.ProveItem(s.T(), b.items[5], b.id, 5)
	p7 := s.kit.ProveItem(s.T(), b.items[7], b.id, 7)
	flip := func(m *types.MsgSubmitProof) *types.MsgSubmitProof { m.InputPath[1][0] ^= 1; return m }
	short := func(m *types.MsgSubmitProof) *types.MsgSubmitProof {
		m.OutputPath = m.OutputPath[:len(m.OutputPath)-1]
		return m
	}
	noOut := func(m *types.MsgSubmitProof) *types.MsgSubmitProof { m.ItemOutput, m.OutputPath = nil, nil; return m }
	tamper := func(m *types.MsgSubmitProof) *types.MsgSubmitProof { m.ItemInput[0]++; return m }
	otherItem5 := s.evidence(other, 5)
	otherItem5.JobId = b.id
	for name, c := range map[string]struct {
		proof []byte
		m     *types.MsgSubmitProof
		want  error
	}{
		"item 7's proof and evidence for item 5":       {p7, s.evidence(b, 7), types.ErrInvalidItem},
		"item 7's proof with item 5's evidence":        {p7, s.evidence(b, 5), types.ErrInvalidProof},
		"another job's item 5 proof":                   {s.kit.ProveItem(s.T(), other.items[5], other.id, 5), s.evidence(b, 5), types.ErrInvalidProof},
		"the single-job proof of item 5's input":       {s.kit.Prove(s.T(), b.items[5], b.id), s.evidence(b, 5), types.ErrInvalidProof},
		"another job's evidence for item 5":            {good, otherItem5, types.ErrInvalidItem},
		"a forged input path":                          {good, flip(s.evidence(b, 5)), types.ErrInvalidItem},
		"an output path one short":                     {good, short(s.evidence(b, 5)), types.ErrInvalidItem},
		"no posted output":                             {good, noOut(s.evidence(b, 5)), types.ErrInvalidItem},
		"an input not in the tree":                     {good, tamper(s.evidence(b, 5)), types.ErrInvalidItem},
		"no evidence at all":                           {good, &types.MsgSubmitProof{JobId: b.id}, types.ErrInvalidItem},
		"a counter claim on a dispute with no counter": {good, s.evidence(b, 5), types.ErrInvalidClaim},
	} {
		claim := types.Claim_CLAIM_PROVIDER
		if name == "a counter claim on a dispute with no counter" {
			claim = types.Claim_CLAIM_COUNTER
		}
		_, err := s.submitItem(s.prov.String(), claim, c.proof, c.m)
		s.Require().ErrorIs(err, c.want, name)
		s.Equal(types.DisputeStatus_DISPUTE_STATUS_OPEN, s.dispute(b.id).Status, name)
	}
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, good, s.evidence(b, 5))
	s.Require().NoError(err)
}

// A challenge names an item of the batch; a single-input job has none; a
// counter equal to what the provider posted refutes nothing.
func (s *Suite) TestBatchChallengeRefusals() {
	b := s.postBatch("batch-challenge", 3)
	c0 := s.bal(s.challenger)
	_, err := s.challengeItem(b.id, 3, nil)
	s.Require().ErrorIs(err, types.ErrInvalidItem, "item past the end")
	single, _ := s.jobWithResult("batch-single", false)
	_, err = s.challengeItem(single, 1, nil)
	s.Require().ErrorIs(err, types.ErrInvalidItem, "an item of a single-input job")
	_, err = s.submitProof(s.prov, single, types.Claim_CLAIM_PROVIDER, []byte{1})
	s.Require().ErrorIs(err, types.ErrDisputeNotFound)
	s.Equal(c0, s.bal(s.challenger), "nothing moved")

	posted := zkml.TensorCommitment(b.posted[1])
	_, err = s.challengeItem(b.id, 1, posted[:])
	s.Require().NoError(err, "the chain cannot see an item's output at challenge time")
	_, err = s.submitItem(s.challenger.String(), types.Claim_CLAIM_COUNTER, s.kit.ProveItem(s.T(), b.items[1], b.id, 1), s.evidence(b, 1))
	s.Require().ErrorIs(err, types.ErrInvalidClaim, "a counter equal to the posted output")
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[1], b.id, 1), s.evidence(b, 1))
	s.Require().NoError(err, "the provider still proves its item")
}

// Item evidence on a single-input job's dispute is refused.
func (s *Suite) TestSingleJobRefusesItemEvidence() {
	id, kj := s.jobWithResult("single-evidence", false)
	s.challenge(id, nil)
	m := &types.MsgSubmitProof{JobId: id, ItemInput: []byte{1}}
	_, err := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id), m)
	s.Require().ErrorIs(err, types.ErrInvalidItem)
	_, err = s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.Require().NoError(err)
}

// An audit of a batch job draws one of its items from the block's data,
// and the provider answers it like a challenge.
func (s *Suite) TestBatchAuditDrawsAnItem() {
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.AuditRatePpm = types.MaxPpm
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().NoError(err)
	b := s.postBatch("batch-audit", 100)
	s.endBlock()
	d := s.dispute(b.id)
	s.Equal(types.DisputeKind_DISPUTE_KIND_AUDIT, d.Kind)
	hi := s.ctx.HeaderInfo()
	s.Equal(keeper.AuditItem(hi.Hash, hi.Height, s.job(b.id)), d.Item)
	s.Less(d.Item, uint64(100))
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[d.Item], b.id, d.Item), s.evidence(b, d.Item))
	s.Require().NoError(err)
}

// The audit's item is spread over the batch: over many blocks every item
// of a small batch is drawn, none far more often than the others.
func (s *Suite) TestAuditItemIsUniform() {
	j := jobstypes.Job{Id: 7, Items: 10}
	counts := make([]int, 10)
	for h := int64(1); h <= 10_000; h++ {
		counts[keeper.AuditItem([]byte(fmt.Sprint("hash", h)), h, j)]++
	}
	for i, c := range counts {
		s.InDelta(1000, c, 150, "item %d drawn %d times in 10,000", i, c)
	}
	s.Equal(uint64(0), keeper.AuditItem([]byte("h"), 1, jobstypes.Job{Id: 7}), "a single-input job's item is 0")
}

// Gas for the item check is charged before any of it runs: evidence that
// fails its path check still pays it.
func (s *Suite) TestBatchItemGasChargedUpFront() {
	b := s.postBatch("batch-gas", 13)
	_, err := s.challengeItem(b.id, 2, nil)
	s.Require().NoError(err)
	m := s.evidence(b, 3) // wrong item: refused by the path check
	want := types.ItemGas(m)
	before := s.ctx.GasMeter().GasConsumed()
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, []byte{1, 2, 3}, m)
	s.Require().Error(err)
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	s.GreaterOrEqual(s.ctx.GasMeter().GasConsumed()-before, p.VerifyGas+want)
	s.Greater(want, uint64(0))
}

// A batch dispute survives an export and import with its item; a genesis
// naming an item the job does not have is refused.
func (s *Suite) TestBatchDisputeGenesis() {
	b := s.postBatch("batch-genesis", 13)
	_, err := s.challengeItem(b.id, 12, nil)
	s.Require().NoError(err)
	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	bad := *gs
	bad.Disputes = append([]types.Dispute(nil), gs.Disputes...)
	for i := range bad.Disputes {
		if bad.Disputes[i].JobId == b.id {
			bad.Disputes[i].Item = 13
		}
	}
	s.Require().ErrorIs(s.r10reimport(*jobsGS, bad), types.ErrInvalidGenesis)
	s.Require().NoError(s.r10reimport(*jobsGS, *gs))
	s.Equal(uint64(12), s.dispute(b.id).Item)
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[12], b.id, 12), s.evidence(b, 12))
	s.Require().NoError(err)
}

// One item proven right says nothing of the others. A provider's sybil
// challenges the one honest item of a batch at once (the "shield"): the
// provider proves it, and the result goes back to its challenge window for
// exactly the time it had left, so the buyer still catches a wrong item,
// the provider is slashed and the buyer refunded in full. The shield cost
// the pair half the sybil's bond and bought nothing.
func (s *Suite) TestBatchProvenItemShieldsNothing() {
	b := s.postBatch("batch-shield", 8, 1, 2, 3, 4, 5, 6, 7)
	windowEnd := s.job(b.id).WindowEnd
	s.advance(time.Minute)
	opened := s.ctx.BlockTime()
	buyer0, pool0, bond0 := s.bal(s.buyer), s.pool(), s.providerBond()
	escrow := s.job(b.id).Escrow.Amount.Int64()
	pair0 := s.bal(s.challenger) + s.bal(s.prov) // the sybil (the suite's challenger) and the provider
	_, err := s.challengeItem(b.id, 0, nil)
	s.Require().NoError(err)
	s.advance(10 * time.Minute) // the provider takes its time
	res, err := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[0], b.id, 0), s.evidence(b, 0))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, res.Dispute.Status)
	first := res.Dispute

	j := s.job(b.id)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, j.Status, "not finalized by one item")
	s.Equal(windowEnd.Sub(opened), j.WindowEnd.Sub(s.ctx.BlockTime()), "the window left when the dispute opened, from now")
	s.Less(s.bal(s.challenger)+s.bal(s.prov), pair0, "the shield cost the pair part of the bond")

	// the buyer's watcher catches item 5 and proves its true output
	s.advance(time.Minute)
	truth := zkml.TensorCommitment(b.items[5].Output)
	_, err = s.challengeItem(b.id, 5, truth[:])
	s.Require().NoError(err)
	dp, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	has, err := s.k.PruneQueue.Has(s.ctx, first.Resolution.ResolvedAt.Add(dp.Retention), b.id)
	s.Require().NoError(err)
	s.False(has, "the first dispute's prune entry went with its record")
	res, err = s.submitItem(s.challenger.String(), types.Claim_CLAIM_COUNTER, s.kit.ProveItem(s.T(), b.items[5], b.id, 5), s.evidence(b, 5))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, res.Dispute.Status)
	s.Equal(uint64(5), s.dispute(b.id).Item)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FAILED, s.job(b.id).Status)
	s.Equal(buyer0+escrow, s.bal(s.buyer), "the buyer is refunded in full")
	s.Less(s.providerBond(), bond0, "the provider is slashed")
	s.Greater(s.pool(), pool0)

	// the window of an honest batch whose item was proven ends, and the
	// job is paid once
	h := s.postBatch("batch-resume", 5)
	_, err = s.challengeItem(h.id, 3, nil)
	s.Require().NoError(err)
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), h.items[3], h.id, 3), s.evidence(h, 3))
	s.Require().NoError(err)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(h.id).Status)
	p0 := s.bal(s.prov)
	s.advance(2 * time.Hour)
	hj := s.job(h.id)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FINALIZED, hj.Status)
	s.Equal(hj.Settlement.ProviderPayment.Amount.Int64(), s.bal(s.prov)-p0, "paid once, at the window's end")
}

// At full size: in a batch of 100,000 items (17-sibling paths, the last
// item on the tree's unbalanced right edge) a right item is proven and
// resumes the window, and a wrong item is refused by proof: the provider
// cannot prove what it posted, the evidence of the item next to it does
// not answer it, and the challenger's proof of the true output fails the
// whole job.
func (s *Suite) TestBatchWrongItemInAHundredThousand() {
	const n = 100_000
	last := uint64(n - 1)
	b := s.postBatch("batch-100k", n, int(last))
	_, err := s.challengeItem(b.id, 0, nil)
	s.Require().NoError(err)
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[0], b.id, 0), s.evidence(b, 0))
	s.Require().NoError(err)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(b.id).Status, "item 0 proven: the window resumes")

	buyer0, bond0 := s.bal(s.buyer), s.providerBond()
	escrow := s.job(b.id).Escrow.Amount.Int64()
	truth := zkml.TensorCommitment(b.items[last].Output)
	_, err = s.challengeItem(b.id, last, truth[:])
	s.Require().NoError(err)
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[last], b.id, last), s.evidence(b, last))
	s.Require().ErrorIs(err, types.ErrInvalidProof, "the posted output of the last item is not the model's")
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[last-1], b.id, last-1), s.evidence(b, last-1))
	s.Require().Error(err, "the item next to it does not answer its dispute")
	res, err := s.submitItem(s.challenger.String(), types.Claim_CLAIM_COUNTER, s.kit.ProveItem(s.T(), b.items[last], b.id, last), s.evidence(b, last))
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, res.Dispute.Status)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FAILED, s.job(b.id).Status)
	s.Equal(buyer0+escrow, s.bal(s.buyer), "the buyer is refunded in full")
	s.Less(s.providerBond(), bond0)
}
