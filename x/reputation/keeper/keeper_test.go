package keeper_test

import (
	"strings"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/reputation/keeper"
	"github.com/verdict-chain/verdict/x/reputation/types"
)

func (s *Suite) TestNewProviderIsNeutral() {
	a := s.provider("a", 100, "eu")
	r := s.rep(a)
	s.Equal(uint32(500_000), r.ScorePpm)
	s.Zero(r.Observations)
	s.Equal(uint32(types.PPM), r.ThroughputStabilityPpm)
}

func (s *Suite) TestOutcomesMoveTheScore() {
	a := s.provider("a", 100, "eu")
	id, prov := s.submit()
	s.Equal(a.String(), prov)
	s.complete(id, prov, jobstypes.Metrics{LatencyP99Ms: 80, JitterMs: 5, ThroughputMilli: 10_000})
	r := s.rep(a)
	s.Equal(uint64(1), r.Record.Completed)
	s.Greater(r.ScorePpm, uint32(500_000))
	s.Equal(uint64(80_000), r.Record.LatencyEwmaMilli)
	s.Equal(uint64(5_000), r.Record.JitterEwmaMilli)
	up := r.ScorePpm

	// a job it lets expire
	id, _ = s.submit()
	s.setTime(s.ctx.BlockTime().Add(2 * time.Hour))
	s.Require().NoError(s.jobs.EndBlocker(s.ctx))
	j, err := s.jobs.GetJob(s.ctx, id)
	s.Require().NoError(err)
	s.Equal(jobstypes.JobStatus_JOB_STATUS_EXPIRED, j.Status)
	r = s.rep(a)
	s.Equal(uint64(1), r.Record.Expired)
	s.Less(r.ScorePpm, up)

	// a graded SLA violation costs in proportion to its severity
	before := s.rep(a).ScorePpm
	s.Require().NoError(s.k.RecordSLAViolation(s.ctx, a.String(), inference, 100_000, oneUnit))
	small := s.rep(a).ScorePpm
	s.Require().NoError(s.k.RecordSLAViolation(s.ctx, a.String(), inference, 1_000_000, oneUnit))
	big := s.rep(a).ScorePpm
	s.Less(small, before)
	s.Less(before-small, small-big, "a tenth of the severity costs less")
	s.Equal(uint64(1_100_000), s.rep(a).Record.SlaSeverityPpmSum)

	// and without new outcomes it returns toward neutral
	s.setTime(s.ctx.BlockTime().Add(365 * 24 * time.Hour))
	s.InDelta(500_000, s.rep(a).ScorePpm, 20_000)
}

func (s *Suite) TestDisputeOutcomes() {
	a := s.provider("a", 100, "eu")
	id, _ := s.submit()
	h := s.k.DisputeHooks()
	for _, c := range []struct {
		kind   disputetypes.DisputeKind
		status disputetypes.DisputeStatus
	}{
		{disputetypes.DisputeKind_DISPUTE_KIND_CHALLENGE, disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON},
		{disputetypes.DisputeKind_DISPUTE_KIND_CHALLENGE, disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST},
		{disputetypes.DisputeKind_DISPUTE_KIND_AUDIT, disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON},
		{disputetypes.DisputeKind_DISPUTE_KIND_AUDIT, disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST},
	} {
		s.Require().NoError(h.AfterDisputeResolved(s.ctx, disputetypes.Dispute{JobId: id, Provider: a.String(), Kind: c.kind, Status: c.status}))
	}
	r := s.rep(a).Record
	s.Equal([4]uint64{1, 1, 1, 1}, [4]uint64{r.DisputesWon, r.DisputesLost, r.AuditsPassed, r.AuditsFailed})
	// losing a dispute weighs ten times winning one
	p := types.DefaultParams()
	s.Equal(p.Weights.DisputeWon+p.Weights.AuditPassed, r.GoodEvidence)
	s.Equal(p.Weights.DisputeLost+p.Weights.AuditFailed, r.BadEvidence)
}

