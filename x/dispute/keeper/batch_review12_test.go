package keeper_test

// Attacker review 12 of the batch path (commit 401bb1e): every test here
// asserts the SAFE behaviour, so a test that fails is an attack that works.

import (
	"crypto/sha256"
	"fmt"
	"math/big"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/verdict-chain/verdict/x/dispute/keeper"
	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"

	"github.com/verdict-chain/verdict/testutil/zk"
)

// r12Batch submits a batch of n items of one model for `u` units (so its
// payment is price × u) and, once the job id is known, posts a result in
// which the items wrongFor(id) returns get a wrong output.
func (s *Suite) r12Batch(seed string, n int, u uint64, wrongFor func(id uint64) map[int]bool) batchJob {
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
		b.inLeaves = append(b.inLeaves, batch.LeafInt8(batch.KindInput, uint64(i), in))
	}
	b.inRoot, err = batch.Root(batch.KindInput, b.inLeaves)
	s.Require().NoError(err)
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		ModelCommitment: mc[:], InputCommitment: b.inRoot[:], InputUri: "ipfs://batch", CircuitId: circuitID,
		Units: u, MaxPricePerUnit: coin(150), TimeLimit: time.Hour, Items: uint64(n),
	})
	s.Require().NoError(err)
	b.id = res.JobId
	wrong := map[int]bool{}
	if wrongFor != nil {
		wrong = wrongFor(b.id)
	}
	for i := range n {
		posted := append([]int8{}, b.items[i].Output...)
		if wrong[i] {
			posted[0]++
		}
		b.posted = append(b.posted, posted)
		b.outLeaves = append(b.outLeaves, batch.LeafInt8(batch.KindOutput, uint64(i), posted))
	}
	b.oRoot, err = batch.Root(batch.KindOutput, b.outLeaves)
	s.Require().NoError(err)
	_, err = s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: s.prov.String(), JobId: b.id, OutputCommitment: b.oRoot[:], UnitsUsed: u})
	s.Require().NoError(err)
	return b
}

func allBut(n, keep int) map[int]bool {
	w := map[int]bool{}
	for i := range n {
		if i != keep {
			w[i] = true
		}
	}
	return w
}

// STRATEGY 1 (provider + sybil challenger): a provider computes ONE item
// of an 8-item batch honestly and posts garbage for the other seven. A
// sybil of its own challenges the honest item at once; the provider proves
// it. Safe: that proves one item, not the batch — the buyer can still
// challenge a wrong item within the window, and the job fails.
func (s *Suite) TestReview12SybilChallengeOfGoodItemShieldsTheBatch() {
	const u = 1_000_000 // payment 100,000,000 uverd
	buyer0 := s.bal(s.buyer)
	prov0 := s.bal(s.prov)
	b := s.r12Batch("r12-shield", 8, u, func(uint64) map[int]bool { return allBut(8, 0) })
	sybil := s.stranger // the provider's own second address
	sybil0 := s.bal(sybil)
	res, err := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: sybil.String(), JobId: b.id, Item: 0})
	s.Require().NoError(err)
	bondAmt := res.Dispute.Bond.Amount.Int64()
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[0], b.id, 0), s.evidence(b, 0))
	s.Require().NoError(err)
	s.advance(time.Minute) // still well inside the 1 h challenge window of the result

	// the buyer finds item 5 wrong and challenges it with the true output
	truth := zkml.TensorCommitment(b.items[5].Output)
	_, cerr := s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.buyer.String(), JobId: b.id, CounterCommitment: truth[:], Item: 5})
	attackerNet := (s.bal(s.prov) - prov0) + (s.bal(sybil) - sybil0)
	s.Require().NoError(cerr,
		"ATTACK: one honest item of 8 proven by a sybil's challenge finalized the whole batch (job %s); the buyer paid %d for 7 wrong outputs and cannot challenge them; provider+sybil net %+d uverd (sybil bond %d, half of it back to the provider)",
		s.job(b.id).Status, buyer0-s.bal(s.buyer), attackerNet, bondAmt)
	_, err = s.submitItem(s.buyer.String(), types.Claim_CLAIM_COUNTER, s.kit.ProveItem(s.T(), b.items[5], b.id, 5), s.evidence(b, 5))
	s.Require().NoError(err)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_FAILED, s.job(b.id).Status)
}

