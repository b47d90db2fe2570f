package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) RegisterProvider(ctx context.Context, msg *types.MsgRegisterProvider) (*types.MsgRegisterProviderResponse, error) {
	op, err := m.k.addr("operator", msg.Operator)
	if err != nil {
		return nil, err
	}
	return &types.MsgRegisterProviderResponse{}, m.k.RegisterProvider(ctx, op, msg)
}
