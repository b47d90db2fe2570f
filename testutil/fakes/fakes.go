// Package fakes holds hand-written bank, account and distribution keepers for
// keeper unit tests: balances per address (module accounts included), no
// overdrafts, so every coin movement can be checked exactly. Integration and
// e2e tests use the real x/bank.
package fakes

import (
	"context"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
)

// Bank keeps balances by bech32 address.
type Bank struct {
	Balances map[string]sdk.Coins
	// Blocked: addresses that may not receive from a module (like x/bank's
	// blocked module accounts).
	Blocked map[string]bool
}

// NewBank returns an empty bank.
func NewBank() *Bank { return &Bank{Balances: map[string]sdk.Coins{}, Blocked: map[string]bool{}} }

// Block makes module accounts unable to receive by address, as the app's
// x/bank does for every module account.
func (b *Bank) Block(modules ...string) {
	for _, m := range modules {
		b.Blocked[authtypes.NewModuleAddress(m).String()] = true
	}
}

// BlockedAddr reports whether addr may not receive coins from a module.
func (b *Bank) BlockedAddr(addr sdk.AccAddress) bool { return b.Blocked[addr.String()] }

// Move sends coins, refusing invalid amounts and overdrafts.
func (b *Bank) Move(from, to sdk.AccAddress, amt sdk.Coins) error {
	if !amt.IsValid() {
		return errorsmod.Wrapf(sdkerrors.ErrInvalidCoins, "%s", amt)
	}
	have := b.Balances[from.String()]
	left, neg := have.SafeSub(amt...)
	if neg {
		return errorsmod.Wrapf(sdkerrors.ErrInsufficientFunds, "%s < %s", have, amt)
	}
	b.Balances[from.String()] = left
	b.Balances[to.String()] = b.Balances[to.String()].Add(amt...)
	return nil
}

func (b *Bank) SendCoinsFromAccountToModule(_ context.Context, from sdk.AccAddress, module string, amt sdk.Coins) error {
	return b.Move(from, authtypes.NewModuleAddress(module), amt)
}

func (b *Bank) SendCoinsFromModuleToAccount(_ context.Context, module string, to sdk.AccAddress, amt sdk.Coins) error {
	if b.Blocked[to.String()] {
		return errorsmod.Wrapf(sdkerrors.ErrUnauthorized, "%s is not allowed to receive funds", to)
	}
	return b.Move(authtypes.NewModuleAddress(module), to, amt)
}

func (b *Bank) SendCoinsFromModuleToModule(_ context.Context, from, to string, amt sdk.Coins) error {
	return b.Move(authtypes.NewModuleAddress(from), authtypes.NewModuleAddress(to), amt)
}

func (b *Bank) GetBalance(_ context.Context, addr sdk.AccAddress, denom string) sdk.Coin {
	return sdk.NewCoin(denom, b.Balances[addr.String()].AmountOf(denom))
}

// Balance is an address's amount of denom.
func (b *Bank) Balance(addr sdk.AccAddress, denom string) int64 {
	return b.Balances[addr.String()].AmountOf(denom).Int64()
}

// Snapshot copies every account's balances, to compare before and after.
func (b *Bank) Snapshot() map[string]sdk.Coins {
	out := make(map[string]sdk.Coins, len(b.Balances))
	for addr, c := range b.Balances {
		if !c.IsZero() {
			out[addr] = sdk.NewCoins(c...)
		}
	}
	return out
}

// Accounts derives module addresses like x/auth.
type Accounts struct{}

func (Accounts) GetModuleAddress(name string) sdk.AccAddress {
	return authtypes.NewModuleAddress(name)
}

// Distr sends to the distribution module account, like the real
// FundCommunityPool.
type Distr struct{ Bank *Bank }

func (d Distr) FundCommunityPool(_ context.Context, amt sdk.Coins, sender sdk.AccAddress) error {
	return d.Bank.Move(sender, authtypes.NewModuleAddress("distribution"), amt)
}

// CommunityPool is the distribution module account's address.
func CommunityPool() sdk.AccAddress { return authtypes.NewModuleAddress("distribution") }
