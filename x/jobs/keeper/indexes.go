package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	collcodec "cosmossdk.io/collections/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

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
