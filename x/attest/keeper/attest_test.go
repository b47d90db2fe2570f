package keeper_test

import (
	"crypto/ed25519"
	"time"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/attest/keeper"
	"github.com/verdict-chain/verdict/x/attest/tee"
	"github.com/verdict-chain/verdict/x/attest/types"
	disputetypes "github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/internal/bps"
	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
)

func (s *Suite) TestSNPAttestationIsRecordedAndCounts() {
	res := s.attest(s.tee)
	p, err := s.k.Params.Get(s.ctx)
	s.Require().NoError(err)
	s.Require().Equal(s.ctx.BlockTime().Add(p.AttestationValidity), res.ExpiresAt)
	ok, reason := s.attested(s.tee)
	s.Require().True(ok, reason)
	a, err := s.k.Attestations.Get(s.ctx, s.tee)
	s.Require().NoError(err)
	s.Require().Equal(measurement[:], a.Measurement)
	s.Require().Equal(types.TeeType_TEE_TYPE_SEV_SNP, a.TeeType)
	s.Require().Len(a.Tcb, 8)
	s.Require().NotEmpty(a.Platform)

	// the query helper gives agents the report data the chain expects
	h := uint64(s.ctx.BlockHeight())
	_, err = s.q.ReportData(s.ctx, &types.QueryReportDataRequest{Operator: s.tee.String(), NonceHeight: h, EnclavePubkey: "00"})
	s.Require().Error(err) // a short key
	key := s.enclave.Public().(ed25519.PublicKey)
	r, err := s.q.ReportData(s.ctx, &types.QueryReportDataRequest{Operator: s.tee.String(), NonceHeight: h, EnclavePubkey: hexs(key)})
	s.Require().NoError(err)
	hash, _ := s.k.Nonces.Get(s.ctx, h)
	want := types.ReportData(chainID, s.tee, hash, key)
	s.Require().Equal(hexs(want[:]), r.ReportData)
	s.Require().Equal(h+p.NonceMaxAgeBlocks, r.ValidUntilHeight)
}

func (s *Suite) TestReplayedOrMisboundEvidenceIsRefused() {
	key := s.enclave.Public().(ed25519.PublicKey)
	s.Run("another provider's evidence", func() {
		msg := s.evidence(s.tee, key, measurement, chainID)
		msg.Operator = s.plain.String()
		_, err := s.msg.RegisterAttestation(s.ctx, msg)
		s.requireCode(err, types.ErrBadBinding)
	})
	s.Run("evidence made for another chain", func() {
		_, err := s.msg.RegisterAttestation(s.ctx, s.evidence(s.tee, key, measurement, "other-chain"))
		s.requireCode(err, types.ErrBadBinding)
	})
	s.Run("another enclave key than the report binds", func() {
		msg := s.evidence(s.tee, key, measurement, chainID)
		other := ed25519.NewKeyFromSeed(append(make([]byte, 31), 9)).Public().(ed25519.PublicKey)
		msg.EnclavePubkey = other
		_, err := s.msg.RegisterAttestation(s.ctx, msg)
		s.requireCode(err, types.ErrBadBinding)
	})
	s.Run("a nonce too old", func() {
		msg := s.evidence(s.tee, key, measurement, chainID)
		p, _ := s.k.Params.Get(s.ctx)
		for i := uint64(0); i < p.NonceMaxAgeBlocks; i++ {
			s.advance(time.Second)
		}
		_, err := s.msg.RegisterAttestation(s.ctx, msg)
		s.requireCode(err, types.ErrStaleNonce)
	})
	s.Run("a nonce of a future block", func() {
		msg := s.evidence(s.tee, key, measurement, chainID)
		msg.NonceHeight = uint64(s.ctx.BlockHeight() + 1)
		_, err := s.msg.RegisterAttestation(s.ctx, msg)
		s.requireCode(err, types.ErrStaleNonce)
		msg.NonceHeight = 0
		_, err = s.msg.RegisterAttestation(s.ctx, msg)
		s.requireCode(err, types.ErrStaleNonce)
	})
	s.Run("a measurement not on the allowlist", func() {
		var m [48]byte
		_, err := s.msg.RegisterAttestation(s.ctx, s.evidence(s.tee, key, m, chainID))
		s.requireCode(err, types.ErrMeasurementNotAllowed)
	})
	s.Run("a debuggable guest", func() {
		msg := s.evidence(s.tee, key, measurement, chainID)
		height := msg.NonceHeight
		hash, _ := s.k.Nonces.Get(s.ctx, height)
		var err error
		msg.Evidence, err = s.signer.Report(snpsimOpts(types.ReportData(chainID, s.tee, hash, key), true))
		s.Require().NoError(err)
		_, err = s.msg.RegisterAttestation(s.ctx, msg)
		s.requireCode(err, types.ErrPolicyViolation)
	})
	ok, _ := s.attested(s.tee)
	s.Require().False(ok)
}

