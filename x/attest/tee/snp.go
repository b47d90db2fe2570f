package tee

import (
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	errorsmod "cosmossdk.io/errors"
	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	"github.com/google/go-sev-guest/validate"
	"github.com/google/go-sev-guest/verify"

	"github.com/verdict-chain/verdict/x/attest/types"
)

// ParseSNPReport parses a raw SEV-SNP attestation report (exactly
// abi.ReportSize bytes).
func ParseSNPReport(raw []byte) (r *spb.Report, err error) {
	defer guard(&err)
	if len(raw) != abi.ReportSize {
		return nil, errorsmod.Wrapf(types.ErrInvalidEvidence, "an SEV-SNP report is %d bytes, got %d", abi.ReportSize, len(raw))
	}
	r, err = abi.ReportToProto(raw)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidEvidence, "SEV-SNP report: %v", err)
	}
	return r, nil
}

// noNetwork is the getter handed to go-sev-guest: with certificate
// fetching disabled it is never called; if it were, it refuses.
type noNetwork struct{}

func (noNetwork) Get(u string) ([]byte, error) {
	return nil, fmt.Errorf("x/attest: verification never fetches %s", u)
}

// VerifySNP verifies an SEV-SNP report and its VCEK at now: the VCEK to the
// policy's ARK/ASK of the report's product line, the report's signature;
// then the policy: no debug, no migration agent, reported TCB and guest SVN
// at least the minimum, reported TCB equal to the VCEK's, chip id equal to
// the VCEK's.
func VerifySNP(raw, vcekDER []byte, now time.Time, policy types.Policy, roots types.ParsedPolicy) (res Result, err error) {
	defer guard(&err)
	if err := needTime(now); err != nil {
		return res, err
	}
	if len(roots.AMD) == 0 {
		// go-sev-guest would fall back to its embedded roots.
		return res, errorsmod.Wrap(types.ErrPolicyViolation, "the policy trusts no AMD root: SEV-SNP evidence cannot be accepted")
	}
	report, err := ParseSNPReport(raw)
	if err != nil {
		return res, err
	}
	vcek, err := x509.ParseCertificate(vcekDER)
	if err != nil {
		return res, errorsmod.Wrapf(types.ErrInvalidEvidence, "VCEK certificate: %v", err)
	}
	if err := checkValidity("VCEK", vcek, now); err != nil {
		return res, err
	}
	pol, err := abi.ParseSnpPolicy(report.GetPolicy())
	if err != nil {
		return res, errorsmod.Wrapf(types.ErrInvalidEvidence, "SEV-SNP guest policy: %v", err)
	}
	att := &spb.Attestation{Report: report, CertificateChain: &spb.CertificateChain{VcekCert: vcekDER}}
	opts := &verify.Options{
		DisableCertFetching: true,
		CheckRevocations:    false, // it would dial AMD's CRL endpoint
		Getter:              noNetwork{},
		Now:                 now,
		TrustedRoots:        roots.AMD,
	}
	if err := verify.SnpAttestation(att, opts); err != nil {
		return res, errorsmod.Wrapf(types.ErrEvidenceRejected, "SEV-SNP report: %v", err)
	}
	if pol.Debug {
		return res, errorsmod.Wrap(types.ErrPolicyViolation, "the guest policy allows debugging (policy bit 19): the host can read the VM's memory")
	}
	min := policy.SnpMinTcb
	vopts := &validate.Options{
		// the most a guest policy may allow: SMT, nothing else (no debug,
		// no migration agent, no CXL)
		GuestPolicy:               abi.SnpPolicy{SMT: true},
		MinimumGuestSvn:           policy.SnpMinGuestSvn,
		MinimumTCB:                kds.TCBParts{BlSpl: uint8(min.Bootloader), TeeSpl: uint8(min.Tee), SnpSpl: uint8(min.Snp), UcodeSpl: uint8(min.Microcode)},
		PermitProvisionalFirmware: true,
	}
	if err := validate.SnpAttestation(att, vopts); err != nil {
		return res, errorsmod.Wrapf(types.ErrPolicyViolation, "SEV-SNP report: %v", err)
	}
	notAfter := vcek.NotAfter
	for _, rs := range roots.AMD {
		for _, r := range rs {
			if r.ProductCerts != nil && r.ProductCerts.Ask != nil && vcek.CheckSignatureFrom(r.ProductCerts.Ask) == nil {
				notAfter = earliest(notAfter, r.ProductCerts.Ask.NotAfter, r.ProductCerts.Ark.NotAfter)
			}
		}
	}
	res = Result{
		Type:        types.TeeType_TEE_TYPE_SEV_SNP,
		Measurement: append([]byte(nil), report.GetMeasurement()...),
		TCB:         binary.LittleEndian.AppendUint64(nil, report.GetReportedTcb()),
		Platform:    hex.EncodeToString(report.GetChipId()),
		NotAfter:    notAfter,
	}
	copy(res.ReportData[:], report.GetReportData())
	return res, nil
}
