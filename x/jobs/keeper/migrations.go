package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// Migrator runs x/jobs' in-place store migrations (module.Configurator
// RegisterMigration, run by an upgrade handler's RunMigrations).
type Migrator struct{ k *Keeper }

// NewMigrator is the migrator of k's store.
func NewMigrator(k *Keeper) Migrator { return Migrator{k: k} }

// Migrate1to2: from version 2 an open serving session holds the capacity it
// was checked against — the units of the requests it may still checkpoint
// count in its provider's OpenUnits (types.SessionReserved). Version 1
// counted open jobs only, so each open session's reservation is added.
// Without it an open session's checkpoint, close and expiry would release
// units that were never taken (ErrAccounting, or other jobs' units).
func (m Migrator) Migrate1to2(ctx context.Context) error {
	var open []types.Session
	if err := m.k.Sessions.Walk(ctx, nil, func(_ uint64, s types.Session) (bool, error) {
		if types.SessionIsOpen(s.Status) {
			open = append(open, s)
		}
		return false, nil
	}); err != nil {
		return err
	}
	for _, s := range open { // in id order
		reserved, err := types.SessionReserved(s)
		if err != nil {
			return err
		}
		op, err := m.k.addr("provider", s.Provider)
		if err != nil {
			return err
		}
		if err := m.k.addOpenUnits(ctx, op, s.Class, reserved); err != nil {
			return err
		}
	}
	return nil
}
