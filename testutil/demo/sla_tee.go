package demo

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	attesttypes "github.com/verdict-chain/verdict/x/attest/types"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	slatypes "github.com/verdict-chain/verdict/x/slashing-sla/types"
)

const slaTerms = `{"max_p99_latency_ms":200,"max_jitter_ms":20,"completion_time":"60s","max_slash_bps":10000}`

// slaScene: two providers compete for jobs with SLA terms; the cheaper one
// degrades, a monitor reports it, x/slashingsla grades the penalty by how
// far over the bound it was, and the next assignment goes to the other.
func slaScene(s *S) {
	v2 := s.cfg.circuitSLA()
	buyer := s.Account("buyer-sla", 1_000_000_000)
	gpuA, gpuB, mon := s.Addr("provider2"), s.Addr("provider3"), s.Addr("monitor")
	jp := s.JobsParams()
	w := s.mlpWorkload("sla", s.cfg.SLAShape, "poseidon2", "demo-sla", "main")
	in := s.Zk(w.scheme, "commit", s.File("sla-input-main.vten"))
	result := s.Zk(w.scheme, "infer", w.model, s.File("sla-input-main.vten"))
	rank := func() {
		for _, p := range s.Rank(u(maxPrice), v2) {
			s.Show(map[string]any{"operator": p.Operator, "price": p.PricePerUnit.Amount.String(), "score_ppm": p.ScorePpm, "effective_price_milli": p.EffectivePriceMilli})
		}
	}
	submit := func() uint64 {
		return s.JobID(s.Tx("buyer-sla", "jobs", "submit-job", "inference", w.modelC, in, strconv.Itoa(units), u(maxPrice), "90s", "--circuit-id", v2, "--sla", slaTerms))
	}

	s.Say("Two providers compete for jobs with SLA terms of the %s circuit", v2)
	s.slaProviders()
	s.Info("gpu-a (%s) asks 100 uverd/unit, gpu-b (%s) 110; both start at the neutral score", gpuA, gpuB)
	rank()
	s.Expect("best-ranked provider", s.Rank(u(maxPrice), v2)[0].Operator, gpuA)

	s.Say("A job with SLA terms goes to gpu-a, which degrades; a monitor reports it")
	s.Info("terms: %s", slaTerms)
	js := submit()
	s.Record("job", js)
	s.Expect(fmt.Sprintf("job %d provider", js), s.Job(js).Provider, gpuA)
	b0, a0, c0, ab0 := s.Gross(buyer), s.Gross(gpuA), s.Pool(), s.Bond(gpuA)
	s.Tx("provider2", "jobs", "post-result", id(js), result, strconv.Itoa(used))
	report := `{"latency_p50_ms":60,"latency_p99_ms":310,"jitter_ms":12,"throughput_mean_milli":9000,"throughput_cv_ppm":50000,"completed_ppm":1000000,"window":"60s"}`
	s.Info("monitor %s measured: %s", mon, report)
	s.Tx("monitor", "slashingsla", "submit-report", id(js), report)
	s.Info("graded when the report window closes; the job finalizes when its challenge window does")
	var as slatypes.Assessment
	s.WaitFor(fmt.Sprintf("job %d graded and finalized", js), 90*time.Second, func() bool {
		var ok bool
		as, ok = s.Assessment(js)
		return ok && s.Job(js).Status == jobstypes.JobStatus_JOB_STATUS_FINALIZED
	})
	s.Show(map[string]any{"severity": as.Severity, "slash_bps": as.SlashBps, "slashed": as.Slashed.String(), "to_buyer": as.ToBuyer.String(), "to_community_pool": as.ToCommunityPool.String(), "jailed": as.Jailed})
	s.Expect("latency excess (310 ms over 200 ms, ppm)", as.Severity.LatencyExcessPpm, 550000)
	s.Expect("severity (latency weight 0.5)", as.Severity.TotalPpm, 275000)
	s.Expect("slash (0.275 of the penalty scale, bps)", as.SlashBps, 2750)
	j := s.Job(js)
	pay := jobstypes.Payment(j)
	fee := jobstypes.Fee(pay, jp.ProtocolFeeBps)
	sp := s.SLAParams()
	pen := slatypes.Penalty(sp, as.SlashBps, pay)
	comp := slatypes.Compensation(pen, pay)
	s.Info("penalty %s uverd = 27.5%% of %d bps of the job's payment (%s), never a share of the bond (x/slashingsla Penalty);", pen, sp.MaxSlaPenaltyMultipleBps, pay)
	s.Info("the buyer receives up to what it paid for the degraded result (%s), the rest goes to the community pool", comp)
	s.Expect("assessment payment", as.Payment.Amount, pay)
	s.Expect("gpu-a bond change", s.Bond(gpuA).Sub(ab0), pen.Neg())
	s.Expect("gpu-a balance change (paid for the job)", s.Gross(gpuA).Sub(a0), pay.Sub(fee))
	s.Expect("buyer balance change (refund + compensation)", s.Gross(buyer).Sub(b0), escrowOf(j).Sub(pay).Add(comp))
	s.ExpectPool(c0, "fee + rest of the penalty", fee.Add(pen).Sub(comp))
	s.Info("the SDK's binary downtime slashing would have taken nothing: the node was up")

	s.Say("gpu-a's reputation fell; RankProviders and the next assignment show it")
	rank()
	s.Expect("best-ranked provider", s.Rank(u(maxPrice), v2)[0].Operator, gpuB)
	jn := submit()
	s.Record("next", jn)
	s.Expect(fmt.Sprintf("job %d provider (the pricier, steadier gpu-b)", jn), s.Job(jn).Provider, gpuB)
	s.Tx("provider3", "jobs", "post-result", id(jn), result, strconv.Itoa(used))
	s.WaitStatus(jn, jobstypes.JobStatus_JOB_STATUS_FINALIZED, 90*time.Second)
	s.Info("job %d FINALIZED", jn)
	s.PoolAlso(fmt.Sprintf("job %d's fee", jn), jobstypes.Fee(jobstypes.Payment(s.Job(jn)), jp.ProtocolFeeBps))
}