// Outcomes recorded in one block give the same counters, evidence and score
// whatever order the hooks ran in. (The metric EWMAs are order-dependent by
// nature and are not part of the claim.)
func (s *Suite) TestOrderWithinABlockDoesNotMatter() {
	type step func(op sdk.AccAddress) error
	jh := s.k.JobHooks()
	job := func(op sdk.AccAddress) jobstypes.Job {
		return jobstypes.Job{Provider: op.String(), Class: inference, PricePerUnit: coin(1), Units: 1}
	}
	steps := []step{
		func(op sdk.AccAddress) error { return jh.AfterJobFinalized(s.ctx, job(op)) },
		func(op sdk.AccAddress) error { return jh.AfterJobExpired(s.ctx, job(op)) },
		func(op sdk.AccAddress) error { return jh.AfterJobFailed(s.ctx, job(op)) },
		func(op sdk.AccAddress) error {
			return s.k.RecordSLAViolation(s.ctx, op.String(), inference, 333_333, oneUnit)
		},
	}
	perms := [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}, {2, 0, 3, 1}}
	var first *types.Reputation
	for i, perm := range perms {
		op := sdk.AccAddress(strings.Repeat(string(rune('k'+i)), 20))
		// evidence from an earlier block, so decay is part of the picture
		s.Require().NoError(steps[0](op))
		s.setTime(s.ctx.BlockTime().Add(time.Hour))
		for _, j := range perm {
			s.Require().NoError(steps[j](op))
		}
		r := s.rep(op)
		r.Record.Provider = ""
		r.Record.UpdatedAt = time.Time{}
		s.setTime(s.ctx.BlockTime().Add(-time.Hour)) // every provider sees the same two block times
		if first == nil {
			first = &r
			continue
		}
		s.Equal(*first, r, "permutation %v", perm)
	}
}

// The scheduler ranks by price over reputation: a cheaper provider with a
// bad record loses to a pricier one with a good record, and RankProviders
// shows exactly the choice.
func (s *Suite) TestSchedulerWeighsReputation() {
	a := s.provider("cheap", 100, "eu")
	b := s.provider("steady", 120, "eu")
	rank := s.rank()
	s.Require().Len(rank, 2)
	s.Equal(a.String(), rank[0].Operator, "equal scores: the cheaper first")
	_, prov := s.submit()
	s.Equal(a.String(), prov)

	s.Require().NoError(s.k.RecordSLAViolation(s.ctx, a.String(), inference, 1_000_000, oneUnit))
	rank = s.rank()
	s.Equal(b.String(), rank[0].Operator, "the violation makes the cheap provider effectively dearer")
	s.Greater(rank[1].EffectivePriceMilli, rank[0].EffectivePriceMilli)
	_, prov = s.submit()
	s.Equal(rank[0].Operator, prov, "the scheduler assigns what RankProviders shows")

	// effective price = price x 1e6 / score (milli)
	r := s.rep(b)
	s.Equal(uint64(120)*1_000_000*1000/uint64(r.ScorePpm), rank[0].EffectivePriceMilli)
}

// Exploration gives a share of jobs to providers with little record.
func (s *Suite) TestExploration() {
	old := s.provider("veteran", 100, "eu")
	for range 6 { // build a record: no longer "new"
		id, prov := s.submit()
		s.Require().Equal(old.String(), prov)
		s.complete(id, prov, jobstypes.Metrics{ThroughputMilli: 1000})
	}
	newbie := s.provider("newbie", 110, "eu")
	rank := s.rank()
	s.Equal(old.String(), rank[0].Operator)
	s.False(rank[0].New)
	s.True(rank[1].New)

	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.ExplorationPpm = types.PPM
	s.Require().NoError(s.k.Params.Set(s.ctx, p))
	_, prov := s.submit()
	s.Equal(newbie.String(), prov, "exploration at 100% picks the new provider")
	res, err := s.q.RankProviders(s.ctx, &types.QueryRankProvidersRequest{Class: inference, MaxPricePerUnit: "1000uverd"})
	s.Require().NoError(err)
	s.Equal(newbie.String(), res.ExplorePick)

	// at 30% the deterministic draw picks the newbie for about 30% of jobs
	p.ExplorationPpm = 300_000
	s.Require().NoError(s.k.Params.Set(s.ctx, p))
	hits := 0
	for id := uint64(1); id <= 2000; id++ {
		if keeper.ExploreDraw([]byte("h"), 9, id) < p.ExplorationPpm {
			hits++
		}
	}
	s.InDelta(600, hits, 5*20) // sd ~ 20
}

// Only max_candidates offers are read per assignment, cheapest first.
func (s *Suite) TestScanIsBounded() {
	for i, price := range []int64{100, 110, 120, 130} {
		s.provider(string(rune('a'+i)), price, "eu")
	}
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.MaxCandidates = 2
	s.Require().NoError(s.k.Params.Set(s.ctx, p))
	rank := s.rank()
	s.Len(rank, 2)
	s.Equal(coin(110), rank[1].PricePerUnit)
}

