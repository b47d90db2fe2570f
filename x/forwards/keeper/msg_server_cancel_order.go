package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/forwards/types"
)

func (s msgServer) CancelOrder(ctx context.Context, msg *types.MsgCancelOrder) (*types.MsgCancelOrderResponse, error) {
	if _, err := s.addr("owner", msg.Owner); err != nil {
		return nil, err
	}
	return &types.MsgCancelOrderResponse{}, s.k.CancelOrder(ctx, msg.Owner, msg.OrderId)
}
