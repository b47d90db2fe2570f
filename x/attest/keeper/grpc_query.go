package keeper

import (
	"context"
	"encoding/hex"
	"errors"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/verdict-chain/verdict/x/attest/types"
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

func (q queryServer) Policy(ctx context.Context, _ *types.QueryPolicyRequest) (*types.QueryPolicyResponse, error) {
	p, err := q.k.Policy.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryPolicyResponse{Policy: p}, nil
}

func (q queryServer) Measurements(ctx context.Context, req *types.QueryMeasurementsRequest) (*types.QueryMeasurementsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	list, page, err := query.CollectionPaginate(ctx, q.k.Measurements, req.Pagination,
		func(_ MeasurementKey, m types.Measurement) (types.Measurement, error) { return m, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryMeasurementsResponse{Measurements: list, Pagination: page}, nil
}

func (q queryServer) Attestation(ctx context.Context, req *types.QueryAttestationRequest) (*types.QueryAttestationResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	op, err := q.k.addr("operator", req.Operator)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	a, ok, reason, err := q.k.Attested(ctx, op)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if !ok && a.Operator == "" {
		return nil, status.Errorf(codes.NotFound, "%s has no attestation", req.Operator)
	}
	return &types.QueryAttestationResponse{Attestation: a, Attested: ok, Reason: reason}, nil
}

func (q queryServer) Attestations(ctx context.Context, req *types.QueryAttestationsRequest) (*types.QueryAttestationsResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	list, page, err := query.CollectionPaginate(ctx, q.k.Attestations, req.Pagination,
		func(_ sdk.AccAddress, a types.Attestation) (types.Attestation, error) { return a, nil })
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &types.QueryAttestationsResponse{Attestations: list, Pagination: page}, nil
}

func (q queryServer) Collateral(ctx context.Context, req *types.QueryCollateralRequest) (*types.QueryCollateralResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	c, err := q.k.Collaterals.Get(ctx, collections.Join(int32(req.Kind), req.Key))
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no %s collateral for %q", req.Kind, req.Key)
	}
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryCollateralResponse{Collateral: c}, nil
}

func (q queryServer) ReportData(ctx context.Context, req *types.QueryReportDataRequest) (*types.QueryReportDataResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	op, err := q.k.addr("operator", req.Operator)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	key, err := hex.DecodeString(req.EnclavePubkey)
	if err != nil || len(key) != types.EnclaveKeySize {
		return nil, status.Errorf(codes.InvalidArgument, "enclave_pubkey must be %d bytes of hex", types.EnclaveKeySize)
	}
	rd, hash, err := q.k.ExpectedReportData(ctx, op, req.NonceHeight, key)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	p, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &types.QueryReportDataResponse{
		ReportData: hex.EncodeToString(rd[:]), BlockHash: hash, ValidUntilHeight: req.NonceHeight + p.NonceMaxAgeBlocks,
	}, nil
}
