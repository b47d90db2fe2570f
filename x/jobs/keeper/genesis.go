package keeper

import (
	"context"
	"time"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// InitGenesis loads a validated genesis state. Indexes and running totals
// are rebuilt from the records.
func (k *Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := gs.Validate(k.addressCodec); err != nil {
		return err
	}
	// A restarted chain's first block carries its genesis_time. One before
	// the exported chain's last block (an export keeps the original
	// genesis_time) would stamp every time set in that block in the past:
	// a challenge window already over, a proof deadline a year gone.
	if now := sdk.UnwrapSDKContext(ctx).BlockTime(); !now.IsZero() && !gs.HaltLastBlock.IsZero() && now.Before(gs.HaltLastBlock) {
		return errorsmod.Wrapf(types.ErrInvalidGenesis, "genesis_time %s is before the exported chain's last block %s (halt_last_block): set genesis_time to when the chain restarts", now.UTC(), gs.HaltLastBlock.UTC())
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	bonds, escrow := math.ZeroInt(), math.ZeroInt()
	for _, p := range gs.Providers {
		if err := k.setProvider(ctx, p); err != nil {
			return err
		}
		if p.OpenJobs > 0 { // checked against the jobs by Validate
			op, err := k.addr("operator", p.Operator)
			if err != nil {
				return err
			}
			if err := k.OpenJobs.Set(ctx, op, p.OpenJobs); err != nil {
				return err
			}
		}
		bonds = bonds.Add(p.Bond.Amount)
	}
	for _, j := range gs.Jobs {
		if err := k.Jobs.Set(ctx, j.Id, j); err != nil {
			return err
		}
		if types.IsOpen(j.Status) {
			// capacity in use is rebuilt from the open jobs
			for _, n := range types.Nodes(j) {
				op, err := k.addr("node", n)
				if err != nil {
					return err
				}
				u, err := k.OpenUnitsOf(ctx, op, j.Class)
				if err != nil {
					return err
				}
				if err := k.OpenUnits.Set(ctx, collections.Join(op, int32(j.Class)), u+j.Units); err != nil {
					return err
				}
			}
			escrow = escrow.Add(j.Escrow.Amount)
		} else if j.Settlement != nil {
			// closed jobs are pruned retention after they closed
			if err := k.PruneQueue.Push(ctx, j.Settlement.SettledAt.Add(gs.Params.Retention), j.Id); err != nil {
				return err
			}
		}
	}
	// sessions: their queue entries are rebuilt from their times (an open
	// one's end, a closed one's pruning)
	for _, se := range gs.Sessions {
		if err := k.Sessions.Set(ctx, se.Id, se); err != nil {
			return err
		}
		escrow = escrow.Add(se.Escrow.Amount)
		due := types.SessionEnd(se)
		if !types.SessionIsOpen(se.Status) {
			due = se.CloseAt.Add(gs.Params.Retention)
		} else {
			op, err := k.addr("provider", se.Provider)
			if err != nil {
				return err
			}
			if err := k.addOpenSession(ctx, op, 1); err != nil {
				return err
			}
			reserved, err := types.SessionReserved(se)
			if err != nil {
				return err
			}
			if err := k.addOpenUnits(ctx, op, se.Class, reserved); err != nil { // capacity the session holds
				return err
			}
		}
		if err := k.SessionQueue.Push(ctx, due, se.Id); err != nil {
			return err
		}
	}
	for _, e := range gs.DeadlineQueue {
		if err := k.DeadlineQueue.Push(ctx, e.Time, e.JobId); err != nil {
			return err
		}
	}
	for _, e := range gs.WindowQueue {
		if err := k.WindowQueue.Push(ctx, e.Time, e.JobId); err != nil {
			return err
		}
	}
	for _, e := range gs.UnbondingQueue {
		op, err := k.addr("unbonding_queue operator", e.Operator)
		if err != nil {
			return err
		}
		if err := k.UnbondingQueue.Push(ctx, e.Time, op); err != nil {
			return err
		}
	}
	// a chain restarted from an export stood still in between: its first
	// block counts the gap as a halt
	if err := k.Halt.SetState(ctx, gs.HaltClock()); err != nil {
		return err
	}
	return k.Ledger.Set(ctx, types.Ledger{NextJobId: gs.NextJobId, NextSessionId: max(gs.NextSessionId, 1), TotalEscrow: escrow, TotalBonds: bonds})
}

// ExportGenesis writes out the whole state in key order. Dead-lettered
// settlements are written with the queue they came from, so a chain
// restarted from the export tries them again.
func (k *Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params}
	if err := k.Providers.Walk(ctx, nil, func(_ sdk.AccAddress, p types.Provider) (bool, error) {
		p, err := k.ProviderView(ctx, p)
		gs.Providers = append(gs.Providers, p)
		return err != nil, err
	}); err != nil {
		return nil, err
	}
	if err := k.Jobs.Walk(ctx, nil, func(_ uint64, j types.Job) (bool, error) {
		gs.Jobs = append(gs.Jobs, j)
		return false, nil
	}); err != nil {
		return nil, err
	}
	l, err := k.ledger(ctx)
	if err != nil {
		return nil, err
	}
	gs.NextJobId, gs.NextSessionId = l.NextJobId, max(l.NextSessionId, 1)
	if err := k.Sessions.Walk(ctx, nil, func(_ uint64, se types.Session) (bool, error) {
		gs.Sessions = append(gs.Sessions, se)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.DeadlineQueue.WalkAll(ctx, func(t time.Time, id uint64) (bool, error) {
		gs.DeadlineQueue = append(gs.DeadlineQueue, types.QueueEntry{Time: t, JobId: id})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.WindowQueue.WalkAll(ctx, func(t time.Time, id uint64) (bool, error) {
		gs.WindowQueue = append(gs.WindowQueue, types.QueueEntry{Time: t, JobId: id})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.UnbondingQueue.WalkAll(ctx, func(t time.Time, op sdk.AccAddress) (bool, error) {
		s, err := k.addressCodec.BytesToString(op)
		if err != nil {
			return true, err
		}
		gs.UnbondingQueue = append(gs.UnbondingQueue, types.UnbondingEntry{Time: t, Operator: s})
		return false, nil
	}); err != nil {
		return nil, err
	}
	st, err := k.Halt.State(ctx)
	if err != nil {
		return nil, err
	}
	gs.HaltLastBlock, gs.HaltCredit = st.Last, st.Credit
	gs.LastHaltFrom, gs.LastHaltTo, gs.CreditBeforeLastHalt = st.LastHalt.From, st.LastHalt.To, st.LastHalt.CreditBefore
	return gs, nil
}