func (s *Suite) TestWrongSignersAndBadInput() {
	key := s.enclave.Public().(ed25519.PublicKey)
	s.Run("only an active provider attests", func() {
		_, err := s.msg.RegisterAttestation(s.ctx, s.evidence(s.stranger, key, measurement, chainID))
		s.requireCode(err, types.ErrNotProvider)
		_, err = s.jobsMsg.PauseProvider(s.ctx, &jobstypes.MsgPauseProvider{Operator: s.tee.String()})
		s.Require().NoError(err)
		_, err = s.msg.RegisterAttestation(s.ctx, s.evidence(s.tee, key, measurement, chainID))
		s.requireCode(err, types.ErrNotProvider)
		_, err = s.jobsMsg.ResumeProvider(s.ctx, &jobstypes.MsgResumeProvider{Operator: s.tee.String()})
		s.Require().NoError(err)
	})
	s.Run("governance messages need the authority", func() {
		m := types.Measurement{TeeType: types.TeeType_TEE_TYPE_SEV_SNP, Value: make([]byte, 48)}
		_, err := s.msg.AllowMeasurement(s.ctx, &types.MsgAllowMeasurement{Authority: s.tee.String(), Measurement: m})
		s.requireCode(err, types.ErrUnauthorized)
		_, err = s.msg.RemoveMeasurement(s.ctx, &types.MsgRemoveMeasurement{Authority: s.buyer.String(), TeeType: m.TeeType, Value: measurement[:]})
		s.requireCode(err, types.ErrUnauthorized)
		_, err = s.msg.UpdatePolicy(s.ctx, &types.MsgUpdatePolicy{Authority: s.tee.String(), Policy: types.DefaultPolicy()})
		s.requireCode(err, types.ErrUnauthorized)
		_, err = s.msg.UpdateParams(s.ctx, &types.MsgUpdateParams{Authority: s.tee.String(), Params: types.DefaultParams()})
		s.requireCode(err, types.ErrUnauthorized)
	})
	s.Run("a provider revokes only its own", func() {
		s.attest(s.tee)
		_, err := s.msg.RevokeAttestation(s.ctx, &types.MsgRevokeAttestation{Operator: s.plain.String()})
		s.requireCode(err, types.ErrNotFound)
		ok, _ := s.attested(s.tee)
		s.Require().True(ok)
		_, err = s.msg.RevokeAttestation(s.ctx, &types.MsgRevokeAttestation{Operator: s.tee.String()})
		s.Require().NoError(err)
		ok, _ = s.attested(s.tee)
		s.Require().False(ok)
	})
	s.Run("malformed evidence: registered errors, gas charged first", func() {
		p, _ := s.k.Params.Get(s.ctx)
		for name, msg := range map[string]*types.MsgRegisterAttestation{
			"garbage SNP":      {Operator: s.tee.String(), TeeType: types.TeeType_TEE_TYPE_SEV_SNP, Evidence: []byte("garbage"), Vcek: []byte{1}, NonceHeight: 1, EnclavePubkey: key},
			"SNP without VCEK": {Operator: s.tee.String(), TeeType: types.TeeType_TEE_TYPE_SEV_SNP, Evidence: make([]byte, 1184), NonceHeight: 1, EnclavePubkey: key},
			"garbage TDX":      {Operator: s.tee.String(), TeeType: types.TeeType_TEE_TYPE_TDX, Evidence: make([]byte, 2000), NonceHeight: uint64(s.ctx.BlockHeight() - 1), EnclavePubkey: key},
			"unknown type":     {Operator: s.tee.String(), TeeType: 7, Evidence: []byte{1}, EnclavePubkey: key},
			"oversized":        {Operator: s.tee.String(), TeeType: types.TeeType_TEE_TYPE_SEV_SNP, Evidence: make([]byte, p.MaxEvidenceBytes), Vcek: []byte{1}, EnclavePubkey: key},
			"short key":        {Operator: s.tee.String(), TeeType: types.TeeType_TEE_TYPE_SEV_SNP, Evidence: make([]byte, 1184), Vcek: []byte{1}, EnclavePubkey: key[:31]},
		} {
			ctx := s.ctx.WithGasMeter(storetypes.NewGasMeter(10_000_000))
			_, err := s.msg.RegisterAttestation(ctx, msg)
			s.Require().Error(err, name)
			s.Require().True(errorsIsAttest(err), "%s: %v", name, err)
			if msg.TeeType != 7 {
				s.Require().GreaterOrEqual(ctx.GasMeter().GasConsumed(), min(p.SnpVerifyGas, p.TdxVerifyGas), name)
			}
		}
	})
}

