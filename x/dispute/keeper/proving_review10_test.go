package keeper_test

import (
	"fmt"
	"sort"
	"strings"
	"time"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/testutil/zk"
	"github.com/verdict-chain/verdict/x/dispute/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

// r10open is a dispute an honest provider has to answer.
type r10open struct {
	id       uint64
	kj       zk.Job
	deadline time.Time
}

// r10proveHonestly runs the honest provider: every dispute in pending
// opened at start; it proves them one after another, earliest deadline
// first, each taking T, each landing 1 s after it is ready. It returns
// how many it could not get accepted.
func (s *Suite) r10proveHonestly(start time.Time, T time.Duration, pending []r10open) int {
	sort.SliceStable(pending, func(i, j int) bool { return pending[i].deadline.Before(pending[j].deadline) })
	busy, missed := start, 0
	for _, o := range pending {
		busy = busy.Add(T)
		s.setBlock(busy.Add(time.Second), s.ctx.BlockHeight()+1)
		if s.dispute(o.id).Status != types.DisputeStatus_DISPUTE_STATUS_OPEN {
			missed++
		} else if _, err := s.submitProof(s.prov, o.id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), o.kj, o.id)); err != nil {
			s.T().Logf("job %d: proof ready %s after the flood, due %s after it: %v", o.id, busy.Sub(start), o.deadline.Sub(start), err)
			missed++
		}
		s.endBlock()
	}
	s.advance(2 * time.Hour)
	return missed
}

// r10offer is the suite provider's offer with the given circuits, price
// and declarations.
func (s *Suite) r10offer(circuits []string, pricePerUnit int64, proving []jobstypes.ProvingTime) error {
	_, err := s.jobsMsg.UpdateProvider(s.ctx, &jobstypes.MsgUpdateProvider{
		Operator: s.prov.String(), Moniker: "gpu", Endpoint: "https://gpu2.example:8443",
		Classes:    []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		CircuitIds: circuits,
		Prices:     []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: coin(pricePerUnit)}},
		Proving:    proving,
	})
	return err
}

// r10flood posts n honest results, lets change run (an offer update), then
// challenges them all in one block and has the honest provider answer at
// pace T. It returns missed deadlines, the provider's loss and the
// challenger's net.
func (s *Suite) r10flood(tag string, n int, T time.Duration, change func()) (missed int, slashed, flooder int64) {
	jobs := make([]r10open, n)
	for i := range jobs {
		jobs[i].id, jobs[i].kj = s.jobWithResult(fmt.Sprintf("r10-%s-%d", tag, i), false)
	}
	change()
	bond0, c0 := s.providerBond(), s.bal(s.challenger)
	start := s.ctx.BlockTime()
	for i := range jobs {
		jobs[i].deadline = s.challenge(jobs[i].id, nil).ProofDeadline
	}
	s.endBlock()
	missed = s.r10proveHonestly(start, T, jobs)
	return missed, bond0 - s.providerBond(), s.bal(s.challenger) - c0
}

