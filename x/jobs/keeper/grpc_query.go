package keeper

import (
	"context"
	"slices"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

type queryServer struct{ k *Keeper }

var _ types.QueryServer = queryServer{}

// NewQueryServerImpl returns the x/jobs Query service.
func NewQueryServerImpl(k *Keeper) types.QueryServer { return queryServer{k: k} }

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryParamsResponse{Params: p}, nil
}

func (q queryServer) addr(s string) (sdk.AccAddress, error) {
	b, err := q.k.addressCodec.StringToBytes(s)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "invalid address %q: %v", s, err)
	}
	return b, nil
}

func (q queryServer) Provider(ctx context.Context, req *types.QueryProviderRequest) (*types.QueryProviderResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	op, err := q.addr(req.Operator)
	if err != nil {
		return nil, err
	}
	p, err := q.k.GetProvider(ctx, op)
	if err == nil {
		p, err = q.k.ProviderView(ctx, p)
	}
	if err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	return &types.QueryProviderResponse{Provider: p}, nil
}

func (q queryServer) Providers(ctx context.Context, req *types.QueryProvidersRequest) (*types.QueryProvidersResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	if req.Status == types.ProviderStatus_PROVIDER_STATUS_UNSPECIFIED {
		list, page, err := query.CollectionPaginate(ctx, q.k.Providers, req.Pagination,
			func(_ sdk.AccAddress, p types.Provider) (types.Provider, error) { return q.k.ProviderView(ctx, p) })
		if err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
		return &types.QueryProvidersResponse{Providers: list, Pagination: page}, nil
	}
	list, page, err := query.CollectionPaginate(ctx, q.k.ProvidersByStatus, req.Pagination,
		func(key collections.Pair[int32, sdk.AccAddress], _ collections.NoValue) (types.Provider, error) {
			p, err := q.k.Providers.Get(ctx, key.K2())
			if err != nil {
				return p, err
			}
			return q.k.ProviderView(ctx, p)
		},
		query.WithCollectionPaginationPairPrefix[int32, sdk.AccAddress](int32(req.Status)))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryProvidersResponse{Providers: list, Pagination: page}, nil
}

func (q queryServer) Job(ctx context.Context, req *types.QueryJobRequest) (*types.QueryJobResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	j, err := q.k.GetJob(ctx, req.Id)
	if err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	return &types.QueryJobResponse{Job: j}, nil
}

// Jobs serves each filter from an index: by provider (every node of a
// multi-node job) or buyer (the index of the first one given), then status;
// other filters are applied to the indexed rows.
func (q queryServer) Jobs(ctx context.Context, req *types.QueryJobsRequest) (*types.QueryJobsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	match := func(j types.Job) bool {
		return (req.Buyer == "" || j.Buyer == req.Buyer) &&
			(req.Provider == "" || slices.Contains(types.Nodes(j), req.Provider)) &&
			(req.Status == types.JobStatus_JOB_STATUS_UNSPECIFIED || j.Status == req.Status)
	}
	var (
		list []types.Job
		page *query.PageResponse
		err  error
	)
	byAddr := func(index query.Collection[collections.Pair[sdk.AccAddress, uint64], collections.NoValue], addr sdk.AccAddress) {
		list, page, err = pageByAddr(ctx, index, addr, req.Pagination, q.k.Jobs.Get, match)
	}
	switch {
	case req.Provider != "":
		addr, aerr := q.addr(req.Provider)
		if aerr != nil {
			return nil, aerr
		}
		byAddr(q.k.Jobs.Indexes.Nodes, addr)
	case req.Buyer != "":
		addr, aerr := q.addr(req.Buyer)
		if aerr != nil {
			return nil, aerr
		}
		byAddr(q.k.Jobs.Indexes.Buyer, addr)
	case req.Status != types.JobStatus_JOB_STATUS_UNSPECIFIED:
		list, page, err = query.CollectionPaginate(ctx, q.k.Jobs.Indexes.Status, req.Pagination,
			func(key collections.Pair[int32, uint64], _ collections.NoValue) (types.Job, error) {
				return q.k.Jobs.Get(ctx, key.K2())
			},
			query.WithCollectionPaginationPairPrefix[int32, uint64](int32(req.Status)))
	default:
		list, page, err = query.CollectionPaginate(ctx, q.k.Jobs, req.Pagination,
			func(_ uint64, j types.Job) (types.Job, error) { return j, nil })
	}
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryJobsResponse{Jobs: list, Pagination: page}, nil
}

// pageByAddr pages the records an address index (address, id) points at,
// those match accepts. The paginator calls the predicate, then the
// transform on the same key: the record the predicate loaded is kept
// instead of read twice.
func pageByAddr[V any](ctx context.Context, index query.Collection[collections.Pair[sdk.AccAddress, uint64], collections.NoValue],
	addr sdk.AccAddress, pagination *query.PageRequest, get func(context.Context, uint64) (V, error), match func(V) bool,
) ([]V, *query.PageResponse, error) {
	var (
		loaded   V
		loadedID uint64
		ok       bool
	)
	return query.CollectionFilteredPaginate(ctx, index, pagination,
		func(key collections.Pair[sdk.AccAddress, uint64], _ collections.NoValue) (bool, error) {
			v, err := get(ctx, key.K2())
			loaded, loadedID, ok = v, key.K2(), err == nil
			return err == nil && match(v), err
		},
		func(key collections.Pair[sdk.AccAddress, uint64], _ collections.NoValue) (V, error) {
			if ok && loadedID == key.K2() {
				return loaded, nil
			}
			return get(ctx, key.K2())
		},
		query.WithCollectionPaginationPairPrefix[sdk.AccAddress, uint64](addr))
}

func (q queryServer) Accounting(ctx context.Context, _ *types.QueryAccountingRequest) (*types.QueryAccountingResponse, error) {
	params, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	escrow, bonds, err := q.k.Totals(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	bal, err := q.k.ModuleBalance(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryAccountingResponse{
		ModuleBalance: sdk.NewCoin(params.Denom, bal),
		OpenEscrow:    sdk.NewCoin(params.Denom, escrow),
		Bonds:         sdk.NewCoin(params.Denom, bonds),
		Balanced:      bal.Equal(escrow.Add(bonds)),
	}, nil
}
