package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/internal/funds"
	"github.com/verdict-chain/verdict/x/jobs/types"
)

// Money: every coin x/jobs moves goes through this file (k.funds, from
// x/internal/funds: collect into the module, pay out, fund the community
// pool), each movement beside the running total it changes (escrow,
// bonds), and the invariant that compares the totals with the balance.
// app/structure_test.go holds every module to it.

// ledger reads the bookkeeping record (the next job id and the running
// totals); before genesis writes it, it is all zero.
func (k *Keeper) ledger(ctx context.Context) (types.Ledger, error) {
	l, err := k.Ledger.Get(ctx)
	if errors.Is(err, collections.ErrNotFound) {
		return types.Ledger{TotalEscrow: math.ZeroInt(), TotalBonds: math.ZeroInt()}, nil
	}
	return l, err
}

// addTotal adds delta to a running total. A total that would go negative
// means the module paid out what it did not hold: ErrAccounting, and the
// caller's transition fails.
func addTotal(name string, cur, delta math.Int) (math.Int, error) {
	next, err := funds.Add(cur, delta, types.ErrAccounting)
	return next, errorsmod.Wrap(err, name)
}

func (k *Keeper) addEscrow(ctx context.Context, delta math.Int) error {
	l, err := k.ledger(ctx)
	if err != nil {
		return err
	}
	if l.TotalEscrow, err = addTotal("escrow", l.TotalEscrow, delta); err != nil {
		return err
	}
	return k.Ledger.Set(ctx, l)
}

func (k *Keeper) addBonds(ctx context.Context, delta math.Int) error {
	l, err := k.ledger(ctx)
	if err != nil {
		return err
	}
	if l.TotalBonds, err = addTotal("bonds", l.TotalBonds, delta); err != nil {
		return err
	}
	return k.Ledger.Set(ctx, l)
}

// Totals returns the escrow and bonds the module tracks.
func (k *Keeper) Totals(ctx context.Context) (escrow, bonds math.Int, err error) {
	l, err := k.ledger(ctx)
	return l.TotalEscrow, l.TotalBonds, err
}

// ModuleBalance is what the module account holds in the params denom.
func (k *Keeper) ModuleBalance(ctx context.Context) (math.Int, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return math.Int{}, err
	}
	return k.funds.Balance(ctx, params.Denom), nil
}

