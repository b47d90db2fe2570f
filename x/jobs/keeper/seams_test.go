package keeper_test

import (
	"context"
	"errors"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// The extension points other modules plug into: eligibility rules, the
// challenge window policy, a payer other than the buyer, placements.

// placeBoth places a multi-node job on prov1 then prov2.
type placeBoth struct{ nodes []sdk.AccAddress }

func (p placeBoth) SelectProvider(context.Context, types.Job) (sdk.AccAddress, error) {
	return p.nodes[0], nil
}

func (p placeBoth) SelectPlacement(context.Context, types.Job) ([]sdk.AccAddress, uint32, error) {
	return p.nodes, 900_000, nil
}

// Every node of a multi-node job is found by provider, and the assignment
// event names them all.
func (s *KeeperSuite) TestEveryNodeOfAPlacementIsIndexed() {
	s.register(s.prov1, 100)
	s.register(s.prov2, 120)
	s.k.SetScheduler(placeBoth{nodes: []sdk.AccAddress{s.prov1, s.prov2}})
	msg := s.submitMsg()
	msg.Class = types.WorkloadClass_WORKLOAD_CLASS_INFERENCE
	msg.Parallel = &types.Parallelism{Nodes: 2, SyncBytesPerStep: 1000, ComputeMsPerStep: 100, Steps: 10}
	s.ctx = s.ctx.WithEventManager(sdk.NewEventManager())
	res, err := s.msg.SubmitJob(s.ctx, msg)
	s.Require().NoError(err)

	for _, op := range []sdk.AccAddress{s.prov1, s.prov2} {
		got, err := s.q.Jobs(s.ctx, &types.QueryJobsRequest{Provider: op.String()})
		s.Require().NoError(err)
		s.Require().Len(got.Jobs, 1, "node %s finds the job", op)
		s.Equal(res.JobId, got.Jobs[0].Id)
		ok, err := s.k.Jobs.Indexes.Nodes.Has(s.ctx, op, res.JobId)
		s.Require().NoError(err)
		s.True(ok)
	}
	var assigned *types.EventJobAssigned
	for _, e := range s.ctx.EventManager().Events() {
		if e.Type == "verdict.jobs.v1.EventJobAssigned" {
			m, err := sdk.ParseTypedEvent(abci.Event(e))
			s.Require().NoError(err)
			assigned = m.(*types.EventJobAssigned)
		}
	}
	s.Require().NotNil(assigned)
	s.Equal("placement", assigned.Via)
	s.Equal([]string{s.prov1.String(), s.prov2.String()}, assigned.Placement)

	// Closing the job leaves it findable (history) under both, once.
	_, err = s.msg.CancelJob(s.ctx, &types.MsgCancelJob{Buyer: s.buyer.String(), JobId: res.JobId})
	s.Require().NoError(err)
	got, err := s.q.Jobs(s.ctx, &types.QueryJobsRequest{Provider: s.prov2.String(), Status: types.JobStatus_JOB_STATUS_CANCELLED})
	s.Require().NoError(err)
	s.Len(got.Jobs, 1)
	for _, op := range []sdk.AccAddress{s.prov1, s.prov2} {
		got, err := s.q.Provider(s.ctx, &types.QueryProviderRequest{Operator: op.String()})
		s.Require().NoError(err)
		s.Zero(got.Provider.OpenJobs, "both slots released")
	}
}

// A rule added by another module (here: refuse prov1) applies to every way
// a provider gets a job.
type refuse struct{ op string }

func (r refuse) CheckEligible(_ context.Context, p types.Provider, _ types.Job) error {
	if p.Operator == r.op {
		return errorsmod.Wrapf(types.ErrNotEligible, "%s refused by rule", p.Operator)
	}
	return nil
}

func (s *KeeperSuite) TestEligibilityRulesApplyToEveryAssignment() {
	s.register(s.prov1, 100) // cheapest
	s.register(s.prov2, 120)
	s.k.AddEligibilityRule("test", refuse{op: s.prov1.String()})

	// the scheduler skips it
	res := s.submit()
	s.Equal(s.prov2.String(), res.Provider)
	// a direct order to it fails before any coin moves
	before := s.bank.Snapshot()
	msg := s.submitMsg()
	msg.Provider = s.prov1.String()
	_, err := s.msg.SubmitJob(s.ctx, msg)
	s.Require().ErrorIs(err, types.ErrNotEligible)
	s.Contains(err.Error(), "refused by rule")
	s.Equal(before, s.bank.Snapshot())
	// it cannot accept an open job
	_, err = s.msg.PauseProvider(s.ctx, &types.MsgPauseProvider{Operator: s.prov2.String()})
	s.Require().NoError(err)
	open := s.submit()
	s.Empty(open.Provider, "nobody eligible: left open")
	_, err = s.msg.AcceptJob(s.ctx, &types.MsgAcceptJob{Provider: s.prov1.String(), JobId: open.JobId})
	s.Require().ErrorIs(err, types.ErrNotEligible)
	// nor be placed
	s.k.SetScheduler(placeBoth{nodes: []sdk.AccAddress{s.prov2, s.prov1}})
	_, err = s.msg.ResumeProvider(s.ctx, &types.MsgResumeProvider{Operator: s.prov2.String()})
	s.Require().NoError(err)
	msg = s.submitMsg()
	msg.Parallel = &types.Parallelism{Nodes: 2, SyncBytesPerStep: 1000, ComputeMsPerStep: 100, Steps: 10}
	_, err = s.msg.SubmitJob(s.ctx, msg)
	s.Require().ErrorIs(err, types.ErrNotEligible)

	s.Panics(func() { s.k.AddEligibilityRule("test", refuse{}) }, "a rule name is added once")
}

// halve gives every provider half the base window.
type halve struct{ lengthen bool }

func (h halve) ChallengeWindow(_ context.Context, _ types.Provider, _ types.Job, base time.Duration) (time.Duration, error) {
	if h.lengthen {
		return 2 * base, nil
	}
	return base / 2, nil
}

func (s *KeeperSuite) TestChallengeWindowPolicy() {
	s.register(s.prov1, 100)
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	s.k.SetChallengeWindowPolicy(halve{})
	res := s.submit()
	s.Require().NoError(s.post(s.prov1, res.JobId, 10))
	s.Equal(s.ctx.BlockTime().Add(p.ChallengeWindow/2), s.job(res.JobId).WindowEnd)
	s.advance(p.ChallengeWindow/2 + time.Second)
	s.Equal(types.JobStatus_JOB_STATUS_FINALIZED, s.job(res.JobId).Status, "finalized on the shortened window")
	s.Panics(func() { s.k.SetChallengeWindowPolicy(halve{}) })
}

func (s *KeeperSuite) TestChallengeWindowPolicyMayOnlyShorten() {
	s.register(s.prov1, 100)
	s.k.SetChallengeWindowPolicy(halve{lengthen: true})
	res := s.submit()
	err := s.post(s.prov1, res.JobId, 10)
	s.Require().ErrorIs(err, types.ErrInvalidParams)
	s.Equal(types.JobStatus_JOB_STATUS_ASSIGNED, s.job(res.JobId).Status)
}

// Another module may fund a job for the buyer: the escrow comes from the
// payer and every refund goes back to it, never to the buyer.
func (s *KeeperSuite) TestPayerFundsAndGetsTheRefund() {
	s.register(s.prov1, 100)
	payer := s.stranger
	b0, p0 := s.bal(s.buyer), s.bal(payer)
	j, err := s.k.SubmitJob(s.ctx, payer, s.submitMsg())
	s.Require().NoError(err)
	s.Equal(payer.String(), j.Payer)
	s.Equal(p0-150_000, s.bal(payer), "escrow from the payer")
	s.Equal(b0, s.bal(s.buyer))
	s.Require().NoError(s.post(s.prov1, j.Id, 500))
	s.advance(2 * time.Hour)
	// paid 100 x 500 = 50,000; unused 100,000 back to the payer
	s.Equal(p0-50_000, s.bal(payer))
	s.Equal(b0, s.bal(s.buyer))
	s.Equal(types.JobStatus_JOB_STATUS_FINALIZED, s.job(j.Id).Status)
}

// Wiring calls refuse a second call: a second SetHooks would silently drop
// the first module's hooks.
func (s *KeeperSuite) TestWiringSettersRefuseASecondCall() {
	s.Panics(func() { s.k.SetHooks(s.hooks) })
	s.k.SetScheduler(placeBoth{})
	s.Panics(func() { s.k.SetScheduler(placeBoth{}) })
	s.k.SetCircuitRegistry(noCircuits{})
	s.Panics(func() { s.k.SetCircuitRegistry(noCircuits{}) })
}

type noCircuits struct{}

func (noCircuits) HasCircuit(context.Context, string) (bool, error) {
	return false, errors.New("unused")
}

// A contract job (x/forwards) pays the agreed price whatever the seller
// lists now, goes only to its seller, is checked against the offer frozen
// in the contract, cannot be declined (the seller sold the capacity), and
// fails with ErrNotEligible — nothing escrowed — when the seller cannot
// take it.
func (s *KeeperSuite) TestContractJobs() {
	s.register(s.prov1, 300) // lists 300 today; the contract says 120
	s.register(s.prov2, 100)
	payer := s.stranger
	c := types.Contract{
		Seller: s.prov1.String(), PricePerUnit: coin(120), Reference: "forwards/position/1",
		Offer: types.ClassPrice{Class: types.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: coin(120), MaxUnitsPerJob: 1_000, MaxOpenUnits: 1_000},
	}
	p0 := s.bal(payer)
	j, err := s.k.SubmitContractJob(s.ctx, payer, s.submitMsg(), c)
	s.Require().NoError(err)
	s.Equal(s.prov1.String(), j.Provider)
	s.Equal("contract", j.AssignedVia)
	s.Equal(coin(120), j.PricePerUnit)
	s.Equal(p0-120_000, s.bal(payer), "escrow at the contract price")

	s.True(j.DeclineUntil.IsZero(), "a contract job has no decline window")
	// a decline is not offered: the seller's refusal would be its fault
	// anyway, so a "free" decline would only move the blame
	_, err = s.msg.DeclineJob(s.ctx, &types.MsgDeclineJob{Provider: s.prov1.String(), JobId: j.Id})
	s.Require().ErrorIs(err, types.ErrNotDeclinable)
	s.Equal(types.JobStatus_JOB_STATUS_ASSIGNED, s.job(j.Id).Status)
	s.Require().NoError(s.post(s.prov1, j.Id, 500))

	// consent at the trade bounds the size: a larger job is not assignable
	big := s.submitMsg()
	big.Units = 1_001
	_, err = s.k.SubmitContractJob(s.ctx, payer, big, c)
	s.Require().ErrorIs(err, types.ErrNotEligible)
	s.advance(2 * time.Hour)
	s.Equal(p0-60_000, s.bal(payer), "paid 120 x 500 units used")

	// a paused seller: refused, nothing moves
	_, err = s.msg.PauseProvider(s.ctx, &types.MsgPauseProvider{Operator: s.prov1.String()})
	s.Require().NoError(err)
	before := s.bal(payer)
	_, err = s.k.SubmitContractJob(s.ctx, payer, s.submitMsg(), c)
	s.Require().ErrorIs(err, types.ErrNotEligible)
	s.Equal(before, s.bal(payer))

	// scheduled and direct jobs say how they were assigned
	res := s.submit()
	s.Equal("scheduler", s.job(res.JobId).AssignedVia)
	m := s.submitMsg()
	m.Provider = s.prov2.String()
	res2, err := s.msg.SubmitJob(s.ctx, m)
	s.Require().NoError(err)
	s.Equal("direct", s.job(res2.JobId).AssignedVia)

	bad := c
	bad.PricePerUnit = coin(0)
	_, err = s.k.SubmitContractJob(s.ctx, payer, s.submitMsg(), bad)
	s.Require().ErrorIs(err, types.ErrInvalidJob)
}
