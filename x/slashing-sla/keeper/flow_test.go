package keeper_test

import (
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// A provider degrades its SLA: monitors report a p99 latency over the bound,
// the graded slash compensates the buyer, the violation lowers its
// reputation, and the next job goes to the other provider.
func (s *Suite) TestDegradedProviderSlashedAndLosesNextJob() {
	id, op := s.slaJob()
	s.Equal(s.fast, op, "the cheaper provider wins the first job")
	bad := good()
	bad.LatencyP99Ms = 300 // 50% over 200 ms
	for i, m := range []sdk.AccAddress{s.mon1, s.mon2, s.mon3} {
		mm := bad
		mm.LatencyP99Ms += uint32(i * 10) // 300, 310, 320: the median is 310
		s.Require().NoError(s.report(m, id, mm))
	}
	reports, err := s.q.Reports(s.ctx, &types.QueryReportsRequest{JobId: id})
	s.Require().NoError(err)
	s.Len(reports.Reports, 3)
	b0, pool0, bond0 := s.bal(s.buyer), s.pool(), s.providerBond(s.fast)

	// Reports closed 30 minutes after the result; the job is still inside
	// its one-hour challenge window, so it is graded when it finalizes.
	s.advance(59 * time.Minute)
	_, err = s.q.Assessment(s.ctx, &types.QueryAssessmentRequest{JobId: id})
	s.Error(err, "graded only once the job has closed")
	s.Require().ErrorIs(s.report(s.buyer, id, bad), types.ErrReportWindowClosed)
	s.advance(time.Minute)
	a := s.assessment(id)
	s.Equal(uint32(3), a.MonitorReports)
	s.Equal(uint32(310), a.Aggregate.LatencyP99Ms)
	s.Equal(uint32(550_000), a.Severity.LatencyExcessPpm, "310 vs 200 ms")
	s.Equal(uint32(275_000), a.Severity.TotalPpm, "weight 0.5")
	s.Equal(uint32(2_750), a.SlashBps, "0.275 of the penalty scale")
	// sized by the job: payment 100 x 100 = 10,000; penalty 27.5% of twice
	// the payment = 5,500, never a share of the bond
	s.Equal(coin(10_000), a.Payment)
	penalty := int64(5_500)
	s.Equal(bond0-penalty, s.providerBond(s.fast))
	// the buyer receives up to what it paid (10,000): all of the penalty;
	// the job itself finalized in that block (refund 5,000 of the 15,000
	// escrow, protocol fee 200)
	s.Equal(coin(10_000), a.BuyerLoss)
	s.Equal(coin(penalty), a.ToBuyer)
	s.Equal(b0+5_000+penalty, s.bal(s.buyer))
	s.Equal(pool0+200, s.pool())
	s.False(a.Jailed)

	// the reputation feed: an SLA violation of that severity
	rep, err := s.rep.View(s.ctx, s.fast, inference)
	s.Require().NoError(err)
	s.Equal(uint64(1), rep.Record.SlaViolations)
	s.Equal(uint64(275_000), rep.Record.SlaSeverityPpmSum)
	s.Less(rep.ScorePpm, uint32(500_000))

	// the next job goes to the steadier, pricier provider
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: inference, ModelCommitment: commit, InputCommitment: commit,
		Units: 10, MaxPricePerUnit: coin(150), TimeLimit: time.Hour, Sla: &terms,
	})
	s.Require().NoError(err)
	s.Equal(s.steady.String(), res.Provider)
}