// STRATEGY 2 (provider, no sybil needed): audits on; a provider that
// posts a batch whose only right item is the one the audit draws. The
// audit proves that item; safe: the other items stay challengeable.
func (s *Suite) TestReview12AuditOfOneItemShieldsTheBatch() {
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.AuditRatePpm = types.MaxPpm
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().NoError(err)
	const n = 16
	drawn := -1
	b := s.r12Batch("r12-audit", n, 1_000_000, func(id uint64) map[int]bool {
		hi := s.ctx.HeaderInfo()
		drawn = int(keeper.AuditItem(hi.Hash, hi.Height, jobstypes.Job{Id: id, Items: n}))
		return allBut(n, drawn)
	})
	s.endBlock()
	d := s.dispute(b.id)
	s.Require().Equal(types.DisputeKind_DISPUTE_KIND_AUDIT, d.Kind)
	s.Require().Equal(uint64(drawn), d.Item)
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[drawn], b.id, d.Item), s.evidence(b, d.Item))
	s.Require().NoError(err)
	s.advance(time.Minute)
	other := uint64((drawn + 1) % n)
	truth := zkml.TensorCommitment(b.items[other].Output)
	_, cerr := s.challengeItem(b.id, other, truth[:])
	s.Require().NoError(cerr,
		"ATTACK: the audit proved item %d of %d and finalized the batch (%s) with %d wrong items nobody can challenge any more",
		drawn, n, s.job(b.id).Status, n-1)
}

// STRATEGY 3 (buyer): a registered circuit whose id names no scheme the
// chain knows (any id registers: single jobs need none). A provider that
// supports it and takes batches in the class is assigned a batch on it,
// posts the honest result, and the buyer challenges: the chain refuses
// every item evidence (SchemeOfCircuit) so the honest provider is slashed
// at the deadline and the buyer-challenger takes the reward. Safe: the
// chain refuses a batch it could never let the provider prove.
func (s *Suite) TestReview12BatchOnSchemelessCircuitUnprovable() {
	const other = "resnet-v1"
	_, err := s.msg.RegisterCircuit(s.ctx, &types.MsgRegisterCircuit{
		Authority: s.authority, CircuitId: other, Name: "single-job circuit",
		ProofSystem: types.ProofSystem_PROOF_SYSTEM_GROTH16_BN254, VerifyingKey: s.kit.VKBytes,
	})
	s.Require().NoError(err)
	_, err = s.jobsMsg.UpdateProvider(s.ctx, &jobstypes.MsgUpdateProvider{
		Operator: s.prov.String(), Moniker: "gpu", Endpoint: "https://gpu.example:8443",
		Classes:    []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		CircuitIds: []string{circuitID, other},
		Prices: []jobstypes.ClassPrice{{
			MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, MaxItemsPerJob: 64,
			Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: coin(price),
		}},
	})
	s.Require().NoError(err)
	kj := s.kit.NewJob(s.T(), "r12-schemeless")
	in := [][]int8{kj.Input, kj.Input}
	var inL, outL []batch.Hash
	for i := range in {
		inL = append(inL, batch.LeafInt8(batch.KindInput, uint64(i), in[i]))
		outL = append(outL, batch.LeafInt8(batch.KindOutput, uint64(i), kj.Output))
	}
	inRoot, _ := batch.Root(batch.KindInput, inL)
	oRoot, _ := batch.Root(batch.KindOutput, outL)
	buyer0, bond0 := s.bal(s.buyer), s.providerBond()
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		ModelCommitment: kj.ModelC, InputCommitment: inRoot[:], InputUri: "ipfs://batch", CircuitId: other,
		Units: units, MaxPricePerUnit: coin(150), TimeLimit: time.Hour, Items: 2,
	})
	if err != nil {
		return // SAFE: refused up front
	}
	id := res.JobId
	_, err = s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: s.prov.String(), JobId: id, OutputCommitment: oRoot[:], UnitsUsed: units})
	s.Require().NoError(err)
	_, err = s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.buyer.String(), JobId: id, Item: 0})
	s.Require().NoError(err)
	ip, _ := batch.Path(inL, 0)
	op, _ := batch.Path(outL, 0)
	ev := &types.MsgSubmitProof{JobId: id, ItemInput: zkml.Raw(in[0]), InputPath: batch.PathBytes(ip), ItemOutput: zkml.Raw(kj.Output), OutputPath: batch.PathBytes(op)}
	_, perr := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), kj, id, 0), ev)
	d := s.dispute(id)
	s.setBlock(d.ProofDeadline.Add(time.Second), s.ctx.BlockHeight()+1)
	s.endBlock()
	s.Equal(bond0, s.providerBond(),
		"ATTACK: a batch on circuit %q (no scheme the chain knows) was accepted; the honest provider's evidence was refused (%v); slashed %d; buyer-challenger net %+d uverd on a %d-uverd job",
		other, perr, bond0-s.providerBond(), s.bal(s.buyer)-buyer0, price*units)
}

