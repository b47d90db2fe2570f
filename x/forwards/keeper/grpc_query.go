package keeper

import (
	"context"
	"math"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/verdict-chain/verdict/x/forwards/types"
)

type queryServer struct{ k *Keeper }

var _ types.QueryServer = queryServer{}

// NewQueryServerImpl returns the Query service.
func NewQueryServerImpl(k *Keeper) types.QueryServer { return queryServer{k: k} }

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryParamsResponse{Params: p}, nil
}

// Book aggregates each side of a series by price, best first.
func (q queryServer) Book(ctx context.Context, req *types.QueryBookRequest) (*types.QueryBookResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	s, err := types.ParseSeriesKey(req.Class, req.WindowStartUnix, req.WindowLength)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	limit := int(req.Limit)
	if limit == 0 || limit > types.MaxBookLevels {
		limit = types.MaxBookLevels
	}
	denom, err := q.k.jobs.Denom(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	side := func(sideOf types.Side) ([]types.BookLevel, error) {
		var out []types.BookLevel
		rng := collections.NewPrefixedTripleRange[string, uint64, uint64](s.Key())
		err := q.k.book(sideOf).Walk(ctx, rng, func(key BookKey) (bool, error) {
			price := key.K2()
			if sideOf == types.Side_SIDE_BUY {
				price = math.MaxUint64 - price
			}
			o, err := q.k.GetOrder(ctx, key.K3())
			if err != nil {
				return true, err
			}
			if n := len(out); n > 0 && out[n-1].PricePerUnit.Amount.Uint64() == price {
				out[n-1].Units += o.Units
				out[n-1].Orders++
				return false, nil
			}
			if len(out) == limit {
				return true, nil
			}
			out = append(out, types.BookLevel{PricePerUnit: sdk.NewCoin(denom, sdkmath.NewIntFromUint64(price)), Units: o.Units, Orders: 1})
			return false, nil
		})
		return out, err
	}
	bids, err := side(types.Side_SIDE_BUY)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	asks, err := side(types.Side_SIDE_SELL)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryBookResponse{Bids: bids, Asks: asks}, nil
}

func (q queryServer) Order(ctx context.Context, req *types.QueryOrderRequest) (*types.QueryOrderResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	o, err := q.k.GetOrder(ctx, req.Id)
	if err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	return &types.QueryOrderResponse{Order: o}, nil
}

func (q queryServer) Orders(ctx context.Context, req *types.QueryOrdersRequest) (*types.QueryOrdersResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	owner, err := q.k.addr("owner", req.Owner)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	list, page, err := query.CollectionPaginate(ctx, q.k.OrdersByOwner, req.Pagination,
		func(key collections.Pair[sdk.AccAddress, uint64], _ collections.NoValue) (types.Order, error) {
			return q.k.GetOrder(ctx, key.K2())
		}, query.WithCollectionPaginationPairPrefix[sdk.AccAddress, uint64](owner))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryOrdersResponse{Orders: list, Pagination: page}, nil
}

func (q queryServer) Position(ctx context.Context, req *types.QueryPositionRequest) (*types.QueryPositionResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	p, err := q.k.PositionAsOf(ctx, req.Id)
	if err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	return &types.QueryPositionResponse{Position: p}, nil
}

func (q queryServer) Positions(ctx context.Context, req *types.QueryPositionsRequest) (*types.QueryPositionsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	owner, err := q.k.addr("owner", req.Owner)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	idx := q.k.PositionsByOwner
	if req.AsSeller {
		idx = q.k.PositionsBySeller
	}
	list, page, err := query.CollectionPaginate(ctx, idx, req.Pagination,
		func(key collections.Pair[sdk.AccAddress, uint64], _ collections.NoValue) (types.Position, error) {
			return q.k.PositionAsOf(ctx, key.K2())
		}, query.WithCollectionPaginationPairPrefix[sdk.AccAddress, uint64](owner))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryPositionsResponse{Positions: list, Pagination: page}, nil
}

func (q queryServer) Index(ctx context.Context, req *types.QueryIndexRequest) (*types.QueryIndexResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	idx, err := q.k.Index(ctx, req.Class)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryIndexResponse{Index: idx}, nil
}

func (q queryServer) Accounting(ctx context.Context, _ *types.QueryAccountingRequest) (*types.QueryAccountingResponse, error) {
	denom, err := q.k.jobs.Denom(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	o, p, c, err := q.k.Totals(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	bal := q.k.moduleBalance(ctx, denom)
	return &types.QueryAccountingResponse{
		ModuleBalance: bal.String() + denom, OrderEscrow: o.String() + denom, PositionEscrow: p.String() + denom,
		Collateral: c.String() + denom, Balanced: bal.Equal(o.Add(p).Add(c)),
	}, nil
}