func (s *Suite) TestRemovingTheMeasurementRevokesAtOnce() {
	s.attest(s.tee)
	_, err := s.msg.RemoveMeasurement(s.ctx, &types.MsgRemoveMeasurement{Authority: s.authority, TeeType: types.TeeType_TEE_TYPE_SEV_SNP, Value: measurement[:]})
	s.Require().NoError(err)
	ok, reason := s.attested(s.tee)
	s.Require().False(ok)
	s.Require().Contains(reason, "no longer allowed")
	// and a require_tee job no longer reaches it
	_, err = s.submit(s.tee, true)
	s.requireCode(err, jobstypes.ErrNotEligible)
	// removing it twice is an error
	_, err = s.msg.RemoveMeasurement(s.ctx, &types.MsgRemoveMeasurement{Authority: s.authority, TeeType: types.TeeType_TEE_TYPE_SEV_SNP, Value: measurement[:]})
	s.requireCode(err, types.ErrNotFound)
}

func (s *Suite) TestAttestationExpires() {
	res := s.attest(s.tee)
	s.advance(res.ExpiresAt.Sub(s.ctx.BlockTime()) - time.Second)
	ok, _ := s.attested(s.tee)
	s.Require().True(ok)
	s.advance(time.Second)
	// reads never trust an expired record, and EndBlock removed it
	ok, _ = s.attested(s.tee)
	s.Require().False(ok)
	has, err := s.k.Attestations.Has(s.ctx, s.tee)
	s.Require().NoError(err)
	s.Require().False(has)
}

func (s *Suite) TestRenewalReplacesTheRecord() {
	first := s.attest(s.tee)
	s.advance(time.Hour)
	second := s.attest(s.tee)
	s.Require().True(second.ExpiresAt.After(first.ExpiresAt))
	// the first expiry no longer removes the renewed record
	s.advance(first.ExpiresAt.Sub(s.ctx.BlockTime()) + time.Second)
	ok, _ := s.attested(s.tee)
	s.Require().True(ok)
}

func (s *Suite) submit(provider sdk.AccAddress, requireTEE bool) (*jobstypes.MsgSubmitJobResponse, error) {
	direct := ""
	if provider != nil {
		direct = provider.String()
	}
	return s.jobsMsg.SubmitJob(s.ctx, &jobstypes.MsgSubmitJob{
		Buyer: s.buyer.String(), Class: inference, ModelCommitment: commit, InputCommitment: commit,
		Units: 10, MaxPricePerUnit: coin(150), TimeLimit: time.Hour, Provider: direct, RequireTee: requireTEE,
	})
}

func (s *Suite) TestRequireTEEJobsGoOnlyToAttestedProviders() {
	_, err := s.submit(s.tee, true)
	s.requireCode(err, jobstypes.ErrNotEligible)
	s.attest(s.tee)
	res, err := s.submit(s.tee, true)
	s.Require().NoError(err)
	s.Require().Equal(s.tee.String(), res.Provider)
	// the scheduler: the cheaper provider is not attested, so a require_tee
	// job goes to the attested one; a plain job goes to the cheaper one
	res, err = s.submit(nil, true)
	s.Require().NoError(err)
	s.Require().Equal(s.tee.String(), res.Provider)
	res, err = s.submit(nil, false)
	s.Require().NoError(err)
	s.Require().Equal(s.plain.String(), res.Provider)
	_, err = s.submit(s.plain, true)
	s.requireCode(err, jobstypes.ErrNotEligible)
}

func (s *Suite) post(op sdk.AccAddress, id uint64, sig []byte) (jobstypes.Job, error) {
	_, err := s.jobsMsg.PostResult(s.ctx, &jobstypes.MsgPostResult{Provider: op.String(), JobId: id, OutputCommitment: commit, UnitsUsed: 10, EnclaveSignature: sig})
	if err != nil {
		return jobstypes.Job{}, err
	}
	return s.jobs.GetJob(s.ctx, id)
}

