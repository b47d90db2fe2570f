package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/forwards/types"
)

func (s msgServer) PlaceOrder(ctx context.Context, msg *types.MsgPlaceOrder) (*types.MsgPlaceOrderResponse, error) {
	if _, err := s.addr("owner", msg.Owner); err != nil {
		return nil, err
	}
	return s.k.PlaceOrder(ctx, msg)
}
