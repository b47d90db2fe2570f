package keeper

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	jobstypes "github.com/verdict-chain/verdict/x/jobs/types"
	"github.com/verdict-chain/verdict/x/reputation/types"
)

type queryServer struct{ k *Keeper }

var _ types.QueryServer = queryServer{}

// NewQueryServerImpl returns the x/reputation Query service.
func NewQueryServerImpl(k *Keeper) types.QueryServer { return queryServer{k: k} }

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryParamsResponse{Params: p}, nil
}

func validClass(c jobstypes.WorkloadClass) bool {
	_, ok := jobstypes.WorkloadClass_name[int32(c)]
	return ok && c != jobstypes.WorkloadClass_WORKLOAD_CLASS_UNSPECIFIED
}

func (q queryServer) Reputation(ctx context.Context, req *types.QueryReputationRequest) (*types.QueryReputationResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	op, err := q.k.addressCodec.StringToBytes(req.Provider)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "provider %q: %v", req.Provider, err)
	}
	if !validClass(req.Class) {
		return nil, status.Errorf(codes.InvalidArgument, "unknown workload class %d", req.Class)
	}
	v, err := q.k.View(ctx, op, req.Class)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryReputationResponse{Reputation: v}, nil
}

func (q queryServer) RankProviders(ctx context.Context, req *types.QueryRankProvidersRequest) (*types.QueryRankProvidersResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	if !validClass(req.Class) {
		return nil, status.Errorf(codes.InvalidArgument, "unknown workload class %d", req.Class)
	}
	maxPrice, err := sdk.ParseCoinNormalized(req.MaxPricePerUnit)
	if err != nil || !maxPrice.Amount.IsUint64() || !maxPrice.Amount.IsPositive() {
		return nil, status.Errorf(codes.InvalidArgument, "max_price_per_unit must be a positive coin like 150uverd, got %q", req.MaxPricePerUnit)
	}
	if req.Buyer != "" {
		if _, err := q.k.addressCodec.StringToBytes(req.Buyer); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "buyer %q: %v", req.Buyer, err)
		}
	}
	p, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	ranked, err := q.k.Rank(ctx, jobstypes.Job{
		Class: req.Class, MaxPricePerUnit: maxPrice, CircuitId: req.CircuitId, Buyer: req.Buyer,
	})
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryRankProvidersResponse{Providers: ranked, ExplorationPpm: p.ExplorationPpm, ExplorePick: explorePick(ranked)}, nil
}

func (q queryServer) EstimateEfficiency(ctx context.Context, req *types.QueryEstimateEfficiencyRequest) (*types.QueryEstimateEfficiencyResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	if len(req.Providers) > MaxNodes {
		return nil, status.Errorf(codes.InvalidArgument, "at most %d providers", MaxNodes)
	}
	nodes, err := q.k.profiles(ctx, req.Providers)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	e, err := EstimateEfficiency(nodes, req.SyncBytesPerStep, req.ComputeMsPerStep)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryEstimateEfficiencyResponse{
		EfficiencyPpm: e.EfficiencyPPM, TcompUs: e.TcompUs, TcommUs: e.TcommUs,
		LinkLatencyUs: e.LinkLatencyUs, BottleneckBandwidthMbps: e.BottleneckBandwidthMbps,
		Explanation: e.Explain(),
	}, nil
}