func (s *Suite) TestEnclaveSignedResultsGetTheShorterWindow() {
	s.attest(s.tee)
	jp := jobstypes.DefaultParams() // the suite's x/jobs genesis
	p, _ := s.k.Params.Get(s.ctx)
	sign := func(id uint64) []byte { return ed25519.Sign(s.enclave, types.ResultSignBytes(chainID, id, commit, 10)) }

	a, _ := s.submit(s.tee, true)
	s.Run("a signature by another key is refused", func() {
		other := ed25519.NewKeyFromSeed(append(make([]byte, 31), 5))
		_, err := s.post(s.tee, a.JobId, ed25519.Sign(other, types.ResultSignBytes(chainID, a.JobId, commit, 10)))
		s.requireCode(err, types.ErrInvalidSignature)
		_, err = s.post(s.tee, a.JobId, sign(a.JobId+1)) // another job's signature
		s.requireCode(err, types.ErrInvalidSignature)
		// the signature covers the units the result is paid for
		_, err = s.post(s.tee, a.JobId, ed25519.Sign(s.enclave, types.ResultSignBytes(chainID, a.JobId, commit, 9)))
		s.requireCode(err, types.ErrInvalidSignature)
		_, err = s.post(s.tee, a.JobId, []byte{1, 2, 3})
		s.requireCode(err, jobstypes.ErrInvalidResult)
	})
	j, err := s.post(s.tee, a.JobId, sign(a.JobId))
	s.Require().NoError(err)
	s.Require().Equal(jp.ChallengeWindow*time.Duration(p.TeeWindowFactorBps)/bps.Whole, j.WindowEnd.Sub(s.ctx.BlockTime()))
	w, err := s.k.AuditWeightPPM(s.ctx, j)
	s.Require().NoError(err)
	s.Require().Equal(p.AttestedAuditFactorBps*100, w)

	b, _ := s.submit(s.tee, false)
	j, err = s.post(s.tee, b.JobId, nil)
	s.Require().NoError(err)
	s.Require().Equal(jp.ChallengeWindow, j.WindowEnd.Sub(s.ctx.BlockTime()), "an unsigned result keeps the full window")
	w, _ = s.k.AuditWeightPPM(s.ctx, j)
	s.Require().Equal(uint32(1_000_000), w)

	c, _ := s.submit(s.plain, false)
	_, err = s.post(s.plain, c.JobId, sign(c.JobId))
	s.requireCode(err, types.ErrNotAttested)
}

func (s *Suite) TestALostDisputeOnASignedResultRevokes() {
	s.attest(s.tee)
	sign := func(id uint64) []byte { return ed25519.Sign(s.enclave, types.ResultSignBytes(chainID, id, commit, 10)) }
	signed, _ := s.submit(s.tee, false)
	_, err := s.post(s.tee, signed.JobId, sign(signed.JobId))
	s.Require().NoError(err)
	unsigned, _ := s.submit(s.tee, false)
	_, err = s.post(s.tee, unsigned.JobId, nil)
	s.Require().NoError(err)

	lost := func(id uint64) disputetypes.Dispute {
		return disputetypes.Dispute{JobId: id, Provider: s.tee.String(), Status: disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST}
	}
	won := lost(signed.JobId)
	won.Status = disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_WON
	s.Require().NoError(s.k.AfterDisputeResolved(s.ctx, won))
	s.Require().NoError(s.k.AfterDisputeResolved(s.ctx, lost(unsigned.JobId)))
	ok, _ := s.attested(s.tee)
	s.Require().True(ok, "a won dispute, or a lost one on an unsigned result, keeps the attestation")

	s.Require().NoError(s.k.AfterDisputeResolved(s.ctx, lost(signed.JobId)))
	ok, _ = s.attested(s.tee)
	s.Require().False(ok)
	var revoked bool
	for _, e := range s.ctx.EventManager().Events() {
		if e.Type == "verdict.attest.v1.EventAttestationRevoked" {
			revoked = true
		}
	}
	s.Require().True(revoked)
}

