package tee

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	errorsmod "cosmossdk.io/errors"
	"github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/pcs"

	"github.com/verdict-chain/verdict/x/attest/types"
)

// The Intel documents' identities, as go-tdx-guest checks them.
const (
	tcbInfoID         = "TDX"
	tcbInfoVersion    = 3
	qeIdentityID      = "TD_QE"
	qeIdentityVersion = 2
	tcbSigningCN      = "Intel SGX TCB Signing"
)

// CheckCollateral checks an Intel PCS document at now before the chain
// stores it: its signature by a certificate that chains to the policy's
// Intel roots, its identity and version, and that it has not expired. It
// returns the record to store (key, dates, version, canonical issuer
// chain).
func CheckCollateral(kind types.CollateralKind, body []byte, issuerChain string, now time.Time, roots types.ParsedPolicy) (c types.Collateral, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errorsmod.Wrapf(types.ErrInvalidCollateral, "could not be parsed: %v", r)
		}
	}()
	if err := needTime(now); err != nil {
		return c, err
	}
	if len(roots.IntelRoots) == 0 {
		return c, errorsmod.Wrap(types.ErrPolicyViolation, "the policy trusts no Intel root")
	}
	c = types.Collateral{Kind: kind, Body: body}
	switch kind {
	case types.CollateralKind_COLLATERAL_KIND_TCB_INFO, types.CollateralKind_COLLATERAL_KIND_QE_IDENTITY:
		signer, chain, err := issuer(issuerChain, now, roots)
		if err != nil {
			return c, err
		}
		if signer.Subject.CommonName != tcbSigningCN {
			return c, errorsmod.Wrapf(types.ErrInvalidCollateral, "signed by %q, not %q", signer.Subject.CommonName, tcbSigningCN)
		}
		c.IssuerChain = chain
		if err := checkSignedJSON(kind, body, signer, &c); err != nil {
			return c, err
		}
	case types.CollateralKind_COLLATERAL_KIND_PCK_CRL:
		signer, chain, err := issuer(issuerChain, now, roots)
		if err != nil {
			return c, err
		}
		c.IssuerChain = chain
		crl, err := parseCRL(body, signer)
		if err != nil {
			return c, err
		}
		switch crl.Issuer.CommonName {
		case "Intel SGX PCK Processor CA":
			c.Key = "processor"
		case "Intel SGX PCK Platform CA":
			c.Key = "platform"
		default:
			return c, errorsmod.Wrapf(types.ErrInvalidCollateral, "PCK CRL issuer %q is not a PCK CA", crl.Issuer.CommonName)
		}
		setCRL(&c, crl)
	case types.CollateralKind_COLLATERAL_KIND_ROOT_CA_CRL:
		if issuerChain != "" {
			return c, errorsmod.Wrap(types.ErrInvalidCollateral, "the root CA CRL is signed by the root itself: no issuer chain")
		}
		var lastErr error
		for _, root := range roots.IntelRoots {
			crl, err := parseCRL(body, root)
			if err != nil {
				lastErr = err
				continue
			}
			setCRL(&c, crl)
			lastErr = nil
			break
		}
		if lastErr != nil {
			return c, lastErr
		}
	default:
		return c, errorsmod.Wrapf(types.ErrInvalidCollateral, "unknown collateral kind %d", kind)
	}
	if !now.Before(c.NextUpdate) {
		return c, errorsmod.Wrapf(types.ErrInvalidCollateral, "%s expired at %s (block time %s)", kind, c.NextUpdate.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if now.Before(c.IssuedAt) {
		return c, errorsmod.Wrapf(types.ErrInvalidCollateral, "%s is issued in the future (%s)", kind, c.IssuedAt.UTC().Format(time.RFC3339))
	}
	return c, nil
}

// issuer parses a PEM issuer chain (signing certificate, root), checks that
// the signing certificate chains to one of the policy's roots at now, and
// returns it with the chain re-encoded canonically.
func issuer(chain string, now time.Time, roots types.ParsedPolicy) (*x509.Certificate, string, error) {
	certs, err := types.ParsePEMChain(chain)
	if err != nil || len(certs) != 2 {
		return nil, "", errorsmod.Wrapf(types.ErrInvalidCollateral, "issuer chain must be two PEM certificates (signing, root): %v", err)
	}
	signer, root := certs[0], certs[1]
	trusted := false
	for _, r := range roots.IntelRoots {
		if r.Equal(root) {
			trusted = true
		}
	}
	if !trusted {
		return nil, "", errorsmod.Wrap(types.ErrInvalidCollateral, "issuer chain root is not a trusted Intel root")
	}
	if _, err := signer.Verify(x509.VerifyOptions{Roots: roots.IntelPool(), CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return nil, "", errorsmod.Wrapf(types.ErrInvalidCollateral, "signing certificate %q: %v", signer.Subject.CommonName, err)
	}
	return signer, normalizeChain(certs), nil
}

// checkSignedJSON verifies a TCB info or QE identity document: the
// signature (hex r‖s) over the raw bytes of its "tcbInfo" or
// "enclaveIdentity" member, its id and version; it fills the record's key,
// dates and version.
func checkSignedJSON(kind types.CollateralKind, body []byte, signer *x509.Certificate, c *types.Collateral) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return errorsmod.Wrapf(types.ErrInvalidCollateral, "%s is not JSON: %v", kind, err)
	}
	member := "tcbInfo"
	if kind == types.CollateralKind_COLLATERAL_KIND_QE_IDENTITY {
		member = "enclaveIdentity"
	}
	signed, ok := raw[member]
	var sigHex string
	if s, ok2 := raw["signature"]; ok && ok2 {
		if err := json.Unmarshal(s, &sigHex); err != nil {
			return errorsmod.Wrapf(types.ErrInvalidCollateral, "%s signature: %v", kind, err)
		}
	} else {
		return errorsmod.Wrapf(types.ErrInvalidCollateral, "%s needs %q and \"signature\"", kind, member)
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		return errorsmod.Wrapf(types.ErrInvalidCollateral, "%s signature is not hex", kind)
	}
	der, err := abi.SignatureToDER(sig)
	if err != nil {
		return errorsmod.Wrapf(types.ErrInvalidCollateral, "%s signature: %v", kind, err)
	}
	if err := signer.CheckSignature(x509.ECDSAWithSHA256, signed, der); err != nil {
		return errorsmod.Wrapf(types.ErrInvalidCollateral, "%s signature does not verify: %v", kind, err)
	}
	if kind == types.CollateralKind_COLLATERAL_KIND_TCB_INFO {
		var doc pcs.TdxTcbInfo
		if err := json.Unmarshal(body, &doc); err != nil {
			return errorsmod.Wrapf(types.ErrInvalidCollateral, "TCB info: %v", err)
		}
		t := doc.TcbInfo
		if t.ID != tcbInfoID || t.Version != tcbInfoVersion || len(t.TcbLevels) == 0 {
			return errorsmod.Wrapf(types.ErrInvalidCollateral, "TCB info must be id %q version %d with TCB levels, got %q version %d", tcbInfoID, tcbInfoVersion, t.ID, t.Version)
		}
		fmspc := strings.ToLower(t.Fmspc)
		if b, err := hex.DecodeString(fmspc); err != nil || len(b) != 6 {
			return errorsmod.Wrapf(types.ErrInvalidCollateral, "TCB info fmspc %q is not 6 bytes of hex", t.Fmspc)
		}
		c.Key, c.IssuedAt, c.NextUpdate, c.Version = fmspc, t.IssueDate.UTC(), t.NextUpdate.UTC(), uint64(max(t.TcbEvaluationDataNumber, 0))
		return nil
	}
	var doc pcs.QeIdentity
	if err := json.Unmarshal(body, &doc); err != nil {
		return errorsmod.Wrapf(types.ErrInvalidCollateral, "QE identity: %v", err)
	}
	e := doc.EnclaveIdentity
	if e.ID != qeIdentityID || e.Version != qeIdentityVersion || len(e.TcbLevels) == 0 {
		return errorsmod.Wrapf(types.ErrInvalidCollateral, "QE identity must be id %q version %d with TCB levels, got %q version %d", qeIdentityID, qeIdentityVersion, e.ID, e.Version)
	}
	c.IssuedAt, c.NextUpdate, c.Version = e.IssueDate.UTC(), e.NextUpdate.UTC(), uint64(max(e.TcbEvaluationDataNumber, 0))
	return nil
}

