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
}

// NewBank returns an empty bank.
func NewBank() *Bank { return &Bank{Balances: map[string]sdk.Coins{}} }

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
