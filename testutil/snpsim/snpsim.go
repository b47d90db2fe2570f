// Package snpsim is a simulated AMD SEV-SNP guest for tests and the localnet
// demo. It signs with go-sev-guest's TEST-ONLY key chain and must never be
// trusted by a real network.
//
// TEST-ONLY ROOT OF TRUST: the ARK, ASK and VCEK private keys come from
// github.com/google/go-sev-guest/testing/data and are published in that
// repository, so anyone can forge a report under ArkPEM. A real network must
// only trust AMD's genuine roots (go-sev-guest's verify/trust defaults), which
// reject every report produced here.
//
// This package imports github.com/google/go-sev-guest/testing, which
// registers the global flags product, product_name, test_kds and
// test_use_kds. Keep that import confined to this package.
package snpsim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	sevtest "github.com/google/go-sev-guest/testing"
)

const (
	productLine = "Milan"
	// productName is the VCEK productName extension: Milan, stepping B0,
	// which is what milanFMS says.
	productName = "Milan-B0"
	// milanFMS is the CPUID_1_EAX written into v3 reports: family 19h,
	// model 01h, stepping 0. Verifiers derive the product line from it.
	milanFMS = 0x00a00f10

	// Firmware API version 1.55, build 21, reported as both current and
	// committed (validate requires them equal unless provisional firmware
	// is permitted).
	fwMajor, fwMinor, fwBuild = 1, 55, 21
)

var (
	// simChipID is the HWID of the one simulated chip: fixed, and non-zero
	// so that CHIP_ID checks are meaningful.
	simChipID = sha512.Sum512([]byte("verdict snpsim: TEST-ONLY simulated SEV-SNP chip"))
	// simTCB is a plausible Milan TCB; every TCB field of every report
	// carries it and the VCEK certificate is issued for it.
	simTCB = kds.TCBParts{BlSpl: 4, TeeSpl: 0, SnpSpl: 22, UcodeSpl: 213}
)

// chainMu serializes certificate creation: go-sev-guest passes one
// package-global math/rand source, unsafe for concurrent use, to
// x509.CreateCertificate (Go >= 1.26 ignores it unless
// GODEBUG=cryptocustomrand=1, but the lock costs nothing).
var chainMu sync.Mutex

// Signer is a simulated SEV-SNP chip with a TEST-ONLY ARK -> ASK -> VCEK chain
// for the Milan product line.
type Signer struct {
	ark, ask, vcek *x509.Certificate
	key            *ecdsa.PrivateKey
	chipID         [abi.ChipIDSize]byte
	tcb            kds.TCBVersion
}

// New builds the test-only chain. The keys are fixed by go-sev-guest, so any
// two Signers have the same public keys (the certificate bytes differ: their
// RSA-PSS signatures are randomized). ARK and ASK are valid from created for
// 25*365 days; the VCEK from the zero time until created + 7*365 days.
func New(created time.Time) (*Signer, error) {
	b := &sevtest.AmdSignerBuilder{
		Keys:             sevtest.DefaultAmdKeys(),
		ProductName:      productName,
		CSPID:            "go-sev-guest",
		ArkCreationTime:  created,
		AskCreationTime:  created,
		AsvkCreationTime: created,
		VcekCreationTime: created,
		VlekCreationTime: created,
		// Same as DefaultTestOnlyCertChain, except that the VCEK claims
		// simChipID and simTCB instead of an all-zero HWID and TCB.
		VcekCustom: sevtest.CertOverride{
			Extensions: sevtest.CustomExtensions(simTCB, simChipID[:], "", productName),
		},
	}
	chainMu.Lock()
	chain, err := b.TestOnlyCertChain()
	chainMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("snpsim: test-only cert chain: %w", err)
	}
	// Take chip id and TCB back from the certificate, so reports always say
	// exactly what the VCEK claims.
	exts, err := kds.VcekCertificateExtensions(chain.Vcek)
	if err != nil {
		return nil, fmt.Errorf("snpsim: VCEK extensions: %w", err)
	}
	s := &Signer{ark: chain.Ark, ask: chain.Ask, vcek: chain.Vcek, key: chain.Keys.Vcek, tcb: exts.TCBVersion}
	copy(s.chipID[:], exts.HWID)
	return s, nil
}

// ProductLine is the AMD product line of the chain, "Milan".
func (s *Signer) ProductLine() string { return productLine }

