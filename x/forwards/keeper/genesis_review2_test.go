package keeper_test

import (
	"time"

	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"

	"github.com/verdict-chain/verdict/testutil/fakes"
	"github.com/verdict-chain/verdict/x/forwards/keeper"
	"github.com/verdict-chain/verdict/x/forwards/types"
)

// HOLDS? a position whose end a halt moved keeps it, and its window entry
// at the moved time, through export and import.
func (s *Suite) TestReview2GenesisKeepsTheMovedEnd() {
	s.r2gap(time.Hour)
	s.r2block(s.ctx.BlockTime())
	pos := s.trade(100, 100)
	s.r2block(s.series.WindowStart)
	s.r2block(s.series.WindowStart.Add(2 * time.Hour)) // 2h halt in the window
	s.draw(pos.Id, 5)                                  // writes the move
	want := s.series.WindowEnd().Add(2 * time.Hour)
	s.Require().Equal(want, types.DeliveryEnd(s.position(pos.Id)))
	gs, err := s.k.ExportGenesis(s.ctx)
	s.Require().NoError(err)
	keys := storetypes.NewKVStoreKeys(types.StoreKey)
	ctx2 := testutil.DefaultContextWithKeys(keys, nil, nil).WithBlockTime(s.ctx.BlockTime())
	fresh := keeper.NewKeeper(s.cdc, runtime.NewKVStoreService(keys[types.StoreKey]), s.ac, s.authority, fakes.Accounts{}, s.bank, fakes.Distr{Bank: s.bank}, s.jobs)
	s.Require().NoError(fresh.InitGenesis(ctx2, *gs))
	p, err := fresh.GetPosition(ctx2, pos.Id)
	s.Require().NoError(err)
	s.Equal(want, types.DeliveryEnd(p))
	has, err := fresh.WindowQueue.Has(ctx2, want, pos.Id)
	s.Require().NoError(err)
	s.True(has)
	has, err = fresh.WindowQueue.Has(ctx2, s.series.WindowEnd(), pos.Id)
	s.Require().NoError(err)
	s.False(has, "no stale entry at the series end")
	s.r2block(want.Add(time.Hour)) // settle the original so teardown balances
}
