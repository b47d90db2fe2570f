package keeper_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/serving"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// Serving sessions with SLA terms: every checkpoint is a job carrying the
// session's terms, graded like any job from the monitors' probes of the
// session's endpoint, its penalty sized by that checkpoint's payment.

const sessionChain = "verdict-sla-test"

var sessionTerms = jobstypes.SLATerms{MaxP99LatencyMs: 200, MaxJitterMs: 20, MaxSlashBps: 10_000}

func edKey(seed string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(seed))
	return ed25519.NewKeyFromSeed(s[:])
}

// server registers a provider with a serving key and the suite's SLA offer
// at 100 uverd a unit.
func (s *Suite) server() sdk.AccAddress {
	s.ctx = s.ctx.WithChainID(sessionChain)
	op := sdk.AccAddress("server______________")
	s.bank.Balances[op.String()] = sdk.NewCoins(sdk.NewInt64Coin(denom, fund))
	_, err := s.jobsMsg.RegisterProvider(s.ctx, &jobstypes.MsgRegisterProvider{
		Operator: op.String(), Moniker: "s", Endpoint: "https://s.example", Region: "eu",
		Classes:    []jobstypes.WorkloadClass{inference},
		CircuitIds: []string{"mlp-16-16-4"},
		Prices:     []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: inference, PricePerUnit: coin(100), Sla: &offer}},
		Bond:       coin(bond), ServingKey: edKey("serving").Public().(ed25519.PublicKey),
	})
	s.Require().NoError(err)
	return op
}

func (s *Suite) openSession(op sdk.AccAddress, sla *jobstypes.SLATerms) (uint64, error) {
	res, err := s.jobsMsg.OpenSession(s.ctx, &jobstypes.MsgOpenSession{
		Buyer: s.buyer.String(), Provider: op.String(), Class: inference, CircuitId: "mlp-16-16-4",
		ModelCommitment: commit, UnitsPerRequest: 10, MaxPricePerUnit: coin(150), MaxRequests: 1000,
		Duration: 24 * time.Hour, SessionKey: edKey("buyer").Public().(ed25519.PublicKey), Sla: sla,
	})
	if err != nil {
		return 0, err
	}
	return res.SessionId, nil
}

// checkpoint posts the buyer's voucher of count requests: a job of the
// requests since the last checkpoint.
func (s *Suite) checkpoint(op sdk.AccAddress, id, count uint64) uint64 {
	v, err := serving.SignVoucher(edKey("buyer"), sessionChain, serving.Voucher{Session: id, Count: count, Input: serving.Digest([]byte{byte(count)})})
	s.Require().NoError(err)
	res, err := s.jobsMsg.Checkpoint(s.ctx, &jobstypes.MsgCheckpoint{
		Provider: op.String(), SessionId: id, Count: count, LastInput: v.Input[:], VoucherSignature: v.Signature,
		ReceiptsRoot: commit, ReceiptsUri: "https://s.example/v1/sessions/receipts",
	})
	s.Require().NoError(err)
	return res.JobId
}

// A session's SLA terms are the provider's consent: refused unless its
// offer promises at least as tight, and only latency and jitter bounds (a
// session's pace is the buyer's).
func (s *Suite) TestSessionSLAConsent() {
	op := s.server()
	for name, t := range map[string]jobstypes.SLATerms{
		"p99 tighter than the offer":    {MaxP99LatencyMs: 50, MaxSlashBps: 10_000},
		"jitter tighter than the offer": {MaxJitterMs: 5, MaxSlashBps: 10_000},
	} {
		_, err := s.openSession(op, &t)
		s.ErrorIs(err, jobstypes.ErrNotEligible, name)
	}
	for name, t := range map[string]jobstypes.SLATerms{
		"a throughput floor": {MaxP99LatencyMs: 200, MinThroughputMilli: 1, MaxSlashBps: 10_000},
		"a completion time":  {MaxP99LatencyMs: 200, CompletionTime: time.Minute, MaxSlashBps: 10_000},
		"no bound":           {MaxSlashBps: 10_000},
		"no slash cap":       {MaxP99LatencyMs: 200},
		"a cap over 100%":    {MaxP99LatencyMs: 200, MaxSlashBps: 10_001},
	} {
		_, err := s.openSession(op, &t)
		s.ErrorIs(err, jobstypes.ErrInvalidSession, name)
	}
	// a provider whose offer has no SLA takes no session with terms
	_, err := s.jobsMsg.UpdateProvider(s.ctx, &jobstypes.MsgUpdateProvider{
		Operator: op.String(), Moniker: "s", Region: "eu", Endpoint: "https://s.example", Classes: []jobstypes.WorkloadClass{inference},
		CircuitIds: []string{"mlp-16-16-4"},
		Prices:     []jobstypes.ClassPrice{{MaxUnitsPerJob: 1 << 40, MaxOpenUnits: 1 << 50, Class: inference, PricePerUnit: coin(100)}},
		ServingKey: edKey("serving").Public().(ed25519.PublicKey),
	})
	s.Require().NoError(err)
	_, err = s.openSession(op, &sessionTerms)
	s.ErrorIs(err, jobstypes.ErrNotEligible)
	_, err = s.openSession(op, nil)
	s.NoError(err, "without terms it takes the session")
}

