package keeper

import (
	"context"
	"errors"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// GetProvider loads a provider or returns ErrProviderNotFound.
func (k *Keeper) GetProvider(ctx context.Context, operator sdk.AccAddress) (types.Provider, error) {
	p, err := k.Providers.Get(ctx, operator)
	if errors.Is(err, collections.ErrNotFound) {
		return p, errorsmod.Wrapf(types.ErrProviderNotFound, "%s", operator)
	}
	return p, err
}

// openJobs is a provider's count of open jobs (slots).
func (k *Keeper) openJobs(ctx context.Context, op sdk.AccAddress) (uint64, error) {
	n, err := k.OpenJobs.Get(ctx, op)
	if errors.Is(err, collections.ErrNotFound) {
		return 0, nil
	}
	return n, err
}

// OpenUnitsOf is a provider's capacity in use in a class: the units of its
// open jobs of that class.
func (k *Keeper) OpenUnitsOf(ctx context.Context, op sdk.AccAddress, class types.WorkloadClass) (uint64, error) {
	n, err := k.OpenUnits.Get(ctx, collections.Join(op, int32(class)))
	if errors.Is(err, collections.ErrNotFound) {
		return 0, nil
	}
	return n, err
}

// takeSlot counts one more open job on a provider, and its units against
// the provider's capacity in the class.
func (k *Keeper) takeSlot(ctx context.Context, operator string, class types.WorkloadClass, units uint64) error {
	op, err := k.addr("provider", operator)
	if err != nil {
		return err
	}
	if err := k.countOpenJob(ctx, op); err != nil {
		return err
	}
	return k.addOpenUnits(ctx, op, class, units)
}

// countOpenJob counts one more open job on a provider (its exit waits for
// it), its units counted already or by the caller.
func (k *Keeper) countOpenJob(ctx context.Context, op sdk.AccAddress) error {
	n, err := k.openJobs(ctx, op)
	if err != nil {
		return err
	}
	return k.OpenJobs.Set(ctx, op, n+1)
}

// releaseSlot counts one open job less on a provider and gives its units
// back; the entries go when they reach zero.
func (k *Keeper) releaseSlot(ctx context.Context, operator string, class types.WorkloadClass, units uint64) error {
	op, err := k.addr("node", operator)
	if err != nil {
		return err
	}
	n, err := k.openJobs(ctx, op)
	if err != nil {
		return err
	}
	switch n {
	case 0:
		return errorsmod.Wrapf(types.ErrAccounting, "provider %s has no open job to release", operator)
	case 1:
		err = k.OpenJobs.Remove(ctx, op)
	default:
		err = k.OpenJobs.Set(ctx, op, n-1)
	}
	if err != nil {
		return err
	}
	return k.subOpenUnits(ctx, op, class, units)
}

// addOpenUnits counts units more of a provider's capacity in a class as in
// use: an open job's, or what an open session may still checkpoint.
func (k *Keeper) addOpenUnits(ctx context.Context, op sdk.AccAddress, class types.WorkloadClass, units uint64) error {
	if units == 0 {
		return nil
	}
	u, err := k.OpenUnitsOf(ctx, op, class)
	if err != nil {
		return err
	}
	if u+units < u {
		return errorsmod.Wrapf(types.ErrAccounting, "provider %s open units overflow", op)
	}
	return k.OpenUnits.Set(ctx, collections.Join(op, int32(class)), u+units)
}

// subOpenUnits gives units of a provider's capacity in a class back; the
// entry goes when it reaches zero.
func (k *Keeper) subOpenUnits(ctx context.Context, op sdk.AccAddress, class types.WorkloadClass, units uint64) error {
	if units == 0 {
		return nil
	}
	u, err := k.OpenUnitsOf(ctx, op, class)
	if err != nil {
		return err
	}
	key := collections.Join(op, int32(class))
	switch {
	case u < units:
		return errorsmod.Wrapf(types.ErrAccounting, "provider %s holds %d open units of %s, releasing %d", op, u, class, units)
	case u == units:
		return k.OpenUnits.Remove(ctx, key)
	default:
		return k.OpenUnits.Set(ctx, key, u-units)
	}
}

// ProviderView is a stored provider as queries and genesis export show it:
// with open_jobs filled in from the OpenJobs count.
func (k *Keeper) ProviderView(ctx context.Context, p types.Provider) (types.Provider, error) {
	op, err := k.addr("operator", p.Operator)
	if err != nil {
		return p, err
	}
	p.OpenJobs, err = k.openJobs(ctx, op)
	return p, err
}

// setProvider writes a provider and keeps the status index and the offer
// index in step with it. It is the only writer of Providers besides
// removeProvider. Only ACTIVE providers have offers. The open-job count
// lives in OpenJobs, never in the stored record.
func (k *Keeper) setProvider(ctx context.Context, p types.Provider) error {
	op, err := k.addr("operator", p.Operator)
	if err != nil {
		return err
	}
	p.OpenJobs = 0
	old, err := k.Providers.Get(ctx, op)
	switch {
	case err == nil:
		if err := k.unindexProvider(ctx, op, old); err != nil {
			return err
		}
	case !errors.Is(err, collections.ErrNotFound):
		return err
	}
	if err := k.Providers.Set(ctx, op, p); err != nil {
		return err
	}
	return k.indexProvider(ctx, op, p)
}

func (k *Keeper) indexProvider(ctx context.Context, op sdk.AccAddress, p types.Provider) error {
	if err := k.ProvidersByStatus.Set(ctx, collections.Join(int32(p.Status), op)); err != nil {
		return err
	}
	if p.Status != types.ProviderStatus_PROVIDER_STATUS_ACTIVE {
		return nil
	}
	for _, price := range p.Prices {
		if err := k.Offers.Set(ctx, collections.Join3(int32(price.Class), price.PricePerUnit.Amount.Uint64(), op)); err != nil {
			return err
		}
	}
	return nil
}

func (k *Keeper) unindexProvider(ctx context.Context, op sdk.AccAddress, p types.Provider) error {
	if err := k.ProvidersByStatus.Remove(ctx, collections.Join(int32(p.Status), op)); err != nil {
		return err
	}
	for _, price := range p.Prices {
		if err := k.Offers.Remove(ctx, collections.Join3(int32(price.Class), price.PricePerUnit.Amount.Uint64(), op)); err != nil {
			return err
		}
	}
	return nil
}

// removeProvider deletes a provider and its index entries.
func (k *Keeper) removeProvider(ctx context.Context, op sdk.AccAddress, p types.Provider) error {
	if err := k.unindexProvider(ctx, op, p); err != nil {
		return err
	}
	return k.Providers.Remove(ctx, op)
}

func (k *Keeper) setProviderStatus(ctx context.Context, p types.Provider, to types.ProviderStatus) (types.Provider, error) {
	from := p.Status
	p.Status = to
	if err := k.setProvider(ctx, p); err != nil {
		return p, err
	}
	return p, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventProviderStatusChanged{
		Operator: p.Operator, From: from, To: to,
	})
}

