package keeper

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"cosmossdk.io/collections"
	collcodec "cosmossdk.io/collections/codec"
	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

// jobIndexSet maintains a job's three indexes as one collections.Index.
// collections.IndexedMap gives every index its own lazy read of the old
// value, and an index rewrites its entry even when its key is unchanged;
// a job write through jobIndexSet reads the old job once and touches only
// the entries whose key moved (a result or a settlement changes the status
// entry alone). That was a third of the gas of a job order and more of a
// result post.
type jobIndexSet struct{ i JobIndexes }

// Reference implements collections.Index.
func (s jobIndexSet) Reference(ctx context.Context, id uint64, j types.Job, lazyOld func() (types.Job, error)) error {
	old, err := lazyOld()
	if errors.Is(err, collections.ErrNotFound) { // a new job: every entry is new
		if err := s.i.Buyer.Reference(ctx, id, j, lazyOld); err != nil {
			return err
		}
		if err := s.i.Status.Reference(ctx, id, j, lazyOld); err != nil {
			return err
		}
		return s.i.Nodes.Reference(ctx, id, j, lazyOld)
	}
	if err != nil {
		return err
	}
	known := func() (types.Job, error) { return old, nil }
	if old.Buyer != j.Buyer {
		if err := s.i.Buyer.Reference(ctx, id, j, known); err != nil {
			return err
		}
	}
	if old.Status != j.Status {
		if err := s.i.Status.Reference(ctx, id, j, known); err != nil {
			return err
		}
	}
	if !slices.Equal(types.Nodes(old), types.Nodes(j)) {
		return s.i.Nodes.Reference(ctx, id, j, known)
	}
	return nil
}

// Unreference implements collections.Index.
func (s jobIndexSet) Unreference(ctx context.Context, id uint64, getValue func() (types.Job, error)) error {
	j, err := getValue()
	if err != nil {
		return err
	}
	known := func() (types.Job, error) { return j, nil }
	if err := s.i.Buyer.Unreference(ctx, id, known); err != nil {
		return err
	}
	if err := s.i.Status.Unreference(ctx, id, known); err != nil {
		return err
	}
	return s.i.Nodes.Unreference(ctx, id, known)
}

// NodeIndex indexes a job under every provider that holds a slot on it:
// the provider of a single-node job, every node of a multi-node job's
// placement. (collections' Multi index holds one reference per value.)
type NodeIndex struct {
	refs   collections.KeySet[collections.Pair[sdk.AccAddress, uint64]]
	addrOf func(string) (sdk.AccAddress, error)
}

// NewNodeIndex declares the index in a schema.
func NewNodeIndex(sb *collections.SchemaBuilder, prefix collections.Prefix, name string, addrOf func(string) (sdk.AccAddress, error)) *NodeIndex {
	return &NodeIndex{
		refs: collections.NewKeySet(sb, prefix, name, collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key),
			collections.WithKeySetSecondaryIndex()),
		addrOf: addrOf,
	}
}

func (i *NodeIndex) keys(id uint64, j types.Job) ([]collections.Pair[sdk.AccAddress, uint64], error) {
	nodes := types.Nodes(j)
	out := make([]collections.Pair[sdk.AccAddress, uint64], 0, len(nodes))
	for _, n := range nodes {
		op, err := i.addrOf(n)
		if err != nil {
			return nil, err
		}
		out = append(out, collections.Join(op, id))
	}
	return out, nil
}

