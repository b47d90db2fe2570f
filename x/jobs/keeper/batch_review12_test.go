package keeper_test

import (
	"github.com/verdict-chain/verdict/x/jobs/types"
)

// Attacker review 12: consent covers batch size on every assignment path.

// An open batch larger than a provider's max_items_per_job cannot be
// accepted by it (the accept path, not only direct and scheduler), and a
// provider that takes no batch cannot accept a 2-item one.
func (s *KeeperSuite) TestReview12AcceptRespectsMaxItems() {
	m := registerMsg(s.prov1, 100)
	m.Prices[0].MaxItemsPerJob = 10
	_, err := s.msg.RegisterProvider(s.ctx, m)
	s.Require().NoError(err)
	s.register(s.prov2, 100) // takes no batch

	big := s.batchMsg(11)
	big.Provider = ""
	res, err := s.msg.SubmitJob(s.ctx, big)
	s.Require().NoError(err)
	s.Equal(types.JobStatus_JOB_STATUS_SUBMITTED, s.job(res.JobId).Status, "nobody may take 11 items")
	_, err = s.msg.AcceptJob(s.ctx, &types.MsgAcceptJob{Provider: s.prov1.String(), JobId: res.JobId})
	s.Require().ErrorIs(err, types.ErrNotEligible)

	two := s.batchMsg(2)
	two.Provider = ""
	// prov1 is eligible for 2 items: pause it so the job stays open
	_, err = s.msg.PauseProvider(s.ctx, &types.MsgPauseProvider{Operator: s.prov1.String()})
	s.Require().NoError(err)
	res, err = s.msg.SubmitJob(s.ctx, two)
	s.Require().NoError(err)
	s.Equal(types.JobStatus_JOB_STATUS_SUBMITTED, s.job(res.JobId).Status)
	_, err = s.msg.AcceptJob(s.ctx, &types.MsgAcceptJob{Provider: s.prov2.String(), JobId: res.JobId})
	s.Require().ErrorIs(err, types.ErrNotEligible, "a provider that takes no batch")
}

// units < items, items beyond max_items: refused even with units huge;
// items = 1 with units = 1 is a single job.
func (s *KeeperSuite) TestReview12TinyAndHugeSizes() {
	m := registerMsg(s.prov1, 100)
	m.Prices[0].MaxItemsPerJob = 1 << 20
	_, err := s.msg.RegisterProvider(s.ctx, m)
	s.Require().NoError(err)
	msg := s.batchMsg(2)
	msg.Units = 1
	_, err = s.msg.SubmitJob(s.ctx, msg)
	s.Require().ErrorIs(err, types.ErrInvalidJob, "two items on one unit")
	msg = s.batchMsg(1<<20 + 1)
	msg.Units = 1 << 21
	_, err = s.msg.SubmitJob(s.ctx, msg)
	s.Require().ErrorIs(err, types.ErrInvalidJob, "2^20+1 items")
	one := s.batchMsg(1)
	one.Units = 1
	res, err := s.msg.SubmitJob(s.ctx, one)
	s.Require().NoError(err)
	s.False(types.IsBatch(s.job(res.JobId)))
}
