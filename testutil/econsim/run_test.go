package econsim_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/app"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	forwardstypes "github.com/verdict-chain/verdict/x/forwards/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

var (
	flagTable  = flag.Bool("econ.table", false, "run TestEconomicTable (make bench-econ)")
	flagBlocks = flag.Int("econ.blocks", 1_000, "blocks for TestEconomicTable")
	flagSeed   = flag.Uint64("econ.seed", 7, "seed for TestEconomicTable")
)

func proofMsg(s *sim, ji *jobInfo) sdk.Msg {
	return &disputetypes.MsgSubmitProof{Submitter: ji.provider, JobId: ji.id, Claim: disputetypes.Claim_CLAIM_PROVIDER, Proof: s.kit.Prove(s.t, ji.kj, ji.id)}
}

type abciResult struct {
	code  uint32
	log   string
	jobID uint64
}

func parse(t testing.TB, rs []*abci.ExecTxResult) []*abciResult {
	out := make([]*abciResult, len(rs))
	for i, r := range rs {
		out[i] = &abciResult{code: r.Code, log: r.Log}
		if r.Code != 0 {
			continue
		}
		var d sdk.TxMsgData
		require.NoError(t, d.Unmarshal(r.Data))
		if len(d.MsgResponses) != 1 {
			continue
		}
		switch d.MsgResponses[0].TypeUrl {
		case "/verdict.jobs.v1.MsgSubmitJobResponse":
			var res jobstypes.MsgSubmitJobResponse
			require.NoError(t, res.Unmarshal(d.MsgResponses[0].Value))
			out[i].jobID = res.JobId
		case "/verdict.forwards.v1.MsgSubmitPositionJobResponse":
			var res forwardstypes.MsgSubmitPositionJobResponse
			require.NoError(t, res.Unmarshal(d.MsgResponses[0].Value))
			out[i].jobID = res.JobId
		}
	}
	return out
}

// run plays `blocks` blocks of every strategy, then lets what is open
// settle (no new jobs, challenges or reports) for at most 300 blocks.
func (s *sim) run(blocks int) {
	s.start = map[string]int64{}
	for _, name := range actors {
		s.start[name] = s.wealth(name)
	}
	s.setup()
	s.check()
	for range blocks {
		txs := s.step()
		s.record(txs, parse(s.t, s.block(txs, nil)))
		s.check()
	}
	for range 300 {
		ctx := s.queryCtx()
		open := 0
		batches := map[string][]sdk.Msg{}
		var batchOrder []string
		for _, id := range s.order {
			j, err := s.a.JobsKeeper.GetJob(ctx, id)
			if err != nil || !jobstypes.IsOpen(j.Status) {
				continue
			}
			open++
			ji := s.jobs[id]
			ji.provider = j.Provider
			name := s.byAddr[ji.provider]
			var m sdk.Msg
			switch {
			case j.Status == jobstypes.JobStatus_JOB_STATUS_DISPUTED && ji.batch != nil:
				m = s.batchProof(ji)
			case j.Status == jobstypes.JobStatus_JOB_STATUS_DISPUTED && !ji.proved && !ji.wrong && s.mayProve(ji):
				ji.proved = true
				s.proofsMade++
				m = proofMsg(s, ji)
			case j.Status == jobstypes.JobStatus_JOB_STATUS_ASSIGNED && !ji.posted && s.height >= ji.postAt && s.willPost(name):
				// agents keep serving what they were given before the end
				m = s.postMsg(ji, j)
			}
			if m != nil {
				if batches[name] == nil {
					batchOrder = append(batchOrder, name)
				}
				batches[name] = append(batches[name], m)
			}
		}
		pending, err := s.a.SlashingSLAKeeper.Pending.Iterate(ctx, nil)
		require.NoError(s.t, err)
		gradings := pending.Valid()
		require.NoError(s.t, pending.Close())
		// forwards: every order closed and every position settled
		o, p, c, err := s.a.ForwardsKeeper.Totals(ctx)
		require.NoError(s.t, err)
		forwards := !o.IsZero() || !p.IsZero() || !c.IsZero()
		if open == 0 && !gradings && !forwards {
			return
		}
		var txs []tx
		for _, name := range batchOrder {
			txs = append(txs, tx{from: name, batch: batches[name]})
		}
		s.block(txs, nil)
		s.check()
	}
	s.t.Fatalf("jobs still open after draining")
}

// result is one strategy's outcome.
type result struct {
	name           string
	attack         bool
	provider       bool
	jobs           int
	start, end     int64
	fees           int64
	vsHonest       int64 // end + fees − start − what honest service of its jobs would have earned
	honestEarnings int64
}

