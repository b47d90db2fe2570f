package types

import (
	"bytes"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"fmt"

	errorsmod "cosmossdk.io/errors"
	"github.com/google/go-sev-guest/verify/trust"
)

// intelRootPEM is the Intel SGX Root CA, the root of every TDX PCK chain
// and of Intel's TCB signing key (the same certificate go-tdx-guest embeds,
// verify/trusted_root.pem).
//
//go:embed intel_sgx_root_ca.pem
var intelRootPEM string

// DefaultPolicy trusts the vendors' genuine roots — the Intel SGX Root CA
// and AMD's ARK/ASK for Milan, Genoa and Turin as go-sev-guest embeds them —
// requires TDX collateral (TCB status UpToDate, CRLs), and sets no minimum
// TCB beyond that.
func DefaultPolicy() Policy {
	p := Policy{IntelRootPem: intelRootPEM, TdxRequireCollateral: true}
	for _, pl := range []struct {
		line string
		kds  []byte
	}{{"Milan", trust.AskArkMilanVcekBytes}, {"Genoa", trust.AskArkGenoaVcekBytes}, {"Turin", trust.AskArkTurinVcekBytes}} {
		ask, rest := pem.Decode(pl.kds)
		ark, _ := pem.Decode(rest)
		if ask == nil || ark == nil {
			panic("x/attest: embedded AMD chain for " + pl.line + " is not two PEM certificates")
		}
		p.AmdRoots = append(p.AmdRoots, AmdRoot{ProductLine: pl.line, AskPem: string(pem.EncodeToMemory(ask)), ArkPem: string(pem.EncodeToMemory(ark))})
	}
	return p
}

// ParsedPolicy is a policy's roots, parsed and checked.
type ParsedPolicy struct {
	IntelRoots []*x509.Certificate
	// AMD maps a product line to its roots (go-sev-guest's form).
	AMD map[string][]*trust.AMDRootCerts
}

// IntelPool is a fresh pool of the Intel roots.
func (pp ParsedPolicy) IntelPool() *x509.CertPool {
	pool := x509.NewCertPool()
	for _, c := range pp.IntelRoots {
		pool.AddCert(c)
	}
	return pool
}

// Parse checks the policy and parses its roots: every Intel root is a
// self-signed CA; every AMD pair an ARK that signed itself and its ASK.
func (p Policy) Parse() (ParsedPolicy, error) {
	var out ParsedPolicy
	if len(p.IntelRootPem) > MaxPolicyPEMBytes {
		return out, errorsmod.Wrapf(ErrInvalidPolicy, "intel_root_pem is over %d bytes", MaxPolicyPEMBytes)
	}
	certs, err := parsePEMCerts([]byte(p.IntelRootPem))
	if err != nil {
		return out, errorsmod.Wrapf(ErrInvalidPolicy, "intel_root_pem: %v", err)
	}
	for _, c := range certs {
		if !c.IsCA || c.CheckSignatureFrom(c) != nil {
			return out, errorsmod.Wrapf(ErrInvalidPolicy, "intel_root_pem: %q is not a self-signed CA", c.Subject.CommonName)
		}
	}
	out.IntelRoots = certs
	out.AMD = map[string][]*trust.AMDRootCerts{}
	for _, r := range p.AmdRoots {
		if r.ProductLine == "" || len(r.ProductLine) > 32 {
			return out, errorsmod.Wrap(ErrInvalidPolicy, "amd_roots: product_line must be 1..32 characters")
		}
		if len(r.ArkPem)+len(r.AskPem) > MaxPolicyPEMBytes {
			return out, errorsmod.Wrapf(ErrInvalidPolicy, "amd_roots %s: over %d bytes", r.ProductLine, MaxPolicyPEMBytes)
		}
		ark, err := parseOnePEM(r.ArkPem)
		if err != nil {
			return out, errorsmod.Wrapf(ErrInvalidPolicy, "amd_roots %s ark_pem: %v", r.ProductLine, err)
		}
		ask, err := parseOnePEM(r.AskPem)
		if err != nil {
			return out, errorsmod.Wrapf(ErrInvalidPolicy, "amd_roots %s ask_pem: %v", r.ProductLine, err)
		}
		if ark.CheckSignatureFrom(ark) != nil {
			return out, errorsmod.Wrapf(ErrInvalidPolicy, "amd_roots %s: the ARK is not self-signed", r.ProductLine)
		}
		if ask.CheckSignatureFrom(ark) != nil {
			return out, errorsmod.Wrapf(ErrInvalidPolicy, "amd_roots %s: the ASK is not signed by the ARK", r.ProductLine)
		}
		root := trust.AMDRootCertsProduct(r.ProductLine)
		root.ProductCerts = &trust.ProductCerts{Ark: ark, Ask: ask}
		out.AMD[r.ProductLine] = append(out.AMD[r.ProductLine], root)
	}
	if len(p.TdxMinTeeTcbSvn) != 0 && len(p.TdxMinTeeTcbSvn) != 16 {
		return out, errorsmod.Wrapf(ErrInvalidPolicy, "tdx_min_tee_tcb_svn must be empty or 16 bytes, got %d", len(p.TdxMinTeeTcbSvn))
	}
	t := p.SnpMinTcb
	if t.Bootloader > 255 || t.Tee > 255 || t.Snp > 255 || t.Microcode > 255 {
		return out, errorsmod.Wrap(ErrInvalidPolicy, "snp_min_tcb components are bytes (0..255)")
	}
	return out, nil
}

// Validate checks the policy.
func (p Policy) Validate() error {
	_, err := p.Parse()
	return err
}

func parseOnePEM(s string) (*x509.Certificate, error) {
	certs, err := parsePEMCerts([]byte(s))
	if err != nil {
		return nil, err
	}
	if len(certs) != 1 {
		return nil, fmt.Errorf("want one certificate, got %d", len(certs))
	}
	return certs[0], nil
}

// parsePEMCerts parses one or more PEM CERTIFICATE blocks and nothing else.
func parsePEMCerts(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := bytes.TrimSpace(b)
	for len(rest) > 0 {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil || blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("not a PEM CERTIFICATE block")
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		rest = bytes.TrimSpace(rest)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no certificate")
	}
	return out, nil
}

// ParsePEMChain parses PEM certificates (a collateral issuer chain).
func ParsePEMChain(s string) ([]*x509.Certificate, error) { return parsePEMCerts([]byte(s)) }