// Without monitors the buyer's report is graded at reduced weight and weighs
// on reputation, but moves no money and jails no one: a buyer cannot take
// back what it paid for an honest result by claiming it was bad.
func (s *Suite) TestBuyerOnlyReport() {
	id, op := s.slaJob()
	m := good()
	m.CompletedPpm = 500_000
	s.Require().NoError(s.report(s.buyer, id, m))
	bond0, b0 := s.providerBond(op), s.bal(s.buyer)
	s.advance(time.Hour)
	a := s.assessment(id)
	s.True(a.BuyerOnly)
	s.Equal(uint32(250_000), a.Severity.TotalPpm, "0.5 incomplete x buyer weight 0.5")
	s.True(a.Slashed.IsZero())
	s.Equal(bond0, s.providerBond(op))
	s.Equal(b0+5_000, s.bal(s.buyer), "only its escrow refund (15,000 - 10,000 paid)")
	v, err := s.q.Violations(s.ctx, &types.QueryViolationsRequest{Provider: op.String()})
	s.Require().NoError(err)
	s.Empty(v.Violations)
	rep, err := s.rep.View(s.ctx, op, inference)
	s.Require().NoError(err)
	s.Equal(uint64(1), rep.Record.SlaViolations, "reputation hears it")
}

// A report within terms records no violation and slashes nothing.
func (s *Suite) TestWithinTermsCostsNothing() {
	id, op := s.slaJob()
	s.Require().NoError(s.report(s.mon1, id, good()))
	bond0 := s.providerBond(op)
	s.advance(time.Hour)
	a := s.assessment(id)
	s.Zero(a.Severity.TotalPpm)
	s.True(a.Slashed.IsZero())
	s.Equal(bond0, s.providerBond(op))
	v, err := s.q.Violations(s.ctx, &types.QueryViolationsRequest{Provider: op.String()})
	s.Require().NoError(err)
	s.Empty(v.Violations)
}

// A job with SLA terms that expires without a result is graded as nothing
// delivered: the full penalty the job allows (twice its agreed payment),
// of which the buyer — refunded in full — receives only the capped
// late-delivery compensation; the rest goes to the community pool.
func (s *Suite) TestExpiredJobGradedAsDead() {
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: inference, ModelCommitment: commit, InputCommitment: commit,
		Units: 100, MaxPricePerUnit: coin(150), TimeLimit: time.Hour, Sla: &terms,
	})
	s.Require().NoError(err)
	bond0, b0, pool0 := s.providerBond(s.fast), s.bal(s.buyer), s.pool()
	s.advance(time.Hour)
	a := s.assessment(res.JobId)
	s.True(a.Expired)
	s.Equal(uint32(types.PPM), a.Severity.IncompletePpm)
	s.Equal(uint32(10_000), a.SlashBps, "severity 1.0: the whole penalty scale")
	s.Equal(coin(10_000), a.Payment, "the agreed payment, 100 x 100")
	s.Equal(bond0-20_000, s.providerBond(s.fast), "twice the payment, not a share of the bond")
	s.Equal(coin(1_000), a.ToBuyer, "late compensation: 10% of the payment")
	s.Equal(b0+15_000+1_000, s.bal(s.buyer), "escrow refunded in full, plus the compensation")
	s.Equal(pool0+19_000, s.pool())
}

// Three violations within the window jail the provider: it gets no jobs
// until it unjails after jail_duration.
func (s *Suite) TestRepeatedViolationsJail() {
	bad := good()
	bad.JitterMs = 40
	var op sdk.AccAddress
	for i := 0; i < 3; i++ {
		var id uint64
		id, op = s.slaJob()
		s.Require().Equal(s.fast, op, "still the best-ranked after %d violations", i)
		s.Require().NoError(s.report(s.mon1, id, bad))
		s.advance(time.Hour)
		// keep fast first in the ranking for this test: the steady provider pauses
		if i == 0 {
			_, err := s.jobsMsg.PauseProvider(s.ctx, &jobstypes.MsgPauseProvider{Operator: s.steady.String()})
			s.Require().NoError(err)
		}
	}
	a := s.assessment(3)
	s.True(a.Jailed)
	p, err := s.jobs.GetProvider(s.ctx, s.fast)
	s.Require().NoError(err)
	s.Equal(jobstypes.ProviderStatus_PROVIDER_STATUS_JAILED, p.Status)
	v, err := s.q.Violations(s.ctx, &types.QueryViolationsRequest{Provider: s.fast.String()})
	s.Require().NoError(err)
	s.Equal(uint32(3), v.InWindow)

	// no assignment while jailed
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: inference, ModelCommitment: commit, InputCommitment: commit,
		Units: 1, MaxPricePerUnit: coin(150), TimeLimit: time.Hour,
	})
	s.Require().NoError(err)
	s.Empty(res.Provider)
	_, err = s.jobsMsg.CancelJob(s.ctx, &jobstypes.MsgCancelJob{Buyer: s.buyer.String(), JobId: res.JobId})
	s.Require().NoError(err)

	_, err = s.msg.Unjail(s.ctx, &types.MsgUnjail{Operator: s.fast.String()})
	s.Require().ErrorIs(err, jobstypes.ErrInvalidStatus, "jail time not over")
	_, err = s.msg.Unjail(s.ctx, &types.MsgUnjail{Operator: s.steady.String()})
	s.Require().ErrorIs(err, jobstypes.ErrInvalidStatus, "not jailed")
	s.advance(time.Hour)
	_, err = s.msg.Unjail(s.ctx, &types.MsgUnjail{Operator: s.fast.String()})
	s.Require().NoError(err)
	p, err = s.jobs.GetProvider(s.ctx, s.fast)
	s.Require().NoError(err)
	s.Equal(jobstypes.ProviderStatus_PROVIDER_STATUS_ACTIVE, p.Status)
}