func (s *sim) results() []result {
	ctx := s.queryCtx()
	fee, err := s.a.JobsKeeper.Params.Get(ctx)
	require.NoError(s.t, err)
	var out []result
	for _, st := range strategies {
		r := result{name: st.name, attack: st.attack, provider: st.provider}
		for _, a := range st.accounts {
			r.start += s.start[a]
			r.end += s.wealth(a)
			r.fees += s.acct[a].feesPaid
			r.jobs = max(r.jobs, s.jobsOf[a]) // a pair's jobs count once
			// what serving its jobs correctly and on time pays a provider
			for _, id := range s.order {
				j, err := s.a.JobsKeeper.GetJob(ctx, id)
				if err == nil && j.Provider == s.addr(a) {
					pay := j.PricePerUnit.Amount.MulRaw(int64(j.Units))
					r.honestEarnings += pay.Sub(jobstypes.Fee(pay, fee.ProtocolFeeBps)).Int64()
				}
			}
		}
		r.vsHonest = r.end + r.fees - r.start - r.honestEarnings
		out = append(out, r)
	}
	return out
}

func table(rs []result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| strategy | jobs (or challenges, proofs) | net change per 1,000 jobs, uverd | against honest service of the same jobs, per 1,000 |\n|---|---|---|---|\n")
	for _, r := range rs {
		per := func(v int64) string {
			if r.jobs == 0 {
				return "–"
			}
			return fmt.Sprintf("%+d", v*1000/int64(r.jobs))
		}
		vs := "–"
		if r.provider && r.name != "honest provider" {
			vs = per(r.vsHonest)
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", r.name, r.jobs, per(r.end-r.start), vs)
	}
	return b.String()
}

// TestEconomicSimulation: a seeded run of every strategy through the real
// app at a 1% audit rate. After every block each module's accounting holds
// and the supply is unchanged (run.check). At the end: honest providers
// end with what they started with plus what they earned (gross of gas);
// every attack strategy that buys or challenges ends with less than it
// started with; the lazy and slow providers end no better than honest
// service of the same jobs would have, and a wrong result loses in
// expectation; the same seed gives the same app hash; the final state
// survives export and import unchanged.
func TestEconomicSimulation(t *testing.T) {
	if testing.Short() {
		t.Skip("the economic simulation takes about a minute")
	}
	// seed 8: every strategy acts in 150 blocks (at seed 7, since round 4's
	// batches took job ids, the griefer and the renewer found nothing to do)
	const blocks, seed = 150, 8
	s := newSim(t, config{seed: seed, blocks: blocks, auditPPM: 10_000})
	s.run(blocks)
	rs := s.results()
	t.Log("\n" + table(rs))
	t.Logf("%d jobs, %d proofs, %d wrong results from the lazy provider (expected value of those: %s uverd)", len(s.order), s.proofsMade, s.lazyWrong, s.lazyEV)
	require.Greater(t, len(s.order), 100, "the run made too few jobs to mean anything")

	for _, r := range rs {
		require.Positive(t, r.jobs, "%s never acted: the run says nothing about it (re-tune prices or seed)", r.name)
		switch {
		case strings.HasPrefix(r.name, "honest provider") || strings.HasPrefix(r.name, "intermittent"):
			require.GreaterOrEqual(t, r.end+r.fees-r.start, r.honestEarnings, "%s keeps all it earned", r.name)
			require.Positive(t, r.honestEarnings, r.name)
		case r.name == "honest buyer" || r.name == "batch buyer" || strings.HasPrefix(r.name, "serving buyer"):
		case strings.HasPrefix(r.name, "batch watcher"):
			require.Greater(t, r.end, r.start, "the watcher is paid for the fraud it proves")
		case strings.HasPrefix(r.name, "lazy") || strings.HasPrefix(r.name, "slow") || strings.HasPrefix(r.name, "partial batch"):
			require.LessOrEqual(t, r.vsHonest, int64(0), "%s did better than honest service", r.name)
		default:
			require.Less(t, r.end, r.start, "%s ended with more than it started with", r.name)
		}
	}
	require.Positive(t, s.lazyWrong)
	require.True(t, s.lazyEV.IsNegative(), "a wrong result must lose in expectation (deterrence), got %s", s.lazyEV)
	for _, p := range partialProviders {
		t.Logf("%s: expected value against honest service %s uverd (audits alone: %s)", p, s.partialEV[p], s.partialAuditEV[p])
		require.True(t, s.partialEV[p].IsNegative(), "%s: partial cheating must lose in expectation, got %s", p, s.partialEV[p])
		require.True(t, s.partialAuditEV[p].IsNegative(), "%s: partial cheating must lose in expectation at the audit floor alone, got %s", p, s.partialAuditEV[p])
	}
	slow := rs[2]
	require.Negative(t, slow.vsHonest, "penalties for late and missing results exceed what they were paid")

	// reputation is not for sale: the self-dealer's evidence weighs only
	// the value it put at stake (1,000 uverd jobs: 1% of an evidence unit
	// each), it paid a fee on every job and gas on every tx, and its score
	// stays far from perfect
	ctx := s.queryCtx()
	sybil, err := s.a.ReputationKeeper.View(ctx, s.acct[sybilProv].addr, inference)
	require.NoError(t, err)
	require.Positive(t, sybil.Record.Completed)
	rp, err := s.a.ReputationKeeper.Params.Get(ctx)
	require.NoError(t, err)
	value := int64(sybil.Record.Completed) * 1_000
	// every good outcome (completed, audit passed, dispute won) counted at
	// the 1,000 uverd its job put at stake, before decay
	perJob := uint64(1_000)
	bound := (uint64(sybil.Record.Completed)*rp.Weights.Completed +
		uint64(sybil.Record.AuditsPassed)*rp.Weights.AuditPassed +
		uint64(sybil.Record.DisputesWon)*rp.Weights.DisputeWon) * perJob / rp.EvidenceUnit
	require.LessOrEqual(t, sybil.Record.GoodEvidence, bound, "evidence beyond the value at stake")
	require.Less(t, sybil.ScorePpm, uint32(600_000), "self-dealing bought a high score: %d ppm", sybil.ScorePpm)
	pair := rs[5]
	units := float64(value) / float64(rp.EvidenceUnit)
	t.Logf("the self-dealer paid %d uverd for %.2f evidence units (%.0f uverd a unit; an honest job of one unit pays a %d uverd fee)",
		pair.start-pair.end, units, float64(pair.start-pair.end)/units, rp.EvidenceUnit*200/10_000)

	// the same seed, the same chain
	again := newSim(t, config{seed: seed, blocks: blocks, auditPPM: 10_000})
	again.run(blocks)
	require.Equal(t, s.height, again.height)
	require.Equal(t, fmt.Sprintf("%X", s.appHash), fmt.Sprintf("%X", again.appHash), "same seed, same app hash")

	// export, import into a fresh node, export again: the same state
	exported, err := s.a.ExportAppStateAndValidators(false, nil, nil)
	require.NoError(t, err)
	fresh := app.New(log.NewNopLogger(), dbm.NewMemDB(), true, simtestutil.NewAppOptionsWithFlagHome(t.TempDir()), baseapp.SetChainID("verdict-econ"))
	_, err = fresh.InitChain(&abci.RequestInitChain{
		ChainId: "verdict-econ", Time: s.now, AppStateBytes: exported.AppState,
		ConsensusParams: simtestutil.DefaultConsensusParams, InitialHeight: exported.Height + 1,
	})
	require.NoError(t, err)
	// commit the imported state with one empty block (nothing is due in it)
	_, err = fresh.FinalizeBlock(&abci.RequestFinalizeBlock{Height: exported.Height + 1, Time: s.now.Add(blockTime)})
	require.NoError(t, err)
	_, err = fresh.Commit()
	require.NoError(t, err)
	reExported, err := fresh.ExportAppStateAndValidators(false, nil, nil)
	require.NoError(t, err)
	var a, b map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(exported.AppState, &a))
	require.NoError(t, json.Unmarshal(reExported.AppState, &b))
	// x/jobs' halt clock records the last block it saw, which the import's
	// own block moves on; the rest of the module is unchanged
	for _, st := range []map[string]json.RawMessage{a, b} {
		var d map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(st["jobs"], &d))
		delete(d, "halt_last_block")
		st["jobs"], err = json.Marshal(d)
		require.NoError(t, err)
	}
	for _, m := range []string{"jobs", "dispute", "reputation", "slashingsla", "forwards", "bank", "auth"} {
		require.JSONEq(t, string(a[m]), string(b[m]), "module %s changed through export and import", m)
	}
	// x/attest too, but for its ring of recent block hashes, which moves on
	// with the block the import committed: what is left of it is unchanged
	var aa, ba map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(a["attest"], &aa))
	require.NoError(t, json.Unmarshal(b["attest"], &ba))
	var an, bn []map[string]string
	require.NoError(t, json.Unmarshal(aa["nonces"], &an))
	require.NoError(t, json.Unmarshal(ba["nonces"], &bn))
	require.NotEmpty(t, bn)
	for _, n := range bn {
		require.Contains(t, an, n, "a block hash changed through export and import")
	}
	delete(aa, "nonces")
	delete(ba, "nonces")
	ja, _ := json.Marshal(aa)
	jb, _ := json.Marshal(ba)
	require.JSONEq(t, string(ja), string(jb), "module attest changed through export and import")
}

// TestEconomicTable (make bench-econ) prints, for the default economic
// params (2% audit rate), each strategy's jobs and net gain or loss per
// 1,000 jobs over a longer run.
func TestEconomicTable(t *testing.T) {
	if !*flagTable {
		t.Skip("run with make bench-econ (-econ.table)")
	}
	s := newSim(t, config{seed: *flagSeed, blocks: *flagBlocks, auditPPM: 20_000})
	s.run(*flagBlocks)
	fmt.Printf("\nEconomic simulation: seed %d, %d blocks of %s, %d jobs, %d proofs, audit rate 2%%\n\n%s\n",
		*flagSeed, *flagBlocks, blockTime, len(s.order), s.proofsMade, table(s.results()))
	fmt.Printf("lazy provider: %d wrong results, expected value %s uverd (negative: a wrong result loses in expectation)\n", s.lazyWrong, s.lazyEV)
	for _, p := range partialProviders {
		fmt.Printf("%s: %d wrong items of %d per batch, expected value against honest service %s uverd (audits alone: %s)\n", p, partialWrong[p], batchItems, s.partialEV[p], s.partialAuditEV[p])
	}
}