// STRATEGY 4 (buyer): a batch on a registered CNN circuit whose input is
// larger than MaxItemBytes (zkml allows inputs up to 2^20 values;
// MsgSubmitProof carries at most 2^18 per tensor). The honest provider's
// evidence for any item cannot be sent. Safe: the chain refuses the batch,
// or the honest item evidence passes the item check.
func (s *Suite) TestReview12BatchItemLargerThanMaxItemBytes() {
	const cnn = "cnn-3x512x512-1k3-1k2-1k2-1k2-1k2-1k2-10" // a 786,432-value image, a valid zkml arch
	_, arch, err := zkml.ParseCNNCircuitID(cnn)
	s.Require().NoError(err)
	_, err = arch.Layers()
	s.Require().NoError(err, "a valid zkml CNN circuit id")
	_, err = s.msg.RegisterCircuit(s.ctx, &types.MsgRegisterCircuit{
		Authority: s.authority, CircuitId: cnn, Name: "big cnn",
		ProofSystem: types.ProofSystem_PROOF_SYSTEM_GROTH16_BN254, VerifyingKey: s.kit.VKBytes,
	})
	s.Require().NoError(err)
	_, err = s.jobsMsg.UpdateProvider(s.ctx, &jobstypes.MsgUpdateProvider{
		Operator: s.prov.String(), Moniker: "gpu", Endpoint: "https://gpu.example:8443",
		Classes:    []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		CircuitIds: []string{circuitID, cnn},
		Prices: []jobstypes.ClassPrice{{
			MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, MaxItemsPerJob: 64,
			Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: coin(price),
		}},
	})
	s.Require().NoError(err)
	img := make([]byte, 3*512*512)
	for i := range img {
		img[i] = byte(i * 7)
	}
	outT := make([]byte, 10)
	var inL, outL []batch.Hash
	for i := range 2 {
		inL = append(inL, batch.Leaf(batch.KindInput, uint64(i), img))
		outL = append(outL, batch.Leaf(batch.KindOutput, uint64(i), outT))
	}
	inRoot, _ := batch.Root(batch.KindInput, inL)
	oRoot, _ := batch.Root(batch.KindOutput, outL)
	mc := sha256.Sum256([]byte("model"))
	mc[0] &= 0x1f
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		ModelCommitment: mc[:], InputCommitment: inRoot[:], InputUri: "ipfs://batch", CircuitId: cnn,
		Units: units, MaxPricePerUnit: coin(150), TimeLimit: time.Hour, Items: 2,
	})
	if err != nil {
		return // SAFE: refused up front
	}
	id := res.JobId
	_, err = s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: s.prov.String(), JobId: id, OutputCommitment: oRoot[:], UnitsUsed: units})
	s.Require().NoError(err)
	_, err = s.msg.Challenge(s.ctx, &types.MsgChallenge{Challenger: s.buyer.String(), JobId: id, Item: 1})
	s.Require().NoError(err)
	ip, _ := batch.Path(inL, 1)
	op, _ := batch.Path(outL, 1)
	ev := &types.MsgSubmitProof{JobId: id, ItemInput: img, InputPath: batch.PathBytes(ip), ItemOutput: outT, OutputPath: batch.PathBytes(op)}
	bond0, buyer0 := s.providerBond(), s.bal(s.buyer)
	_, perr := s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, []byte{1, 2, 3}, ev)
	s.Require().Error(perr)
	d := s.dispute(id)
	s.setBlock(d.ProofDeadline.Add(time.Second), s.ctx.BlockHeight()+1)
	s.endBlock()
	s.NotErrorIs(perr, types.ErrInvalidItem,
		"ATTACK: a batch on %s (inputs of %d values) was accepted, but no MsgSubmitProof can carry an item's input (MaxItemBytes %d): the honest provider can never prove; slashed %d at the deadline, buyer-challenger net %+d on a %d-uverd job",
		cnn, len(img), types.MaxItemBytes, bond0-s.providerBond(), s.bal(s.buyer)-buyer0, price*units)
}

