package types

import (
	"crypto/ed25519"
	"fmt"

	"cosmossdk.io/core/address"
	errorsmod "cosmossdk.io/errors"
)

// DefaultGenesis is the default params and policy with an empty allowlist:
// nothing is attested until governance allows a measurement.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), Policy: DefaultPolicy()}
}

// Validate checks the genesis state: params, policy, unique measurements,
// attestations of valid operators with well-formed fields, collaterals of a
// known kind and unique key, nonces of unique heights.
func (gs GenesisState) Validate(ac address.Codec) error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if err := gs.Policy.Validate(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, m := range gs.Measurements {
		if err := ValidateMeasurement(m); err != nil {
			return errorsmod.Wrap(ErrInvalidGenesis, err.Error())
		}
		k := fmt.Sprintf("%d/%x", m.TeeType, m.Value)
		if seen[k] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate measurement %s", k)
		}
		seen[k] = true
	}
	ops := map[string]bool{}
	for _, a := range gs.Attestations {
		if _, err := ac.StringToBytes(a.Operator); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "attestation operator %q: %v", a.Operator, err)
		}
		if ops[a.Operator] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate attestation of %s", a.Operator)
		}
		ops[a.Operator] = true
		n, err := MeasurementSize(a.TeeType)
		if err != nil || len(a.Measurement) != n {
			return errorsmod.Wrapf(ErrInvalidGenesis, "attestation of %s: bad TEE type or measurement", a.Operator)
		}
		if len(a.EnclavePubkey) != ed25519.PublicKeySize {
			return errorsmod.Wrapf(ErrInvalidGenesis, "attestation of %s: enclave key must be %d bytes", a.Operator, ed25519.PublicKeySize)
		}
		if !a.ExpiresAt.After(a.AttestedAt) {
			return errorsmod.Wrapf(ErrInvalidGenesis, "attestation of %s expires before it was made", a.Operator)
		}
	}
	colls := map[string]bool{}
	for _, c := range gs.Collaterals {
		if c.Kind == CollateralKind_COLLATERAL_KIND_UNSPECIFIED || CollateralKind_name[int32(c.Kind)] == "" {
			return errorsmod.Wrapf(ErrInvalidGenesis, "collateral of unknown kind %d", c.Kind)
		}
		k := fmt.Sprintf("%d/%s", c.Kind, c.Key)
		if colls[k] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate collateral %s", k)
		}
		colls[k] = true
		if len(c.Body) == 0 || len(c.Body)+len(c.IssuerChain) > AbsMaxCollateralBytes {
			return errorsmod.Wrapf(ErrInvalidGenesis, "collateral %s: empty or over %d bytes", k, AbsMaxCollateralBytes)
		}
	}
	heights := map[uint64]bool{}
	for _, n := range gs.Nonces {
		if heights[n.Height] || n.Height == 0 || len(n.Hash) == 0 || len(n.Hash) > 64 {
			return errorsmod.Wrapf(ErrInvalidGenesis, "nonce at height %d: duplicate, zero or bad hash", n.Height)
		}
		heights[n.Height] = true
	}
	cooled := map[string]bool{}
	for _, c := range gs.Cooldowns {
		if _, err := ac.StringToBytes(c.Operator); err != nil || cooled[c.Operator] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "cooldown of %q: bad or repeated operator", c.Operator)
		}
		cooled[c.Operator] = true
	}
	return nil
}
