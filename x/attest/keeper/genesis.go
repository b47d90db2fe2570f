package keeper

import (
	"context"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/attest/types"
)

// InitGenesis loads the state; the expiry queue is rebuilt from the
// attestations.
func (k *Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := gs.Validate(k.addressCodec); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	if err := k.Policy.Set(ctx, gs.Policy); err != nil {
		return err
	}
	for _, m := range gs.Measurements {
		if err := k.Measurements.Set(ctx, collections.Join(int32(m.TeeType), m.Value), m); err != nil {
			return err
		}
	}
	for _, a := range gs.Attestations {
		op, _ := k.addressCodec.StringToBytes(a.Operator) // validated above
		if err := k.setAttestation(ctx, op, a); err != nil {
			return err
		}
	}
	for _, c := range gs.Collaterals {
		if err := k.Collaterals.Set(ctx, collections.Join(int32(c.Kind), c.Key), c); err != nil {
			return err
		}
	}
	for _, n := range gs.Nonces {
		if err := k.Nonces.Set(ctx, n.Height, n.Hash); err != nil {
			return err
		}
	}
	for _, c := range gs.Cooldowns {
		op, err := k.addr("cooldown operator", c.Operator)
		if err != nil {
			return err
		}
		if err := k.Cooldowns.Set(ctx, op, c); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis writes the state out.
func (k *Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	pol, err := k.Policy.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p, Policy: pol}
	if err := k.Measurements.Walk(ctx, nil, func(_ MeasurementKey, m types.Measurement) (bool, error) {
		gs.Measurements = append(gs.Measurements, m)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Attestations.Walk(ctx, nil, func(_ sdk.AccAddress, a types.Attestation) (bool, error) {
		gs.Attestations = append(gs.Attestations, a)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Collaterals.Walk(ctx, nil, func(_ CollateralKey, c types.Collateral) (bool, error) {
		gs.Collaterals = append(gs.Collaterals, c)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Nonces.Walk(ctx, nil, func(h uint64, hash []byte) (bool, error) {
		gs.Nonces = append(gs.Nonces, types.BlockNonce{Height: h, Hash: hash})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Cooldowns.Walk(ctx, nil, func(_ sdk.AccAddress, c types.Cooldown) (bool, error) {
		gs.Cooldowns = append(gs.Cooldowns, c)
		return false, nil
	}); err != nil {
		return nil, err
	}
	return gs, nil
}
