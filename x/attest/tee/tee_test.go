package tee_test

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	errorsmod "cosmossdk.io/errors"
	"github.com/stretchr/testify/require"

	"github.com/verdict-chain/verdict/testutil/snpsim"
	"github.com/verdict-chain/verdict/x/attest/tee"
	"github.com/verdict-chain/verdict/x/attest/types"
)

// Genuine vendor evidence (testdata/README.md): a production TDX quote
// from a Sapphire Rapids E4 part with Intel's PCS collateral of June 2023,
// from github.com/google/go-tdx-guest testing/testdata; an SEV-SNP report
// from a Milan part with its VCEK, from github.com/google/go-sev-guest
// verify/testdata.
var (
	tdxFile      = mustRead("tdx_prod_quote_SPR_E4.dat")
	tdxQuote     = canonicalQuote(tdxFile)
	tcbInfo      = mustRead("sample_tcbInfo_response")
	qeIdentity   = mustRead("sample_qeIdentity_response")
	pckCRL       = mustRead("pckcrl")
	rootCRL      = mustRead("rootcrl.der")
	tcbChain     = string(mustRead("tcbinfo_issuer_chain.pem"))
	qeChain      = string(mustRead("qeidentity_issuer_chain.pem"))
	pckCRLChain  = string(mustRead("pckcrl_issuer_chain.pem"))
	snpReport    = mustRead("attestation.bin")
	snpVCEK      = mustRead("vcek.testcer")
	tdxValidAt   = time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC)
	snpValidAt   = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	errTransport = errors.New("network used")
)

// canonicalQuote is the TDX quote without the 39 bytes go-tdx-guest's
// authors appended to the file to test that their parser tolerates them
// ("extra bytes(only for testing purpose)"): the chain accepts the quote
// alone (TestTrailingBytesAreRefused).
func canonicalQuote(file []byte) []byte {
	n := 0x27C + int(binary.LittleEndian.Uint32(file[0x278:0x27C]))
	return file[:n]
}

func mustRead(name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		panic(err)
	}
	return b
}

// failingTransport fails the test if any verification reaches the network
// (go-tdx-guest's and go-sev-guest's default getters use http.Get).
type failingTransport struct{ used atomic.Int32 }

func (f *failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.used.Add(1)
	return nil, errTransport
}

func TestMain(m *testing.M) {
	ft := &failingTransport{}
	http.DefaultTransport = ft
	http.DefaultClient.Transport = ft
	code := m.Run()
	if ft.used.Load() != 0 {
		println("x/attest/tee: verification reached the network", ft.used.Load(), "times")
		code = 1
	}
	os.Exit(code)
}

func parsed(t *testing.T, p types.Policy) types.ParsedPolicy {
	t.Helper()
	pp, err := p.Parse()
	require.NoError(t, err)
	return pp
}

func noCollateralPolicy() types.Policy {
	p := types.DefaultPolicy()
	p.TdxRequireCollateral = false
	return p
}

// memSource is collateral in a map (the keeper's state in these tests).
type memSource map[string]types.Collateral

func (m memSource) Collateral(kind types.CollateralKind, key string) (types.Collateral, bool, error) {
	c, ok := m[kind.String()+"/"+key]
	return c, ok, nil
}

func requireCode(t *testing.T, err error, want *errorsmod.Error) {
	t.Helper()
	require.Error(t, err)
	require.Truef(t, want.Is(err), "want %s, got %v", want.Error(), err)
}

func TestGenuineTDXQuoteVerifiesToTheIntelRoot(t *testing.T) {
	p := noCollateralPolicy()
	res, err := tee.VerifyTDX(tdxQuote, tdxValidAt, p, parsed(t, p), memSource{})
	require.NoError(t, err)
	require.Equal(t, types.TeeType_TEE_TYPE_TDX, res.Type)
	require.Len(t, res.Measurement, 32)
	require.Len(t, res.TCB, 16)
	require.Equal(t, "50806f000000", res.Platform)
	// the PCK leaf expires 2029-09-20
	require.Equal(t, 2029, res.NotAfter.Year())

	q, err := tee.ParseTDXQuote(tdxQuote)
	require.NoError(t, err)
	require.Equal(t, tee.WorkloadID(q.GetTdQuoteBody()), res.Measurement)
	require.Equal(t, q.GetTdQuoteBody().GetReportData(), res.ReportData[:])
}

