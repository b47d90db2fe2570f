package tee

import (
	"crypto/x509"
	"fmt"
	"time"

	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/attest/types"
)

// Result is what the chain keeps of verified evidence.
type Result struct {
	Type types.TeeType
	// Measurement: the TDX workload id (32 bytes) or the SNP launch
	// measurement (48 bytes).
	Measurement []byte
	ReportData  [types.ReportDataSize]byte
	// TCB: TDX TEE_TCB_SVN (16 bytes) or SNP reported TCB (8 bytes, LE).
	TCB []byte
	// Platform: TDX FMSPC or SNP chip id, hex.
	Platform string
	// NotAfter: the earliest expiry among the certificates and collateral
	// the verification relied on.
	NotAfter time.Time
}

// guard turns a panic in library code parsing user bytes into a registered
// error.
func guard(err *error) {
	if r := recover(); r != nil {
		*err = errorsmod.Wrapf(types.ErrInvalidEvidence, "evidence could not be parsed: %v", r)
	}
}

// checkValidity refuses a certificate outside its validity at now, with a
// clear error (the libraries' x509 errors are flattened to strings).
func checkValidity(role string, c *x509.Certificate, now time.Time) error {
	if now.Before(c.NotBefore) {
		return errorsmod.Wrapf(types.ErrCertificateExpired, "%s certificate is not valid before %s (block time %s)", role, c.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if now.After(c.NotAfter) {
		return errorsmod.Wrapf(types.ErrCertificateExpired, "%s certificate expired at %s (block time %s)", role, c.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

func earliest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if !t.IsZero() && (out.IsZero() || t.Before(out)) {
			out = t
		}
	}
	return out
}

func needTime(now time.Time) error {
	if now.IsZero() {
		return fmt.Errorf("x/attest: verification needs the block time; a zero time would make the libraries read the wall clock")
	}
	return nil
}
