package keeper_test

import (
	"fmt"
	"time"

	sdkmath "cosmossdk.io/math"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"

	"github.com/verdict-chain/verdict/testutil/zk"
	"github.com/verdict-chain/verdict/x/dispute/keeper"
	"github.com/verdict-chain/verdict/x/dispute/types"
)

// jobsParams are x/jobs' params now.
func (s *Suite) jobsParams() jobstypes.Params {
	gs, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	return gs.Params
}

// setJobsParams sets x/jobs' params as governance does.
func (s *Suite) setJobsParams(p jobstypes.Params) {
	_, err := s.jobsMsg.UpdateParams(s.ctx, &jobstypes.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().NoError(err)
}

// declareProving sets the suite provider's declared proving time.
func (s *Suite) declareProving(d time.Duration) {
	s.Require().NoError(s.updateProving(d))
}

// updateProving declares the suite provider's proving time (the rest of
// its offer unchanged).
func (s *Suite) updateProving(d time.Duration) error {
	_, err := s.jobsMsg.UpdateProvider(s.ctx, &jobstypes.MsgUpdateProvider{
		Operator: s.prov.String(), Moniker: "gpu", Endpoint: "https://gpu.example:8443",
		Classes:    []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		CircuitIds: []string{circuitID},
		Prices:     []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: coin(price)}},
		Proving:    []jobstypes.ProvingTime{{CircuitId: circuitID, ProveTime: d}},
	})
	return err
}

// A flood of challenges in one block: the provider declared one proof a
// minute, and 90 challenges arrive at once against a one-hour proof
// window. Before, all 90 shared one deadline and the last 30 could not be
// proven in time: each slashed a tenth of the bond. Their deadlines are now
// spaced by its proving time: proving one a minute, it answers every one.
func (s *Suite) TestAFloodOfChallengesIsStaggered() {
	s.declareProving(time.Minute)
	const n = 90
	ids := make([]uint64, n)
	kjs := make([]zk.Job, n)
	for i := range n {
		ids[i], kjs[i] = s.jobWithResult(fmt.Sprintf("flood-%d", i), false)
	}
	t0, bond0, c0 := s.ctx.BlockTime(), s.providerBond(), s.bal(s.challenger)
	for i, id := range ids {
		d := s.challenge(id, nil)
		s.Require().Equal(t0.Add(time.Hour+time.Duration(i+1)*time.Minute), d.ProofDeadline, "challenge %d", i)
	}
	// the provider proves one a minute, in deadline order
	for i, id := range ids {
		s.advance(time.Minute)
		_, err := s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kjs[i], id))
		s.Require().NoError(err, "proof %d at minute %d", i, i+1)
	}
	s.advance(time.Hour)
	for _, id := range ids {
		s.Require().Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, s.dispute(id).Status)
	}
	s.Equal(bond0, s.providerBond(), "an honest provider loses nothing to the flood")
	s.Less(s.bal(s.challenger), c0, "the flooder lost its bonds")
	_, err := s.k.ProvingBacklog.Get(s.ctx, s.prov)
	s.Require().Error(err, "the drained queue leaves no entry")
}

// A result is booked at the proving time its provider had declared for
// the circuit when it posted it, in full (x/jobs' default_prove_time then
// when it had declared none). x/jobs' max_prove_time bounds a declaration
// when it is made: lowering it later, a new declaration or a new default
// leaves the results already posted booked as they were.
func (s *Suite) TestProveTimeIsBounded() {
	jp := s.jobsParams()
	def := jp.DefaultProveTime
	none, _ := s.jobWithResult("bounded-none", false)
	s.Equal(def, keeper.ProveTime(s.job(none)))
	s.declareProving(jp.MaxProveTime)
	full, _ := s.jobWithResult("bounded-full", false)
	s.Equal(jp.MaxProveTime, keeper.ProveTime(s.job(full)))
	s.Equal(def, keeper.ProveTime(s.job(none)), "a declaration does not reach back")
	s.Require().ErrorIs(s.updateProving(jp.MaxProveTime+time.Second), jobstypes.ErrInvalidProvider, "a declaration over max_prove_time")
	jp.MaxProveTime = time.Minute
	jp.DefaultProveTime = time.Second
	s.setJobsParams(jp)
	s.Equal(def, keeper.ProveTime(s.job(none)), "a new default does not reach back")
	s.Require().ErrorIs(s.updateProving(10*time.Minute), jobstypes.ErrInvalidProvider, "a declaration over the lowered bound")
	s.declareProving(time.Minute)
	fast, _ := s.jobWithResult("bounded-fast", false)
	s.Equal(time.Minute, keeper.ProveTime(s.job(fast)))
	s.Equal(10*time.Minute, keeper.ProveTime(s.job(full)), "a result posted under the 10-minute declaration stays booked at it")
	_, err := s.jobsMsg.UpdateProvider(s.ctx, &jobstypes.MsgUpdateProvider{
		Operator: s.prov.String(), Moniker: "gpu", Endpoint: "https://gpu.example:8443",
		Classes:    []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		CircuitIds: []string{circuitID},
		Prices:     []jobstypes.ClassPrice{{MaxUnitsPerJob: 1, MaxOpenUnits: 1, Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: coin(price)}},
		Proving:    []jobstypes.ProvingTime{{CircuitId: "other", ProveTime: time.Second}},
	})
	s.Require().ErrorIs(err, jobstypes.ErrInvalidProvider, "a proving time for a circuit it does not offer")
}

