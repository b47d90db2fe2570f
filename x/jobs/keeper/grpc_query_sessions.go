package keeper

import (
	"context"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (q queryServer) Session(ctx context.Context, req *types.QuerySessionRequest) (*types.QuerySessionResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	s, err := q.k.GetSession(ctx, req.Id)
	if err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	return &types.QuerySessionResponse{Session: s}, nil
}

// Sessions serves each filter from an index: by provider or buyer (the
// first one given), then status; other filters are applied to the indexed
// rows.
func (q queryServer) Sessions(ctx context.Context, req *types.QuerySessionsRequest) (*types.QuerySessionsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	match := func(s types.Session) bool {
		return (req.Buyer == "" || s.Buyer == req.Buyer) && (req.Provider == "" || s.Provider == req.Provider) &&
			(req.Status == types.SessionStatus_SESSION_STATUS_UNSPECIFIED || s.Status == req.Status)
	}
	var (
		list []types.Session
		page *query.PageResponse
		err  error
	)
	byAddr := func(index query.Collection[collections.Pair[sdk.AccAddress, uint64], collections.NoValue], addr sdk.AccAddress) {
		list, page, err = pageByAddr(ctx, index, addr, req.Pagination, q.k.Sessions.Get, match)
	}
	switch {
	case req.Provider != "":
		addr, aerr := q.addr(req.Provider)
		if aerr != nil {
			return nil, aerr
		}
		byAddr(q.k.Sessions.Indexes.Provider, addr)
	case req.Buyer != "":
		addr, aerr := q.addr(req.Buyer)
		if aerr != nil {
			return nil, aerr
		}
		byAddr(q.k.Sessions.Indexes.Buyer, addr)
	case req.Status != types.SessionStatus_SESSION_STATUS_UNSPECIFIED:
		list, page, err = query.CollectionPaginate(ctx, q.k.Sessions.Indexes.Status, req.Pagination,
			func(key collections.Pair[int32, uint64], _ collections.NoValue) (types.Session, error) {
				return q.k.Sessions.Get(ctx, key.K2())
			},
			query.WithCollectionPaginationPairPrefix[int32, uint64](int32(req.Status)))
	default:
		list, page, err = query.CollectionPaginate(ctx, q.k.Sessions, req.Pagination,
			func(_ uint64, s types.Session) (types.Session, error) { return s, nil })
	}
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QuerySessionsResponse{Sessions: list, Pagination: page}, nil
}