// STRATEGY 5 (sizes): the largest batch (2^20 items, 20-sibling paths)
// and awkward sizes (2, 3, 2^k+1) are proven on their last item; paths one
// too long or too short are refused.
func (s *Suite) TestReview12ExtremeSizes() {
	for _, n := range []int{2, 3, 5, 17} {
		b := s.postBatch(fmt.Sprintf("r12-size-%d", n), n)
		last := uint64(n - 1)
		_, err := s.challengeItem(b.id, last, nil)
		s.Require().NoError(err)
		ev := s.evidence(b, last)
		s.Require().Len(ev.InputPath, batch.Depth(uint64(n)))
		long := s.evidence(b, last)
		long.InputPath = append(long.InputPath, make([]byte, 32))
		_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[last], b.id, last), long)
		s.Require().ErrorIs(err, types.ErrInvalidItem, "n=%d: a path one too long", n)
		_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[last], b.id, last), ev)
		s.Require().NoError(err, "n=%d", n)
	}
}

func (s *Suite) TestReview12LargestBatch() {
	const n = batch.MaxItems
	s.offerBatches(n)
	kj := s.kit.NewJob(s.T(), "r12-huge")
	last := uint64(n - 1)
	inL := make([]batch.Hash, n)
	outL := make([]batch.Hash, n)
	for i := range uint64(n) {
		if i == last {
			inL[i] = batch.LeafInt8(batch.KindInput, i, kj.Input)
			outL[i] = batch.LeafInt8(batch.KindOutput, i, kj.Output)
			continue
		}
		v := []byte{byte(i), byte(i >> 8), byte(i >> 16)}
		inL[i] = batch.Leaf(batch.KindInput, i, v)
		outL[i] = batch.Leaf(batch.KindOutput, i, v)
	}
	inRoot, err := batch.Root(batch.KindInput, inL)
	s.Require().NoError(err)
	oRoot, err := batch.Root(batch.KindOutput, outL)
	s.Require().NoError(err)
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		ModelCommitment: kj.ModelC, InputCommitment: inRoot[:], InputUri: "ipfs://batch", CircuitId: circuitID,
		Units: n, MaxPricePerUnit: coin(150), TimeLimit: time.Hour, Items: n,
	})
	s.Require().NoError(err)
	id := res.JobId
	_, err = s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: s.prov.String(), JobId: id, OutputCommitment: oRoot[:], UnitsUsed: n})
	s.Require().NoError(err)
	_, err = s.challengeItem(id, n, nil)
	s.Require().ErrorIs(err, types.ErrInvalidItem)
	_, err = s.challengeItem(id, last, nil)
	s.Require().NoError(err)
	ip, err := batch.Path(inL, last)
	s.Require().NoError(err)
	op, err := batch.Path(outL, last)
	s.Require().NoError(err)
	s.Require().Len(ip, batch.MaxDepth)
	ev := &types.MsgSubmitProof{JobId: id, ItemInput: zkml.Raw(kj.Input), InputPath: batch.PathBytes(ip), ItemOutput: zkml.Raw(kj.Output), OutputPath: batch.PathBytes(op)}
	over := *ev
	over.InputPath = append(append([][]byte{}, ev.InputPath...), make([]byte, 32))
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, []byte{1}, &over)
	s.Require().ErrorIs(err, types.ErrInvalidItem, "21 siblings")
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), kj, id, last), ev)
	s.Require().NoError(err)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, s.dispute(id).Status)
}