// Violations are stored by time, so changing the window counts exactly in
// either direction (the x/slashing bitmap bug class cannot happen).
func (s *Suite) TestWindowChangesDoNotCorruptCounts() {
	bad := good()
	bad.JitterMs = 40
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.MaxViolations = 100 // no jail in this test
	s.Require().NoError(s.k.Params.Set(s.ctx, p))
	_, err = s.jobsMsg.PauseProvider(s.ctx, &jobstypes.MsgPauseProvider{Operator: s.steady.String()})
	s.Require().NoError(err) // every job goes to the same provider
	for range 3 {
		id, _ := s.slaJob()
		s.Require().NoError(s.report(s.mon1, id, bad))
		s.advance(time.Hour) // violations at t0+1h, +2h, +3h
	}
	count := func(window time.Duration) uint32 {
		p.ViolationWindow = window
		_, err := s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
		s.Require().NoError(err)
		v, err := s.q.Violations(s.ctx, &types.QueryViolationsRequest{Provider: s.fast.String()})
		s.Require().NoError(err)
		return v.InWindow
	}
	s.Equal(uint32(3), count(24*time.Hour))
	s.Equal(uint32(1), count(30*time.Minute), "only the last one is within 30 minutes")
	s.Equal(uint32(2), count(90*time.Minute))
	s.Equal(uint32(3), count(24*time.Hour), "widening again finds all of them")
}