// A halt cannot eat a proof window. A challenge opened just before a long
// halt (a scheduled upgrade's height is public weeks ahead) used to expire
// in the first block after the restart, before the provider could send the
// proof it had ready: it was refused and the provider slashed. The halt
// clock moves the deadline by the halt: the proof sent after the restart
// wins, and the deadline still passes for a provider that never proves.
func (s *Suite) TestAHaltDoesNotEatTheProofWindow() {
	tick := func(d time.Duration) {
		s.setBlock(s.ctx.BlockTime().Add(d), s.ctx.BlockHeight()+1)
		s.Require().NoError(s.jobs.BeginBlocker(s.ctx))
	}
	tick(5 * time.Second)
	id, kj := s.jobWithResult("halt", false)
	lazy, _ := s.jobWithResult("halt-lazy", true)
	s.challenge(id, nil)
	s.challenge(lazy, nil)
	s.endBlock()
	for range 60 { // ten minutes of 10-second blocks
		tick(10 * time.Second)
		s.endBlock()
	}
	// the chain halts for two hours: the first block after it is past both
	// deadlines as set
	tick(2 * time.Hour)
	s.Require().True(s.ctx.BlockTime().After(s.dispute(id).ProofDeadline))
	bond0 := s.providerBond()
	_, err := s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.Require().NoError(err, "the proof sent in the first block after the halt is on time")
	s.endBlock()
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON, s.dispute(id).Status)
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_OPEN, s.dispute(lazy).Status, "the halt extended the lazy one too")
	s.Equal(bond0, s.providerBond())
	credit, err := s.jobs.HaltCredit(s.ctx)
	s.Require().NoError(err)
	s.Equal(2*time.Hour, credit, "the whole halt")
	// the lazy one's live time runs out: the hour (and the minute queued
	// behind the first dispute, and its own minute) it was given, less the
	// ten minutes before the halt
	restart := s.ctx.BlockTime()
	for s.dispute(lazy).Status == types.DisputeStatus_DISPUTE_STATUS_OPEN {
		s.Require().Less(s.ctx.BlockTime().Sub(restart), 2*time.Hour, "never settled")
		tick(10 * time.Second)
		s.endBlock()
	}
	s.Equal(types.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST, s.dispute(lazy).Status)
	live := s.ctx.BlockTime().Sub(restart)
	s.Require().GreaterOrEqual(live, time.Hour+2*time.Minute-10*time.Minute-10*time.Second)
	s.Require().Less(live, time.Hour+2*time.Minute-10*time.Minute+10*time.Second)
}

// A lost dispute costs what its job is about: fraud_slash_multiple times
// the job's agreed payment, at most fraud_slash_bps of the bond — never a
// share of the bond for a small job.
func (s *Suite) TestFraudSlashIsSizedByTheJob() {
	p := types.DefaultParams()
	j := jobstypes.Job{PricePerUnit: coin(100), Units: 10}
	s.Equal(int64(100*1_000), types.FraudSlash(p, sdkmath.NewInt(1_000_000_000), j).Int64(), "100 x a 1,000 payment")
	j.Units = 1_000_000_000
	s.Equal(int64(100_000_000), types.FraudSlash(p, sdkmath.NewInt(1_000_000_000), j).Int64(), "capped at 10% of the bond")
	// and a wrong result still loses in expectation at the deterrence floor
	j.Units = 10
	pay := sdkmath.NewInt(1_000)
	rate := types.DeterrenceRatePPM(p, pay, types.FraudSlash(p, sdkmath.NewInt(1_000_000_000), j))
	ev := pay.MulRaw(types.MaxPpm).Sub(sdkmath.NewInt(int64(rate)).Mul(types.FraudSlash(p, sdkmath.NewInt(1_000_000_000), j).Add(pay)))
	s.True(ev.IsNegative(), "EV of a wrong result at the floor rate %d ppm: %s", rate, ev)
}