// slaProviders registers gpu-a (100 uverd a unit) and gpu-b (110), both
// offering SLA terms on the SLA lane's circuit, unless they are.
func (s *S) slaProviders() {
	for _, p := range []struct {
		key, moniker string
		price        int64
	}{{"provider2", "gpu-a", 100}, {"provider3", "gpu-b", 110}} {
		s.registerProvider(p.key, p.moniker, "--circuit-ids", s.cfg.circuitSLA(), "--prices", priceJSON(p.price, true),
			"--declared-latency-ms", "20", "--declared-bandwidth-mbps", "1000")
	}
}

// teeSim runs build/verdict-teesim (the localnet's simulated SEV-SNP guest).
func (s *S) teeSim(args ...string) string {
	out, err := exec.CommandContext(s.ctx, s.cfg.TEESim, args...).Output()
	s.Must(err, "verdict-teesim "+strings.Join(args, " "))
	return strings.TrimSpace(string(out))
}

// teeScene: gpu-b attests an SEV-SNP guest, takes a require_tee job, posts
// an enclave-signed result and gets the shorter window; governance removes
// the image's measurement and the attestation stops counting at once.
func teeScene(s *S) {
	v2 := s.cfg.circuitSLA()
	s.Account("buyer-sla", 1_000_000_000)
	gpuB := s.Addr("provider3")
	if _, ok := s.Provider(gpuB); !ok { // run alone: the sla scene did not register it
		s.slaProviders()
	}
	w := s.mlpWorkload("tee", s.cfg.SLAShape, "poseidon2", "demo-tee", "main")
	in := s.Zk(w.scheme, "commit", s.File("tee-input-main.vten"))
	result := s.Zk(w.scheme, "infer", w.model, s.File("tee-input-main.vten"))
	chainID, height, _, err := s.c.Status(s.ctx)
	s.Must(err, "status")

	s.Say("gpu-b attests: an SEV-SNP guest running the allowed image, bound to this chain")
	s.Info("the localnet trusts the simulated guest's TEST-ONLY root (scripts/localnet.sh); a real network trusts AMD's")
	key := s.teeSim("pubkey", s.cfg.TEEDir)
	rd, err := attesttypes.NewQueryClient(s.c.Conn()).ReportData(s.ctx, &attesttypes.QueryReportDataRequest{Operator: gpuB, NonceHeight: uint64(height), EnclavePubkey: key})
	s.Must(err, "report data")
	s.Info("report data = SHA-512(domain, chain id, operator, hash of block %d, enclave key) = %s...", height, rd.ReportData[:32])
	report := s.File("snp-report.bin")
	s.teeSim("report", s.cfg.TEEDir, rd.ReportData, report)
	s.Tx("provider3", "attest", "register-attestation", "sev-snp", report, id(uint64(height)), key, "--vcek", s.cfg.TEEDir+"/vcek.der")
	att := s.Attested(gpuB)
	s.Show(map[string]any{"attested": att.Attested, "tee_type": att.Attestation.TeeType.String(), "expires_at": att.Attestation.ExpiresAt})
	s.Expect("gpu-b attested", att.Attested, true)
	s.Info("the same evidence from another provider binds the wrong operator:")
	s.TxFail("provider2", "report data does not bind", "attest", "register-attestation", "sev-snp", report, id(uint64(height)), key, "--vcek", s.cfg.TEEDir+"/vcek.der")

	s.Say("A require_tee job: only the attested provider may take it; its enclave-signed result gets the shorter window")
	jobArgs := []string{"jobs", "submit-job", "inference", w.modelC, in, strconv.Itoa(units), u(maxPrice), "90s", "--circuit-id", v2, "--require-tee"}
	s.TxFail("buyer-sla", "requires a TEE", append(jobArgs, "--provider", s.Addr("provider2"))...)
	jt := s.JobID(s.Tx("buyer-sla", jobArgs...))
	s.Record("job", jt)
	s.Expect(fmt.Sprintf("job %d provider", jt), s.Job(jt).Provider, gpuB)
	sig := s.teeSim("sign-result", s.cfg.TEEDir, chainID, id(jt), result, strconv.Itoa(used))
	s.Info("the enclave signs (chain id, job id, output commitment, units used) with its attested key: %s...", sig[:32])
	s.Tx("provider3", "jobs", "post-result", id(jt), result, strconv.Itoa(used), "--enclave-signature", sig)
	ap, err := attesttypes.NewQueryClient(s.c.Conn()).Params(s.ctx, &attesttypes.QueryParamsRequest{})
	s.Must(err, "x/attest params")
	j := s.Job(jt)
	window := s.JobsParams().ChallengeWindow
	s.Info("challenge window %s x %d bps = %s (a plain result waits the whole window)", window, ap.Params.TeeWindowFactorBps, j.WindowEnd.Sub(j.Result.PostedAt))
	s.Expect("enclave-signed window", j.WindowEnd.Sub(j.Result.PostedAt), attesttypes.TEEWindow(ap.Params, window))
	s.WaitStatus(jt, jobstypes.JobStatus_JOB_STATUS_FINALIZED, 60*time.Second)
	s.Info("job %d FINALIZED after the shorter window", jt)
	s.PoolAlso(fmt.Sprintf("job %d's fee", jt), jobstypes.Fee(jobstypes.Payment(s.Job(jt)), s.JobsParams().ProtocolFeeBps))

	s.Say("Governance removes the image's measurement: the attestation stops counting at once")
	m := s.teeSim("measurement", s.cfg.TEEDir)
	pid := s.Propose("attest", "remove-measurement-proposal", "sev-snp", m, "--title", "retire image v1", "--summary", "a flaw was found in image v1", "--deposit", u(10000000))
	s.Info("proposal %d voted; waiting for the voting period to end", pid)
	s.WaitPassed(pid, 120*time.Second)
	att = s.Attested(gpuB)
	s.Show(map[string]any{"attested": att.Attested, "reason": att.Reason})
	s.Expect("gpu-b attested", att.Attested, false)
	s.TxFail("buyer-sla", "requires a TEE", "jobs", "submit-job", "inference", w.modelC, in, strconv.Itoa(units), u(maxPrice), "90s", "--circuit-id", v2, "--require-tee", "--provider", gpuB)
	s.Info("gpu-b still serves ordinary jobs; a require_tee job now finds no provider until one attests an allowed image")
}
