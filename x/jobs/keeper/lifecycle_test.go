package keeper_test

import (
	"fmt"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	"cosmossdk.io/math"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/verdict-chain/verdict/x/jobs/keeper"
	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (s *KeeperSuite) setParams(f func(p *types.Params)) {
	p := types.DefaultParams()
	f(&p)
	_, err := s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().NoError(err)
}

func (s *KeeperSuite) TestEndBlockIsBoundedAndCarriesOver() {
	s.setParams(func(p *types.Params) { p.MaxSettlementsPerBlock = 2 })
	s.register(s.prov1, 100)
	var ids []uint64
	for range 5 {
		r := s.submit()
		s.Require().NoError(s.post(s.prov1, r.JobId, 10))
		ids = append(ids, r.JobId)
	}
	finalized := func() int {
		n := 0
		for _, id := range ids {
			if s.job(id).Status == types.JobStatus_JOB_STATUS_FINALIZED {
				n++
			}
		}
		return n
	}
	s.advance(2 * time.Hour)
	s.Equal(2, finalized())
	s.advance(time.Second)
	s.Equal(4, finalized())
	s.advance(time.Second)
	s.Equal(5, finalized())
	// Oldest first.
	s.Equal("finalized:1", s.hooks.calls[5])
}

func (s *KeeperSuite) TestDisputeHooksForXDispute() {
	s.register(s.prov1, 100)
	b0 := s.bal(s.buyer)
	lost := s.submit()
	s.Require().NoError(s.post(s.prov1, lost.JobId, 10))
	won := s.submit()
	s.Require().NoError(s.post(s.prov1, won.JobId, 10))
	late := s.submit()
	s.Require().NoError(s.post(s.prov1, late.JobId, 10))
	unposted := s.submit()

	_, err := s.k.MarkDisputed(s.ctx, unposted.JobId)
	s.ErrorIs(err, types.ErrInvalidStatus)
	for _, id := range []uint64{lost.JobId, won.JobId} {
		j, err := s.k.MarkDisputed(s.ctx, id)
		s.Require().NoError(err)
		s.Equal(types.JobStatus_JOB_STATUS_DISPUTED, j.Status)
	}
	// A disputed job does not finalize when its window ends.
	s.ctx = s.ctx.WithBlockTime(t0.Add(time.Hour))
	_, err = s.k.MarkDisputed(s.ctx, late.JobId)
	s.ErrorIs(err, types.ErrWindowClosed)
	s.advance(time.Second)
	s.Equal(types.JobStatus_JOB_STATUS_DISPUTED, s.job(lost.JobId).Status)
	s.Equal(types.JobStatus_JOB_STATUS_FINALIZED, s.job(late.JobId).Status)

	// Provider loses: buyer refunded in full, bond slashed 10% with a payout.
	_, err = s.k.ResolveDispute(s.ctx, lost.JobId, false)
	s.Require().NoError(err)
	s.Equal(types.JobStatus_JOB_STATUS_FAILED, s.job(lost.JobId).Status)
	x0, c0 := s.bal(s.stranger), s.pool()
	slashed, err := s.k.SlashBond(s.ctx, s.prov1, math.NewInt(100_000_000), "fraud", []types.Payout{{To: s.stranger, Amount: math.NewInt(30_000_000)}})
	s.Require().NoError(err)
	s.Equal(int64(100_000_000), slashed.Int64())
	s.Equal(x0+30_000_000, s.bal(s.stranger))
	s.Equal(c0+70_000_000, s.pool())
	p, _ := s.k.GetProvider(s.ctx, s.prov1)
	s.Equal(int64(900_000_000), p.Bond.Amount.Int64())

	// Provider wins: paid as usual.
	_, err = s.k.ResolveDispute(s.ctx, won.JobId, true)
	s.Require().NoError(err)
	s.Equal(types.JobStatus_JOB_STATUS_FINALIZED, s.job(won.JobId).Status)
	_, err = s.k.ResolveDispute(s.ctx, won.JobId, true)
	s.ErrorIs(err, types.ErrInvalidStatus)
	// Buyer paid for won + late (1,000 each); lost refunded; unposted expired and refunded.
	s.Equal(types.JobStatus_JOB_STATUS_EXPIRED, s.job(unposted.JobId).Status)
	s.Equal(b0-2_000, s.bal(s.buyer))
	s.Contains(s.hooks.calls, "failed:1")
}

func (s *KeeperSuite) TestPauseDeregisterUnbond() {
	s.register(s.prov1, 100)
	_, err := s.msg.PauseProvider(s.ctx, &types.MsgPauseProvider{Operator: s.prov1.String()})
	s.Require().NoError(err)
	s.Empty(s.submit().Provider, "paused providers get no jobs")
	_, err = s.msg.ResumeProvider(s.ctx, &types.MsgResumeProvider{Operator: s.prov1.String()})
	s.Require().NoError(err)
	res := s.submit()
	s.Equal(s.prov1.String(), res.Provider)

	p0 := s.bal(s.prov1)
	_, err = s.msg.DeregisterProvider(s.ctx, &types.MsgDeregisterProvider{Operator: s.prov1.String()})
	s.Require().NoError(err)
	s.Empty(s.submit().Provider, "unbonding providers get no jobs")
	// It still finishes its job; the bond is slashable meanwhile.
	s.Require().NoError(s.post(s.prov1, res.JobId, 10))
	_, err = s.k.SlashBond(s.ctx, s.prov1, math.NewInt(1), "test", nil)
	s.Require().NoError(err)

	s.advance(14*24*time.Hour - time.Second)
	_, err = s.k.GetProvider(s.ctx, s.prov1)
	s.Require().NoError(err)
	s.advance(time.Second)
	_, err = s.k.GetProvider(s.ctx, s.prov1)
	s.ErrorIs(err, types.ErrProviderNotFound)
	s.Equal(p0+1_000_000_000-1+1_000-20, s.bal(s.prov1), "bond back minus the slash, plus the job's pay")
}

func (s *KeeperSuite) TestUnbondingWaitsForOpenJobs() {
	s.register(s.prov1, 100)
	res := s.submit()
	_, err := s.msg.DeregisterProvider(s.ctx, &types.MsgDeregisterProvider{Operator: s.prov1.String()})
	s.Require().NoError(err)
	// Params shortened so the unbonding ends while the job is still open.
	s.setParams(func(p *types.Params) { p.MaxJobDuration = time.Hour; p.UnbondingPeriod = 3 * time.Hour })
	s.advance(14 * 24 * time.Hour)
	// Job expired in the same block (deadline 1 min): the slot was released, so the bond returns.
	s.Equal(types.JobStatus_JOB_STATUS_EXPIRED, s.job(res.JobId).Status)
	_, err = s.k.GetProvider(s.ctx, s.prov1)
	s.ErrorIs(err, types.ErrProviderNotFound)
}

func (s *KeeperSuite) TestQueriesUseIndexes() {
	s.register(s.prov1, 100)
	s.register(s.prov2, 120)
	for range 3 {
		s.submit()
	}
	m := s.submitMsg()
	m.Provider = s.prov2.String()
	_, err := s.msg.SubmitJob(s.ctx, m)
	s.Require().NoError(err)
	s.Require().NoError(s.post(s.prov1, 1, 5))

	res, err := s.q.Jobs(s.ctx, &types.QueryJobsRequest{Provider: s.prov1.String()})
	s.Require().NoError(err)
	s.Len(res.Jobs, 3)
	res, err = s.q.Jobs(s.ctx, &types.QueryJobsRequest{Provider: s.prov1.String(), Status: types.JobStatus_JOB_STATUS_ASSIGNED})
	s.Require().NoError(err)
	s.Len(res.Jobs, 2)
	res, err = s.q.Jobs(s.ctx, &types.QueryJobsRequest{Status: types.JobStatus_JOB_STATUS_RESULT_POSTED})
	s.Require().NoError(err)
	s.Len(res.Jobs, 1)
	s.Equal(uint64(1), res.Jobs[0].Id)
	res, err = s.q.Jobs(s.ctx, &types.QueryJobsRequest{Buyer: s.buyer.String(), Pagination: &query.PageRequest{Limit: 3, CountTotal: true}})
	s.Require().NoError(err)
	s.Len(res.Jobs, 3)
	s.Equal(uint64(4), res.Pagination.Total)
	res, err = s.q.Jobs(s.ctx, &types.QueryJobsRequest{Buyer: s.buyer.String(), Pagination: &query.PageRequest{Key: res.Pagination.NextKey}})
	s.Require().NoError(err)
	s.Len(res.Jobs, 1)
	s.Equal(uint64(4), res.Jobs[0].Id)

	_, err = s.msg.PauseProvider(s.ctx, &types.MsgPauseProvider{Operator: s.prov2.String()})
	s.Require().NoError(err)
	pr, err := s.q.Providers(s.ctx, &types.QueryProvidersRequest{Status: types.ProviderStatus_PROVIDER_STATUS_PAUSED})
	s.Require().NoError(err)
	s.Len(pr.Providers, 1)
	s.Equal(s.prov2.String(), pr.Providers[0].Operator)
	acc, err := s.q.Accounting(s.ctx, &types.QueryAccountingRequest{})
	s.Require().NoError(err)
	s.True(acc.Balanced)
	s.Equal(int64(2_000_000_000), acc.Bonds.Amount.Int64())
	s.Equal(int64(4*150_000), acc.OpenEscrow.Amount.Int64())
	_, err = s.q.Provider(s.ctx, &types.QueryProviderRequest{Operator: "bad"})
	s.Error(err)
	_, err = s.q.Job(s.ctx, &types.QueryJobRequest{Id: 77})
	s.Error(err)
}

func (s *KeeperSuite) TestGenesisRoundTrip() {
	s.register(s.prov1, 100)
	s.register(s.prov2, 120)
	a := s.submit()
	s.Require().NoError(s.post(s.prov1, a.JobId, 5))
	s.submit()
	s.advance(2 * time.Hour) // finalize a, expire the other
	s.submit()
	b := s.submit()
	s.Require().NoError(s.post(s.prov1, b.JobId, 7))
	_, err := s.msg.DeregisterProvider(s.ctx, &types.MsgDeregisterProvider{Operator: s.prov2.String()})
	s.Require().NoError(err)
	m := s.submitMsg()
	m.MaxPricePerUnit = coin(1)
	_, err = s.msg.SubmitJob(s.ctx, m) // stays open
	s.Require().NoError(err)

	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().NoError(gs.Validate(s.k.AddressCodec()))
	s.Len(gs.Jobs, 5)
	s.Len(gs.DeadlineQueue, 2)
	s.Len(gs.WindowQueue, 1)
	s.Len(gs.UnbondingQueue, 1)
	s.Equal(uint64(6), gs.NextJobId)

	key := storetypes.NewKVStoreKey(types.StoreKey)
	ctx2 := testutil.DefaultContextWithDB(s.T(), key, storetypes.NewTransientStoreKey("t2")).Ctx.WithBlockTime(s.ctx.BlockTime())
	k2 := keeper.NewKeeper(s.cdc, runtime.NewKVStoreService(key), addresscodec.NewBech32Codec(sdk.GetConfig().GetBech32AccountAddrPrefix()),
		s.authority, fakeAccounts{}, s.bank, fakeDistr{Bank: s.bank})
	s.Require().NoError(k2.InitGenesis(ctx2, *gs))
	gs2, err := k2.ExportGenesis(ctx2)
	s.Require().NoError(err)
	s.Equal(s.cdc.MustMarshalJSON(gs), s.cdc.MustMarshalJSON(gs2))
	e1, b1, _ := s.k.Totals(s.ctx)
	e2, b2, _ := k2.Totals(ctx2)
	s.True(e1.Equal(e2) && b1.Equal(b2))
	s.Require().NoError(k2.CheckAccounting(ctx2))
	// Indexes were rebuilt: the scheduler and the filtered queries work.
	res, err := keeper.NewQueryServerImpl(k2).Jobs(ctx2, &types.QueryJobsRequest{Status: types.JobStatus_JOB_STATUS_SUBMITTED})
	s.Require().NoError(err)
	s.Len(res.Jobs, 1)

	// Inconsistent states are rejected.
	bad := func(f func(g *types.GenesisState)) error {
		g := *gs
		g.Jobs = append([]types.Job(nil), gs.Jobs...)
		g.Providers = append([]types.Provider(nil), gs.Providers...)
		g.DeadlineQueue = append([]types.QueueEntry(nil), gs.DeadlineQueue...)
		f(&g)
		return g.Validate(s.k.AddressCodec())
	}
	for name, f := range map[string]func(g *types.GenesisState){
		"missing deadline entry": func(g *types.GenesisState) { g.DeadlineQueue = g.DeadlineQueue[1:] },
		"window entry at the wrong time": func(g *types.GenesisState) {
			g.WindowQueue = []types.QueueEntry{{Time: t0, JobId: b.JobId}}
		},
		"duplicate job":              func(g *types.GenesisState) { g.Jobs = append(g.Jobs, g.Jobs[0]) },
		"job id past sequence":       func(g *types.GenesisState) { g.NextJobId = 3 },
		"open_jobs mismatch":         func(g *types.GenesisState) { g.Providers[0].OpenJobs += 1 },
		"escrow in other denom":      func(g *types.GenesisState) { g.Jobs[0].Escrow = sdk.NewInt64Coin("uatom", 1) },
		"unbonding entry missing":    func(g *types.GenesisState) { g.UnbondingQueue = nil },
		"negative halt credit":       func(g *types.GenesisState) { g.HaltCredit = -time.Second },
		"halt credit over a century": func(g *types.GenesisState) { g.HaltCredit = 101 * 365 * 24 * time.Hour },
		"last halt after the last block": func(g *types.GenesisState) {
			g.LastHaltFrom, g.LastHaltTo, g.HaltCredit = t0, t0.Add(time.Hour), time.Hour
		},
	} {
		s.ErrorIs(bad(f), types.ErrInvalidGenesis, name)
	}
}

// A queue entry that does not match its job's state fails to settle: it is
// rolled back and moved to the dead letters with an event, moves no coins,
// and does not stop the entries behind it (x/internal/settle).
func (s *KeeperSuite) TestInconsistentQueueEntryIsDeadLettered() {
	s.register(s.prov1, 100)
	stray := s.submit() // ASSIGNED, no result
	good := s.submit()
	s.Require().NoError(s.post(s.prov1, good.JobId, 10))
	s.Require().NoError(s.k.WindowQueue.Push(s.ctx, t0, stray.JobId)) // due first
	p0 := s.bal(s.prov1)
	s.ctx = s.ctx.WithEventManager(sdk.NewEventManager())
	s.advance(time.Second)
	s.Equal(types.JobStatus_JOB_STATUS_ASSIGNED, s.job(stray.JobId).Status, "the stray entry settled nothing")
	s.Equal(p0, s.bal(s.prov1))
	var dead []uint64
	s.Require().NoError(s.k.WindowQueue.WalkDeadLetters(s.ctx, func(_ time.Time, id uint64) (bool, error) {
		dead = append(dead, id)
		return false, nil
	}))
	s.Equal([]uint64{stray.JobId}, dead)
	var ev *types.EventSettlementDeadLettered
	for _, e := range s.ctx.EventManager().Events() {
		if e.Type == "verdict.jobs.v1.EventSettlementDeadLettered" {
			msg, err := sdk.ParseTypedEvent(abci.Event(e))
			s.Require().NoError(err)
			ev = msg.(*types.EventSettlementDeadLettered)
		}
	}
	s.Require().NotNil(ev, "a typed event reports the dead letter")
	s.Equal("window", ev.Queue)
	s.Equal(fmt.Sprint(stray.JobId), ev.Entry)
	s.Contains(ev.Error, "status JOB_STATUS_ASSIGNED")

	// Never read again: the good job behind it finalizes, the stray job
	// expires at its own deadline, each paid once.
	s.advance(2 * time.Hour)
	s.Equal(types.JobStatus_JOB_STATUS_FINALIZED, s.job(good.JobId).Status)
	s.Equal(types.JobStatus_JOB_STATUS_EXPIRED, s.job(stray.JobId).Status)
	s.Equal(p0+980, s.bal(s.prov1), "only the good job paid the provider")
	s.Require().NoError(s.k.CheckAccounting(s.ctx))
}

// The provider's strategy: deregister while a result of its is disputed
// and take the bond home before the dispute can slash it. The open-job
// count (its own store entry) holds the bond: at the end of unbonding the
// exit is pushed back, nothing is paid, and the bond comes back only once
// the dispute is over.
func (s *KeeperSuite) TestUnbondingHeldWhileADisputeIsOpen() {
	s.register(s.prov1, 100)
	m := s.submitMsg()
	m.Provider = s.prov1.String()
	res, err := s.msg.SubmitJob(s.ctx, m)
	s.Require().NoError(err)
	s.Require().NoError(s.post(s.prov1, res.JobId, 1000))
	_, err = s.k.MarkDisputed(s.ctx, res.JobId)
	s.Require().NoError(err)
	_, err = s.msg.DeregisterProvider(s.ctx, &types.MsgDeregisterProvider{Operator: s.prov1.String()})
	s.Require().NoError(err)
	bal0 := s.bal(s.prov1)

	s.advance(types.DefaultParams().UnbondingPeriod + time.Second)
	p, err := s.k.GetProvider(s.ctx, s.prov1)
	s.Require().NoError(err, "still bonded: a job of its is open")
	s.Equal(types.ProviderStatus_PROVIDER_STATUS_UNBONDING, p.Status)
	s.True(p.UnbondingEnd.After(s.ctx.BlockTime()), "the exit is pushed back")
	s.Equal(bal0, s.bal(s.prov1), "no bond paid out")
	mb, err := s.k.ModuleBalance(s.ctx)
	s.Require().NoError(err)
	s.True(mb.GTE(p.Bond.Amount), "the bond is still in the module")
	got, err := s.q.Provider(s.ctx, &types.QueryProviderRequest{Operator: s.prov1.String()})
	s.Require().NoError(err)
	s.Equal(uint64(1), got.Provider.OpenJobs)

	// the dispute ends (here the result stands): the slot is released and
	// the next retry returns the bond with the payment
	_, err = s.k.ResolveDispute(s.ctx, res.JobId, true)
	s.Require().NoError(err)
	s.advance(types.DefaultParams().ChallengeWindow + time.Second)
	_, err = s.k.GetProvider(s.ctx, s.prov1)
	s.ErrorIs(err, types.ErrProviderNotFound)
	// bond 1,000,000,000 back, plus 100 × 1,000 less the 2% fee
	s.Equal(bal0+1_000_000_000+98_000, s.bal(s.prov1))
}