// A require_tee job's eligibility is not checked once at assignment: its
// result must carry the attested enclave's signature, so an attested
// provider cannot take the job and run it on any machine, and a provider
// whose attestation was revoked since cannot post it.
func (s *Suite) TestRequireTEEResultsMustBeEnclaveSigned() {
	s.attest(s.tee)
	sign := func(id uint64) []byte { return ed25519.Sign(s.enclave, types.ResultSignBytes(chainID, id, commit, 10)) }
	a, err := s.submit(s.tee, true)
	s.Require().NoError(err)
	_, err = s.post(s.tee, a.JobId, nil)
	s.requireCode(err, types.ErrEnclaveSignatureRequired)
	j, err := s.post(s.tee, a.JobId, sign(a.JobId))
	s.Require().NoError(err)
	s.Require().Equal(jobstypes.JobStatus_JOB_STATUS_RESULT_POSTED, j.Status)

	// assigned while attested, revoked before the result
	b, err := s.submit(s.tee, true)
	s.Require().NoError(err)
	_, err = s.msg.RemoveMeasurement(s.ctx, &types.MsgRemoveMeasurement{Authority: s.authority, TeeType: types.TeeType_TEE_TYPE_SEV_SNP, Value: measurement[:]})
	s.Require().NoError(err)
	_, err = s.post(s.tee, b.JobId, sign(b.JobId))
	s.requireCode(err, types.ErrNotAttested)
	_, err = s.post(s.tee, b.JobId, nil)
	s.requireCode(err, types.ErrEnclaveSignatureRequired)
}

// An enclave that signed a wrong result costs its provider the attestation
// for revocation_cooldown: attesting again at once is refused.
func (s *Suite) TestRevocationByALostDisputeHasACooldown() {
	s.attest(s.tee)
	sign := func(id uint64) []byte { return ed25519.Sign(s.enclave, types.ResultSignBytes(chainID, id, commit, 10)) }
	a, _ := s.submit(s.tee, false)
	_, err := s.post(s.tee, a.JobId, sign(a.JobId))
	s.Require().NoError(err)
	s.Require().NoError(s.k.AfterDisputeResolved(s.ctx, disputetypes.Dispute{JobId: a.JobId, Provider: s.tee.String(), Status: disputetypes.DisputeStatus_DISPUTE_STATUS_PROVIDER_LOST}))
	ok, _ := s.attested(s.tee)
	s.Require().False(ok)
	_, err = s.msg.RegisterAttestation(s.ctx, s.evidence(s.tee, s.enclave.Public().(ed25519.PublicKey), measurement, chainID))
	s.requireCode(err, types.ErrCooldown)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().Len(gs.Cooldowns, 1, "the cooldown survives an export")

	p, _ := s.k.Params.Get(s.ctx)
	s.advance(p.RevocationCooldown)
	s.advance(time.Second)
	s.attest(s.tee)
	ok, _ = s.attested(s.tee)
	s.Require().True(ok, "after the cooldown it may attest again")
}

func (s *Suite) TestTDXThroughTheKeeperRules() {
	// go-tdx-guest ships no signer, so the crypto step is replaced; the
	// keeper's binding, allowlist and expiry rules run as for SNP.
	key := s.enclave.Public().(ed25519.PublicKey)
	height := uint64(s.ctx.BlockHeight() - 1)
	hash, _ := s.k.Nonces.Get(s.ctx, height)
	wid := make([]byte, 32)
	wid[0] = 0xAB
	notAfter := s.ctx.BlockTime().Add(48 * time.Hour) // e.g. the TCB info's next update
	s.k.SetTestVerifier(keeper.FakeVerifier{TDX: func(raw []byte, now time.Time) (tee.Result, error) {
		return tee.Result{Type: types.TeeType_TEE_TYPE_TDX, Measurement: wid, ReportData: types.ReportData(chainID, s.tee, hash, key), TCB: make([]byte, 16), Platform: "50806f000000", NotAfter: notAfter}, nil
	}})
	msg := &types.MsgRegisterAttestation{Operator: s.tee.String(), TeeType: types.TeeType_TEE_TYPE_TDX, Evidence: []byte("quote"), NonceHeight: height, EnclavePubkey: key}
	_, err := s.msg.RegisterAttestation(s.ctx, msg)
	s.requireCode(err, types.ErrMeasurementNotAllowed)
	_, err = s.msg.AllowMeasurement(s.ctx, &types.MsgAllowMeasurement{Authority: s.authority, Measurement: types.Measurement{TeeType: types.TeeType_TEE_TYPE_TDX, Value: wid}})
	s.Require().NoError(err)
	res, err := s.msg.RegisterAttestation(s.ctx, msg)
	s.Require().NoError(err)
	s.Require().Equal(notAfter, res.ExpiresAt, "expiry is the earliest of validity, certificates and collateral")
	msg.Operator = s.plain.String()
	_, err = s.msg.RegisterAttestation(s.ctx, msg)
	s.requireCode(err, types.ErrBadBinding)
	msg.Vcek = []byte{1}
	_, err = s.msg.RegisterAttestation(s.ctx, msg)
	s.requireCode(err, types.ErrInvalidEvidence)
}

