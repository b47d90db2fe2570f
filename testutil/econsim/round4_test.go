package econsim_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/testutil/zk"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/jobs/batch"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/zkml"
)

// The fourth round: batch jobs and partial cheating. A partial-batch
// provider computes only a share f of each batch's items and fills the
// rest with outputs it did not compute (saving at most (1−f) of what the
// batch pays: a provider's compute costs less than it is paid). The chain
// audits a batch at the rate of its payment (the deterrence floor) and
// draws one item; a watcher samples watcherSample items of every batch and
// challenges the first wrong one with its true output, then proves it. One
// wrong item proven fails the whole batch: the buyer is refunded in full
// and the provider slashed by the fraud slash of the batch's payment. At
// every f the expected loss, a·(1−f)·(slash + payment) from audits alone,
// exceeds the saving (1−f)·payment because the floor makes a·slash at least
// twice the payment: partial cheating loses whatever its share, and the
// watcher's sampling only adds to the loss.

const (
	partial50    = "partial-batch-50"
	partial90    = "partial-batch-90"
	partial99    = "partial-batch-99"
	batchBuyer   = "batch-buyer"
	batchWatcher = "batch-watcher"

	batchItems    = 64
	batchUnits    = 640 // ten units an item
	batchEvery    = 3   // the batch buyer orders one batch every batchEvery blocks, from each partial provider in turn
	watcherSample = 4
)

var partialProviders = []string{partial50, partial90, partial99}

// partialWrong is how many of a batch's items each provider fills without
// computing: (1−f)·N, at least one.
var partialWrong = map[string]int{partial50: batchItems / 2, partial90: batchItems / 10, partial99: 1}

// batchOffer takes batches of up to batchItems items, priced above what
// the other buyers pay (the scheduler never sends them a single job: their
// rows are batches only).
func batchOffer() jobstypes.ClassPrice {
	return jobstypes.ClassPrice{Class: inference, PricePerUnit: coin(170), MinTimeLimit: 20 * time.Second, MaxUnitsPerJob: 1_500, MaxOpenUnits: 100_000, MaxItemsPerJob: batchItems}
}

// batchData is the batch every order carries: batchItems inputs of one
// model, their true outputs and the input tree.
type batchData struct {
	model    *zkml.Model
	modelC   []byte
	items    []zk.Job
	inLeaves []batch.Hash
	inRoot   batch.Hash
	rng      *rand.Rand
}

// batchInfo is one batch job as its provider posted it.
type batchInfo struct {
	wrong      map[uint64]bool
	outLeaves  []batch.Hash
	outRoot    batch.Hash
	sampled    bool
	challenged bool
	countered  bool
	proven     map[int64]bool // disputes answered, by their opening time
}

func (s *sim) batches() *batchData {
	if s.bd != nil {
		return s.bd
	}
	m, err := zkml.ExampleModel(s.kit.Shape, "econ-batch")
	require.NoError(s.t, err)
	mc, err := zkml.ModelCommitment(m)
	require.NoError(s.t, err)
	bd := &batchData{model: m, modelC: mc[:]}
	for i := range batchItems {
		in := zkml.ExampleInput(s.kit.Shape[0], fmt.Sprintf("econ-batch-%d", i))
		out, err := zkml.Infer(m, in)
		require.NoError(s.t, err)
		bd.items = append(bd.items, zk.Job{Model: m, Input: in, Output: out})
		bd.inLeaves = append(bd.inLeaves, batch.LeafInt8(batch.KindInput, uint64(i), in))
	}
	bd.inRoot, err = batch.Root(batch.KindInput, bd.inLeaves)
	require.NoError(s.t, err)
	// round 4 draws from its own stream: the other strategies play as
	// they did without it
	bd.rng = rand.New(rand.NewPCG(s.seed^0xba7c4, s.seed+4))
	s.bd = bd
	return bd
}

