package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/forwards/types"
)

func (s msgServer) TransferPosition(ctx context.Context, msg *types.MsgTransferPosition) (*types.MsgTransferPositionResponse, error) {
	if _, err := s.addr("owner", msg.Owner); err != nil {
		return nil, err
	}
	id, err := s.k.TransferPosition(ctx, msg)
	if err != nil {
		return nil, err
	}
	return &types.MsgTransferPositionResponse{PositionId: id}, nil
}