// STRATEGY 6 (provider): a batch result whose output commitment is not a
// tree root (the raw tensor commitment of item 0, or garbage). It can
// never be proven: the provider loses at the deadline, the challenger is
// paid, the buyer refunded in full.
func (s *Suite) TestReview12NonRootOutputCannotEscape() {
	for name, out := range map[string]func(b batchJob) []byte{
		"item 0's tensor commitment": func(b batchJob) []byte { c := zkml.TensorCommitment(b.items[0].Output); return c[:] },
		"the input root":             func(b batchJob) []byte { return b.inRoot[:] },
		"garbage":                    func(batchJob) []byte { x := sha256.Sum256([]byte("x")); x[0] &= 0x1f; return x[:] },
	} {
		s.offerBatches(1 << 20)
		b := s.postBatch("r12-nonroot-"+name, 4)
		s.advance(2 * time.Hour) // b settles first: its refund is not counted below
		// the same job again, posted with the non-root
		res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
			Buyer: s.buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
			ModelCommitment: s.job(b.id).ModelCommitment, InputCommitment: b.inRoot[:], InputUri: "ipfs://batch", CircuitId: circuitID,
			Units: units, MaxPricePerUnit: coin(150), TimeLimit: time.Hour, Items: 4,
		})
		s.Require().NoError(err)
		id := res.JobId
		_, err = s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: s.prov.String(), JobId: id, OutputCommitment: out(b), UnitsUsed: units})
		s.Require().NoError(err)
		buyer0, bond0, c0 := s.bal(s.buyer), s.providerBond(), s.bal(s.challenger)
		escrow := s.job(id).Escrow.Amount.Int64()
		truth := zkml.TensorCommitment(b.items[2].Output)
		d, err := s.challengeItem(id, 2, truth[:])
		s.Require().NoError(err)
		ev := s.evidence(b, 2)
		ev.JobId = id
		_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[2], id, 2), ev)
		s.Require().ErrorIs(err, types.ErrInvalidItem, name)
		// no output path exists either: the counter cannot be proven, but the lapse fails the job
		ev = s.evidence(b, 2)
		ev.JobId = id
		_, err = s.submitItem(s.challenger.String(), types.Claim_CLAIM_COUNTER, s.kit.ProveItem(s.T(), b.items[2], id, 2), ev)
		s.Require().ErrorIs(err, types.ErrInvalidItem, name)
		s.setBlock(d.ProofDeadline.Add(time.Second), s.ctx.BlockHeight()+1)
		s.endBlock()
		s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, s.dispute(id).Status, name)
		s.Equal(buyer0+escrow, s.bal(s.buyer), name)
		s.Less(s.providerBond(), bond0, name)
		s.Greater(s.bal(s.challenger), c0, name)
	}
}

