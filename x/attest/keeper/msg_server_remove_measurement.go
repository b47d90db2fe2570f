package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/attest/types"
)

func (s msgServer) RemoveMeasurement(ctx context.Context, msg *types.MsgRemoveMeasurement) (*types.MsgRemoveMeasurementResponse, error) {
	if err := s.requireAuthority(msg.Authority); err != nil {
		return nil, err
	}
	return &types.MsgRemoveMeasurementResponse{}, s.k.RemoveMeasurement(ctx, msg.TeeType, msg.Value)
}
