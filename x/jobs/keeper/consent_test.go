package keeper_test

import (
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// sized registers op with an offer bounded to perJob units a job and
// capacity units open at once.
func (s *KeeperSuite) sized(op sdk.AccAddress, price int64, perJob, capacity uint64) {
	m := registerMsg(op, price)
	m.Prices[0].MaxUnitsPerJob, m.Prices[0].MaxOpenUnits = perJob, capacity
	_, err := s.msg.RegisterProvider(s.ctx, m)
	s.Require().NoError(err)
}

// Consent covers size: an offer states the largest job and the units open
// at once it takes; nothing larger is assignable on any path, and units
// come back to the capacity when a job closes.
func (s *KeeperSuite) TestConsentCoversSizeAndCapacity() {
	s.sized(s.prov1, 100, 1_000, 2_500)
	b0 := s.bal(s.buyer)

	whale := s.submitMsg()
	whale.Provider, whale.Units = s.prov1.String(), 1_001
	_, err := s.msg.SubmitJob(s.ctx, whale)
	s.Require().ErrorIs(err, types.ErrNotEligible, "a direct order above max_units_per_job")
	s.Equal(b0, s.bal(s.buyer), "refused before any coin moved")

	// the scheduler does not assign it either: the job stays open, and the
	// provider cannot accept it
	whale.Provider = ""
	res, err := s.msg.SubmitJob(s.ctx, whale)
	s.Require().NoError(err)
	s.Empty(res.Provider)
	_, err = s.msg.AcceptJob(s.ctx, &types.MsgAcceptJob{Provider: s.prov1.String(), JobId: res.JobId})
	s.Require().ErrorIs(err, types.ErrNotEligible)
	_, err = s.msg.CancelJob(s.ctx, &types.MsgCancelJob{Buyer: s.buyer.String(), JobId: res.JobId})
	s.Require().NoError(err)

	// capacity: two jobs of 1,000 fit in 2,500; a third does not
	direct := func(units uint64) (*types.MsgSubmitJobResponse, error) {
		m := s.submitMsg()
		m.Provider, m.Units = s.prov1.String(), units
		return s.msg.SubmitJob(s.ctx, m)
	}
	a, err := direct(1_000)
	s.Require().NoError(err)
	_, err = direct(1_000)
	s.Require().NoError(err)
	_, err = direct(1_000)
	s.Require().ErrorIs(err, types.ErrNotEligible, "2,000 open + 1,000 > 2,500")
	_, err = direct(500)
	s.Require().NoError(err, "2,000 + 500 fits exactly")
	open, err := s.k.OpenUnitsOf(s.ctx, s.prov1, types.WorkloadClass_WORKLOAD_CLASS_INFERENCE)
	s.Require().NoError(err)
	s.Equal(uint64(2_500), open)

	// a closed job gives its units back
	s.Require().NoError(s.post(s.prov1, a.JobId, 1_000))
	s.advance(2 * time.Hour)
	open, err = s.k.OpenUnitsOf(s.ctx, s.prov1, types.WorkloadClass_WORKLOAD_CLASS_INFERENCE)
	s.Require().NoError(err)
	s.Zero(open, "every job closed (one finalized, two expired)")
	_, err = direct(1_000)
	s.Require().NoError(err)
}

// An offer must bound what it consents to.
func (s *KeeperSuite) TestOffersMustBoundTheirSize() {
	for _, c := range []struct{ perJob, capacity uint64 }{{0, 0}, {0, 10}, {10, 9}} {
		m := registerMsg(s.prov1, 100)
		m.Prices[0].MaxUnitsPerJob, m.Prices[0].MaxOpenUnits = c.perJob, c.capacity
		_, err := s.msg.RegisterProvider(s.ctx, m)
		s.Require().ErrorIs(err, types.ErrInvalidProvider, "%+v", c)
	}
	p := types.DefaultParams()
	p.Denom, p.MaxJobDuration = denom, time.Hour
	err := types.ValidateOffer(types.ProviderOffer{
		Moniker: "gpu", Endpoint: "https://gpu.example", Classes: []types.WorkloadClass{types.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		Prices: []types.ClassPrice{{Class: types.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: coin(1), MaxUnitsPerJob: 10, MaxOpenUnits: 10}},
	}, p)
	s.Require().NoError(err)
}

// A decline is free once: the provider that declined never takes the job
// again, so holding a job and declining cannot restart the window (or the
// SLA clock, measured from the assignment); the window ends half-way to
// the deadline at the latest, leaving the job time for someone else.
func (s *KeeperSuite) TestADeclineCannotBeRenewed() {
	s.register(s.prov1, 100)
	s.register(s.prov2, 120)
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	m := s.submitMsg()
	m.TimeLimit = time.Minute // shorter than twice the 2-minute decline window
	res, err := s.msg.SubmitJob(s.ctx, m)
	s.Require().NoError(err)
	s.Equal(s.prov1.String(), res.Provider)
	j := s.job(res.JobId)
	s.Equal(j.AssignedAt.Add(30*time.Second), j.DeclineUntil, "half of the 1-minute limit, not the %s window", p.DeclineWindow)

	s.advance(31 * time.Second)
	_, err = s.msg.DeclineJob(s.ctx, &types.MsgDeclineJob{Provider: s.prov1.String(), JobId: res.JobId})
	s.Require().ErrorIs(err, types.ErrWindowClosed, "past half-way to the deadline")

	// a longer job: declined in time, it is open again — but not for its decliner
	m.TimeLimit = time.Hour
	res, err = s.msg.SubmitJob(s.ctx, m)
	s.Require().NoError(err)
	s.Equal(p.DeclineWindow, s.job(res.JobId).DeclineUntil.Sub(s.job(res.JobId).AssignedAt))
	s.advance(time.Minute)
	_, err = s.msg.DeclineJob(s.ctx, &types.MsgDeclineJob{Provider: s.prov1.String(), JobId: res.JobId})
	s.Require().NoError(err)
	j = s.job(res.JobId)
	s.Equal(types.JobStatus_JOB_STATUS_SUBMITTED, j.Status)
	s.Equal([]string{s.prov1.String()}, j.DeclinedBy)
	_, err = s.msg.AcceptJob(s.ctx, &types.MsgAcceptJob{Provider: s.prov1.String(), JobId: res.JobId})
	s.Require().ErrorIs(err, types.ErrNotEligible, "re-accepting would restart the decline window")
	_, err = s.msg.AcceptJob(s.ctx, &types.MsgAcceptJob{Provider: s.prov2.String(), JobId: res.JobId})
	s.Require().NoError(err, "another provider may take it, with a window of its own")
	j = s.job(res.JobId)
	s.Equal(s.ctx.BlockTime(), j.AssignedAt)
	s.Equal(s.ctx.BlockTime().Add(p.DeclineWindow), j.DeclineUntil)
}

// A job declined by MaxDeclines providers is closed with a full refund:
// declined_by stays bounded.
func (s *KeeperSuite) TestDeclinesAreBounded() {
	b0 := s.bal(s.buyer)
	m := s.submitMsg()
	m.MaxPricePerUnit, m.TimeLimit = coin(10), time.Hour // nobody at this price yet
	res, err := s.msg.SubmitJob(s.ctx, m)
	s.Require().NoError(err)
	for i := range types.MaxDeclines {
		op := sdk.AccAddress([]byte{'d', byte(i), '_', '_', '_', '_', '_', '_', '_', '_', '_', '_', '_', '_', '_', '_', '_', '_', '_', '_'})
		s.bank.Balances[op.String()] = s.bank.Balances[s.prov1.String()]
		s.register(op, 10)
		_, err := s.msg.AcceptJob(s.ctx, &types.MsgAcceptJob{Provider: op.String(), JobId: res.JobId})
		s.Require().NoError(err)
		_, err = s.msg.DeclineJob(s.ctx, &types.MsgDeclineJob{Provider: op.String(), JobId: res.JobId})
		s.Require().NoError(err)
	}
	j := s.job(res.JobId)
	s.Equal(types.JobStatus_JOB_STATUS_CANCELLED, j.Status)
	s.Len(j.DeclinedBy, types.MaxDeclines)
	s.Equal(b0, s.bal(s.buyer), "refunded in full")
}

// A deadline is checked where it is used: past it, a job cannot be
// cancelled even before EndBlock expires it (a cancel would trade the
// expiry's consequences for a cancel fee).
func (s *KeeperSuite) TestNoCancelPastTheDeadline() {
	s.register(s.prov1, 100)
	res := s.submit()
	s.ctx = s.ctx.WithBlockTime(s.ctx.BlockTime().Add(time.Minute)) // no EndBlock yet
	_, err := s.msg.CancelJob(s.ctx, &types.MsgCancelJob{Buyer: s.buyer.String(), JobId: res.JobId})
	s.Require().ErrorIs(err, types.ErrDeadlinePassed)
	s.advance(0)
	s.Equal(types.JobStatus_JOB_STATUS_EXPIRED, s.job(res.JobId).Status)
}

// A halt eats no one's time on a job. The chain stands still for two hours
// while a job is assigned: before, the first block after the restart
// expired it (graded as nothing delivered) and refused the provider's
// result. The job's times now move by the halt: the result posted after the
// restart is on time, its challenge window is whole, and the SLA clock
// (assigned_at to posted_at) does not count the halt.
func (s *KeeperSuite) TestAHaltEatsNoTimeOnAJob() {
	s.register(s.prov1, 100)
	block := func(d time.Duration) {
		s.ctx = s.ctx.WithBlockTime(s.ctx.BlockTime().Add(d)).WithBlockHeight(s.ctx.BlockHeight() + 1)
		s.Require().NoError(s.k.BeginBlocker(s.ctx))
		s.Require().NoError(s.k.EndBlocker(s.ctx))
	}
	live := func(d time.Duration) { // d of 10-second blocks
		for range int(d / (10 * time.Second)) {
			block(10 * time.Second)
		}
	}
	block(5 * time.Second)
	res := s.submit() // a one-minute time limit
	j0 := s.job(res.JobId)
	live(50 * time.Second)
	block(2 * time.Hour) // two hours without a block
	s.Equal(types.JobStatus_JOB_STATUS_ASSIGNED, s.job(res.JobId).Status, "not expired by the halt")
	credit, err := s.k.HaltCredit(s.ctx)
	s.Require().NoError(err)
	s.Equal(2*time.Hour, credit, "the whole halt")
	s.Require().NoError(s.post(s.prov1, res.JobId, 1000), "the result after the restart is on time")
	j := s.job(res.JobId)
	s.Equal(j0.Deadline.Add(credit), j.Deadline, "its deadline moved by the halt")
	s.Equal(50*time.Second, j.Result.PostedAt.Sub(j.AssignedAt), "the SLA clock: 50 s of blocks, not the halt")
	// a halt during the challenge window leaves it whole
	live(30 * time.Minute)
	block(3 * time.Hour)
	s.Equal(types.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(res.JobId).Status, "30 min of the window were left when the chain halted")
	live(30*time.Minute - 10*time.Second)
	s.Equal(types.JobStatus_JOB_STATUS_RESULT_POSTED, s.job(res.JobId).Status, "10 s of the window are left")
	live(10 * time.Second)
	s.Equal(types.JobStatus_JOB_STATUS_FINALIZED, s.job(res.JobId).Status)
}