func (s *Suite) TestGenesisRoundTrip() {
	s.attest(s.tee)
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().NoError(gs.Validate(s.ac))
	s.Require().Len(gs.Attestations, 1)
	s.Require().NotEmpty(gs.Nonces)
	// a fresh store loads it and exports the same
	s.SetupTest()
	s.Require().NoError(s.k.InitGenesis(s.ctx, *gs))
	again, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	s.Require().Equal(gs.Attestations, again.Attestations)
	s.Require().Equal(gs.Measurements, again.Measurements)
	bad := *gs
	bad.Attestations = append(bad.Attestations, bad.Attestations[0])
	s.Require().Error(bad.Validate(s.ac))
}

func (s *Suite) TestNonceRingIsBounded() {
	p, _ := s.k.Params.Get(s.ctx)
	for i := 0; i < int(p.NonceMaxAgeBlocks)+20; i++ {
		s.advance(time.Second)
	}
	n := 0
	s.Require().NoError(s.k.Nonces.Walk(s.ctx, nil, func(uint64, []byte) (bool, error) { n++; return false, nil }))
	s.Require().Equal(int(p.NonceMaxAgeBlocks)+1, n)
	// lowering the age prunes, a bounded number per block, down to the new age
	p.NonceMaxAgeBlocks = 10
	s.Require().NoError(s.k.SetParams(s.ctx, p))
	for i := 0; i < 10; i++ {
		s.advance(time.Second)
	}
	n = 0
	s.Require().NoError(s.k.Nonces.Walk(s.ctx, nil, func(uint64, []byte) (bool, error) { n++; return false, nil }))
	s.Require().Equal(11, n)
}

func (s *Suite) TestGenuineIntelCollateralThroughTheKeeper() {
	// the genuine collateral is valid together from 2023-06-18 to 07-08
	s.ctx = s.ctx.WithBlockTime(time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC))
	for _, c := range []struct {
		kind        types.CollateralKind
		body, chain string
	}{
		{types.CollateralKind_COLLATERAL_KIND_TCB_INFO, "sample_tcbInfo_response", "tcbinfo_issuer_chain.pem"},
		{types.CollateralKind_COLLATERAL_KIND_QE_IDENTITY, "sample_qeIdentity_response", "qeidentity_issuer_chain.pem"},
		{types.CollateralKind_COLLATERAL_KIND_PCK_CRL, "pckcrl", "pckcrl_issuer_chain.pem"},
		{types.CollateralKind_COLLATERAL_KIND_ROOT_CA_CRL, "rootcrl.der", ""},
	} {
		chain := ""
		if c.chain != "" {
			chain = string(testdata(c.chain))
		}
		msg := &types.MsgSubmitCollateral{Submitter: s.stranger.String(), Kind: c.kind, Body: testdata(c.body), IssuerChain: chain}
		_, err := s.msg.SubmitCollateral(s.ctx, msg)
		s.Require().NoError(err, c.kind.String())
		_, err = s.msg.SubmitCollateral(s.ctx, msg)
		s.requireCode(err, types.ErrStaleCollateral)
	}
	r, err := s.q.Collateral(s.ctx, &types.QueryCollateralRequest{Kind: types.CollateralKind_COLLATERAL_KIND_TCB_INFO, Key: "50806f000000"})
	s.Require().NoError(err)
	s.Require().Equal(uint64(15), r.Collateral.Version)
	s.Require().Equal(s.stranger.String(), r.Collateral.Submitter)

	// the genuine quote, with this collateral, matches no TCB level: refused
	// with a clear error before anything else is looked at
	quote := testdata("tdx_prod_quote_SPR_E4.dat")
	quote = quote[:0x27C+int(uint32(quote[0x278])|uint32(quote[0x279])<<8|uint32(quote[0x27A])<<16|uint32(quote[0x27B])<<24)]
	_, err = s.msg.RegisterAttestation(s.ctx, &types.MsgRegisterAttestation{
		Operator: s.tee.String(), TeeType: types.TeeType_TEE_TYPE_TDX, Evidence: quote,
		NonceHeight: uint64(s.ctx.BlockHeight() - 1), EnclavePubkey: s.enclave.Public().(ed25519.PublicKey),
	})
	s.requireCode(err, types.ErrTcbStatus)
}