func (s *Suite) TestReportRules() {
	id, op := s.slaJob()
	for name, c := range map[string]struct {
		from sdk.AccAddress
		id   uint64
		m    types.SLAMetrics
		want error
	}{
		"stranger reports":        {s.stranger, id, good(), types.ErrUnauthorized},
		"provider reports itself": {op, id, good(), types.ErrUnauthorized},
		"completed over 100%":     {s.mon1, id, func() types.SLAMetrics { m := good(); m.CompletedPpm = types.PPM + 1; return m }(), types.ErrInvalidReport},
		"p50 above p99":           {s.mon1, id, func() types.SLAMetrics { m := good(); m.LatencyP50Ms = 900; return m }(), types.ErrInvalidReport},
		"no window":               {s.mon1, id, func() types.SLAMetrics { m := good(); m.Window = 0; return m }(), types.ErrInvalidReport},
		"unknown job":             {s.mon1, 999, good(), jobstypes.ErrJobNotFound},
	} {
		s.Require().ErrorIs(s.report(c.from, c.id, c.m), c.want, name)
	}
	// a provider registered as a monitor still cannot report on its own job
	_, err := s.msg.RegisterMonitor(s.ctx, &types.MsgRegisterMonitor{Authority: s.authority, Monitor: op.String()})
	s.Require().NoError(err)
	s.Require().ErrorIs(s.report(op, id, good()), types.ErrUnauthorized)
	s.Require().NoError(s.report(s.mon1, id, good()))
	s.Require().ErrorIs(s.report(s.mon1, id, good()), types.ErrDuplicateReport)
	s.advance(time.Hour)
	s.assessment(id)
	s.Require().ErrorIs(s.report(s.mon2, id, good()), types.ErrInvalidReport, "graded and closed: no claim")

	// a job without SLA terms, and one without a result yet
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: inference, ModelCommitment: commit, InputCommitment: commit,
		Units: 1, MaxPricePerUnit: coin(150), TimeLimit: time.Hour,
	})
	s.Require().NoError(err)
	s.Require().ErrorIs(s.report(s.mon1, res.JobId, good()), types.ErrNoSLA)
	res, err = s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: inference, ModelCommitment: commit, InputCommitment: commit,
		Units: 1, MaxPricePerUnit: coin(150), TimeLimit: time.Hour, Sla: &terms,
	})
	s.Require().NoError(err)
	s.Require().ErrorIs(s.report(s.mon1, res.JobId, good()), types.ErrInvalidReport)

	// every claim has a deadline: report_window after the result, and
	// nothing once the job is closed
	late, _ := s.slaJob()
	s.advance(30 * time.Minute)
	s.Require().ErrorIs(s.report(s.mon1, late, good()), types.ErrReportWindowClosed)
	closed, _ := s.slaJob()
	s.advance(time.Hour + time.Second) // finalized with no report
	s.Require().ErrorIs(s.report(s.buyer, closed, good()), types.ErrInvalidReport)
}

// Only the authority manages monitors and params; each Msg's signer is its
// actor.
func (s *Suite) TestWrongSigners() {
	_, err := s.msg.RegisterMonitor(s.ctx, &types.MsgRegisterMonitor{Authority: s.stranger.String(), Monitor: s.stranger.String()})
	s.Require().ErrorIs(err, types.ErrUnauthorized)
	_, err = s.msg.RemoveMonitor(s.ctx, &types.MsgRemoveMonitor{Authority: s.stranger.String(), Monitor: s.mon1.String()})
	s.Require().ErrorIs(err, types.ErrUnauthorized)
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.stranger.String(), Params: types.DefaultParams()})
	s.Require().ErrorIs(err, types.ErrUnauthorized)
	_, err = s.msg.RegisterMonitor(s.ctx, &types.MsgRegisterMonitor{Authority: s.authority, Monitor: s.mon1.String()})
	s.Require().ErrorIs(err, types.ErrMonitorExists)
	_, err = s.msg.RemoveMonitor(s.ctx, &types.MsgRemoveMonitor{Authority: s.authority, Monitor: s.stranger.String()})
	s.Require().ErrorIs(err, types.ErrMonitorNotFound)
	_, err = s.msg.RemoveMonitor(s.ctx, &types.MsgRemoveMonitor{Authority: s.authority, Monitor: s.mon3.String()})
	s.Require().NoError(err)
	mons, err := s.q.Monitors(s.ctx, &types.QueryMonitorsRequest{})
	s.Require().NoError(err)
	s.Len(mons.Monitors, 2)
	_, err = s.msg.Unjail(s.ctx, &types.MsgUnjail{Operator: "bad"})
	s.Require().ErrorIs(err, types.ErrInvalidAddress)

	for _, c := range []struct {
		msg    sdk.Msg
		signer sdk.AccAddress
	}{
		{&types.MsgSubmitReport{Reporter: s.mon1.String()}, s.mon1},
		{&types.MsgUnjail{Operator: s.fast.String()}, s.fast},
		{&types.MsgRegisterMonitor{Authority: s.authority}, sdk.MustAccAddressFromBech32(s.authority)},
		{&types.MsgRemoveMonitor{Authority: s.authority}, sdk.MustAccAddressFromBech32(s.authority)},
		{&types.MsgUpdateParams{Authority: s.authority}, sdk.MustAccAddressFromBech32(s.authority)},
	} {
		signers, _, err := s.cdc.GetMsgV1Signers(c.msg)
		s.Require().NoError(err)
		s.Equal([]byte(c.signer), signers[0], "%T", c.msg)
	}

	for name, mut := range map[string]func(*types.Params){
		"zero report window":  func(p *types.Params) { p.ReportWindow = 0 },
		"zero base slash":     func(p *types.Params) { p.BaseSlashBps = 0 },
		"weight over 1":       func(p *types.Params) { p.Weights.Jitter = types.PPM + 1 },
		"window too long":     func(p *types.Params) { p.ViolationWindow = 91 * 24 * time.Hour },
		"zero violations":     func(p *types.Params) { p.MaxViolations = 0 },
		"zero jail":           func(p *types.Params) { p.JailDuration = 0 },
		"zero per block":      func(p *types.Params) { p.MaxAssessmentsPerBlock = 0 },
		"multiple over 10x":   func(p *types.Params) { p.MaxSlaPenaltyMultipleBps = 100_001 },
		"late comp over 1":    func(p *types.Params) { p.LateCompensationBps = 10_001 },
		"retention too short": func(p *types.Params) { p.Retention = p.ReportWindow },
	} {
		bad := types.DefaultParams()
		mut(&bad)
		_, err := s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: bad})
		s.Require().ErrorIs(err, types.ErrInvalidParams, name)
	}
}