func TestTrailingBytesAreRefused(t *testing.T) {
	require.Len(t, tdxFile, len(tdxQuote)+39)
	p := noCollateralPolicy()
	_, err := tee.VerifyTDX(tdxFile, tdxValidAt, p, parsed(t, p), memSource{})
	requireCode(t, err, types.ErrInvalidEvidence)
	require.Contains(t, err.Error(), "39 bytes after")
}

func TestGenuineTDXQuoteOutsideItsCertificates(t *testing.T) {
	p := noCollateralPolicy()
	for name, at := range map[string]time.Time{
		"after the PCK expires": time.Date(2029, 9, 21, 0, 0, 0, 0, time.UTC),
		"before it is valid":    time.Date(2022, 9, 19, 0, 0, 0, 0, time.UTC),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tee.VerifyTDX(tdxQuote, at, p, parsed(t, p), memSource{})
			requireCode(t, err, types.ErrCertificateExpired)
		})
	}
}

func TestGenuineTDXQuoteAnyFlippedByteFails(t *testing.T) {
	p := noCollateralPolicy()
	pp := parsed(t, p)
	for i := range tdxQuote {
		if testing.Short() && i%17 != 0 {
			continue
		}
		q := append([]byte(nil), tdxQuote...)
		q[i] ^= 0x01
		_, err := tee.VerifyTDX(q, tdxValidAt, p, pp, memSource{})
		require.Errorf(t, err, "flipping byte %d went unnoticed", i)
	}
}

func TestTDXQuoteUnderAnotherRootFails(t *testing.T) {
	s, err := snpsim.New(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	p := noCollateralPolicy()
	p.IntelRootPem = string(s.ArkPEM()) // a self-signed CA that is not Intel's
	_, err = tee.VerifyTDX(tdxQuote, tdxValidAt, p, parsed(t, p), memSource{})
	requireCode(t, err, types.ErrEvidenceRejected)
}

// genuineCollateral checks the four genuine Intel documents at at and
// returns them as stored collateral.
func genuineCollateral(at time.Time, pp types.ParsedPolicy) (memSource, error) {
	src := memSource{}
	for _, c := range []struct {
		kind  types.CollateralKind
		body  []byte
		chain string
	}{
		{types.CollateralKind_COLLATERAL_KIND_TCB_INFO, tcbInfo, tcbChain},
		{types.CollateralKind_COLLATERAL_KIND_QE_IDENTITY, qeIdentity, qeChain},
		{types.CollateralKind_COLLATERAL_KIND_PCK_CRL, pckCRL, pckCRLChain},
		{types.CollateralKind_COLLATERAL_KIND_ROOT_CA_CRL, rootCRL, ""},
	} {
		rec, err := tee.CheckCollateral(c.kind, c.body, c.chain, at, pp)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.kind, err)
		}
		src[rec.Kind.String()+"/"+rec.Key] = rec
	}
	return src, nil
}

func storeGenuineCollateral(t *testing.T, at time.Time, pp types.ParsedPolicy) memSource {
	t.Helper()
	src, err := genuineCollateral(at, pp)
	require.NoError(t, err)
	return src
}

func TestGenuineCollateralVerifiesButMatchesNoTCBLevel(t *testing.T) {
	p := types.DefaultPolicy()
	pp := parsed(t, p)
	src := storeGenuineCollateral(t, tdxValidAt, pp)
	require.Contains(t, src, "COLLATERAL_KIND_TCB_INFO/50806f000000")
	require.Contains(t, src, "COLLATERAL_KIND_PCK_CRL/platform")
	require.Equal(t, uint64(15), src["COLLATERAL_KIND_TCB_INFO/50806f000000"].Version)

	_, err := tee.VerifyTDX(tdxQuote, tdxValidAt, p, pp, src)
	requireCode(t, err, types.ErrTcbStatus)
	require.Contains(t, err.Error(), "no matching TCB level")
}