// newBatch decides which items a batch's provider fills (a partial
// provider picks its share at random) and builds the output tree it posts.
func (s *sim) newBatch(provider string) *batchInfo {
	bi := &batchInfo{wrong: map[uint64]bool{}, proven: map[int64]bool{}}
	for _, i := range s.batches().rng.Perm(batchItems)[:partialWrong[s.byAddr[provider]]] {
		bi.wrong[uint64(i)] = true
	}
	for i := range uint64(batchItems) {
		bi.outLeaves = append(bi.outLeaves, batch.LeafInt8(batch.KindOutput, i, s.posted(bi, i)))
	}
	var err error
	bi.outRoot, err = batch.Root(batch.KindOutput, bi.outLeaves)
	require.NoError(s.t, err)
	return bi
}

// posted is item i's posted output: the model's, or a filled-in one.
func (s *sim) posted(bi *batchInfo, i uint64) []int8 {
	out := s.batches().items[i].Output
	if bi.wrong[i] {
		out = append([]int8{}, out...)
		out[0] ^= 1
	}
	return out
}

// evidence is item i's evidence for MsgSubmitProof.
func (s *sim) evidence(ji *jobInfo, i uint64) *disputetypes.MsgSubmitProof {
	bd := s.batches()
	ip, err := batch.Path(bd.inLeaves, i)
	require.NoError(s.t, err)
	op, err := batch.Path(ji.batch.outLeaves, i)
	require.NoError(s.t, err)
	return &disputetypes.MsgSubmitProof{
		JobId: ji.id, ItemInput: zkml.Raw(bd.items[i].Input), InputPath: batch.PathBytes(ip),
		ItemOutput: zkml.Raw(s.posted(ji.batch, i)), OutputPath: batch.PathBytes(op),
	}
}

// batchProof is a batch provider's answer to the open dispute of one of
// its batches: the item's proof with its evidence, or nil when the item is
// one it filled (no proof can verify) or the dispute was answered.
func (s *sim) batchProof(ji *jobInfo) sdk.Msg {
	d, err := s.a.DisputeKeeper.Disputes.Get(s.queryCtx(), ji.id)
	if err != nil || d.Status != disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN || ji.batch.wrong[d.Item] || ji.batch.proven[d.OpenedAt.UnixNano()] {
		return nil
	}
	ji.batch.proven[d.OpenedAt.UnixNano()] = true
	s.proofsMade++
	m := s.evidence(ji, d.Item)
	m.Submitter, m.Claim, m.Proof = ji.provider, disputetypes.Claim_CLAIM_PROVIDER, s.kit.ProveItem(s.t, s.batches().items[d.Item], ji.id, d.Item)
	return m
}

// postBatchMsg is a batch provider's result.
func (s *sim) postBatchMsg(ji *jobInfo, j jobstypes.Job) sdk.Msg {
	ji.posted = true
	return &jobstypes.MsgPostResult{
		Provider: ji.provider, JobId: j.Id, OutputCommitment: ji.batch.outRoot[:], UnitsUsed: j.Units,
		Metrics: jobstypes.Metrics{LatencyP50Ms: 40, LatencyP99Ms: 120, JitterMs: 8, ThroughputMilli: 20_000},
	}
}