func (s *Suite) TestEstimateEfficiency() {
	nodes := func(regions ...string) []keeper.NodeProfile {
		var out []keeper.NodeProfile
		for i, r := range regions {
			out = append(out, keeper.NodeProfile{Operator: string(rune('a' + i)), Region: r, LatencyMs: 20, BandwidthMbps: 1000})
		}
		return out
	}
	// 4 nodes, one region: link 10 ms; Tcomm = 6 x 10 ms + 6/4 x 100 MB x 8 / 1000 Mbps = 60 ms + 1.2 s
	e, err := keeper.EstimateEfficiency(nodes("eu", "eu", "eu", "eu"), 100_000_000, 1000)
	s.Require().NoError(err)
	s.Equal(uint64(10_000), e.LinkLatencyUs)
	s.Equal(uint64(60_000+1_200_000), e.TcommUs)
	s.Equal(uint32(uint64(1_000_000)*1_000_000/(1_000_000+1_260_000)), e.EfficiencyPPM)
	// spread over regions: worse
	e2, err := keeper.EstimateEfficiency(nodes("eu", "us", "eu", "ap"), 100_000_000, 1000)
	s.Require().NoError(err)
	s.Less(e2.EfficiencyPPM, e.EfficiencyPPM)
	s.Equal(uint64(40_000), e2.LinkLatencyUs)
	// the refusal states the figure
	err = keeper.CheckEfficiency(e2, 500_000)
	s.Require().ErrorIs(err, types.ErrEfficiencyTooLow)
	s.Contains(err.Error(), "E = Tcomp / (Tcomp + Tcomm)")
	s.Contains(err.Error(), "500000 ppm")
	s.NoError(keeper.CheckEfficiency(e, 400_000))
	// bad placements
	_, err = keeper.EstimateEfficiency(nodes("eu"), 1, 1)
	s.ErrorIs(err, types.ErrInvalidPlacement)
	_, err = keeper.EstimateEfficiency(nodes("eu", "eu"), 1, 0)
	s.ErrorIs(err, types.ErrInvalidPlacement)
	zero := nodes("eu", "eu")
	zero[1].BandwidthMbps = 0
	_, err = keeper.EstimateEfficiency(zero, 1, 1)
	s.ErrorIs(err, types.ErrInvalidPlacement)

	// through the query, from registered providers' network profiles
	a, b := s.provider("a", 100, "eu"), s.provider("b", 100, "eu")
	c := s.provider("c", 100, "us")
	same, err := s.q.EstimateEfficiency(s.ctx, &types.QueryEstimateEfficiencyRequest{Providers: []string{a.String(), b.String()}, SyncBytesPerStep: 10_000_000, ComputeMsPerStep: 500})
	s.Require().NoError(err)
	cross, err := s.q.EstimateEfficiency(s.ctx, &types.QueryEstimateEfficiencyRequest{Providers: []string{a.String(), c.String()}, SyncBytesPerStep: 10_000_000, ComputeMsPerStep: 500})
	s.Require().NoError(err)
	s.Greater(same.EfficiencyPpm, cross.EfficiencyPpm, "same region raises E")
	s.Contains(cross.Explanation, "E = ")
	_, err = s.q.EstimateEfficiency(s.ctx, &types.QueryEstimateEfficiencyRequest{Providers: []string{a.String(), a.String()}, SyncBytesPerStep: 1, ComputeMsPerStep: 1})
	s.Error(err, "a provider twice")
}

func (s *Suite) TestParamsAndSigners() {
	_, err := s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.buyer.String(), Params: types.DefaultParams()})
	s.Require().ErrorIs(err, types.ErrUnauthorized)
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: "nope", Params: types.DefaultParams()})
	s.Require().ErrorIs(err, types.ErrInvalidAddress)
	signers, _, err := s.cdc.GetMsgV1Signers(&types.MsgUpdateParams{Authority: s.authority})
	s.Require().NoError(err)
	s.Equal([]byte(sdk.MustAccAddressFromBech32(s.authority)), signers[0])

	p := types.DefaultParams()
	p.DecayHalfLife = time.Hour
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().NoError(err)
	got, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	s.Equal(time.Hour, got.DecayHalfLife, "the authority's update applied")
	for name, mut := range map[string]func(*types.Params){
		"zero half-life":      func(p *types.Params) { p.DecayHalfLife = 0 },
		"zero prior":          func(p *types.Params) { p.PriorWeight = 0 },
		"huge weight":         func(p *types.Params) { p.Weights.DisputeLost = types.MaxEvidence },
		"zero alpha":          func(p *types.Params) { p.EwmaAlphaPpm = 0 },
		"floor over 1":        func(p *types.Params) { p.ScoreFloorPpm = types.PPM + 1 },
		"exploration over 1":  func(p *types.Params) { p.ExplorationPpm = types.PPM + 1 },
		"zero candidates":     func(p *types.Params) { p.MaxCandidates = 0 },
		"too many candidates": func(p *types.Params) { p.MaxCandidates = 10_001 },
	} {
		bad := types.DefaultParams()
		mut(&bad)
		_, err := s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: bad})
		s.Require().ErrorIs(err, types.ErrInvalidParams, name)
	}
}

