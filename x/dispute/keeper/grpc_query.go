package keeper

import (
	"context"

	"cosmossdk.io/collections"
	"github.com/cosmos/cosmos-sdk/types/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/verdict-chain/verdict/x/dispute/types"
)

type queryServer struct{ k *Keeper }

var _ types.QueryServer = queryServer{}

// NewQueryServerImpl returns the x/dispute Query service.
func NewQueryServerImpl(k *Keeper) types.QueryServer { return queryServer{k: k} }

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryParamsResponse{Params: p}, nil
}

func (q queryServer) Circuit(ctx context.Context, req *types.QueryCircuitRequest) (*types.QueryCircuitResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	c, err := q.k.Circuits.Get(ctx, req.Id)
	if isNotFound(err) {
		return nil, status.Errorf(codes.NotFound, "circuit %q not found", req.Id)
	} else if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryCircuitResponse{Circuit: c}, nil
}

func (q queryServer) Circuits(ctx context.Context, req *types.QueryCircuitsRequest) (*types.QueryCircuitsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	list, page, err := query.CollectionPaginate(ctx, q.k.Circuits, req.Pagination,
		func(_ string, c types.Circuit) (types.Circuit, error) { return c, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryCircuitsResponse{Circuits: list, Pagination: page}, nil
}

func (q queryServer) Dispute(ctx context.Context, req *types.QueryDisputeRequest) (*types.QueryDisputeResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	d, err := q.k.Disputes.Get(ctx, req.JobId)
	if isNotFound(err) {
		return nil, status.Errorf(codes.NotFound, "no dispute for job %d", req.JobId)
	} else if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryDisputeResponse{Dispute: d}, nil
}

func (q queryServer) Disputes(ctx context.Context, req *types.QueryDisputesRequest) (*types.QueryDisputesResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	if req.Status == types.DisputeStatus_DISPUTE_STATUS_UNSPECIFIED {
		list, page, err := query.CollectionPaginate(ctx, q.k.Disputes, req.Pagination,
			func(_ uint64, d types.Dispute) (types.Dispute, error) { return d, nil })
		if err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
		return &types.QueryDisputesResponse{Disputes: list, Pagination: page}, nil
	}
	list, page, err := query.CollectionPaginate(ctx, q.k.Disputes.Indexes.Status, req.Pagination,
		func(key collections.Pair[int32, uint64], _ collections.NoValue) (types.Dispute, error) {
			return q.k.Disputes.Get(ctx, key.K2())
		},
		query.WithCollectionPaginationPairPrefix[int32, uint64](int32(req.Status)))
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryDisputesResponse{Disputes: list, Pagination: page}, nil
}

func (q queryServer) ChallengeBond(ctx context.Context, req *types.QueryChallengeBondRequest) (*types.QueryChallengeBondResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	p, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	j, err := q.k.jobs.GetJob(ctx, req.JobId)
	if err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	if err := q.k.disputable(ctx, j); err != nil {
		return nil, status.Error(codes.FailedPrecondition, err.Error())
	}
	return &types.QueryChallengeBondResponse{Bond: types.ChallengeBondFor(p, j)}, nil
}
