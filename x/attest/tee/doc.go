// Package tee verifies TEE evidence — Intel TDX quotes and AMD SEV-SNP
// reports — deterministically, for the state machine: every check runs at
// the block time it is given (never the wall clock), against the roots of
// the chain's policy (never the libraries' embedded defaults), with
// collateral from chain state through an in-memory getter that refuses any
// URL it does not hold (never the network). Parsing of user bytes is
// recover-guarded; every failure is a registered x/attest error.
//
// It wraps github.com/google/go-tdx-guest v0.3.1 and
// github.com/google/go-sev-guest v0.15.0. What those libraries do by
// default and this package prevents:
//   - they read the wall clock when Options.Now is zero: Now is always the
//     block time, and a zero time is refused;
//   - go-tdx-guest mutates the Options it is given: fresh Options per call;
//   - go-tdx-guest fetches collateral from Intel when no Getter is set, and
//     go-sev-guest's CheckRevocations dials AMD even with certificate
//     fetching disabled: TDX gets the state getter, SNP runs with
//     DisableCertFetching and without CheckRevocations;
//   - go-tdx-guest logs a warning and uses its embedded root when
//     TrustedRoots is nil, and go-sev-guest falls back to its embedded roots
//     when TrustedRoots is empty: both always get the policy's roots, and an
//     empty set is refused before the library is called;
//   - go-sev-guest's process flag workaround_kds_productname is only read
//     when an expected product is set or certificates are fetched; this
//     package does neither.
package tee