func (s *Suite) TestQueriesRefuseBadInput() {
	a := s.provider("a", 100, "eu")
	for name, f := range map[string]func() error{
		"nil reputation": func() error { _, err := s.q.Reputation(s.ctx, nil); return err },
		"bad address": func() error {
			_, err := s.q.Reputation(s.ctx, &types.QueryReputationRequest{Provider: "x", Class: inference})
			return err
		},
		"unspecified class": func() error {
			_, err := s.q.Reputation(s.ctx, &types.QueryReputationRequest{Provider: a.String()})
			return err
		},
		"nil rank": func() error { _, err := s.q.RankProviders(s.ctx, nil); return err },
		"zero max price": func() error {
			_, err := s.q.RankProviders(s.ctx, &types.QueryRankProvidersRequest{Class: inference, MaxPricePerUnit: "0uverd"})
			return err
		},
		"bad buyer": func() error {
			_, err := s.q.RankProviders(s.ctx, &types.QueryRankProvidersRequest{Class: inference, MaxPricePerUnit: "5uverd", Buyer: "x"})
			return err
		},
		"nil efficiency": func() error { _, err := s.q.EstimateEfficiency(s.ctx, nil); return err },
		"unknown provider": func() error {
			_, err := s.q.EstimateEfficiency(s.ctx, &types.QueryEstimateEfficiencyRequest{Providers: []string{a.String(), s.buyer.String()}, SyncBytesPerStep: 1, ComputeMsPerStep: 1})
			return err
		},
	} {
		s.Error(f(), name)
	}
}

func (s *Suite) TestGenesisRoundTrip() {
	a := s.provider("a", 100, "eu")
	id, prov := s.submit()
	s.complete(id, prov, jobstypes.Metrics{LatencyP99Ms: 50, ThroughputMilli: 2000})
	s.Require().NoError(s.k.RecordSLAViolation(s.ctx, a.String(), jobstypes.WorkloadClass_WORKLOAD_CLASS_TRAINING, 500_000, oneUnit))
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Len(gs.Records, 2)
	s.Require().NoError(gs.Validate(s.ac))
	before := s.rep(a)

	s.SetupTest()
	s.Require().NoError(s.k.InitGenesis(s.ctx, *gs))
	gs2, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Equal(gs, gs2)
	s.setTime(t0.Add(2 * time.Hour))
	after := s.rep(a)
	s.Equal(before.ScorePpm, after.ScorePpm)

	for name, mut := range map[string]func(*types.GenesisState){
		"duplicate":     func(g *types.GenesisState) { g.Records = append(g.Records, g.Records[0]) },
		"bad class":     func(g *types.GenesisState) { g.Records[0].Class = 0 },
		"bad address":   func(g *types.GenesisState) { g.Records[0].Provider = "x" },
		"huge evidence": func(g *types.GenesisState) { g.Records[0].GoodEvidence = types.MaxEvidence + 1 },
		"bad params":    func(g *types.GenesisState) { g.Params.MaxCandidates = 0 },
	} {
		bad, err := s.k.ExportGenesis(s.ctx)
		s.Require().NoError(err)
		mut(bad)
		err = bad.Validate(s.ac)
		s.Require().Error(err, name)
	}
}

