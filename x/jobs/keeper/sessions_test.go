package keeper_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/serving"
	"github.com/verdict-chain/verdict/x/jobs/types"
)

const sessionChain = "verdict-test-1"

func edKey(seed string) (ed25519.PublicKey, ed25519.PrivateKey) {
	s := sha256.Sum256([]byte(seed))
	k := ed25519.NewKeyFromSeed(s[:])
	return k.Public().(ed25519.PublicKey), k
}

// registerServing registers op with a serving key at price per unit.
func (s *KeeperSuite) registerServing(op sdk.AccAddress, price int64) {
	m := registerMsg(op, price)
	m.ServingKey, _ = edKey("serving " + op.String())
	_, err := s.msg.RegisterProvider(s.ctx, m)
	s.Require().NoError(err)
}

func (s *KeeperSuite) openMsg() *types.MsgOpenSession {
	pub, _ := edKey("buyer session")
	return &types.MsgOpenSession{
		Buyer: s.buyer.String(), Provider: s.prov1.String(), Class: types.WorkloadClass_WORKLOAD_CLASS_INFERENCE,
		CircuitId: "mlp-16-16-4", ModelCommitment: commit(1), UnitsPerRequest: 10, MaxPricePerUnit: coin(150),
		MaxRequests: 1000, Duration: 24 * time.Hour, SessionKey: pub, ModelUri: "https://models.example/m1.vmod",
	}
}

func (s *KeeperSuite) open() uint64 {
	res, err := s.msg.OpenSession(s.ctx, s.openMsg())
	s.Require().NoError(err)
	return res.SessionId
}

// voucher is the buyer's voucher for count requests of session id, the
// last one's input commitment c.
func voucher(id, count uint64, c byte) *types.MsgCheckpoint {
	_, priv := edKey("buyer session")
	var in serving.Commitment
	copy(in[:], commit(c))
	v, err := serving.SignVoucher(priv, sessionChain, serving.Voucher{Session: id, Count: count, Input: in})
	if err != nil {
		panic(err)
	}
	return &types.MsgCheckpoint{SessionId: id, Count: count, LastInput: in[:], VoucherSignature: v.Signature, ReceiptsRoot: commit(9), ReceiptsUri: "https://gpu.example/receipts"}
}

func (s *KeeperSuite) checkpoint(op sdk.AccAddress, m *types.MsgCheckpoint) (uint64, error) {
	m.Provider = op.String()
	res, err := s.msg.Checkpoint(s.ctx, m)
	if err != nil {
		return 0, err
	}
	return res.JobId, nil
}

func (s *KeeperSuite) session(id uint64) types.Session {
	se, err := s.k.GetSession(s.ctx, id)
	s.Require().NoError(err)
	return se
}

// enableSessions sets max_session_duration to 30 days (the default, 0,
// takes no sessions) and the chain id vouchers are signed for.
func (s *KeeperSuite) enableSessions() {
	s.ctx = s.ctx.WithChainID(sessionChain)
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	p.MaxSessionDuration = 30 * 24 * time.Hour
	s.Require().NoError(s.k.Params.Set(s.ctx, p))
}

func (s *KeeperSuite) sessionSetup() uint64 {
	s.enableSessions()
	s.registerServing(s.prov1, 100)
	return s.open()
}