// FIXED (review 10): the prove time is frozen with the result when it
// is posted (Result.prove_time). Found as:
// (introduced by the previous change: max_prove_time became a governance
// param; governance plus any challenger). The change promises that
// lowering x/jobs' max_prove_time "binds later declarations, never one
// already accepted". But a provider's declaration is part of its offer and
// UpdateProvider re-validates the whole offer: after governance lowers the
// bound, the provider can no longer change anything (price, endpoint) and
// keep its accepted declaration (TestProveTimeIsBounded even asserts it is
// "not accepted again"). It must declare a pace it does not have, or none
// (default_prove_time). x/dispute reads the live declaration when a
// dispute OPENS, so the results the provider posted under its 10-minute
// declaration — still inside their challenge window — are booked at the new
// value. This is TestReview8LoweredMaxProveTimeUndercountsDeclaredPace
// again, one offer update later.
//
// Strategy: provider declares 10 min (its real pace) and posts 10 honest
// results; governance lowers max_prove_time to 1 min; the provider raises
// its price (it cannot re-send its 10 minutes, so it declares nothing);
// the buyer-challenger challenges all 10 in one block. Deadlines are
// 62..71 min out; the provider, proving at the pace it declared when it
// posted the results, has them at 10, 20, ..., 100 min. Measured: 4 of 10
// missed, provider slashed 40,000,000 uverd, flooder +14,000,000 uverd.
// A fix: freeze the prove time with the result (the terms a result was
// posted under, rule 11), or never count less than the declaration in
// force when the result was posted.
func (s *Suite) TestReview10OfferUpdateAfterLoweredMaxProveTimeUndercountsPostedResults() {
	const T = 10 * time.Minute
	s.declareProving(T)
	missed, slashed, flooder := s.r10flood("gov", 10, T, func() {
		jp := s.jobsParams()
		jp.MaxProveTime = time.Minute
		s.setJobsParams(jp)
		s.Require().Error(s.r10offer([]string{circuitID}, price+10, []jobstypes.ProvingTime{{CircuitId: circuitID, ProveTime: T}}),
			"the accepted declaration cannot be kept through an offer update")
		s.Require().NoError(s.r10offer([]string{circuitID}, price+10, nil), "so the provider declares nothing")
	})
	s.T().Logf("offer updated after max_prove_time lowered: missed %d of 10; provider slashed %d uverd; flooder net %+d uverd", missed, slashed, flooder)
	s.Equal(0, missed, "an honest provider missed deadlines of results posted under its accepted declaration")
	s.Equal(int64(0), slashed, "an honest provider slashed")
}

// FIXED (review 10, the same freeze). Found as (pre-existing: the prove
// time was read from the live offer when a
// dispute opens, never frozen with the result; no governance needed). A
// provider that stops offering a circuit loses its declaration for it
// (ValidateOffer refuses a proving time for a circuit not offered), but
// its posted results of that circuit stay challengeable for the challenge
// window (1 h). Their disputes are booked at default_prove_time (1 min).
// Strategy: the provider (10 min a proof, declared) posts 10 results,
// then withdraws the circuit from its offer; the buyer challenges all 10
// at once. Measured: 4 of 10 missed, 40,000,000 uverd slashed, challenger
// +14,000,000 uverd. The same happens to a provider that lowers or drops
// its declaration for any reason (e.g. an UpdateProvider that omits
// `proving`) with results in their window.
func (s *Suite) TestReview10WithdrawnCircuitBooksPostedResultsAtDefault() {
	const T = 10 * time.Minute
	s.declareProving(T)
	missed, slashed, flooder := s.r10flood("drop", 10, T, func() {
		s.Require().NoError(s.r10offer(nil, price, nil), "the provider stops offering the circuit")
	})
	s.T().Logf("circuit withdrawn with results in their window: missed %d of 10; provider slashed %d uverd; challenger net %+d uverd", missed, slashed, flooder)
	s.Equal(0, missed, "an honest provider missed deadlines of results posted under its declaration")
	s.Equal(int64(0), slashed, "an honest provider slashed")
}

// FIXED (review 10; governance params, finite state, low). An entry left
// with no open work is removed at a close (if idle then) or when one of
// the provider's disputes is pruned (if idle then). With retention shorter
// than a prove time, the last prune came while the provider was still
// counted busy with a dispute closed by someone else (sunk_until), and
// nothing ever removed the entry. retention is now at least the longest
// prove time (1 h): the prune after the last close finds the provider
// idle.
func (s *Suite) TestReview10ShortRetentionLeaksIdleBacklog() {
	const T = 10 * time.Minute
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.Retention = time.Minute
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().ErrorIs(err, types.ErrInvalidParams, "a retention shorter than a proof in progress")
	p.Retention = time.Hour
	_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.authority, Params: p})
	s.Require().NoError(err)
	s.declareProving(T)
	id, kj := s.jobWithResult("r10-leak", false)
	s.challenge(id, nil)
	s.advance(5 * time.Second)
	// the challenger gives up and submits the provider's proof itself
	_, err = s.submitProof(s.challenger, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.Require().NoError(err)
	for range 3 {
		s.advance(30 * time.Minute) // the dispute is pruned
	}
	_, err = s.k.Disputes.Get(s.ctx, id)
	s.Require().Error(err, "the dispute was pruned")
	s.advance(30 * 24 * time.Hour)
	has, err := s.k.ProvingBacklog.Has(s.ctx, s.prov)
	s.Require().NoError(err)
	s.False(has, "an idle backlog entry with no dispute left outlives everything that could remove it")
}

