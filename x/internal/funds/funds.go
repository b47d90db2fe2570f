// Package funds is the one place Verdict's modules move coins: into and out
// of their module account, to the community pool, and the running totals
// each module keeps beside its balance so an invariant can compare them.
// Every helper treats a zero amount as a no-op, so callers never send empty
// coins.
package funds

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// BankKeeper is the part of x/bank the helpers use.
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, senderAddr sdk.AccAddress, recipientModule string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, senderModule string, recipientAddr sdk.AccAddress, amt sdk.Coins) error
	SendCoinsFromModuleToModule(ctx context.Context, senderModule, recipientModule string, amt sdk.Coins) error
	GetBalance(ctx context.Context, addr sdk.AccAddress, denom string) sdk.Coin
}

// DistrKeeper is the part of x/distribution the helpers use.
type DistrKeeper interface {
	FundCommunityPool(ctx context.Context, amount sdk.Coins, sender sdk.AccAddress) error
}

// Account is a module account and the keepers that move its coins.
type Account struct {
	Module  string
	Address sdk.AccAddress
	Bank    BankKeeper
	Distr   DistrKeeper
}

// Collect moves c from an account into the module.
func (a Account) Collect(ctx context.Context, from sdk.AccAddress, c sdk.Coin) error {
	if c.IsZero() {
		return nil
	}
	return a.Bank.SendCoinsFromAccountToModule(ctx, from, a.Module, sdk.NewCoins(c))
}

// Pay moves c from the module to an account.
func (a Account) Pay(ctx context.Context, to sdk.AccAddress, c sdk.Coin) error {
	if c.IsZero() {
		return nil
	}
	return a.Bank.SendCoinsFromModuleToAccount(ctx, a.Module, to, sdk.NewCoins(c))
}

// CollectFromModule moves c from another module's account into this one
// (a module funding a job: module accounts may not receive by address).
func (a Account) CollectFromModule(ctx context.Context, from string, c sdk.Coin) error {
	if c.IsZero() {
		return nil
	}
	return a.Bank.SendCoinsFromModuleToModule(ctx, from, a.Module, sdk.NewCoins(c))
}

// PayModule moves c from this module to another module's account.
func (a Account) PayModule(ctx context.Context, to string, c sdk.Coin) error {
	if c.IsZero() {
		return nil
	}
	return a.Bank.SendCoinsFromModuleToModule(ctx, a.Module, to, sdk.NewCoins(c))
}

// ToCommunityPool moves c from the module to the community pool.
func (a Account) ToCommunityPool(ctx context.Context, c sdk.Coin) error {
	if c.IsZero() {
		return nil
	}
	return a.Distr.FundCommunityPool(ctx, sdk.NewCoins(c), a.Address)
}

// Balance is what the module account holds of denom.
func (a Account) Balance(ctx context.Context, denom string) math.Int {
	return a.Bank.GetBalance(ctx, a.Address, denom).Amount
}

// Total reads a running total; an unset total is zero.
func Total(ctx context.Context, item collections.Item[math.Int]) (math.Int, error) {
	v, err := item.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return math.ZeroInt(), nil
	}
	return v, err
}

// AddTotal adds delta to a running total. A total that would go negative
// means the module paid out what it did not hold: errAccounting, and the
// caller's transition fails.
func AddTotal(ctx context.Context, item collections.Item[math.Int], delta math.Int, errAccounting *errorsmod.Error) error {
	cur, err := Total(ctx, item)
	if err != nil {
		return err
	}
	next, err := Add(cur, delta, errAccounting)
	if err != nil {
		return err
	}
	return item.Set(ctx, next)
}

// Add is AddTotal on a total the caller keeps itself (in a record of its
// own): cur + delta, or errAccounting if that would be negative.
func Add(cur, delta math.Int, errAccounting *errorsmod.Error) (math.Int, error) {
	next := cur.Add(delta)
	if next.IsNegative() {
		return cur, errorsmod.Wrapf(errAccounting, "running total would become negative (%s + %s)", cur, delta)
	}
	return next, nil
}