// RegisterProvider registers msg.Operator as an ACTIVE provider and locks
// its bond in the module account.
func (k *Keeper) RegisterProvider(ctx context.Context, op sdk.AccAddress, msg *types.MsgRegisterProvider) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if has, err := k.Providers.Has(ctx, op); err != nil {
		return err
	} else if has {
		return errorsmod.Wrapf(types.ErrProviderExists, "%s", msg.Operator)
	}
	offer := types.ProviderOffer{Moniker: msg.Moniker, Endpoint: msg.Endpoint, Region: msg.Region, Hardware: msg.Hardware, Classes: msg.Classes, CircuitIDs: msg.CircuitIds, Prices: msg.Prices, Proving: msg.Proving, ServingKey: msg.ServingKey}
	if err := types.ValidateOffer(offer, params); err != nil {
		return err
	}
	if err := k.checkCircuits(ctx, types.ErrInvalidProvider, msg.CircuitIds...); err != nil {
		return err
	}
	if msg.Bond.Denom != params.Denom {
		return errorsmod.Wrapf(types.ErrInvalidDenom, "bond: want %s, got %q", params.Denom, msg.Bond.Denom)
	}
	if msg.Bond.Amount.IsNil() || msg.Bond.Amount.LT(params.MinProviderBond.Amount) {
		return errorsmod.Wrapf(types.ErrBondTooLow, "bond %s < min %s", msg.Bond, params.MinProviderBond)
	}
	if err := k.lockBond(ctx, op, msg.Bond); err != nil {
		return err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	// the canonical spelling: other modules compare operator strings
	operator, err := k.addressCodec.BytesToString(op)
	if err != nil {
		return errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
	p := types.Provider{
		Operator:         operator,
		Moniker:          msg.Moniker,
		Endpoint:         msg.Endpoint,
		Region:           msg.Region,
		Hardware:         msg.Hardware,
		Classes:          msg.Classes,
		CircuitIds:       msg.CircuitIds,
		Prices:           msg.Prices,
		Proving:          msg.Proving,
		ServingKey:       msg.ServingKey,
		Bond:             msg.Bond,
		Network:          types.NetworkProfile{DeclaredLatencyMs: msg.DeclaredLatencyMs, DeclaredBandwidthMbps: msg.DeclaredBandwidthMbps},
		Status:           types.ProviderStatus_PROVIDER_STATUS_ACTIVE,
		RegisteredHeight: sdkCtx.BlockHeight(),
	}
	if err := k.setProvider(ctx, p); err != nil {
		return err
	}
	return sdkCtx.EventManager().EmitTypedEvent(&types.EventProviderRegistered{Operator: p.Operator, Bond: p.Bond})
}

// UpdateProvider replaces a provider's description, offer and prices.
func (k *Keeper) UpdateProvider(ctx context.Context, op sdk.AccAddress, msg *types.MsgUpdateProvider) error {
	p, err := k.GetProvider(ctx, op)
	if err != nil {
		return err
	}
	if p.Status == types.ProviderStatus_PROVIDER_STATUS_UNBONDING {
		return errorsmod.Wrap(types.ErrInvalidStatus, "an unbonding provider cannot change its offer")
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	offer := types.ProviderOffer{Moniker: msg.Moniker, Endpoint: msg.Endpoint, Region: msg.Region, Hardware: msg.Hardware, Classes: msg.Classes, CircuitIDs: msg.CircuitIds, Prices: msg.Prices, Proving: msg.Proving, ServingKey: msg.ServingKey}
	if err := types.ValidateOffer(offer, params); err != nil {
		return err
	}
	if err := k.checkCircuits(ctx, types.ErrInvalidProvider, msg.CircuitIds...); err != nil {
		return err
	}
	p.Proving, p.ServingKey = msg.Proving, msg.ServingKey
	p.Moniker, p.Endpoint, p.Region, p.Hardware = msg.Moniker, msg.Endpoint, msg.Region, msg.Hardware
	p.Classes, p.CircuitIds, p.Prices = msg.Classes, msg.CircuitIds, msg.Prices
	p.Network.DeclaredLatencyMs, p.Network.DeclaredBandwidthMbps = msg.DeclaredLatencyMs, msg.DeclaredBandwidthMbps
	if err := k.setProvider(ctx, p); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventProviderUpdated{Operator: p.Operator})
}

// PauseProvider takes an ACTIVE provider off the market; its running jobs
// continue.
func (k *Keeper) PauseProvider(ctx context.Context, op sdk.AccAddress) error {
	p, err := k.GetProvider(ctx, op)
	if err != nil {
		return err
	}
	if p.Status != types.ProviderStatus_PROVIDER_STATUS_ACTIVE {
		return errorsmod.Wrapf(types.ErrInvalidStatus, "only an ACTIVE provider can pause; it is %s", p.Status)
	}
	_, err = k.setProviderStatus(ctx, p, types.ProviderStatus_PROVIDER_STATUS_PAUSED)
	return err
}

// ResumeProvider returns a PAUSED provider whose bond meets the floor to
// the market.
func (k *Keeper) ResumeProvider(ctx context.Context, op sdk.AccAddress) error {
	p, err := k.GetProvider(ctx, op)
	if err != nil {
		return err
	}
	if p.Status != types.ProviderStatus_PROVIDER_STATUS_PAUSED {
		return errorsmod.Wrapf(types.ErrInvalidStatus, "only a PAUSED provider can resume; it is %s", p.Status)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if p.Bond.Amount.LT(params.MinProviderBond.Amount) {
		return errorsmod.Wrapf(types.ErrBondTooLow, "bond %s < min %s", p.Bond, params.MinProviderBond)
	}
	_, err = k.setProviderStatus(ctx, p, types.ProviderStatus_PROVIDER_STATUS_ACTIVE)
	return err
}

// DeregisterProvider starts the unbonding period; the bond returns when it
// ends and no job of the provider is open.
func (k *Keeper) DeregisterProvider(ctx context.Context, op sdk.AccAddress) error {
	p, err := k.GetProvider(ctx, op)
	if err != nil {
		return err
	}
	if p.Status == types.ProviderStatus_PROVIDER_STATUS_UNBONDING {
		return errorsmod.Wrap(types.ErrInvalidStatus, "already unbonding")
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	p.UnbondingEnd = sdk.UnwrapSDKContext(ctx).BlockTime().Add(params.UnbondingPeriod)
	if err := k.UnbondingQueue.Push(ctx, p.UnbondingEnd, op); err != nil {
		return err
	}
	_, err = k.setProviderStatus(ctx, p, types.ProviderStatus_PROVIDER_STATUS_UNBONDING)
	return err
}

// AddBond tops up a provider's bond (the way back above min_provider_bond
// after a slash).
func (k *Keeper) AddBond(ctx context.Context, op sdk.AccAddress, amount sdk.Coin) error {
	p, err := k.GetProvider(ctx, op)
	if err != nil {
		return err
	}
	if p.Status == types.ProviderStatus_PROVIDER_STATUS_UNBONDING {
		return errorsmod.Wrap(types.ErrInvalidStatus, "an unbonding provider cannot add bond")
	}
	if amount.Denom != p.Bond.Denom {
		return errorsmod.Wrapf(types.ErrInvalidDenom, "bond: want %s, got %q", p.Bond.Denom, amount.Denom)
	}
	if amount.Amount.IsNil() || !amount.Amount.IsPositive() {
		return errorsmod.Wrap(types.ErrInvalidAmount, "amount must be positive")
	}
	if err := k.lockBond(ctx, op, amount); err != nil {
		return err
	}
	p.Bond = p.Bond.Add(amount)
	if err := k.setProvider(ctx, p); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventBondAdded{Operator: p.Operator, Amount: amount, Bond: p.Bond})
}

// SlashBond takes up to amount from a provider's bond (ACTIVE, PAUSED,
// JAILED or UNBONDING: a bond stays slashable until unbonding ends). The
// slashed coins are paid to payouts in order, as far as they reach, and
// whatever remains goes to the community pool. It returns the amount
// actually slashed.
func (k *Keeper) SlashBond(ctx context.Context, operator sdk.AccAddress, amount math.Int, reason string, payouts []types.Payout) (math.Int, error) {
	if amount.IsNil() || amount.IsNegative() {
		return math.ZeroInt(), errorsmod.Wrap(types.ErrInvalidAmount, "slash amount must not be negative")
	}
	p, err := k.GetProvider(ctx, operator)
	if err != nil {
		return math.ZeroInt(), err
	}
	slashed := math.MinInt(amount, p.Bond.Amount)
	if !slashed.IsPositive() {
		return math.ZeroInt(), nil
	}
	p.Bond.Amount = p.Bond.Amount.Sub(slashed)
	if err := k.setProvider(ctx, p); err != nil {
		return math.ZeroInt(), err
	}
	if err := k.payOutSlash(ctx, p.Bond.Denom, slashed, payouts); err != nil {
		return math.ZeroInt(), err
	}
	return slashed, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventBondSlashed{
		Operator: p.Operator, Amount: sdk.NewCoin(p.Bond.Denom, slashed), Reason: reason,
	})
}

// Jail takes an ACTIVE or PAUSED provider off the market until `until`
// (x/slashingsla, for repeated SLA violations). Running jobs continue. A
// provider already jailed keeps the later of the two release times.
func (k *Keeper) Jail(ctx context.Context, operator sdk.AccAddress, until time.Time) error {
	p, err := k.GetProvider(ctx, operator)
	if err != nil {
		return err
	}
	switch p.Status {
	case types.ProviderStatus_PROVIDER_STATUS_ACTIVE, types.ProviderStatus_PROVIDER_STATUS_PAUSED:
		p.JailedUntil = until
		_, err = k.setProviderStatus(ctx, p, types.ProviderStatus_PROVIDER_STATUS_JAILED)
		return err
	case types.ProviderStatus_PROVIDER_STATUS_JAILED:
		if until.After(p.JailedUntil) {
			p.JailedUntil = until
			return k.setProvider(ctx, p)
		}
		return nil
	default: // unbonding: already off the market
		return nil
	}
}

// Unjail returns a JAILED provider to ACTIVE once its jail time is over.
func (k *Keeper) Unjail(ctx context.Context, operator sdk.AccAddress) error {
	p, err := k.GetProvider(ctx, operator)
	if err != nil {
		return err
	}
	if p.Status != types.ProviderStatus_PROVIDER_STATUS_JAILED {
		return errorsmod.Wrapf(types.ErrInvalidStatus, "provider %s is %s, not jailed", p.Operator, p.Status)
	}
	if now := sdk.UnwrapSDKContext(ctx).BlockTime(); now.Before(p.JailedUntil) {
		return errorsmod.Wrapf(types.ErrInvalidStatus, "provider %s is jailed until %s", p.Operator, p.JailedUntil)
	}
	_, err = k.setProviderStatus(ctx, p, types.ProviderStatus_PROVIDER_STATUS_ACTIVE)
	return err
}
