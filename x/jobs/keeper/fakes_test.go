package keeper_test

import (
	"context"
	"fmt"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
)

// fakeBank is a hand-written bank for keeper unit tests: it keeps balances
// per address (module accounts included) and refuses overdrafts, so coin
// movements can be checked exactly. Integration and e2e tests use the real
// x/bank.
type fakeBank struct {
	balances map[string]sdk.Coins
}

func newFakeBank() *fakeBank { return &fakeBank{balances: map[string]sdk.Coins{}} }

func (b *fakeBank) move(from, to sdk.AccAddress, amt sdk.Coins) error {
	if !amt.IsValid() {
		return errorsmod.Wrapf(sdkerrors.ErrInvalidCoins, "%s", amt)
	}
	have := b.balances[from.String()]
	left, neg := have.SafeSub(amt...)
	if neg {
		return errorsmod.Wrapf(sdkerrors.ErrInsufficientFunds, "%s < %s", have, amt)
	}
	b.balances[from.String()] = left
	b.balances[to.String()] = b.balances[to.String()].Add(amt...)
	return nil
}

func (b *fakeBank) SendCoinsFromAccountToModule(_ context.Context, from sdk.AccAddress, module string, amt sdk.Coins) error {
	return b.move(from, authtypes.NewModuleAddress(module), amt)
}

func (b *fakeBank) SendCoinsFromModuleToAccount(_ context.Context, module string, to sdk.AccAddress, amt sdk.Coins) error {
	return b.move(authtypes.NewModuleAddress(module), to, amt)
}

func (b *fakeBank) GetBalance(_ context.Context, addr sdk.AccAddress, denom string) sdk.Coin {
	return sdk.NewCoin(denom, b.balances[addr.String()].AmountOf(denom))
}

func (b *fakeBank) total(denom string) int64 {
	var sum int64
	for _, c := range b.balances {
		sum += c.AmountOf(denom).Int64()
	}
	return sum
}

type fakeAccounts struct{}

func (fakeAccounts) GetModuleAddress(name string) sdk.AccAddress {
	return authtypes.NewModuleAddress(name)
}

// fakeDistr sends to the distribution module account, like the real
// FundCommunityPool.
type fakeDistr struct{ bank *fakeBank }

func (d fakeDistr) FundCommunityPool(ctx context.Context, amt sdk.Coins, sender sdk.AccAddress) error {
	return d.bank.move(sender, authtypes.NewModuleAddress("distribution"), amt)
}

// recordingHooks records the lifecycle hook calls in order.
type recordingHooks struct{ calls []string }

func (h *recordingHooks) add(name string, id uint64) error {
	h.calls = append(h.calls, fmt.Sprintf("%s:%d", name, id))
	return nil
}

func (h *recordingHooks) AfterResultPosted(_ context.Context, j jobT) error {
	return h.add("posted", j.Id)
}

func (h *recordingHooks) AfterJobFinalized(_ context.Context, j jobT) error {
	return h.add("finalized", j.Id)
}

func (h *recordingHooks) AfterJobFailed(_ context.Context, j jobT) error {
	return h.add("failed", j.Id)
}

func (h *recordingHooks) AfterJobExpired(_ context.Context, j jobT) error {
	return h.add("expired", j.Id)
}

func (h *recordingHooks) AfterJobCancelled(_ context.Context, j jobT) error {
	return h.add("cancelled", j.Id)
}