// A session end to end: the buyer escrows its most requests' price; each
// checkpoint becomes a job of its requests, paid after its window like any
// job; the provider may still checkpoint during the buyer's notice; at its
// end the rest goes back to the buyer. Every uverd accounted for.
func (s *KeeperSuite) TestSessionLifecycle() {
	b0, p0, c0 := s.bal(s.buyer), s.bal(s.prov1), s.pool()
	id := s.sessionSetup()
	const perRequest = 10 * 100 // units per request x the provider's price
	se := s.session(id)
	s.Equal(types.SessionStatus_SESSION_STATUS_OPEN, se.Status)
	s.Equal(coin(100), se.PricePerUnit, "the provider's list price, not the buyer's max")
	s.Equal(coin(1000*perRequest), se.Escrow)
	s.Equal(b0-1000*perRequest, s.bal(s.buyer))

	j1, err := s.checkpoint(s.prov1, voucher(id, 300, 5))
	s.Require().NoError(err)
	job := s.job(j1)
	s.Equal(types.JobStatus_JOB_STATUS_RESULT_POSTED, job.Status)
	s.Equal(uint64(300), job.Items)
	s.Equal(uint64(3000), job.Units)
	servingKey, _ := edKey("serving " + s.prov1.String())
	buyerKey, _ := edKey("buyer session")
	s.Equal(&types.SessionCheckpoint{SessionId: id, First: 1, ProviderKey: servingKey, ChainId: sessionChain, BuyerKey: buyerKey}, job.Checkpoint)
	s.Equal(coin(300*perRequest), job.Escrow)
	s.Equal("https://models.example/m1.vmod", job.ModelUri, "the session's model, where the provider and watchers fetch it")
	s.Equal(commit(9), job.Result.OutputCommitment)
	s.Equal(coin(700*perRequest), s.session(id).Escrow)
	s.True(types.IsBatch(job), "a checkpoint is disputed item by item")

	s.advance(time.Hour + time.Second) // the checkpoint's window
	s.Equal(types.JobStatus_JOB_STATUS_FINALIZED, s.job(j1).Status)
	fee1 := types.Fee(job.Escrow.Amount, types.DefaultParams().ProtocolFeeBps).Int64()
	s.Equal(p0-1_000_000_000+300*perRequest-fee1, s.bal(s.prov1))

	// the buyer closes: the provider may still checkpoint during the notice
	_, err = s.msg.CloseSession(s.ctx, &types.MsgCloseSession{Signer: s.buyer.String(), SessionId: id})
	s.Require().NoError(err)
	s.Equal(types.SessionStatus_SESSION_STATUS_CLOSING, s.session(id).Status)
	j2, err := s.checkpoint(s.prov1, voucher(id, 450, 6))
	s.Require().NoError(err)
	s.Equal(uint64(301), s.job(j2).Checkpoint.First)
	s.Equal(uint64(150), s.job(j2).Items)
	s.advance(types.DefaultParams().SessionNotice)
	se = s.session(id)
	s.Equal(types.SessionStatus_SESSION_STATUS_CLOSED, se.Status)
	s.Equal(coin(550*perRequest), se.Refund, "the 550 requests nobody checkpointed")
	s.True(se.Escrow.IsZero())
	_, err = s.checkpoint(s.prov1, voucher(id, 460, 7))
	s.ErrorIs(err, types.ErrInvalidStatus, "no checkpoint after the close")

	s.Equal(types.JobStatus_JOB_STATUS_FINALIZED, s.job(j2).Status, "its window ended with the notice")
	fee2 := types.Fee(s.job(j2).Escrow.Amount, types.DefaultParams().ProtocolFeeBps).Int64()
	s.Equal(b0-450*perRequest, s.bal(s.buyer), "the buyer paid for the 450 requests checkpointed, nothing else")
	s.Equal(p0-1_000_000_000+450*perRequest-fee1-fee2, s.bal(s.prov1))
	s.Equal(c0+fee1+fee2, s.pool())

	// pruned after the retention
	s.advance(types.DefaultParams().Retention + time.Second)
	_, err = s.k.GetSession(s.ctx, id)
	s.ErrorIs(err, types.ErrSessionNotFound)
}

