package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// RegisterMonitor adds a governance-approved SLA monitor.
func (k *Keeper) RegisterMonitor(ctx context.Context, m sdk.AccAddress) error {
	if has, err := k.Monitors.Has(ctx, m); err != nil {
		return err
	} else if has {
		return errorsmod.Wrapf(types.ErrMonitorExists, "%s", m)
	}
	if err := k.Monitors.Set(ctx, m); err != nil {
		return err
	}
	s, err := k.addressCodec.BytesToString(m)
	if err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventMonitorRegistered{Monitor: s})
}

// RemoveMonitor removes a monitor; its reports already filed stay.
func (k *Keeper) RemoveMonitor(ctx context.Context, m sdk.AccAddress) error {
	if has, err := k.Monitors.Has(ctx, m); err != nil {
		return err
	} else if !has {
		return errorsmod.Wrapf(types.ErrMonitorNotFound, "%s", m)
	}
	if err := k.Monitors.Remove(ctx, m); err != nil {
		return err
	}
	s, err := k.addressCodec.BytesToString(m)
	if err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventMonitorRemoved{Monitor: s})
}

// Unjail returns a provider whose jail time is over to the market.
func (k *Keeper) Unjail(ctx context.Context, op sdk.AccAddress) error {
	if err := k.jobs.Unjail(ctx, op); err != nil {
		return err
	}
	s, err := k.addressCodec.BytesToString(op)
	if err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventProviderUnjailed{Provider: s})
}