// Reference implements collections.Index.
func (i *NodeIndex) Reference(ctx context.Context, id uint64, j types.Job, lazyOld func() (types.Job, error)) error {
	old, err := lazyOld()
	switch {
	case err == nil:
		if err := i.Unreference(ctx, id, func() (types.Job, error) { return old, nil }); err != nil {
			return err
		}
	case !errors.Is(err, collections.ErrNotFound):
		return err
	}
	keys, err := i.keys(id, j)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if err := i.refs.Set(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// Unreference implements collections.Index.
func (i *NodeIndex) Unreference(ctx context.Context, id uint64, getValue func() (types.Job, error)) error {
	j, err := getValue()
	if err != nil {
		return err
	}
	keys, err := i.keys(id, j)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if err := i.refs.Remove(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

// IterateRaw and KeyCodec make the index paginatable (query.CollectionPaginate).
func (i *NodeIndex) IterateRaw(ctx context.Context, start, end []byte, order collections.Order) (collections.Iterator[collections.Pair[sdk.AccAddress, uint64], collections.NoValue], error) {
	return i.refs.IterateRaw(ctx, start, end, order)
}

// KeyCodec is the (provider, job id) key codec.
func (i *NodeIndex) KeyCodec() collcodec.KeyCodec[collections.Pair[sdk.AccAddress, uint64]] {
	return i.refs.KeyCodec()
}

// Has reports whether provider op holds a slot on job id.
func (i *NodeIndex) Has(ctx context.Context, op sdk.AccAddress, id uint64) (bool, error) {
	return i.refs.Has(ctx, collections.Join(op, id))
}

// CheckIndexes is the index invariant: every job has exactly its buyer,
// status and node entries, no entry points at a missing or different job,
// and each provider's open-job count and open units per class equal the
// open jobs it holds a slot on plus what its open sessions reserve. It
// reads the whole state: for tests and operators' checks.
func (k *Keeper) CheckIndexes(ctx context.Context) error {
	want := map[string]bool{}
	open := map[string]uint64{}
	units := map[string]uint64{}
	err := k.Jobs.Walk(ctx, nil, func(id uint64, j types.Job) (bool, error) {
		buyer, err := k.addr("buyer", j.Buyer)
		if err != nil {
			return true, err
		}
		want[fmt.Sprintf("buyer/%s/%d", buyer, id)] = true
		want[fmt.Sprintf("status/%d/%d", j.Status, id)] = true
		for _, n := range types.Nodes(j) {
			op, err := k.addr("node", n)
			if err != nil {
				return true, err
			}
			want[fmt.Sprintf("node/%s/%d", op, id)] = true
			if types.IsOpen(j.Status) {
				open[op.String()]++
				units[fmt.Sprintf("%s/%s", op, j.Class)] += j.Units
			}
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	// an open session holds the units it may still checkpoint
	if err := k.Sessions.Walk(ctx, nil, func(_ uint64, se types.Session) (bool, error) {
		reserved, err := types.SessionReserved(se)
		if err != nil || reserved == 0 {
			return err != nil, err
		}
		op, err := k.addr("provider", se.Provider)
		if err != nil {
			return true, err
		}
		units[fmt.Sprintf("%s/%s", op, se.Class)] += reserved
		return false, nil
	}); err != nil {
		return err
	}
	got := map[string]bool{}
	if err := k.Jobs.Indexes.Buyer.Walk(ctx, nil, func(b sdk.AccAddress, id uint64) (bool, error) {
		got[fmt.Sprintf("buyer/%s/%d", b, id)] = true
		return false, nil
	}); err != nil {
		return err
	}
	if err := k.Jobs.Indexes.Status.Walk(ctx, nil, func(s int32, id uint64) (bool, error) {
		got[fmt.Sprintf("status/%d/%d", types.JobStatus(s), id)] = true
		return false, nil
	}); err != nil {
		return err
	}
	if err := k.Jobs.Indexes.Nodes.refs.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, uint64]) (bool, error) {
		got[fmt.Sprintf("node/%s/%d", key.K1(), key.K2())] = true
		return false, nil
	}); err != nil {
		return err
	}
	for e := range want {
		if !got[e] {
			return errorsmod.Wrapf(types.ErrAccounting, "index entry %s missing", e)
		}
	}
	for e := range got {
		if !want[e] {
			return errorsmod.Wrapf(types.ErrAccounting, "index entry %s has no such job", e)
		}
	}
	if err := k.OpenJobs.Walk(ctx, nil, func(op sdk.AccAddress, n uint64) (bool, error) {
		if n == 0 || open[op.String()] != n {
			return true, errorsmod.Wrapf(types.ErrAccounting, "provider %s open_jobs %d, jobs say %d", op, n, open[op.String()])
		}
		delete(open, op.String())
		return false, nil
	}); err != nil {
		return err
	}
	for op, n := range open {
		return errorsmod.Wrapf(types.ErrAccounting, "provider %s holds %d open jobs, open_jobs says none", op, n)
	}
	if err := k.OpenUnits.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, int32], n uint64) (bool, error) {
		id := fmt.Sprintf("%s/%s", key.K1(), types.WorkloadClass(key.K2()))
		if n == 0 || units[id] != n {
			return true, errorsmod.Wrapf(types.ErrAccounting, "open units %s: %d, open jobs and sessions say %d", id, n, units[id])
		}
		delete(units, id)
		return false, nil
	}); err != nil {
		return err
	}
	for id, n := range units {
		return errorsmod.Wrapf(types.ErrAccounting, "open jobs and sessions hold %d units of %s, open_units says none", n, id)
	}
	return k.checkSessionQueue(ctx)
}

// checkSessionQueue: every session has exactly one queue entry — an open
// one at its end, a closed one (its pruning, at the retention of the day it
// closed) after it closed — and each provider's open-session count matches.
func (k *Keeper) checkSessionQueue(ctx context.Context) error {
	sessions := map[uint64]types.Session{}
	open := map[string]uint64{}
	if err := k.Sessions.Walk(ctx, nil, func(id uint64, s types.Session) (bool, error) {
		sessions[id] = s
		if types.SessionIsOpen(s.Status) {
			op, err := k.addr("provider", s.Provider)
			if err != nil {
				return true, err
			}
			open[op.String()]++
		}
		return false, nil
	}); err != nil {
		return err
	}
	seen := map[uint64]bool{}
	if err := k.SessionQueue.WalkAll(ctx, func(due time.Time, id uint64) (bool, error) {
		s, ok := sessions[id]
		switch {
		case !ok || seen[id]:
			return true, errorsmod.Wrapf(types.ErrAccounting, "session queue entry (%s, %d): no such session, or its second entry", due, id)
		case types.SessionIsOpen(s.Status) && !due.Equal(types.SessionEnd(s)):
			return true, errorsmod.Wrapf(types.ErrAccounting, "open session %d queued at %s, it ends at %s", id, due, types.SessionEnd(s))
		case !types.SessionIsOpen(s.Status) && due.Before(s.CloseAt):
			return true, errorsmod.Wrapf(types.ErrAccounting, "closed session %d queued at %s, before it closed at %s", id, due, s.CloseAt)
		}
		seen[id] = true
		return false, nil
	}); err != nil {
		return err
	}
	if len(seen) != len(sessions) {
		return errorsmod.Wrapf(types.ErrAccounting, "session queue holds %d sessions of %d", len(seen), len(sessions))
	}
	if err := k.OpenSessions.Walk(ctx, nil, func(op sdk.AccAddress, n uint64) (bool, error) {
		if n == 0 || open[op.String()] != n {
			return true, errorsmod.Wrapf(types.ErrAccounting, "provider %s open_sessions %d, sessions say %d", op, n, open[op.String()])
		}
		delete(open, op.String())
		return false, nil
	}); err != nil {
		return err
	}
	for op, n := range open {
		return errorsmod.Wrapf(types.ErrAccounting, "provider %s has %d open sessions, open_sessions says none", op, n)
	}
	return nil
}
