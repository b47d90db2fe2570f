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

// setProvider writes a provider and keeps the status index and the offer
// index in step with it. Only ACTIVE providers have offers.
func (k *Keeper) setProvider(ctx context.Context, p types.Provider) error {
	op, err := k.addressCodec.StringToBytes(p.Operator)
	if err != nil {
		return errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
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

// priceFor returns the provider's price for a class.
func priceFor(p types.Provider, class types.WorkloadClass) (sdk.Coin, bool) {
	for _, pr := range p.Prices {
		if pr.Class == class {
			return pr.PricePerUnit, true
		}
	}
	return sdk.Coin{}, false
}

func hasCircuit(p types.Provider, id string) bool {
	for _, c := range p.CircuitIds {
		if c == id {
			return true
		}
	}
	return false
}

// CheckEligible tells whether provider p may take job j, and why not.
func CheckEligible(p types.Provider, j types.Job) error {
	if p.Status != types.ProviderStatus_PROVIDER_STATUS_ACTIVE {
		return errorsmod.Wrapf(types.ErrNotEligible, "provider %s is %s", p.Operator, p.Status)
	}
	if p.Operator == j.Buyer {
		return errorsmod.Wrap(types.ErrNotEligible, "a buyer cannot be its own provider")
	}
	price, ok := priceFor(p, j.Class)
	if !ok {
		return errorsmod.Wrapf(types.ErrNotEligible, "provider %s does not offer %s", p.Operator, j.Class)
	}
	if j.CircuitId != "" && !hasCircuit(p, j.CircuitId) {
		return errorsmod.Wrapf(types.ErrNotEligible, "provider %s does not support circuit %q", p.Operator, j.CircuitId)
	}
	if price.Denom != j.MaxPricePerUnit.Denom || price.Amount.GT(j.MaxPricePerUnit.Amount) {
		return errorsmod.Wrapf(types.ErrNotEligible, "provider %s asks %s per unit, above the job's max %s", p.Operator, price, j.MaxPricePerUnit)
	}
	return nil
}

// Payout is one recipient of slashed coins.
type Payout struct {
	To     sdk.AccAddress
	Amount math.Int
}

// SlashBond takes up to amount from a provider's bond (ACTIVE, PAUSED,
// JAILED or UNBONDING: a bond stays slashable until unbonding ends). The
// slashed coins are paid to payouts in order, as far as they reach, and
// whatever remains goes to the community pool. It returns the amount
// actually slashed.
func (k *Keeper) SlashBond(ctx context.Context, operator sdk.AccAddress, amount math.Int, reason string, payouts []Payout) (math.Int, error) {
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
	if err := k.addTotal(ctx, k.TotalBonds, slashed.Neg()); err != nil {
		return math.ZeroInt(), err
	}
	remaining := slashed
	for _, po := range payouts {
		if !remaining.IsPositive() {
			break
		}
		if po.Amount.IsNil() || !po.Amount.IsPositive() {
			continue
		}
		pay := math.MinInt(po.Amount, remaining)
		if err := k.pay(ctx, po.To, sdk.NewCoin(p.Bond.Denom, pay)); err != nil {
			return math.ZeroInt(), err
		}
		remaining = remaining.Sub(pay)
	}
	if err := k.toCommunityPool(ctx, sdk.NewCoin(p.Bond.Denom, remaining)); err != nil {
		return math.ZeroInt(), err
	}
	return slashed, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventBondSlashed{
		Operator: p.Operator, Amount: sdk.NewCoin(p.Bond.Denom, slashed), Reason: reason,
	})
}

// pay sends coins from the module account; zero is a no-op.
func (k *Keeper) pay(ctx context.Context, to sdk.AccAddress, c sdk.Coin) error {
	if c.IsZero() {
		return nil
	}
	return k.bankKeeper.SendCoinsFromModuleToAccount(ctx, types.ModuleName, to, sdk.NewCoins(c))
}

func (k *Keeper) toCommunityPool(ctx context.Context, c sdk.Coin) error {
	if c.IsZero() {
		return nil
	}
	return k.distrKeeper.FundCommunityPool(ctx, sdk.NewCoins(c), k.ModuleAddress())
}

func (k *Keeper) addTotal(ctx context.Context, item collections.Item[math.Int], delta math.Int) error {
	cur, err := item.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		cur = math.ZeroInt()
	} else if err != nil {
		return err
	}
	next := cur.Add(delta)
	if next.IsNegative() {
		return errorsmod.Wrapf(types.ErrAccounting, "total would become negative (%s + %s)", cur, delta)
	}
	return item.Set(ctx, next)
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