// ArkPEM is the self-signed TEST-ONLY root (ARK-Milan) as a PEM CERTIFICATE block.
func (s *Signer) ArkPEM() []byte { return certPEM(s.ark) }

// AskPEM is the TEST-ONLY intermediate (SEV-Milan) as a PEM CERTIFICATE block.
func (s *Signer) AskPEM() []byte { return certPEM(s.ask) }

// CertChainPEM is AskPEM followed by ArkPEM, the order of AMD KDS's
// cert_chain endpoint that trust.AMDRootCerts.FromKDSCertBytes expects.
func (s *Signer) CertChainPEM() []byte { return append(s.AskPEM(), s.ArkPEM()...) }

// VcekDER is the VCEK certificate, DER-encoded, as a host would attach it.
func (s *Signer) VcekDER() []byte { return append([]byte(nil), s.vcek.Raw...) }

// ChipID is the CHIP_ID of every report; it equals the VCEK's HWID extension.
func (s *Signer) ChipID() [abi.ChipIDSize]byte { return s.chipID }

// TCB is the reported, current, committed and launch TCB of every report;
// it equals the TCB the VCEK certificate is issued for.
func (s *Signer) TCB() kds.TCBVersion { return s.tcb }

// ReportOptions are the guest-controlled inputs of a report.
type ReportOptions struct {
	ReportData  [64]byte
	Measurement [48]byte
	Debug       bool
	GuestSVN    uint32
	HostData    [32]byte
}

// Report returns a raw abi.ReportSize-byte, version 3 SNP attestation report
// signed by the VCEK. The signature is deterministic (RFC 6979), so equal
// options give equal bytes.
func (s *Signer) Report(opts ReportOptions) ([]byte, error) {
	r := make([]byte, abi.ReportSize)
	le := binary.LittleEndian
	// Offsets are from abi.ReportToProto; unset fields (FAMILY_ID, IMAGE_ID,
	// VMPL, PLATFORM_INFO, ID/author key digests, REPORT_ID[_MA],
	// mitigation vectors) stay zero.
	le.PutUint32(r[0x00:], abi.ReportVersion3)
	le.PutUint32(r[0x04:], opts.GuestSVN)
	// ABI 0.0, SMT allowed, no migration agent, debug only on request;
	// SnpPolicyToBytes sets the must-be-one bit 17.
	le.PutUint64(r[0x08:], abi.SnpPolicyToBytes(abi.SnpPolicy{SMT: true, Debug: opts.Debug}))
	le.PutUint32(r[0x34:], abi.SignEcdsaP384Sha384)
	le.PutUint64(r[0x38:], uint64(s.tcb)) // CURRENT_TCB
	le.PutUint32(r[0x48:], abi.ComposeSignerInfo(abi.SignerInfo{SigningKey: abi.VcekReportSigner}))
	copy(r[0x50:0x90], opts.ReportData[:])
	copy(r[0x90:0xC0], opts.Measurement[:])
	copy(r[0xC0:0xE0], opts.HostData[:])
	le.PutUint64(r[0x180:], uint64(s.tcb)) // REPORTED_TCB
	r[0x188], r[0x189], r[0x18A] = abi.FmsFromCpuid1Eax(milanFMS)
	copy(r[0x1A0:0x1E0], s.chipID[:])
	le.PutUint64(r[0x1E0:], uint64(s.tcb)) // COMMITTED_TCB
	r[0x1E8], r[0x1E9], r[0x1EA] = fwBuild, fwMinor, fwMajor
	r[0x1EC], r[0x1ED], r[0x1EE] = fwBuild, fwMinor, fwMajor
	le.PutUint64(r[0x1F0:], uint64(s.tcb)) // LAUNCH_TCB

	digest := sha512.Sum384(abi.SignedComponent(r))
	der, err := s.key.Sign(nil, digest[:], crypto.SHA384) // nil rand: RFC 6979
	if err != nil {
		return nil, fmt.Errorf("snpsim: sign report: %w", err)
	}
	var sig struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &sig); err != nil {
		return nil, fmt.Errorf("snpsim: parse signature: %w", err)
	} else if len(rest) != 0 {
		return nil, fmt.Errorf("snpsim: %d bytes after signature", len(rest))
	}
	if err := abi.SetSignature(sig.R, sig.S, r); err != nil {
		return nil, fmt.Errorf("snpsim: set signature: %w", err)
	}
	return r, nil
}

func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}
