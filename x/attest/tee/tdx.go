package tee

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	errorsmod "cosmossdk.io/errors"
	"github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/pcs"
	pb "github.com/google/go-tdx-guest/proto/tdx"
	"github.com/google/go-tdx-guest/verify"

	"github.com/verdict-chain/verdict/x/attest/types"
)

// tdDebugBit is TUD.DEBUG, bit 0 of a TD's attributes: a debuggable TD's
// memory is readable by the host, so its evidence proves nothing.
const tdDebugBit = 0x01

// WorkloadID is the TDX measurement the allowlist holds: SHA-256 over MRTD,
// RTMR0..3, MROWNER, MROWNERCONFIG, MRCONFIGID, TDATTRIBUTES and XFAM, in
// that order, as the quote carries them (the fields a TD's identity and
// configuration determine; after Flashbots' flashtestations workload id).
func WorkloadID(body *pb.TDQuoteBody) []byte {
	h := sha256.New()
	h.Write(body.GetMrTd())
	for _, r := range body.GetRtmrs() {
		h.Write(r)
	}
	h.Write(body.GetMrOwner())
	h.Write(body.GetMrOwnerConfig())
	h.Write(body.GetMrConfigId())
	h.Write(body.GetTdAttributes())
	h.Write(body.GetXfam())
	return h.Sum(nil)
}

// ParseTDXQuote parses a version-4 TDX quote and checks its field sizes.
func ParseTDXQuote(raw []byte) (q *pb.QuoteV4, err error) {
	defer guard(&err)
	anyQ, err := abi.QuoteToProto(raw)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidEvidence, "TDX quote: %v", err)
	}
	q, ok := anyQ.(*pb.QuoteV4)
	if !ok {
		return nil, errorsmod.Wrapf(types.ErrInvalidEvidence, "TDX quote: unsupported format %T", anyQ)
	}
	if err := abi.CheckQuoteV4(q); err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidEvidence, "TDX quote: %v", err)
	}
	// Evidence is exactly the quote: bytes after it are signed by nothing.
	if n := len(q.GetExtraBytes()); n > 0 {
		return nil, errorsmod.Wrapf(types.ErrInvalidEvidence, "TDX quote: %d bytes after the quote's signed data", n)
	}
	return q, nil
}

// VerifyTDX verifies a TDX quote at now: the PCK chain to the policy's
// Intel roots, the QE report and quote signatures, and — when the policy
// requires collateral — TCB info and QE identity (status UpToDate) and the
// PCK and root CRLs, all from src. Then the policy: no debug TD, TEE_TCB_SVN
// at least the minimum.
func VerifyTDX(raw []byte, now time.Time, policy types.Policy, roots types.ParsedPolicy, src CollateralSource) (res Result, err error) {
	defer guard(&err)
	if err := needTime(now); err != nil {
		return res, err
	}
	if len(roots.IntelRoots) == 0 {
		return res, errorsmod.Wrap(types.ErrPolicyViolation, "the policy trusts no Intel root: TDX evidence cannot be accepted")
	}
	q, err := ParseTDXQuote(raw)
	if err != nil {
		return res, err
	}
	chain, err := pckChain(q)
	if err != nil {
		return res, err
	}
	for i, role := range []string{"PCK", "PCK platform CA", "Intel root"} {
		if err := checkValidity(role, chain[i], now); err != nil {
			return res, err
		}
	}
	getter := &stateGetter{src: src, rootCRLURLs: map[string]bool{}}
	for _, r := range roots.IntelRoots {
		for _, u := range r.CRLDistributionPoints {
			getter.rootCRLURLs[u] = true
		}
	}
	// Fresh options per call: the library writes into them.
	opts := &verify.Options{
		Now:              now,
		TrustedRoots:     roots.IntelPool(),
		GetCollateral:    policy.TdxRequireCollateral,
		CheckRevocations: policy.TdxRequireCollateral,
		Getter:           getter,
	}
	if err := verify.TdxQuote(q, opts); err != nil {
		return res, classifyTDX(err, getter)
	}
	body := q.GetTdQuoteBody()
	if body.GetTdAttributes()[0]&tdDebugBit != 0 {
		return res, errorsmod.Wrap(types.ErrPolicyViolation, "the TD is debuggable (TDATTRIBUTES.DEBUG set)")
	}
	svn := body.GetTeeTcbSvn()
	if min := policy.TdxMinTeeTcbSvn; len(min) == len(svn) {
		for i := range svn {
			if svn[i] < min[i] {
				return res, errorsmod.Wrapf(types.ErrPolicyViolation, "TEE_TCB_SVN %x is below the policy minimum %x (component %d)", svn, min, i)
			}
		}
	}
	exts, err := pcs.PckCertificateExtensions(chain[0])
	if err != nil {
		return res, errorsmod.Wrapf(types.ErrInvalidEvidence, "PCK certificate extensions: %v", err)
	}
	res = Result{
		Type:        types.TeeType_TEE_TYPE_TDX,
		Measurement: WorkloadID(body),
		TCB:         append([]byte(nil), svn...),
		Platform:    strings.ToLower(exts.FMSPC),
		NotAfter:    earliest(chain[0].NotAfter, chain[1].NotAfter, chain[2].NotAfter, getter.notAfter),
	}
	copy(res.ReportData[:], body.GetReportData())
	return res, nil
}

