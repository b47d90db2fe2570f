package keeper

import (
	"context"
	"time"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/verdict-chain/verdict/x/slashing-sla/types"
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

func (q queryServer) Monitors(ctx context.Context, _ *types.QueryMonitorsRequest) (*types.QueryMonitorsResponse, error) {
	var out []string
	err := q.k.Monitors.Walk(ctx, nil, func(m sdk.AccAddress) (bool, error) {
		s, err := q.k.addressCodec.BytesToString(m)
		out = append(out, s)
		return false, err
	})
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryMonitorsResponse{Monitors: out}, nil
}

func (q queryServer) Reports(ctx context.Context, req *types.QueryReportsRequest) (*types.QueryReportsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	var out []types.SLAReport
	err := q.k.Reports.Walk(ctx, collections.NewPrefixedPairRange[uint64, sdk.AccAddress](req.JobId), func(_ collections.Pair[uint64, sdk.AccAddress], r types.SLAReport) (bool, error) {
		out = append(out, r)
		return false, nil
	})
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryReportsResponse{Reports: out}, nil
}

func (q queryServer) Assessment(ctx context.Context, req *types.QueryAssessmentRequest) (*types.QueryAssessmentResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	a, err := q.k.Assessments.Get(ctx, req.JobId)
	if isNotFound(err) {
		return nil, status.Errorf(codes.NotFound, "job %d not assessed", req.JobId)
	} else if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryAssessmentResponse{Assessment: a}, nil
}

func (q queryServer) Violations(ctx context.Context, req *types.QueryViolationsRequest) (*types.QueryViolationsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	op, err := q.k.addressCodec.StringToBytes(req.Provider)
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "provider %q: %v", req.Provider, err)
	}
	p, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	res := &types.QueryViolationsResponse{}
	err = q.k.Violations.Walk(ctx, collections.NewPrefixedTripleRange[sdk.AccAddress, time.Time, uint64](op), func(key ViolationKey) (bool, error) {
		res.Violations = append(res.Violations, types.Violation{Provider: req.Provider, Time: key.K2(), JobId: key.K3()})
		return false, nil
	})
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if res.InWindow, err = q.k.CountInWindow(ctx, op, p.ViolationWindow, sdk.UnwrapSDKContext(ctx).BlockTime()); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return res, nil
}
