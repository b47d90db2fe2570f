package keeper

import (
	"context"
	"time"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

// InitGenesis loads the state; the queue is rebuilt from the pending list.
func (k *Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := gs.Validate(k.addressCodec); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	addr := func(s string) sdk.AccAddress { b, _ := k.addressCodec.StringToBytes(s); return b } // validated above
	for _, m := range gs.Monitors {
		if err := k.Monitors.Set(ctx, addr(m)); err != nil {
			return err
		}
	}
	for _, p := range gs.Pending {
		if err := k.setPending(ctx, p.JobId, p.Provider, p.AssessAt); err != nil {
			return err
		}
	}
	for _, r := range gs.Reports {
		if err := k.Reports.Set(ctx, collections.Join(r.JobId, addr(r.Reporter)), r); err != nil {
			return err
		}
	}
	for _, a := range gs.Assessments {
		if err := k.Assessments.Set(ctx, a.JobId, a); err != nil {
			return err
		}
		if err := k.PruneQueue.Push(ctx, a.AssessedAt.Add(gs.Params.Retention), a.JobId); err != nil {
			return err
		}
	}
	for _, v := range gs.Violations {
		if err := k.Violations.Set(ctx, collections.Join3(addr(v.Provider), v.Time, v.JobId)); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis writes the state out.
func (k *Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p}
	str := func(a sdk.AccAddress) string { s, _ := k.addressCodec.BytesToString(a); return s }
	if err := k.Monitors.Walk(ctx, nil, func(m sdk.AccAddress) (bool, error) {
		gs.Monitors = append(gs.Monitors, str(m))
		return false, nil
	}); err != nil {
		return nil, err
	}
	providerOf := map[uint64]string{}
	if err := k.PendingByProvider.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, uint64]) (bool, error) {
		providerOf[key.K2()] = str(key.K1())
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Pending.Walk(ctx, nil, func(id uint64, at time.Time) (bool, error) {
		gs.Pending = append(gs.Pending, types.PendingAssessment{JobId: id, AssessAt: at, Provider: providerOf[id]})
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Reports.Walk(ctx, nil, func(_ collections.Pair[uint64, sdk.AccAddress], r types.SLAReport) (bool, error) {
		gs.Reports = append(gs.Reports, r)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Assessments.Walk(ctx, nil, func(_ uint64, a types.Assessment) (bool, error) {
		gs.Assessments = append(gs.Assessments, a)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Violations.Walk(ctx, nil, func(key ViolationKey) (bool, error) {
		gs.Violations = append(gs.Violations, types.Violation{Provider: str(key.K1()), Time: key.K2(), JobId: key.K3()})
		return false, nil
	}); err != nil {
		return nil, err
	}
	return gs, nil
}