// CheckAccounting is the module invariant. It recomputes the open escrows
// and the bonds from the full state, and requires
//
//	module balance == tracked escrow + tracked bonds == recomputed escrow + recomputed bonds
//
// It reads every job and provider: call it from tests, simulations and
// operators' checks, never from a block.
func (k *Keeper) CheckAccounting(ctx context.Context) error {
	escrow, bonds, err := k.Totals(ctx)
	if err != nil {
		return err
	}
	sumEscrow, sumBonds := math.ZeroInt(), math.ZeroInt()
	err = k.Jobs.Walk(ctx, nil, func(_ uint64, j types.Job) (bool, error) {
		if types.IsOpen(j.Status) {
			sumEscrow = sumEscrow.Add(j.Escrow.Amount)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	err = k.Sessions.Walk(ctx, nil, func(_ uint64, s types.Session) (bool, error) {
		sumEscrow = sumEscrow.Add(s.Escrow.Amount)
		return false, nil
	})
	if err != nil {
		return err
	}
	err = k.Providers.Walk(ctx, nil, func(_ sdk.AccAddress, p types.Provider) (bool, error) {
		sumBonds = sumBonds.Add(p.Bond.Amount)
		return false, nil
	})
	if err != nil {
		return err
	}
	balance, err := k.ModuleBalance(ctx)
	if err != nil {
		return err
	}
	if !sumEscrow.Equal(escrow) || !sumBonds.Equal(bonds) {
		return errorsmod.Wrapf(types.ErrAccounting, "tracked escrow %s bonds %s, recomputed escrow %s bonds %s", escrow, bonds, sumEscrow, sumBonds)
	}
	if !balance.Equal(escrow.Add(bonds)) {
		return errorsmod.Wrapf(types.ErrAccounting, "module balance %s != escrow %s + bonds %s", balance, escrow, bonds)
	}
	return nil
}

// takeEscrow moves a job's escrow into the module: from the contract's
// module when a module pays for the job (x/forwards' positions), else from
// the payer. The ledger's escrow total moves with it; the caller stores
// the ledger.
func (k *Keeper) takeEscrow(ctx context.Context, ledger *types.Ledger, payer sdk.AccAddress, contract *types.Contract, escrow sdk.Coin) error {
	if contract != nil && contract.Module != "" {
		if err := k.funds.CollectFromModule(ctx, contract.Module, escrow); err != nil {
			return err
		}
	} else if err := k.funds.Collect(ctx, payer, escrow); err != nil {
		return err
	}
	total, err := addTotal("escrow", ledger.TotalEscrow, escrow.Amount)
	if err != nil {
		return err
	}
	ledger.TotalEscrow = total
	return nil
}

// payOutJob empties a closing job's escrow: providerGets to its nodes
// (split equally, the coordinator taking the remainder of the division),
// fee to the community pool, refund to whoever paid (the contract's module
// or the payer). The three sum to the escrow: every coin leaves once.
func (k *Keeper) payOutJob(ctx context.Context, j types.Job, providerGets, fee, refund math.Int) error {
	if !providerGets.Add(fee).Add(refund).Equal(j.Escrow.Amount) {
		return errorsmod.Wrapf(types.ErrAccounting, "job %d: %s + %s + %s is not its escrow %s", j.Id, providerGets, fee, refund, j.Escrow)
	}
	denom := j.Escrow.Denom
	if providerGets.IsPositive() {
		// split equally among the nodes; the coordinator (first) gets the
		// remainder of the division
		nodes := types.Nodes(j)
		share := providerGets.QuoRaw(int64(len(nodes)))
		for i := len(nodes) - 1; i >= 0; i-- {
			amt := share
			if i == 0 {
				amt = providerGets.Sub(share.MulRaw(int64(len(nodes) - 1)))
			}
			op, err := k.addr("node", nodes[i])
			if err != nil {
				return err
			}
			if err := k.funds.Pay(ctx, op, sdk.NewCoin(denom, amt)); err != nil {
				return err
			}
		}
	}
	if err := k.funds.ToCommunityPool(ctx, sdk.NewCoin(denom, fee)); err != nil {
		return err
	}
	if j.Contract != nil && j.Contract.Module != "" {
		if err := k.funds.PayModule(ctx, j.Contract.Module, sdk.NewCoin(denom, refund)); err != nil {
			return err
		}
	} else {
		refundTo, err := k.addr("payer", types.RefundTo(j))
		if err != nil {
			return err
		}
		if err := k.funds.Pay(ctx, refundTo, sdk.NewCoin(denom, refund)); err != nil {
			return err
		}
	}
	if err := k.addEscrow(ctx, j.Escrow.Amount.Neg()); err != nil {
		return err
	}
	return nil
}

// refundSession pays what is left of a closing session's escrow back to
// its buyer.
func (k *Keeper) refundSession(ctx context.Context, buyer sdk.AccAddress, escrow sdk.Coin) error {
	if err := k.funds.Pay(ctx, buyer, escrow); err != nil {
		return err
	}
	return k.addEscrow(ctx, escrow.Amount.Neg())
}

// lockBond moves a provider's bond (or a top-up) into the module.
func (k *Keeper) lockBond(ctx context.Context, op sdk.AccAddress, amount sdk.Coin) error {
	if err := k.funds.Collect(ctx, op, amount); err != nil {
		return err
	}
	return k.addBonds(ctx, amount.Amount)
}

// returnBond pays a provider's bond back when its unbonding ends.
func (k *Keeper) returnBond(ctx context.Context, op sdk.AccAddress, bond sdk.Coin) error {
	if err := k.funds.Pay(ctx, op, bond); err != nil {
		return err
	}
	return k.addBonds(ctx, bond.Amount.Neg())
}

// payOutSlash takes slashed coins out of the bonds: to payouts in order,
// as far as they reach, and the rest to the community pool.
func (k *Keeper) payOutSlash(ctx context.Context, denom string, slashed math.Int, payouts []types.Payout) error {
	if err := k.addBonds(ctx, slashed.Neg()); err != nil {
		return err
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
		if err := k.funds.Pay(ctx, po.To, sdk.NewCoin(denom, pay)); err != nil {
			return err
		}
		remaining = remaining.Sub(pay)
	}
	return k.funds.ToCommunityPool(ctx, sdk.NewCoin(denom, remaining))
}