func TestTDXWithoutStoredCollateralNeverFetches(t *testing.T) {
	p := types.DefaultPolicy()
	_, err := tee.VerifyTDX(tdxQuote, tdxValidAt, p, parsed(t, p), memSource{})
	requireCode(t, err, types.ErrMissingCollateral)
	require.Contains(t, err.Error(), "TCB_INFO")
}

func TestCollateralChecks(t *testing.T) {
	pp := parsed(t, types.DefaultPolicy())
	tcb := types.CollateralKind_COLLATERAL_KIND_TCB_INFO
	t.Run("expired", func(t *testing.T) {
		_, err := tee.CheckCollateral(tcb, tcbInfo, tcbChain, time.Date(2023, 7, 19, 0, 0, 0, 0, time.UTC), pp)
		requireCode(t, err, types.ErrInvalidCollateral)
	})
	t.Run("a tampered body", func(t *testing.T) {
		body := []byte(strings.Replace(string(tcbInfo), `"tcbEvaluationDataNumber":15`, `"tcbEvaluationDataNumber":99`, 1))
		require.NotEqual(t, tcbInfo, body)
		_, err := tee.CheckCollateral(tcb, body, tcbChain, tdxValidAt, pp)
		requireCode(t, err, types.ErrInvalidCollateral)
		require.Contains(t, err.Error(), "does not verify")
	})
	t.Run("the wrong kind", func(t *testing.T) {
		_, err := tee.CheckCollateral(types.CollateralKind_COLLATERAL_KIND_QE_IDENTITY, tcbInfo, tcbChain, tdxValidAt, pp)
		requireCode(t, err, types.ErrInvalidCollateral)
	})
	t.Run("a chain to another root", func(t *testing.T) {
		s, err := snpsim.New(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC))
		require.NoError(t, err)
		_, err = tee.CheckCollateral(tcb, tcbInfo, strings.SplitAfter(tcbChain, "-----END CERTIFICATE-----\n")[0]+string(s.ArkPEM()), tdxValidAt, pp)
		requireCode(t, err, types.ErrInvalidCollateral)
	})
	t.Run("a root CRL under the PCK CA", func(t *testing.T) {
		_, err := tee.CheckCollateral(types.CollateralKind_COLLATERAL_KIND_ROOT_CA_CRL, pckCRL, "", tdxValidAt, pp)
		requireCode(t, err, types.ErrInvalidCollateral)
	})
	t.Run("garbage", func(t *testing.T) {
		for _, k := range []types.CollateralKind{1, 2, 3, 4, 9} {
			_, err := tee.CheckCollateral(k, []byte("{\x00garbage"), tcbChain, tdxValidAt, pp)
			require.Error(t, err)
		}
	})
	t.Run("older never replaces newer", func(t *testing.T) {
		a, err := tee.CheckCollateral(tcb, tcbInfo, tcbChain, tdxValidAt, pp)
		require.NoError(t, err)
		require.NoError(t, tee.Newer(a, types.Collateral{Version: 14}))
		requireCode(t, tee.Newer(a, a), types.ErrStaleCollateral)
		requireCode(t, tee.Newer(a, types.Collateral{Version: 16}), types.ErrStaleCollateral)
	})
}

func TestGenuineSNPReport(t *testing.T) {
	p := types.DefaultPolicy()
	pp := parsed(t, p)
	t.Run("verifies to the AMD Milan root, refused for its debug policy", func(t *testing.T) {
		_, err := tee.VerifySNP(snpReport, snpVCEK, snpValidAt, p, pp)
		// the signature and chain passed (ErrEvidenceRejected otherwise); the
		// policy refuses a debuggable guest
		requireCode(t, err, types.ErrPolicyViolation)
		require.Contains(t, err.Error(), "debug")
	})
	t.Run("fails in 2030", func(t *testing.T) {
		_, err := tee.VerifySNP(snpReport, snpVCEK, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), p, pp)
		requireCode(t, err, types.ErrCertificateExpired)
	})
	t.Run("fails with a flipped byte", func(t *testing.T) {
		// signed fields: report data, measurement, chip id; the signature
		for _, i := range []int{0x50, 0x90, 0x1A0, 0x2A0} {
			r := append([]byte(nil), snpReport...)
			r[i] ^= 1
			_, err := tee.VerifySNP(r, snpVCEK, snpValidAt, p, pp)
			requireCode(t, err, types.ErrEvidenceRejected)
		}
		// every byte: some registered error, never a panic
		for i := range snpReport {
			r := append([]byte(nil), snpReport...)
			r[i] ^= 0x80
			_, err := tee.VerifySNP(r, snpVCEK, snpValidAt, p, pp)
			require.Errorf(t, err, "flipping byte %d went unnoticed", i)
		}
	})
	t.Run("fails without AMD roots rather than falling back to embedded ones", func(t *testing.T) {
		q := p
		q.AmdRoots = nil
		_, err := tee.VerifySNP(snpReport, snpVCEK, snpValidAt, q, parsed(t, q))
		requireCode(t, err, types.ErrPolicyViolation)
	})
}

