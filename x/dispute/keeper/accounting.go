package keeper

import (
	"context"
	"maps"
	"slices"
	"time"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/dispute/types"
	"github.com/verdict-chain/verdict/x/internal/funds"
)

// Money: every coin x/dispute moves goes through this file (k.funds, from
// x/internal/funds: challenge bonds in and out, the provider's share, the
// community pool), beside the running total of open challenge bonds and
// the invariant. A lost dispute's slash moves through x/jobs (SlashBond).

func (k *Keeper) addBonds(ctx context.Context, delta math.Int) error {
	return funds.AddTotal(ctx, k.TotalBonds, delta, types.ErrAccounting)
}

// TotalBondsHeld is the sum of open challenge bonds the module tracks.
func (k *Keeper) TotalBondsHeld(ctx context.Context) (math.Int, error) {
	return funds.Total(ctx, k.TotalBonds)
}

// CheckAccounting is the module invariant:
//
//	module balance == tracked bonds == sum of the bonds of OPEN challenges
//	open proving work of P == sum of prove_time of P's OPEN disputes, for every P
//	(an entry for every P with open disputes; one with none may remain while
//	P may still be proving a closed dispute, until the dispute is pruned)
//
// so every challenge bond that entered the module is held for exactly one
// open dispute, every resolved dispute paid its bond out, and no closed
// dispute still delays (nor an open one fails to delay) later deadlines.
// It reads every dispute: for tests and operators, not for blocks.
func (k *Keeper) CheckAccounting(ctx context.Context) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	tracked, err := k.TotalBondsHeld(ctx)
	if err != nil {
		return err
	}
	sum := math.ZeroInt()
	booked := map[string]time.Duration{}
	err = k.Disputes.Walk(ctx, nil, func(_ uint64, d types.Dispute) (bool, error) {
		if d.Status != types.DisputeStatus_DISPUTE_STATUS_OPEN {
			return false, nil
		}
		if d.Kind == types.DisputeKind_DISPUTE_KIND_CHALLENGE {
			sum = sum.Add(d.Bond.Amount)
		}
		booked[d.Provider] += d.ProveTime
		return false, nil
	})
	if err != nil {
		return err
	}
	bal := k.funds.Balance(ctx, p.MinChallengeBond.Denom)
	if !bal.Equal(tracked) || !tracked.Equal(sum) {
		return errorsmod.Wrapf(types.ErrAccounting, "module balance %s, tracked bonds %s, open challenge bonds %s", bal, tracked, sum)
	}
	// the store walks in key order: the first mismatch reported is the same
	// on every run
	err = k.ProvingBacklog.Walk(ctx, nil, func(op sdk.AccAddress, b types.ProvingBacklog) (bool, error) {
		s, err := k.addressCodec.BytesToString(op)
		if err != nil {
			return true, err
		}
		if want := booked[s]; b.OpenWork != want {
			return true, errorsmod.Wrapf(types.ErrAccounting, "open proving work of %s is %s; its open disputes booked %s", s, b.OpenWork, want)
		}
		delete(booked, s)
		return false, nil
	})
	if err != nil {
		return err
	}
	for _, s := range slices.Sorted(maps.Keys(booked)) {
		if booked[s] != 0 {
			return errorsmod.Wrapf(types.ErrAccounting, "open disputes of %s booked %s of proving, but it has no backlog entry", s, booked[s])
		}
	}
	return nil
}

// lockChallengeBond moves a challenger's bond into the module.
func (k *Keeper) lockChallengeBond(ctx context.Context, challenger sdk.AccAddress, bond sdk.Coin) error {
	if err := k.funds.Collect(ctx, challenger, bond); err != nil {
		return err
	}
	return k.addBonds(ctx, bond.Amount)
}

// forfeitChallengeBond pays a losing challenger's bond out: toProvider to
// the provider it wronged, the rest to the community pool.
func (k *Keeper) forfeitChallengeBond(ctx context.Context, bond sdk.Coin, provider sdk.AccAddress, toProvider math.Int) error {
	if toProvider.IsNegative() || toProvider.GT(bond.Amount) {
		return errorsmod.Wrapf(types.ErrAccounting, "provider share %s outside the bond %s", toProvider, bond)
	}
	if err := k.funds.Pay(ctx, provider, sdk.NewCoin(bond.Denom, toProvider)); err != nil {
		return err
	}
	if err := k.funds.ToCommunityPool(ctx, sdk.NewCoin(bond.Denom, bond.Amount.Sub(toProvider))); err != nil {
		return err
	}
	return k.addBonds(ctx, bond.Amount.Neg())
}

// returnChallengeBond pays a winning challenger its bond back.
func (k *Keeper) returnChallengeBond(ctx context.Context, challenger sdk.AccAddress, bond sdk.Coin) error {
	if err := k.funds.Pay(ctx, challenger, bond); err != nil {
		return err
	}
	return k.addBonds(ctx, bond.Amount.Neg())
}