// A voucher that does not say what the checkpoint claims is refused with
// nothing moved: a count that goes back or repeats, a count beyond the
// session, a voucher of another chain or session, another input, a
// signature by anyone but the buyer's session key.
func (s *KeeperSuite) TestSessionVouchersCannotBeForged() {
	id := s.sessionSetup()
	_, err := s.checkpoint(s.prov1, voucher(id, 100, 5))
	s.Require().NoError(err)
	before, p0, b0 := s.session(id), s.bal(s.prov1), s.bal(s.buyer)
	_, provPriv := edKey("serving " + s.prov1.String())

	otherChain := func() *types.MsgCheckpoint {
		_, priv := edKey("buyer session")
		var in serving.Commitment
		copy(in[:], commit(5))
		v, _ := serving.SignVoucher(priv, "verdict-other", serving.Voucher{Session: id, Count: 200, Input: in})
		m := voucher(id, 200, 5)
		m.VoucherSignature = v.Signature
		return m
	}
	forged := func() *types.MsgCheckpoint { // the provider signs its own voucher
		var in serving.Commitment
		copy(in[:], commit(5))
		v, _ := serving.SignVoucher(provPriv, sessionChain, serving.Voucher{Session: id, Count: 200, Input: in})
		m := voucher(id, 200, 5)
		m.VoucherSignature = v.Signature
		return m
	}
	otherSession := func() *types.MsgCheckpoint { // the buyer's voucher of its next session
		m := voucher(id, 200, 5)
		m.VoucherSignature = voucher(id+1, 200, 5).VoucherSignature
		return m
	}
	inflated := func() *types.MsgCheckpoint { // a real voucher of 200, claimed as 900
		m := voucher(id, 200, 5)
		m.Count = 900
		return m
	}
	otherInput := func() *types.MsgCheckpoint {
		m := voucher(id, 200, 5)
		m.LastInput = commit(6)
		return m
	}
	for name, m := range map[string]*types.MsgCheckpoint{
		"the same count again":          voucher(id, 100, 5),
		"a count that goes back":        voucher(id, 50, 5),
		"a count beyond max_requests":   voucher(id, 1001, 5),
		"another session's voucher":     otherSession(),
		"another chain's voucher":       otherChain(),
		"a voucher the provider signed": forged(),
		"an inflated count":             inflated(),
		"another input":                 otherInput(),
	} {
		_, err := s.checkpoint(s.prov1, m)
		s.ErrorIs(err, types.ErrInvalidVoucher, name)
	}
	s.Equal(before, s.session(id), "nothing changed")
	s.Equal(p0, s.bal(s.prov1))
	s.Equal(b0, s.bal(s.buyer))
	// the whole session, at most
	j, err := s.checkpoint(s.prov1, voucher(id, 1000, 5))
	s.Require().NoError(err)
	s.Equal(uint64(900), s.job(j).Items)
	s.True(s.session(id).Escrow.IsZero())
}

// Every session Msg by the wrong signer fails and changes nothing.
func (s *KeeperSuite) TestSessionWrongSigners() {
	id := s.sessionSetup()
	for _, who := range []sdk.AccAddress{s.buyer, s.stranger, s.prov2} {
		_, err := s.checkpoint(who, voucher(id, 10, 5))
		s.ErrorIs(err, types.ErrUnauthorized, "checkpoint by %s", who)
		_, err = s.msg.DeclineSession(s.ctx, &types.MsgDeclineSession{Provider: who.String(), SessionId: id})
		s.ErrorIs(err, types.ErrUnauthorized, "decline by %s", who)
	}
	for _, who := range []sdk.AccAddress{s.stranger, s.prov2} {
		_, err := s.msg.CloseSession(s.ctx, &types.MsgCloseSession{Signer: who.String(), SessionId: id})
		s.ErrorIs(err, types.ErrUnauthorized, "close by %s", who)
	}
	s.Equal(types.SessionStatus_SESSION_STATUS_OPEN, s.session(id).Status)
	s.Zero(s.session(id).Checkpointed)
}