func testSigner(t *testing.T) (*snpsim.Signer, types.Policy) {
	t.Helper()
	s, err := snpsim.New(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	p := types.DefaultPolicy()
	p.AmdRoots = []types.AmdRoot{{ProductLine: s.ProductLine(), ArkPem: string(s.ArkPEM()), AskPem: string(s.AskPEM())}}
	return s, p
}

func TestSNPReportsWithChosenReportData(t *testing.T) {
	s, p := testSigner(t)
	pp := parsed(t, p)
	at := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	var rd [64]byte
	copy(rd[:], "bind me")
	var m [48]byte
	m[0] = 7
	raw, err := s.Report(snpsim.ReportOptions{ReportData: rd, Measurement: m, GuestSVN: 3})
	require.NoError(t, err)

	res, err := tee.VerifySNP(raw, s.VcekDER(), at, p, pp)
	require.NoError(t, err)
	require.Equal(t, rd, res.ReportData)
	require.Equal(t, m[:], res.Measurement)
	require.Len(t, res.TCB, 8)

	t.Run("the genuine AMD roots refuse a test-signed report", func(t *testing.T) {
		d := types.DefaultPolicy()
		_, err := tee.VerifySNP(raw, s.VcekDER(), at, d, parsed(t, d))
		requireCode(t, err, types.ErrEvidenceRejected)
	})
	t.Run("debug refused", func(t *testing.T) {
		dbg, err := s.Report(snpsim.ReportOptions{ReportData: rd, Measurement: m, Debug: true})
		require.NoError(t, err)
		_, err = tee.VerifySNP(dbg, s.VcekDER(), at, p, pp)
		requireCode(t, err, types.ErrPolicyViolation)
	})
	t.Run("minimum guest SVN and TCB", func(t *testing.T) {
		q := p
		q.SnpMinGuestSvn = 4
		_, err := tee.VerifySNP(raw, s.VcekDER(), at, q, pp)
		requireCode(t, err, types.ErrPolicyViolation)
		q = p
		q.SnpMinTcb.Microcode = 255
		_, err = tee.VerifySNP(raw, s.VcekDER(), at, q, pp)
		requireCode(t, err, types.ErrPolicyViolation)
	})
	t.Run("wrong length, empty VCEK, zero time", func(t *testing.T) {
		_, err := tee.VerifySNP(raw[:1000], s.VcekDER(), at, p, pp)
		requireCode(t, err, types.ErrInvalidEvidence)
		_, err = tee.VerifySNP(raw, nil, at, p, pp)
		requireCode(t, err, types.ErrInvalidEvidence)
		_, err = tee.VerifySNP(raw, s.VcekDER(), time.Time{}, p, pp)
		require.Error(t, err)
		_, err = tee.VerifyTDX(tdxQuote, time.Time{}, p, pp, memSource{})
		require.Error(t, err)
	})
	t.Run("the process flag workaround_kds_productname changes nothing", func(t *testing.T) {
		f := flag.Lookup("workaround_kds_productname")
		require.NotNil(t, f)
		require.NoError(t, f.Value.Set("true"))
		defer func() { _ = f.Value.Set("false") }()
		res2, err := tee.VerifySNP(raw, s.VcekDER(), at, p, pp)
		require.NoError(t, err)
		require.Equal(t, res, res2)
		_, err = tee.VerifySNP(snpReport, snpVCEK, snpValidAt, types.DefaultPolicy(), parsed(t, types.DefaultPolicy()))
		requireCode(t, err, types.ErrPolicyViolation)
	})
}