func (s *sim) round4(ctx sdk.Context, add func(tx)) {
	// the batch buyer orders from each partial provider in turn
	if s.height%batchEvery == 0 {
		bd := s.batches()
		p := partialProviders[(s.height/batchEvery)%int64(len(partialProviders))]
		add(tx{from: batchBuyer, msg: &jobstypes.MsgSubmitJob{
			Buyer: s.addr(batchBuyer), Class: inference, ModelCommitment: bd.modelC, InputCommitment: bd.inRoot[:],
			InputUri: "ipfs://econ-batch", CircuitId: circuitID, Units: batchUnits, Items: batchItems,
			MaxPricePerUnit: coin(200), TimeLimit: time.Minute, Provider: s.addr(p),
		}})
	}
	// the watcher: a counter proof for its open challenge first, else one
	// batch sampled
	for _, id := range s.order {
		ji := s.jobs[id]
		if ji.batch == nil || !ji.batch.challenged || ji.batch.countered {
			continue
		}
		d, err := s.a.DisputeKeeper.Disputes.Get(ctx, id)
		if err != nil || d.Status != disputetypes.DisputeStatus_DISPUTE_STATUS_OPEN || d.Challenger != s.addr(batchWatcher) {
			continue
		}
		ji.batch.countered = true
		s.proofsMade++
		m := s.evidence(ji, d.Item)
		m.Submitter, m.Claim, m.Proof = s.addr(batchWatcher), disputetypes.Claim_CLAIM_COUNTER, s.kit.ProveItem(s.t, s.batches().items[d.Item], id, d.Item)
		add(tx{from: batchWatcher, msg: m})
		return
	}
	for _, id := range s.order {
		ji := s.jobs[id]
		if ji.batch == nil || ji.batch.sampled {
			continue
		}
		j, err := s.a.JobsKeeper.GetJob(ctx, id)
		if err != nil || j.Status != jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED {
			continue
		}
		ji.batch.sampled = true
		for _, i := range s.batches().rng.Perm(batchItems)[:watcherSample] {
			if !ji.batch.wrong[uint64(i)] {
				continue
			}
			truth := zkml.TensorCommitment(s.batches().items[i].Output)
			ji.batch.challenged = true
			add(tx{from: batchWatcher, msg: &disputetypes.MsgChallenge{Challenger: s.addr(batchWatcher), JobId: id, CounterCommitment: truth[:], Item: uint64(i)}})
			return
		}
	}
}

// expectPartial adds one partial batch's expected value against honest
// service to its provider's account: the saving, at most the share of the
// payment its filled items are, less what being caught costs (the fraud
// slash and the payment) times the chance of it — by the audit (rate a at
// the deterrence floor, drawing a filled item with probability w/N) or by
// the watcher (k of N items sampled without replacement). auditOnly is the
// same without the watcher.
func (s *sim) expectPartial(j jobstypes.Job, name string, w int) {
	ctx := s.queryCtx()
	dp, err := s.a.DisputeKeeper.Params.Get(ctx)
	require.NoError(s.t, err)
	prov, err := s.a.JobsKeeper.GetProvider(ctx, s.acct[name].addr)
	require.NoError(s.t, err)
	payment := j.PricePerUnit.Amount.Mul(math.NewIntFromUint64(j.Units))
	weight, err := s.a.ReputationKeeper.AuditWeightPPM(ctx, j)
	require.NoError(s.t, err)
	slash := disputetypes.FraudSlash(dp, prov.Bond.Amount, j)
	a := uint64(dp.AuditRatePpm) * uint64(weight) / disputetypes.MaxPpm
	a = min(max(a, uint64(disputetypes.DeterrenceRatePPM(dp, payment, slash))), disputetypes.MaxPpm)
	// chances in parts per 10^12: audit a·w/N; the watcher misses with
	// C(N−w, k)/C(N, k)
	const one = 1_000_000_000_000
	audit := a * 1_000_000 * uint64(w) / batchItems
	miss := uint64(one)
	for k := range uint64(watcherSample) {
		miss = miss * (batchItems - uint64(w) - k) / (batchItems - k)
	}
	caught := one - (one-audit)/1_000_000*miss/1_000_000
	saving := payment.MulRaw(int64(w)).QuoRaw(batchItems)
	loss := slash.Add(payment)
	ev := saving.Sub(loss.Mul(math.NewIntFromUint64(caught)).QuoRaw(one))
	evAudit := saving.Sub(loss.Mul(math.NewIntFromUint64(audit)).QuoRaw(one))
	if s.partialEV == nil {
		s.partialEV, s.partialAuditEV = map[string]math.Int{}, map[string]math.Int{}
	}
	if _, ok := s.partialEV[name]; !ok {
		s.partialEV[name], s.partialAuditEV[name] = math.ZeroInt(), math.ZeroInt()
	}
	s.partialEV[name] = s.partialEV[name].Add(ev)
	s.partialAuditEV[name] = s.partialAuditEV[name].Add(evAudit)
}