// The backlog is what the open disputes booked, whatever the provider
// declares later: a dispute gives back exactly the prove time it booked
// (not the provider's current declaration), and an export/import rebuilds
// the backlog from the open disputes.
func (s *Suite) TestBacklogIsWhatOpenDisputesBooked() {
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	s.declareProving(10 * time.Minute)
	a, kja := s.jobWithResult("booked-a", false)
	s.declareProving(time.Minute)
	b, _ := s.jobWithResult("booked-b", false)
	c, _ := s.jobWithResult("booked-c", false)
	s.declareProving(10 * time.Minute) // reaches no result already posted
	now := s.ctx.BlockTime()
	da := s.challenge(a, nil)
	s.Equal(10*time.Minute, da.ProveTime)
	s.Equal(now.Add(10*time.Minute+p.ProofWindow), da.ProofDeadline)
	db := s.challenge(b, nil)
	s.Equal(time.Minute, db.ProveTime)
	s.Equal(now.Add(11*time.Minute+p.ProofWindow), db.ProofDeadline, "behind the 10 minutes a booked")
	backlog := func() time.Duration {
		v, err := s.k.ProvingBacklog.Get(s.ctx, s.prov)
		s.Require().NoError(err)
		return v.OpenWork
	}
	s.Equal(11*time.Minute, backlog())
	// a closes (its provider's own proof): its 10 minutes come back
	_, err = s.submitProof(s.prov, a, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kja, a))
	s.Require().NoError(err)
	s.Equal(time.Minute, backlog())
	// the backlog survives an export and import, rebuilt from b
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().Len(gs.ProvingBacklogs, 1)
	for name, mut := range map[string]func(*types.GenesisState){
		"open work off by one": func(g *types.GenesisState) { g.ProvingBacklogs[0].OpenWork++ },
		"no backlog":           func(g *types.GenesisState) { g.ProvingBacklogs = nil },
		"repeated backlog":     func(g *types.GenesisState) { g.ProvingBacklogs = append(g.ProvingBacklogs, g.ProvingBacklogs[0]) },
		"backlog of a provider with nothing open": func(g *types.GenesisState) {
			g.ProvingBacklogs = append(g.ProvingBacklogs, types.ProvingBacklog{Provider: s.stranger.String(), OpenWork: time.Minute})
		},
	} {
		bad, err := s.k.ExportGenesis(s.ctx)
		s.Require().NoError(err)
		mut(bad)
		s.Require().ErrorIs(bad.Validate(s.ac), types.ErrInvalidGenesis, name)
	}
	before, err := s.k.ProvingBacklog.Get(s.ctx, s.prov)
	s.Require().NoError(err)
	s.Require().NoError(s.r4restart(s.ctx.BlockTime().Add(time.Second)))
	after, err := s.k.ProvingBacklog.Get(s.ctx, s.prov)
	s.Require().NoError(err)
	s.Equal(before, after, "an export and import keep the backlog exactly")
	dc := s.challenge(c, nil)
	s.Equal(s.ctx.BlockTime().Add(2*time.Minute+p.ProofWindow), dc.ProofDeadline, "behind b's minute only, then its own")
}

// The invariant sees a backlog that drifted from what the open disputes
// booked, in either direction, and a missing entry.
func (s *Suite) TestBacklogInvariantCatchesDrift() {
	id, _ := s.jobWithResult("drift", false)
	d := s.challenge(id, nil)
	s.Require().NoError(s.k.CheckAccounting(s.ctx))
	good, err := s.k.ProvingBacklog.Get(s.ctx, s.prov)
	s.Require().NoError(err)
	for _, v := range []time.Duration{d.ProveTime + 1, d.ProveTime - 1} {
		bad := good
		bad.OpenWork = v
		s.Require().NoError(s.k.ProvingBacklog.Set(s.ctx, s.prov, bad))
		s.Require().ErrorIs(s.k.CheckAccounting(s.ctx), types.ErrAccounting, "open work %s", v)
	}
	s.Require().NoError(s.k.ProvingBacklog.Remove(s.ctx, s.prov))
	s.Require().ErrorIs(s.k.CheckAccounting(s.ctx), types.ErrAccounting, "no entry")
	s.Require().NoError(s.k.ProvingBacklog.Set(s.ctx, s.prov, good))
	s.Require().NoError(s.k.CheckAccounting(s.ctx))
}