// STRATEGY 7 (anyone): malformed item evidence never panics and is refused
// with a registered error; the dispute stays open.
func (s *Suite) TestReview12MalformedEvidenceNoPanic() {
	b := s.postBatch("r12-malformed", 5)
	_, err := s.challengeItem(b.id, 1<<63, nil)
	s.Require().ErrorIs(err, types.ErrInvalidItem)
	_, err = s.challengeItem(b.id, ^uint64(0), nil)
	s.Require().ErrorIs(err, types.ErrInvalidItem)
	_, err = s.challengeItem(b.id, 4, nil)
	s.Require().NoError(err)
	good := s.kit.ProveItem(s.T(), b.items[4], b.id, 4)
	cases := map[string]func(m *types.MsgSubmitProof){
		"nil siblings":          func(m *types.MsgSubmitProof) { m.InputPath = make([][]byte, len(m.InputPath)) },
		"a 1 MB sibling":        func(m *types.MsgSubmitProof) { m.OutputPath[0] = make([]byte, 1<<20) },
		"a 31-byte sibling":     func(m *types.MsgSubmitProof) { m.OutputPath[1] = m.OutputPath[1][:31] },
		"no paths":              func(m *types.MsgSubmitProof) { m.InputPath, m.OutputPath = nil, nil },
		"input only":            func(m *types.MsgSubmitProof) { m.ItemOutput, m.OutputPath = nil, nil },
		"oversized input":       func(m *types.MsgSubmitProof) { m.ItemInput = make([]byte, types.MaxItemBytes+1) },
		"oversized output":      func(m *types.MsgSubmitProof) { m.ItemOutput = make([]byte, types.MaxItemBytes+1) },
		"21 siblings":           func(m *types.MsgSubmitProof) { m.InputPath = make([][]byte, batch.MaxDepth+1) },
		"empty proof":           func(m *types.MsgSubmitProof) { m.Proof = nil },
		"swapped paths":         func(m *types.MsgSubmitProof) { m.InputPath, m.OutputPath = m.OutputPath, m.InputPath },
		"swapped tensors":       func(m *types.MsgSubmitProof) { m.ItemInput, m.ItemOutput = m.ItemOutput, m.ItemInput },
		"max-size random input": func(m *types.MsgSubmitProof) { m.ItemInput = make([]byte, types.MaxItemBytes) },
	}
	for name, f := range cases {
		m := s.evidence(b, 4)
		m.Submitter, m.Claim, m.Proof = s.prov.String(), types.Claim_CLAIM_PROVIDER, good
		f(m)
		var err error
		s.NotPanics(func() { _, err = s.msg.SubmitProof(s.ctx, m) }, name)
		s.Require().Error(err, name)
		s.Equal(types.DisputeStatus_DISPUTE_STATUS_OPEN, s.dispute(b.id).Status, name)
	}
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, good, s.evidence(b, 4))
	s.Require().NoError(err)
}

// STRATEGY 8 (challenger): a counter equal to the item's posted output
// under another spelling (+ the field modulus) is refused at challenge, so
// it can never be "different" from the posted commitment.
func (s *Suite) TestReview12NonCanonicalCounterRefused() {
	b := s.postBatch("r12-noncanon", 3)
	posted := zkml.TensorCommitment(b.posted[1])
	x := new(big.Int).SetBytes(posted[:])
	x.Add(x, fr.Modulus())
	alias := make([]byte, 32)
	x.FillBytes(alias)
	c0 := s.bal(s.challenger)
	_, err := s.challengeItem(b.id, 1, alias)
	s.Require().ErrorIs(err, types.ErrInvalidCommitment)
	s.Equal(c0, s.bal(s.challenger))
}

// STRATEGY 9 (buyer): items = 1 is an ordinary single job: no item but
// 0, no item evidence, the single proof answers it.
func (s *Suite) TestReview12OneItemIsASingleJob() {
	kj := s.kit.NewJob(s.T(), "r12-one")
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		ModelCommitment: kj.ModelC, InputCommitment: kj.InputC, InputUri: "ipfs://in", CircuitId: circuitID,
		Units: 1, MaxPricePerUnit: coin(150), TimeLimit: time.Hour, Items: 1,
	})
	s.Require().NoError(err)
	id := res.JobId
	_, err = s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: s.prov.String(), JobId: id, OutputCommitment: kj.OutputC, UnitsUsed: 1})
	s.Require().NoError(err)
	_, err = s.challengeItem(id, 1, nil)
	s.Require().ErrorIs(err, types.ErrInvalidItem)
	_, err = s.challengeItem(id, 0, nil)
	s.Require().NoError(err)
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), kj, id, 0), &types.MsgSubmitProof{JobId: id})
	s.Require().ErrorIs(err, types.ErrInvalidProof, "an item proof does not answer a single job")
	_, err = s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.Require().NoError(err)
}