// A multi-node job is placed where the communication wall hurts least: the
// same-region pair beats the cheaper cross-region pair; the job pays the
// highest asked price, split between the nodes; a placement below the job's
// min_efficiency is refused with the figure, and nothing is escrowed.
func (s *Suite) TestMultiNodePlacement() {
	a := s.provider("eu-a", 100, "eu")
	s.provider("us-c", 101, "us")
	b := s.provider("eu-b", 105, "eu")
	s.provider("ap-d", 102, "ap")
	par := &jobstypes.Parallelism{Nodes: 2, SyncBytesPerStep: 50_000_000, ComputeMsPerStep: 1000, Steps: 10, MinEfficiencyPpm: 300_000}
	submit := func(ctx sdk.Context, par *jobstypes.Parallelism) (*jobstypes.MsgSubmitJobResponse, error) {
		return s.jobsMsg.SubmitJob(ctx, &jobstypes.MsgSubmitJob{
			Buyer: s.buyer.String(), Class: inference, ModelCommitment: commit, InputCommitment: commit,
			Units: 10, MaxPricePerUnit: coin(1000), TimeLimit: time.Hour, Parallel: par,
		})
	}
	res, err := submit(s.ctx, par)
	s.Require().NoError(err)
	j, err := s.jobs.GetJob(s.ctx, res.JobId)
	s.Require().NoError(err)
	s.Equal([]string{a.String(), b.String()}, j.Placement, "same region, best-ranked first")
	s.Equal(a.String(), j.Provider, "the best-ranked node coordinates")
	s.Equal(coin(105), j.PricePerUnit, "the highest price among the nodes")
	eu, err := s.q.EstimateEfficiency(s.ctx, &types.QueryEstimateEfficiencyRequest{Providers: j.Placement, SyncBytesPerStep: par.SyncBytesPerStep, ComputeMsPerStep: par.ComputeMsPerStep})
	s.Require().NoError(err)
	s.Equal(eu.EfficiencyPpm, j.EfficiencyPpm)
	for _, op := range []sdk.AccAddress{a, b} {
		p, err := s.jobs.GetProvider(s.ctx, op)
		s.Require().NoError(err)
		p, err = s.jobs.ProviderView(s.ctx, p)
		s.Require().NoError(err)
		s.Equal(uint64(1), p.OpenJobs)
	}
	a0, b0 := s.bank.Balance(a, denom), s.bank.Balance(b, denom)
	s.complete(res.JobId, a.String(), jobstypes.Metrics{})
	// 105 x 10 = 1,050, fee 2% = 21, 1,029 split: 515 to the coordinator, 514 to the other
	s.Equal(a0+515, s.bank.Balance(a, denom))
	s.Equal(b0+514, s.bank.Balance(b, denom))
	for _, op := range []sdk.AccAddress{a, b} {
		p, err := s.jobs.GetProvider(s.ctx, op)
		s.Require().NoError(err)
		p, err = s.jobs.ProviderView(s.ctx, p)
		s.Require().NoError(err)
		s.Zero(p.OpenJobs)
	}

	// too demanding: refused, with the figure. A failed tx reverts, so these
	// calls run on a discarded cache context with the fake bank restored.
	saved := map[string]sdk.Coins{}
	for k, v := range s.bank.Balances {
		saved[k] = v
	}
	defer func() { s.bank.Balances = saved }()
	cache, _ := s.ctx.CacheContext()
	strict := *par
	strict.MinEfficiencyPpm = 900_000
	_, err = submit(cache, &strict)
	s.Require().ErrorIs(err, types.ErrEfficiencyTooLow)
	s.Contains(err.Error(), "E = Tcomp / (Tcomp + Tcomm)")

	// more nodes than candidates
	big := *par
	big.Nodes = 5
	_, err = submit(cache, &big)
	s.Require().ErrorIs(err, types.ErrInvalidPlacement)

	// a multi-node job cannot be a direct order
	_, err = s.jobsMsg.SubmitJob(cache, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: inference, ModelCommitment: commit, InputCommitment: commit,
		Units: 10, MaxPricePerUnit: coin(1000), TimeLimit: time.Hour, Parallel: par, Provider: a.String(),
	})
	s.Require().ErrorIs(err, jobstypes.ErrInvalidJob)
	bad := *par
	bad.Nodes = 1
	_, err = submit(cache, &bad)
	s.Require().ErrorIs(err, jobstypes.ErrInvalidJob)
}

// x/dispute's audit rate factor: 1.0 for a neutral provider, more for a
// worse one.
func (s *Suite) TestAuditWeight() {
	a := s.provider("a", 100, "eu")
	w, err := s.k.AuditWeightPPM(s.ctx, jobstypes.Job{Provider: a.String(), Class: inference})
	s.Require().NoError(err)
	s.Equal(uint32(types.PPM), w)
	s.Require().NoError(s.k.RecordSLAViolation(s.ctx, a.String(), inference, types.PPM, oneUnit))
	w2, err := s.k.AuditWeightPPM(s.ctx, jobstypes.Job{Provider: a.String(), Class: inference})
	s.Require().NoError(err)
	s.Greater(w2, w)
	s.LessOrEqual(w2, uint32(types.PPM*3/2))
}