// FIXED (review 10, pre-existing; address string forms). x/jobs stored a
// provider's operator string as sent (it now stores the canonical
// spelling, and its genesis refuses any other); bech32 accepts it all upper-case, which decodes (and
// signs) as the same account. x/dispute keys the backlog by bytes but
// books and checks it by the dispute's provider string: for a provider
// registered upper-case, the exported genesis of x/dispute fails its own
// Validate ("open but its provider has no proving backlog") whenever one
// of its disputes is open, and the invariant reports an accounting fault.
// Any provider (or anyone registering one) can hold one dispute open (a
// sybil challenge of its own result) at the time of an export: the chain
// cannot be restarted from `verdictd export` without hand-editing.
func (s *Suite) TestReview10UpperCaseOperatorBreaksGenesisAndInvariant() {
	upper := strings.ToUpper(s.stranger.String())
	_, err := s.jobsMsg.RegisterProvider(s.ctx, &jobstypes.MsgRegisterProvider{
		Operator: upper, Moniker: "gpu", Endpoint: "https://gpu.example:8443",
		Classes:    []jobstypes.WorkloadClass{jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE},
		CircuitIds: []string{circuitID},
		Prices:     []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE, PricePerUnit: coin(price)}},
		Bond:       coin(bond),
	})
	s.Require().NoError(err, "an upper-case operator is accepted")
	reg, err := s.jobs.GetProvider(s.ctx, s.stranger)
	s.Require().NoError(err)
	s.Equal(s.stranger.String(), reg.Operator, "and stored in its canonical spelling")
	kj := s.kit.NewJob(s.T(), "r10-upper")
	res, err := s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: jobstypes.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		ModelCommitment: kj.ModelC, InputCommitment: kj.InputC, InputUri: "ipfs://in", CircuitId: circuitID,
		Units: 1, MaxPricePerUnit: coin(150), TimeLimit: time.Hour, Provider: s.stranger.String(),
	})
	s.Require().NoError(err)
	_, err = s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: s.stranger.String(), JobId: res.JobId, OutputCommitment: kj.OutputC, UnitsUsed: 1})
	s.Require().NoError(err)
	d := s.challenge(res.JobId, nil)
	s.T().Logf("dispute provider %q", d.Provider)
	s.NoError(s.k.CheckAccounting(s.ctx), "the invariant holds")
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.NoError(gs.Validate(s.ac), "the exported genesis is valid")
	// close it (the suite's TearDown checks the invariant again)
	_, err = s.submitProof(s.stranger, res.JobId, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, res.JobId))
	s.Require().NoError(err)
}

// FIXED (review 10, pre-existing; genesis, low): x/jobs' genesis now
// refuses a declaration over 1 h. Found as: x/jobs' genesis never checked a
// provider's declared proving times (neither against max_prove_time nor
// the absolute 1 h), while x/dispute's genesis refuses a dispute booked
// over 1 h. A provider imported with a 2 h declaration gets its disputes
// booked at 2 h, and the next export of x/dispute fails its own Validate:
// the state a valid genesis led to cannot be exported and imported.
func (s *Suite) TestReview10GenesisDeclarationOverBoundBreaksExport() {
	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	for i := range jobsGS.Providers {
		jobsGS.Providers[i].Proving = []jobstypes.ProvingTime{{CircuitId: circuitID, ProveTime: 2 * time.Hour}}
	}
	if jobsGS.Validate(s.ac) != nil {
		return // refused at import: no hole
	}
	s.Require().NoError(s.r10reimportJobs(*jobsGS))
	id, kj := s.jobWithResult("r10-genesis", false)
	d := s.challenge(id, nil)
	s.T().Logf("booked prove time %s", d.ProveTime)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.NoError(gs.Validate(s.ac), "x/dispute's export of a chain started from a valid genesis is invalid")
	_, err = s.submitProof(s.prov, id, types.Claim_CLAIM_PROVIDER, s.kit.Prove(s.T(), kj, id))
	s.Require().NoError(err)
}