// Gradings per block are bounded; the rest wait.
func (s *Suite) TestAssessmentsBoundedPerBlock() {
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.MaxAssessmentsPerBlock = 1
	s.Require().NoError(s.k.Params.Set(s.ctx, p))
	a, _ := s.slaJob()
	b, _ := s.slaJob()
	s.Require().NoError(s.report(s.mon1, a, good()))
	s.Require().NoError(s.report(s.mon1, b, good()))
	s.advance(time.Hour)
	_, errA := s.q.Assessment(s.ctx, &types.QueryAssessmentRequest{JobId: a})
	_, errB := s.q.Assessment(s.ctx, &types.QueryAssessmentRequest{JobId: b})
	s.True((errA == nil) != (errB == nil), "exactly one graded")
	s.advance(time.Second)
	s.assessment(a)
	s.assessment(b)
}

func (s *Suite) TestGenesisRoundTrip() {
	id, _ := s.slaJob()
	bad := good()
	bad.JitterMs = 40
	s.Require().NoError(s.report(s.mon1, id, bad))
	s.advance(time.Hour)
	id2, _ := s.slaJob()
	s.Require().NoError(s.report(s.mon2, id2, good())) // pending
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().NoError(gs.Validate(s.ac))
	s.Len(gs.Monitors, 3)
	s.Len(gs.Assessments, 1)
	s.Len(gs.Pending, 1)
	s.Len(gs.Reports, 1)
	s.Len(gs.Violations, 1)

	s.Require().NoError(s.k.Pending.Clear(s.ctx, nil))
	for _, pa := range gs.Pending {
		s.Require().NoError(s.k.Queue.Remove(s.ctx, pa.AssessAt, pa.JobId))
	}
	s.Require().NoError(s.k.Reports.Clear(s.ctx, nil))
	s.Require().NoError(s.k.Assessments.Clear(s.ctx, nil))
	s.Require().NoError(s.k.Violations.Clear(s.ctx, nil))
	s.Require().NoError(s.k.Monitors.Clear(s.ctx, nil))
	s.Require().NoError(s.k.InitGenesis(s.ctx, *gs))
	gs2, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Equal(gs, gs2)
	s.advance(time.Hour) // the pending one is still graded
	s.assessment(id2)

	for name, mut := range map[string]func(*types.GenesisState){
		"duplicate monitor":      func(g *types.GenesisState) { g.Monitors = append(g.Monitors, g.Monitors[0]) },
		"report without pending": func(g *types.GenesisState) { g.Pending = nil },
		"bad violation address":  func(g *types.GenesisState) { g.Violations[0].Provider = "x" },
		"duplicate assessment":   func(g *types.GenesisState) { g.Assessments = append(g.Assessments, g.Assessments[0]) },
	} {
		bad := *gs
		bad.Monitors = append([]string{}, gs.Monitors...)
		bad.Violations = append([]types.Violation{}, gs.Violations...)
		bad.Assessments = append([]types.Assessment{}, gs.Assessments...)
		mut(&bad)
		s.Require().ErrorIs(bad.Validate(s.ac), types.ErrInvalidGenesis, name)
	}
}