// STRATEGY 10 (genesis): an open dispute naming an item a single job does
// not have, or a batch job with fewer units than items, is refused.
func (s *Suite) TestReview12GenesisRefusesBadBatchState() {
	id, _ := s.jobWithResult("r12-gen-single", false)
	s.challenge(id, nil)
	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	bad := *gs
	bad.Disputes = append([]types.Dispute(nil), gs.Disputes...)
	for i := range bad.Disputes {
		if bad.Disputes[i].JobId == id {
			bad.Disputes[i].Item = 1
		}
	}
	s.Require().ErrorIs(s.r10reimport(*jobsGS, bad), types.ErrInvalidGenesis)
	s.Require().NoError(s.r10reimport(*jobsGS, *gs))
	s.Equal(uint64(0), s.dispute(id).Item)

	badJobs := *jobsGS
	badJobs.Jobs = append([]jobstypes.Job(nil), jobsGS.Jobs...)
	for i := range badJobs.Jobs {
		if badJobs.Jobs[i].Id == id {
			badJobs.Jobs[i].Items = badJobs.Jobs[i].Units + 1
		}
	}
	s.Require().Error(badJobs.Validate(s.ac), "a batch with fewer units than items")
}

// STRATEGY 11 (gas): the largest evidence an honest provider may need to
// send is charged up front and fits a block (100,000,000 gas), and a
// refused evidence still pays its item gas.
func (s *Suite) TestReview12ItemGasFitsABlock() {
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	full := make([][]byte, batch.MaxDepth)
	for i := range full {
		full[i] = make([]byte, 32)
	}
	m := &types.MsgSubmitProof{ItemInput: make([]byte, types.MaxItemBytes), ItemOutput: make([]byte, types.MaxItemBytes), InputPath: full, OutputPath: full}
	total := p.VerifyGas + types.ItemGas(m) + 10*uint64(2*types.MaxItemBytes+2*batch.MaxDepth*32+1024) // tx bytes at 10 gas/byte
	s.Less(total, uint64(100_000_000))
	s.T().Logf("largest item evidence: %d gas (item %d)", total, types.ItemGas(m))
}

// STRATEGY 12 (challenger, deadlines): a wrong item challenged with a
// wrong counter too: neither side proves, the provider (who posted the
// wrong item) loses at the deadline; an item proof is taken up to the
// last instant before the deadline and refused at it.
func (s *Suite) TestReview12ItemDeadlines() {
	b := s.postBatch("r12-deadline-wrong", 6, 3)
	junk := zkml.TensorCommitment([]int8{1, 2, 3, 4})
	d, err := s.challengeItem(b.id, 3, junk[:])
	s.Require().NoError(err)
	_, err = s.submitItem(s.challenger.String(), types.Claim_CLAIM_COUNTER, s.kit.ProveItem(s.T(), b.items[3], b.id, 3), s.evidence(b, 3))
	s.Require().ErrorIs(err, types.ErrInvalidProof, "the true output is not the counter")
	s.setBlock(d.ProofDeadline, s.ctx.BlockHeight()+1)
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), b.items[3], b.id, 3), s.evidence(b, 3))
	s.Require().ErrorIs(err, types.ErrProofDeadline)
	s.endBlock()
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, s.dispute(b.id).Status)

	g := s.postBatch("r12-deadline-good", 6)
	d, err = s.challengeItem(g.id, 5, nil)
	s.Require().NoError(err)
	s.setBlock(d.ProofDeadline.Add(-time.Nanosecond), s.ctx.BlockHeight()+1)
	_, err = s.submitItem(s.prov.String(), types.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.T(), g.items[5], g.id, 5), s.evidence(g, 5))
	s.Require().NoError(err)
}