// The provider's consent: its offer covers the whole session, it has a
// serving key, and the session's terms are sane; a refused order escrows
// nothing.
func (s *KeeperSuite) TestSessionConsent() {
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	s.Equal(30*24*time.Hour, p.MaxSessionDuration, "sessions are on by default")
	p.MaxSessionDuration = 0
	s.Require().NoError(s.k.Params.Set(s.ctx, p))
	_, err = s.msg.OpenSession(s.ctx, s.openMsg())
	s.ErrorIs(err, types.ErrInvalidSession, "max_session_duration 0 takes no sessions")
	s.enableSessions()
	s.register(s.prov2, 100) // no serving key
	m := registerMsg(s.prov1, 100)
	m.ServingKey, _ = edKey("serving")
	m.Prices[0].MaxUnitsPerJob, m.Prices[0].MaxOpenUnits = 5_000, 5_000
	m.Prices[0].MinTimeLimit = time.Hour
	_, err = s.msg.RegisterProvider(s.ctx, m)
	s.Require().NoError(err)
	b0 := s.bal(s.buyer)
	cases := []struct {
		name string
		edit func(*types.MsgOpenSession)
		err  error
	}{
		{"no serving key", func(m *types.MsgOpenSession) { m.Provider = s.prov2.String() }, types.ErrNotEligible},
		{"the price above the buyer's max", func(m *types.MsgOpenSession) { m.MaxPricePerUnit = coin(99) }, types.ErrNotEligible},
		{"more units than the offer takes in one job", func(m *types.MsgOpenSession) { m.MaxRequests = 501 }, types.ErrNotEligible},
		{"shorter than the offer's min_time_limit", func(m *types.MsgOpenSession) { m.Duration = 30 * time.Minute }, types.ErrNotEligible},
		{"the buyer its own provider", func(m *types.MsgOpenSession) { m.Buyer = s.prov1.String() }, types.ErrNotEligible},
		{"a circuit the provider does not run", func(m *types.MsgOpenSession) { m.CircuitId = "mlp-64-64-10" }, types.ErrNotEligible},
		{"no circuit", func(m *types.MsgOpenSession) { m.CircuitId = "" }, types.ErrInvalidSession},
		{"a short session key", func(m *types.MsgOpenSession) { m.SessionKey = m.SessionKey[:31] }, types.ErrInvalidSession},
		{"longer than max_session_duration", func(m *types.MsgOpenSession) { m.Duration = 31 * 24 * time.Hour }, types.ErrInvalidSession},
		{"zero requests", func(m *types.MsgOpenSession) { m.MaxRequests = 0 }, types.ErrInvalidSession},
		{"units that overflow", func(m *types.MsgOpenSession) { m.UnitsPerRequest, m.MaxRequests = 1<<33, 1<<33 }, types.ErrInvalidSession},
		{"a model commitment above the field", func(m *types.MsgOpenSession) { m.ModelCommitment = commit(0xff) }, types.ErrInvalidCommitment},
		{"another denom", func(m *types.MsgOpenSession) { m.MaxPricePerUnit = sdk.NewInt64Coin("uatom", 150) }, types.ErrInvalidDenom},
	}
	for _, c := range cases {
		msg := s.openMsg()
		c.edit(msg)
		_, err := s.msg.OpenSession(s.ctx, msg)
		s.ErrorIs(err, c.err, c.name)
	}
	s.Equal(b0, s.bal(s.buyer), "nothing escrowed")
	msg := s.openMsg()
	msg.MaxRequests = 500 // exactly the offer's 5,000 units
	_, err = s.msg.OpenSession(s.ctx, msg)
	s.Require().NoError(err)
}

// The provider may decline a session it has not served, in time: the
// buyer gets everything back.
func (s *KeeperSuite) TestSessionDecline() {
	b0 := s.bal(s.buyer)
	id := s.sessionSetup()
	_, err := s.msg.DeclineSession(s.ctx, &types.MsgDeclineSession{Provider: s.prov1.String(), SessionId: id})
	s.Require().NoError(err)
	s.Equal(types.SessionStatus_SESSION_STATUS_CLOSED, s.session(id).Status)
	s.Equal(b0, s.bal(s.buyer))

	late := s.open()
	s.advance(types.DefaultParams().DeclineWindow)
	_, err = s.msg.DeclineSession(s.ctx, &types.MsgDeclineSession{Provider: s.prov1.String(), SessionId: late})
	s.ErrorIs(err, types.ErrWindowClosed)

	served := s.open()
	_, err = s.checkpoint(s.prov1, voucher(served, 1, 5))
	s.Require().NoError(err)
	_, err = s.msg.DeclineSession(s.ctx, &types.MsgDeclineSession{Provider: s.prov1.String(), SessionId: served})
	s.ErrorIs(err, types.ErrInvalidStatus, "a served session is closed, not declined")
}