// FIXED (review 10: backlog entries in genesis must be in the canonical
// spelling, so two spellings of one account cannot pass as two). Found as
// (introduced by the change — Validate no longer refuses an entry
// with no open work; genesis, low: needs a hand-made genesis, but one
// Validate accepts). Validate tells backlog entries apart by their provider
// string, InitGenesis stores them by address bytes: a second entry for the
// same provider spelled upper-case (open work 0, matching the nothing
// booked under that spelling) passes Validate and overwrites the real one.
// The invariant is broken from the first block, and the provider's open
// dispute can never close: its close is an accounting fault, so the
// honest provider's proof is refused and the lapse is dead-lettered — the
// challenger's bond, the buyer's escrow and the provider's bond stay locked
// for good.
func (s *Suite) TestReview10GenesisCaseDuplicateBacklogLocksDispute() {
	id, kj := s.jobWithResult("r10-dup", false)
	d := s.challenge(id, nil)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().Len(gs.ProvingBacklogs, 1)
	dup := gs.ProvingBacklogs[0]
	dup.Provider, dup.OpenWork = strings.ToUpper(dup.Provider), 0
	gs.ProvingBacklogs = append(gs.ProvingBacklogs, dup)
	if gs.Validate(s.ac) != nil {
		return // refused: no hole
	}
	jobsGS, err := s.jobs.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().NoError(s.r10reimport(*jobsGS, *gs))
	s.NoError(s.k.CheckAccounting(s.ctx), "the invariant after importing a genesis Validate accepted")
	// the fake bank is not rolled back with a failed message or settlement
	bank := map[string]sdk.Coins{}
	for k, v := range s.bank.Balances {
		bank[k] = append(sdk.Coins{}, v...)
	}
	restore := func() {
		s.bank.Balances = map[string]sdk.Coins{}
		for k, v := range bank {
			s.bank.Balances[k] = append(sdk.Coins{}, v...)
		}
	}
	cache, _ := s.ctx.CacheContext()
	_, err = s.msg.SubmitProof(cache, &types.MsgSubmitProof{Submitter: s.prov.String(), JobId: id, Claim: types.Claim_CLAIM_PROVIDER, Proof: s.kit.Prove(s.T(), kj, id)})
	restore()
	s.NoError(err, "the honest provider's proof")
	s.setBlock(d.ProofDeadline.Add(time.Minute), s.ctx.BlockHeight()+1)
	s.endBlock()
	restore()
	s.NotEqual(types.DisputeStatus_DISPUTE_STATUS_OPEN, s.dispute(id).Status, "the dispute never settles")
	// repair the entry so the suite's TearDown checks the rest
	b, err := s.k.ProvingBacklog.Get(s.ctx, s.prov)
	s.Require().NoError(err)
	b.OpenWork = d.ProveTime
	s.Require().NoError(s.k.ProvingBacklog.Set(s.ctx, s.prov, b))
}

// r10reimportJobs imports x/jobs from jobsGS, and x/dispute from its own
// export, into fresh stores.
func (s *Suite) r10reimportJobs(jobsGS jobstypes.GenesisState) error {
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	return s.r10reimport(jobsGS, *gs)
}

// r10reimport imports both modules into fresh stores, the next block a
// second later.
func (s *Suite) r10reimport(jobsGS jobstypes.GenesisState, gs types.GenesisState) error {
	now, h := s.ctx.BlockTime(), s.ctx.BlockHeight()
	s.keys = storetypes.NewKVStoreKeys(jobstypes.StoreKey, types.StoreKey)
	s.ctx = testutilCtx(s.keys)
	s.setBlock(now.Add(time.Second), h+1)
	s.newKeepers()
	if err := s.jobs.InitGenesis(s.ctx, jobsGS); err != nil {
		return err
	}
	return s.k.InitGenesis(s.ctx, gs)
}