// Monitors that measured a slow endpoint grade each checkpoint like a job:
// the penalty is the checkpoint's payment x severity, to the buyer up to
// what it paid for that checkpoint; a checkpoint within terms costs
// nothing.
func (s *Suite) TestSessionCheckpointsGradedFromMonitors() {
	op := s.server()
	id, err := s.openSession(op, &sessionTerms)
	s.Require().NoError(err)
	se, err := s.jobs.GetSession(s.ctx, id)
	s.Require().NoError(err)
	s.Equal(&sessionTerms, se.Sla)

	slow := s.checkpoint(op, id, 100) // 100 requests x 10 units x 100 = 100,000
	j, err := s.jobs.GetJob(s.ctx, slow)
	s.Require().NoError(err)
	s.Equal(&sessionTerms, j.Sla, "each checkpoint carries the session's terms")
	bad := good()
	bad.ThroughputMeanMilli, bad.ThroughputCvPpm = 0, 0 // no throughput term: not graded
	for i, m := range []sdk.AccAddress{s.mon1, s.mon2, s.mon3} {
		mm := bad
		mm.LatencyP99Ms = 300 + uint32(i*10) // the median is 310
		s.Require().NoError(s.report(m, slow, mm))
	}
	fine := s.checkpoint(op, id, 300) // 200 requests: 200,000
	for _, m := range []sdk.AccAddress{s.mon1, s.mon2} {
		s.Require().NoError(s.report(m, fine, good()))
	}
	b0, bond0 := s.bal(s.buyer), s.providerBond(op)
	s.advance(time.Hour + time.Second) // both windows end: paid, then graded
	a := s.assessment(slow)
	s.Equal(uint32(275_000), a.Severity.TotalPpm, "310 vs 200 ms, weight 0.5")
	s.Equal(coin(100_000), a.Payment, "sized by this checkpoint's payment, not the session's")
	s.Equal(coin(55_000), a.Slashed, "27.5% of twice the payment")
	s.Equal(coin(55_000), a.ToBuyer, "within what the buyer paid for it")
	s.Zero(s.assessment(fine).Severity.TotalPpm)
	s.Equal(bond0-55_000, s.providerBond(op))
	s.Equal(b0+55_000, s.bal(s.buyer), "the escrow was paid to the provider; the buyer receives the penalty")
}

// The buyer's own report on a checkpoint (its measured latency) weighs on
// reputation but moves no money: a buyer cannot take back what it paid
// for honest answers by saying they were slow.
func (s *Suite) TestSessionBuyerReportMovesNoMoney() {
	op := s.server()
	id, err := s.openSession(op, &sessionTerms)
	s.Require().NoError(err)
	cp := s.checkpoint(op, id, 100)
	bad := good()
	bad.LatencyP99Ms = 2_000
	s.Require().NoError(s.report(s.buyer, cp, bad))
	b0, bond0 := s.bal(s.buyer), s.providerBond(op)
	s.advance(time.Hour + time.Second)
	a := s.assessment(cp)
	s.True(a.BuyerOnly)
	s.True(a.Slashed.IsZero())
	s.Equal(bond0, s.providerBond(op))
	s.Equal(b0, s.bal(s.buyer))
}

// A session without terms: its checkpoints take no report.
func (s *Suite) TestSessionWithoutTermsTakesNoReport() {
	op := s.server()
	id, err := s.openSession(op, nil)
	s.Require().NoError(err)
	cp := s.checkpoint(op, id, 10)
	s.Error(s.report(s.mon1, cp, good()))
	s.advance(time.Hour + time.Second)
	_, err = s.q.Assessment(s.ctx, &types.QueryAssessmentRequest{JobId: cp})
	s.Error(err, "nothing graded")
}