// The provider closes at once and gives up what it did not checkpoint; a
// session nobody closes expires and refunds the buyer.
func (s *KeeperSuite) TestSessionProviderCloseAndExpiry() {
	b0 := s.bal(s.buyer)
	id := s.sessionSetup()
	_, err := s.checkpoint(s.prov1, voucher(id, 10, 5))
	s.Require().NoError(err)
	_, err = s.msg.CloseSession(s.ctx, &types.MsgCloseSession{Signer: s.prov1.String(), SessionId: id})
	s.Require().NoError(err)
	se := s.session(id)
	s.Equal(types.SessionStatus_SESSION_STATUS_CLOSED, se.Status)
	s.Equal(coin(990*1000), se.Refund)
	_, err = s.checkpoint(s.prov1, voucher(id, 20, 5))
	s.ErrorIs(err, types.ErrInvalidStatus)
	_, err = s.msg.CloseSession(s.ctx, &types.MsgCloseSession{Signer: s.buyer.String(), SessionId: id})
	s.ErrorIs(err, types.ErrInvalidStatus)

	other := s.open()
	_, err = s.checkpoint(s.prov1, voucher(other, 1000, 5))
	s.Require().NoError(err)
	s.advance(24 * time.Hour)
	s.Equal(types.SessionStatus_SESSION_STATUS_CLOSED, s.session(other).Status)
	s.True(s.session(other).Refund.IsZero(), "every request was checkpointed")
	_, err = s.checkpoint(s.prov1, voucher(other, 1000, 5))
	s.ErrorIs(err, types.ErrInvalidStatus)
	third := s.open()
	s.advance(24 * time.Hour)
	_, err = s.checkpoint(s.prov1, voucher(third, 1, 5))
	s.ErrorIs(err, types.ErrInvalidStatus, "expired")
	s.Equal(b0-10*1000-1000*1000, s.bal(s.buyer), "paid for the 10 and the 1,000 requests checkpointed, nothing else")
}

// A session's queries: by id, by buyer, provider and status.
func (s *KeeperSuite) TestSessionQueries() {
	id := s.sessionSetup()
	second := s.open()
	_, err := s.msg.CloseSession(s.ctx, &types.MsgCloseSession{Signer: s.prov1.String(), SessionId: second})
	s.Require().NoError(err)
	got, err := s.q.Session(s.ctx, &types.QuerySessionRequest{Id: id})
	s.Require().NoError(err)
	s.Equal(id, got.Session.Id)
	for _, req := range []*types.QuerySessionsRequest{
		{Buyer: s.buyer.String(), Status: types.SessionStatus_SESSION_STATUS_OPEN},
		{Provider: s.prov1.String(), Status: types.SessionStatus_SESSION_STATUS_OPEN},
		{Status: types.SessionStatus_SESSION_STATUS_OPEN},
	} {
		res, err := s.q.Sessions(s.ctx, req)
		s.Require().NoError(err)
		s.Len(res.Sessions, 1)
		s.Equal(id, res.Sessions[0].Id)
	}
	all, err := s.q.Sessions(s.ctx, &types.QuerySessionsRequest{})
	s.Require().NoError(err)
	s.Len(all.Sessions, 2)
	_, err = s.q.Session(s.ctx, &types.QuerySessionRequest{Id: 99})
	s.Error(err)
}

// Sessions survive an export and import, and genesis refuses a session
// whose escrow is not what its unclaimed requests cost.
func (s *KeeperSuite) TestSessionGenesis() {
	id := s.sessionSetup()
	_, err := s.checkpoint(s.prov1, voucher(id, 250, 5))
	s.Require().NoError(err)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().Len(gs.Sessions, 1)
	s.Require().NoError(gs.Validate(s.cdc.InterfaceRegistry().SigningContext().AddressCodec()))
	bad := *gs
	bad.Sessions = []types.Session{gs.Sessions[0]}
	bad.Sessions[0].Escrow = coin(bad.Sessions[0].Escrow.Amount.Int64() + 1)
	s.ErrorIs(bad.Validate(s.cdc.InterfaceRegistry().SigningContext().AddressCodec()), types.ErrInvalidGenesis)
	bad.Sessions[0] = gs.Sessions[0]
	bad.Sessions[0].Checkpointed = 200 // the checkpoint job ends at 250
	bad.Sessions[0].Escrow = coin(800 * 1000)
	s.ErrorIs(bad.Validate(s.cdc.InterfaceRegistry().SigningContext().AddressCodec()), types.ErrInvalidGenesis)
	bad.Sessions[0] = gs.Sessions[0]
	bad.Sessions[0].Sla = &types.SLATerms{MaxP99LatencyMs: 100, MinThroughputMilli: 1, MaxSlashBps: 100} // a session takes no throughput floor
	s.ErrorIs(bad.Validate(s.cdc.InterfaceRegistry().SigningContext().AddressCodec()), types.ErrInvalidGenesis)
}
