package snpsim_test

import (
	"bytes"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	"github.com/google/go-sev-guest/proto/sevsnp"
	"github.com/google/go-sev-guest/validate"
	"github.com/google/go-sev-guest/verify"
	"github.com/google/go-sev-guest/verify/trust"

	"github.com/verdict-chain/verdict/testutil/snpsim"
)

var (
	created = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now     = created.Add(30 * 24 * time.Hour)
)

func newSigner(t *testing.T) *snpsim.Signer {
	t.Helper()
	s, err := snpsim.New(created)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testRoot is the trusted root a test network would configure: built only
// from the ARK and ASK PEMs.
func testRoot(t *testing.T, s *snpsim.Signer) *trust.AMDRootCerts {
	t.Helper()
	root := trust.AMDRootCertsProduct(s.ProductLine())
	if err := root.FromKDSCertBytes(append(s.AskPEM(), s.ArkPEM()...)); err != nil {
		t.Fatal(err)
	}
	return root
}

// noNetwork fails the test if verification ever tries to fetch anything.
type noNetwork struct{ t *testing.T }

func (n noNetwork) Get(url string) ([]byte, error) {
	n.t.Errorf("unexpected network fetch of %s", url)
	return nil, nil
}

func verifyOpts(t *testing.T, roots map[string][]*trust.AMDRootCerts, at time.Time) *verify.Options {
	return &verify.Options{
		DisableCertFetching: true,
		CheckRevocations:    false,
		Getter:              noNetwork{t},
		Now:                 at,
		TrustedRoots:        roots,
	}
}

func attestation(t *testing.T, s *snpsim.Signer, raw []byte) *sevsnp.Attestation {
	t.Helper()
	report, err := abi.ReportToProto(raw)
	if err != nil {
		t.Fatal(err)
	}
	return &sevsnp.Attestation{Report: report, CertificateChain: &sevsnp.CertificateChain{VcekCert: s.VcekDER()}}
}

func sampleOptions(debug bool) snpsim.ReportOptions {
	o := snpsim.ReportOptions{Debug: debug, GuestSVN: 7}
	copy(o.ReportData[:], "nonce: verdict job 42, provider key hash ...")
	copy(o.Measurement[:], "launch digest of the provider image")
	copy(o.HostData[:], "host data")
	return o
}

func validateOpts(s *snpsim.Signer, o snpsim.ReportOptions, allowDebug bool) *validate.Options {
	chip := s.ChipID()
	vmpl := 0
	return &validate.Options{
		GuestPolicy:     abi.SnpPolicy{SMT: true, Debug: allowDebug},
		MinimumGuestSvn: o.GuestSVN,
		ReportData:      o.ReportData[:],
		Measurement:     o.Measurement[:],
		HostData:        o.HostData[:],
		ChipID:          chip[:],
		MinimumTCB:      kds.DecomposeTCBVersion(s.TCB()),
		MinimumVersion:  1<<8 | 55,
		VMPL:            &vmpl,
	}
}

func TestReportVerifiesAndValidates(t *testing.T) {
	s := newSigner(t)
	roots := map[string][]*trust.AMDRootCerts{"Milan": {testRoot(t, s)}}
	for _, debug := range []bool{false, true} {
		o := sampleOptions(debug)
		raw, err := s.Report(o)
		if err != nil {
			t.Fatal(err)
		}
		if len(raw) != abi.ReportSize {
			t.Fatalf("report is %d bytes, want %d", len(raw), abi.ReportSize)
		}
		a := attestation(t, s, raw)
		if err := verify.SnpAttestation(a, verifyOpts(t, roots, now)); err != nil {
			t.Fatalf("debug=%v: verify: %v", debug, err)
		}
		if err := validate.SnpAttestation(a, validateOpts(s, o, debug)); err != nil {
			t.Fatalf("debug=%v: validate: %v", debug, err)
		}

		r := a.Report
		policy, err := abi.ParseSnpPolicy(r.Policy)
		if err != nil {
			t.Fatal(err)
		}
		if policy != (abi.SnpPolicy{SMT: true, Debug: debug}) {
			t.Errorf("policy %#x = %+v", r.Policy, policy)
		}
		if r.Version != 3 || kds.ProductLineFromFms(r.Cpuid1EaxFms) != "Milan" || r.Cpuid1EaxFms != 0x00a00f10 {
			t.Errorf("version %d, cpuid %#x", r.Version, r.Cpuid1EaxFms)
		}
		tcb := uint64(s.TCB())
		if r.ReportedTcb != tcb || r.CurrentTcb != tcb || r.CommittedTcb != tcb || r.LaunchTcb != tcb {
			t.Errorf("TCBs %#x %#x %#x %#x, want %#x", r.ReportedTcb, r.CurrentTcb, r.CommittedTcb, r.LaunchTcb, tcb)
		}
		if info, _ := abi.ParseSignerInfo(r.SignerInfo); info.SigningKey != abi.VcekReportSigner || r.GuestSvn != 7 {
			t.Errorf("signer %v, guest svn %d", info.SigningKey, r.GuestSvn)
		}
	}
}

func TestVcekClaimsMatchReports(t *testing.T) {
	s := newSigner(t)
	vcek, err := x509.ParseCertificate(s.VcekDER())
	if err != nil {
		t.Fatal(err)
	}
	exts, err := kds.VcekCertificateExtensions(vcek)
	if err != nil {
		t.Fatal(err)
	}
	chip := s.ChipID()
	if !bytes.Equal(exts.HWID, chip[:]) || exts.TCBVersion != s.TCB() || exts.ProductName != "Milan-B0" {
		t.Errorf("VCEK claims HWID %x TCB %#x product %q; signer %x %#x", exts.HWID, exts.TCBVersion, exts.ProductName, chip, s.TCB())
	}
	if s.TCB() == 0 || chip == [64]byte{} {
		t.Error("chip id and TCB should be non-zero so that checks on them mean something")
	}
	if s.ProductLine() != "Milan" {
		t.Errorf("product line %q", s.ProductLine())
	}
	if !bytes.Equal(s.CertChainPEM(), append(s.AskPEM(), s.ArkPEM()...)) {
		t.Error("CertChainPEM is not ASK then ARK")
	}
}

func TestValidateRefuses(t *testing.T) {
	s := newSigner(t)
	o := sampleOptions(true)
	raw, err := s.Report(o)
	if err != nil {
		t.Fatal(err)
	}
	a := attestation(t, s, raw)
	if err := validate.SnpAttestation(a, validateOpts(s, o, false)); err == nil || !strings.Contains(err.Error(), "debug") {
		t.Errorf("debug report with debug not allowed: got %v", err)
	}

	o = sampleOptions(false)
	raw, err = s.Report(o)
	if err != nil {
		t.Fatal(err)
	}
	a = attestation(t, s, raw)
	for name, mutate := range map[string]func(*validate.Options){
		"report data": func(v *validate.Options) { v.ReportData = make([]byte, 64) },
		"measurement": func(v *validate.Options) { v.Measurement = make([]byte, 48) },
		"guest svn":   func(v *validate.Options) { v.MinimumGuestSvn = 8 },
		"tcb":         func(v *validate.Options) { v.MinimumTCB.SnpSpl++ },
	} {
		v := validateOpts(s, o, false)
		mutate(v)
		err := validate.SnpAttestation(a, v)
		if err == nil {
			t.Errorf("%s: mismatch accepted", name)
		}
		t.Logf("%s: %v", name, err)
	}
}

func TestTamperedReportFails(t *testing.T) {
	s := newSigner(t)
	roots := map[string][]*trust.AMDRootCerts{"Milan": {testRoot(t, s)}}
	raw, err := s.Report(sampleOptions(false))
	if err != nil {
		t.Fatal(err)
	}
	// GUEST_SVN, REPORT_DATA, MEASUREMENT, HOST_DATA, CHIP_ID, signature R.
	for _, off := range []int{0x04, 0x50, 0x90, 0xC0, 0x1A0, 0x2A0} {
		bad := bytes.Clone(raw)
		bad[off] ^= 1
		err := verify.SnpAttestation(attestation(t, s, bad), verifyOpts(t, roots, now))
		if err == nil {
			t.Errorf("byte %#x flipped: report still verifies", off)
		}
		t.Logf("byte %#x flipped: %v", off, err)
	}
}

func TestValidityWindow(t *testing.T) {
	s := newSigner(t)
	roots := map[string][]*trust.AMDRootCerts{"Milan": {testRoot(t, s)}}
	raw, err := s.Report(sampleOptions(false))
	if err != nil {
		t.Fatal(err)
	}
	vcek, err := x509.ParseCertificate(s.VcekDER())
	if err != nil {
		t.Fatal(err)
	}
	if want := created.Add(7 * 365 * 24 * time.Hour); !vcek.NotAfter.Equal(want) {
		t.Errorf("VCEK NotAfter %v, want %v", vcek.NotAfter, want)
	}
	for _, tc := range []struct {
		at time.Time
		ok bool
	}{
		{created, true},
		{vcek.NotAfter, true},
		{created.Add(-time.Second), false}, // before ARK/ASK NotBefore
		{vcek.NotAfter.Add(time.Second), false},
	} {
		err := verify.SnpAttestation(attestation(t, s, raw), verifyOpts(t, roots, tc.at))
		if (err == nil) != tc.ok {
			t.Errorf("at %v: got %v, want ok=%v", tc.at, err, tc.ok)
		}
		t.Logf("at %v: %v", tc.at, err)
	}
}

func TestGenuineAMDRootRejects(t *testing.T) {
	s := newSigner(t)
	raw, err := s.Report(sampleOptions(false))
	if err != nil {
		t.Fatal(err)
	}
	amd, err := trust.GetDefaultRootCerts("Milan")
	if err != nil {
		t.Fatal(err)
	}
	for name, roots := range map[string]map[string][]*trust.AMDRootCerts{
		"nil (embedded AMD roots)": nil,
		"explicit AMD Milan root":  {"Milan": {amd}},
	} {
		if err := verify.SnpAttestation(attestation(t, s, raw), verifyOpts(t, roots, now)); err == nil {
			t.Errorf("%s: test-signed report accepted", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

func TestDeterministic(t *testing.T) {
	s1, s2 := newSigner(t), newSigner(t)
	ark := func(s *snpsim.Signer) *x509.Certificate {
		c, err := trust.ParseCert(s.ArkPEM())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a1, a2 := ark(s1), ark(s2)
	if !bytes.Equal(a1.RawSubjectPublicKeyInfo, a2.RawSubjectPublicKeyInfo) {
		t.Error("two New(created) have different ARK public keys")
	}
	if !a1.NotBefore.Equal(created) || !a1.NotAfter.Equal(created.Add(25*365*24*time.Hour)) {
		t.Errorf("ARK valid %v .. %v", a1.NotBefore, a1.NotAfter)
	}
	// Either signer's root accepts the other's reports; equal options give equal bytes.
	o := sampleOptions(false)
	r1, err := s1.Report(o)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s2.Report(o)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r1, r2) {
		t.Error("equal options gave different reports")
	}
	roots := map[string][]*trust.AMDRootCerts{"Milan": {testRoot(t, s2)}}
	if err := verify.SnpAttestation(attestation(t, s1, r1), verifyOpts(t, roots, now)); err != nil {
		t.Errorf("s1 report under s2 root: %v", err)
	}
}
