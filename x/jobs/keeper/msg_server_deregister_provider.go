package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) DeregisterProvider(ctx context.Context, msg *types.MsgDeregisterProvider) (*types.MsgDeregisterProviderResponse, error) {
	op, err := m.k.addr("operator", msg.Operator)
	if err != nil {
		return nil, err
	}
	return &types.MsgDeregisterProviderResponse{}, m.k.DeregisterProvider(ctx, op)
}