func parseCRL(der []byte, signer *x509.Certificate) (*x509.RevocationList, error) {
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidCollateral, "CRL: %v", err)
	}
	if err := crl.CheckSignatureFrom(signer); err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidCollateral, "CRL signature by %q: %v", signer.Subject.CommonName, err)
	}
	return crl, nil
}

func setCRL(c *types.Collateral, crl *x509.RevocationList) {
	c.IssuedAt, c.NextUpdate = crl.ThisUpdate.UTC(), crl.NextUpdate.UTC()
	if crl.Number != nil && crl.Number.IsUint64() {
		c.Version = crl.Number.Uint64()
	}
}

// Newer tells whether candidate may replace stored: a higher version, or
// the same version issued later. An older document never replaces a newer
// one (rollback protection).
func Newer(candidate, stored types.Collateral) error {
	if candidate.Version > stored.Version || (candidate.Version == stored.Version && candidate.IssuedAt.After(stored.IssuedAt)) {
		return nil
	}
	return errorsmod.Wrapf(types.ErrStaleCollateral, "%s %q: version %d issued %s does not supersede version %d issued %s",
		candidate.Kind, candidate.Key, candidate.Version, candidate.IssuedAt.Format(time.RFC3339), stored.Version, stored.IssuedAt.Format(time.RFC3339))
}

var _ = fmt.Sprintf