// One party, one role: a registered monitor that bought the job reports as
// its buyer, whose word alone moves no money. Before, the monitor-buyer got
// its payment back and the honest provider was slashed twice the job.
func (s *Suite) TestAMonitorCannotReportOnAJobItBought() {
	_, err := s.msg.RegisterMonitor(s.ctx, &types.MsgRegisterMonitor{Authority: s.authority, Monitor: s.buyer.String()})
	s.Require().NoError(err)
	id, op := s.slaJob()
	b0, bond0 := s.bal(s.buyer), s.providerBond(op)
	dead := types.SLAMetrics{LatencyP99Ms: 10_000, JitterMs: 1_000, CompletedPpm: 0, Window: time.Minute}
	s.Require().NoError(s.report(s.buyer, id, dead))
	reports, err := s.q.Reports(s.ctx, &types.QueryReportsRequest{JobId: id})
	s.Require().NoError(err)
	s.Require().Len(reports.Reports, 1)
	s.False(reports.Reports[0].FromMonitor, "recorded as the buyer's report")
	s.advance(2 * time.Hour)
	a := s.assessment(id)
	s.True(a.BuyerOnly)
	s.Zero(a.Slashed.Amount.Int64())
	s.Equal(bond0, s.providerBond(op), "no slash")
	s.Equal(b0+5_000, s.bal(s.buyer), "only the unused escrow back: it paid for its job")
}

// A grading that fails is dead-lettered, and it no longer holds the
// provider's bond: no failure can lock a bond forever.
func (s *Suite) TestADeadLetteredGradingReleasesTheBond() {
	id, op := s.slaJob()
	bad := good()
	bad.LatencyP99Ms = 400
	s.Require().NoError(s.report(s.mon1, id, bad))
	open, err := s.k.HasOpenClaims(s.ctx, op)
	s.Require().NoError(err)
	s.True(open)
	s.advance(59 * time.Minute)
	// the job finalizes (its refund paid), then its grading cannot pay the
	// buyer (made unable to receive for this block): it fails
	s.setTime(s.ctx.BlockTime().Add(time.Minute))
	s.Require().NoError(s.jobs.EndBlocker(s.ctx))
	s.bank.Blocked[s.buyer.String()] = true
	s.Require().NoError(s.k.EndBlocker(s.ctx))
	delete(s.bank.Blocked, s.buyer.String())
	var dead bool
	for _, e := range s.ctx.EventManager().Events() {
		dead = dead || e.Type == "verdict.slashingsla.v1.EventSettlementDeadLettered"
	}
	s.True(dead)
	_, err = s.q.Assessment(s.ctx, &types.QueryAssessmentRequest{JobId: id})
	s.Error(err, "not graded")
	open, err = s.k.HasOpenClaims(s.ctx, op)
	s.Require().NoError(err)
	s.False(open, "the failed grading no longer holds the bond")
}

// A halt eats no monitor's time: a report sent in the first block after a
// two-hour halt that began inside the report window is taken, and the job
// is graded on it.
func (s *Suite) TestAHaltDoesNotCloseTheReportWindow() {
	tick := func(d time.Duration) {
		s.setTime(s.ctx.BlockTime().Add(d))
		s.Require().NoError(s.jobs.BeginBlocker(s.ctx))
	}
	tick(5 * time.Second)
	id, _ := s.slaJob()
	tick(10 * time.Second)
	tick(2 * time.Hour) // past the 30-minute report window as it was set
	bad := good()
	bad.LatencyP99Ms = 300
	s.Require().NoError(s.report(s.mon1, id, bad), "on time: the halt moved the window")
	s.advance(2 * time.Hour)
	s.True(s.assessment(id).Slashed.IsPositive())
}
