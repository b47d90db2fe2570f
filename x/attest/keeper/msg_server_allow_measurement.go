package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/attest/types"
)

func (s msgServer) AllowMeasurement(ctx context.Context, msg *types.MsgAllowMeasurement) (*types.MsgAllowMeasurementResponse, error) {
	if err := s.requireAuthority(msg.Authority); err != nil {
		return nil, err
	}
	return &types.MsgAllowMeasurementResponse{}, s.k.AllowMeasurement(ctx, msg.Measurement)
}