// pckChain is the quote's PEM chain: PCK leaf, intermediate CA, root.
func pckChain(q *pb.QuoteV4) ([]*x509.Certificate, error) {
	raw := q.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	pemChain := string(bytes.TrimRight(raw, "\x00"))
	certs, err := types.ParsePEMChain(pemChain)
	if err != nil || len(certs) != 3 {
		return nil, errorsmod.Wrapf(types.ErrInvalidEvidence, "TDX quote: the PCK chain must be three PEM certificates (leaf, CA, root): %v", err)
	}
	// Canonical PEM only: base64 has spare bits and PEM tolerates blank
	// lines, so one certificate has many encodings; accept exactly one.
	if strings.TrimSpace(pemChain) != strings.TrimSpace(normalizeChain(certs)) {
		return nil, errorsmod.Wrap(types.ErrInvalidEvidence, "TDX quote: the PCK chain is not canonically PEM-encoded")
	}
	return certs, nil
}

// classifyTDX maps a library error to a registered error.
func classifyTDX(err error, g *stateGetter) error {
	msg := err.Error()
	switch {
	case g.missing != "":
		return errorsmod.Wrapf(types.ErrMissingCollateral, "%s (submit it with MsgSubmitCollateral): %v", g.missing, err)
	case strings.Contains(msg, "TCB Status") || strings.Contains(msg, "TCB level") || errors.Is(err, verify.ErrTcbStatus):
		return errorsmod.Wrapf(types.ErrTcbStatus, "%v", err)
	case strings.Contains(msg, "expired") || strings.Contains(msg, "has expired"):
		return errorsmod.Wrapf(types.ErrMissingCollateral, "collateral expired at block time: %v", err)
	default:
		return errorsmod.Wrapf(types.ErrEvidenceRejected, "TDX quote: %v", err)
	}
}

// CollateralSource looks stored collateral up (the keeper's state).
type CollateralSource interface {
	Collateral(kind types.CollateralKind, key string) (types.Collateral, bool, error)
}

// stateGetter serves the library's PCS requests from chain state and
// refuses every other URL: verification never reaches the network.
type stateGetter struct {
	src         CollateralSource
	rootCRLURLs map[string]bool
	missing     string
	notAfter    time.Time
}

var issuerHeader = map[types.CollateralKind]string{
	types.CollateralKind_COLLATERAL_KIND_TCB_INFO:    "Tcb-Info-Issuer-Chain",
	types.CollateralKind_COLLATERAL_KIND_QE_IDENTITY: "Sgx-Enclave-Identity-Issuer-Chain",
	types.CollateralKind_COLLATERAL_KIND_PCK_CRL:     "Sgx-Pck-Crl-Issuer-Chain",
}

// route maps a PCS URL to the collateral that answers it.
func (g *stateGetter) route(u string) (types.CollateralKind, string, bool) {
	if u == pcs.QeIdentityURL() {
		return types.CollateralKind_COLLATERAL_KIND_QE_IDENTITY, "", true
	}
	if prefix := pcs.TcbInfoURL(""); strings.HasPrefix(u, prefix) {
		fmspc := strings.ToLower(strings.TrimPrefix(u, prefix))
		if _, err := hex.DecodeString(fmspc); err == nil && len(fmspc) == 12 && pcs.TcbInfoURL(strings.TrimPrefix(u, prefix)) == u {
			return types.CollateralKind_COLLATERAL_KIND_TCB_INFO, fmspc, true
		}
	}
	for _, ca := range []string{"processor", "platform"} {
		if u == pcs.PckCrlURL(ca) {
			return types.CollateralKind_COLLATERAL_KIND_PCK_CRL, ca, true
		}
	}
	if g.rootCRLURLs[u] {
		return types.CollateralKind_COLLATERAL_KIND_ROOT_CA_CRL, "", true
	}
	return 0, "", false
}

// Get implements go-tdx-guest's trust.HTTPSGetter.
func (g *stateGetter) Get(u string) (map[string][]string, []byte, error) {
	kind, key, ok := g.route(u)
	if !ok {
		g.missing = "no collateral answers " + u
		return nil, nil, fmt.Errorf("x/attest: %s", g.missing)
	}
	c, found, err := g.src.Collateral(kind, key)
	if err != nil {
		return nil, nil, err
	}
	if !found {
		g.missing = fmt.Sprintf("no %s collateral stored for %q", kind, key)
		return nil, nil, fmt.Errorf("x/attest: %s", g.missing)
	}
	g.notAfter = earliest(g.notAfter, c.NextUpdate)
	var header map[string][]string
	if name, ok := issuerHeader[kind]; ok {
		header = map[string][]string{name: {escapeChain(c.IssuerChain)}}
	}
	return header, c.Body, nil
}

// escapeChain URL-encodes a PEM chain as the PCS sends it in a header (the
// library URL-decodes it).
func escapeChain(chain string) string {
	var b strings.Builder
	for i := 0; i < len(chain); i++ {
		c := chain[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// normalizeChain re-encodes PEM certificates canonically (the library wants
// exactly two blocks and nothing after them).
func normalizeChain(certs []*x509.Certificate) string {
	var b bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.String()
}
