package keeper_test

import (
	"github.com/verdict-chain/verdict/x/jobs/batch"
	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (s *KeeperSuite) batchMsg(items uint64) *types.MsgSubmitJob {
	m := s.submitMsg()
	m.Provider, m.Items, m.CircuitId = s.prov1.String(), items, "mlp-16-16-4"
	return m
}

// A batch is taken only by a provider whose offer states a batch size at
// least as large; it is refused before any coin moves otherwise.
func (s *KeeperSuite) TestBatchConsentCoversItems() {
	m := registerMsg(s.prov1, 100)
	m.Prices[0].MaxItemsPerJob = 500
	_, err := s.msg.RegisterProvider(s.ctx, m)
	s.Require().NoError(err)
	s.register(s.prov2, 100) // takes no batch
	b0 := s.bal(s.buyer)

	_, err = s.msg.SubmitJob(s.ctx, s.batchMsg(501))
	s.Require().ErrorIs(err, types.ErrNotEligible, "a batch larger than the offer's max_items_per_job")
	two := s.batchMsg(2)
	two.Provider = s.prov2.String()
	_, err = s.msg.SubmitJob(s.ctx, two)
	s.Require().ErrorIs(err, types.ErrNotEligible, "a provider that takes no batch")
	s.Equal(b0, s.bal(s.buyer), "refused before any coin moved")

	res, err := s.msg.SubmitJob(s.ctx, s.batchMsg(500))
	s.Require().NoError(err)
	j := s.job(res.JobId)
	s.Equal(uint64(500), j.Items)
	s.True(types.IsBatch(j))
	s.Equal(uint64(500), types.Items(j))
	s.Equal(b0-150*1000, s.bal(s.buyer), "the escrow is price × units, the job's total")

	// the scheduler picks only the provider that takes batches
	open := s.batchMsg(10)
	open.Provider = ""
	res, err = s.msg.SubmitJob(s.ctx, open)
	s.Require().NoError(err)
	s.Equal(s.prov1.String(), res.Provider)

	// a single-input job is not a batch, whatever the offers say
	single := s.submitMsg()
	single.Items = 1
	single.Provider = s.prov2.String()
	res, err = s.msg.SubmitJob(s.ctx, single)
	s.Require().NoError(err)
	s.False(types.IsBatch(s.job(res.JobId)))
	s.Equal(uint64(1), types.Items(s.job(res.JobId)))
}

// A batch's size is checked before anything else happens.
func (s *KeeperSuite) TestBatchSubmitRefusals() {
	m := registerMsg(s.prov1, 100)
	m.Prices[0].MaxItemsPerJob = batch.MaxItems
	_, err := s.msg.RegisterProvider(s.ctx, m)
	s.Require().NoError(err)
	b0 := s.bal(s.buyer)
	for name, f := range map[string]func(m *types.MsgSubmitJob){
		"more items than max_items": func(m *types.MsgSubmitJob) { m.Items = batch.MaxItems + 1; m.Units = 1 << 30 },
		"fewer units than items":    func(m *types.MsgSubmitJob) { m.Items = 1001 },
		"no circuit":                func(m *types.MsgSubmitJob) { m.CircuitId = "" },
		"a multi-node batch": func(m *types.MsgSubmitJob) {
			m.Provider = ""
			m.Parallel = &types.Parallelism{Nodes: 2, ComputeMsPerStep: 1, Steps: 1}
		},
	} {
		msg := s.batchMsg(1000)
		f(msg)
		_, err := s.msg.SubmitJob(s.ctx, msg)
		s.Require().ErrorIs(err, types.ErrInvalidJob, name)
	}
	s.Equal(b0, s.bal(s.buyer))

	// governance lowers max_items: larger batches are refused from then on
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.MaxItems = 100
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().NoError(err)
	_, err = s.msg.SubmitJob(s.ctx, s.batchMsg(101))
	s.Require().ErrorIs(err, types.ErrInvalidJob)
	_, err = s.msg.SubmitJob(s.ctx, s.batchMsg(100))
	s.Require().NoError(err)
	// and an offer above it is refused when updated
	up := registerMsg(s.prov2, 100)
	up.Prices[0].MaxItemsPerJob = 101
	_, err = s.msg.RegisterProvider(s.ctx, up)
	s.Require().ErrorIs(err, types.ErrInvalidProvider)
}

// A batch result posts the output tree's root like any commitment; a
// root is a canonical field element by construction.
func (s *KeeperSuite) TestBatchResultPostsTheOutputRoot() {
	m := registerMsg(s.prov1, 100)
	m.Prices[0].MaxItemsPerJob = 10
	_, err := s.msg.RegisterProvider(s.ctx, m)
	s.Require().NoError(err)
	var leaves []batch.Hash
	for i := range 10 {
		leaves = append(leaves, batch.Leaf(batch.KindOutput, uint64(i), []byte{byte(i)}))
	}
	root, err := batch.Root(batch.KindOutput, leaves)
	s.Require().NoError(err)
	res, err := s.msg.SubmitJob(s.ctx, s.batchMsg(10))
	s.Require().NoError(err)
	_, err = s.msg.PostResult(s.ctx, &types.MsgPostResult{Provider: s.prov1.String(), JobId: res.JobId, OutputCommitment: root[:], UnitsUsed: 1000})
	s.Require().NoError(err)
	s.Equal(root[:], s.job(res.JobId).Result.OutputCommitment)
}
