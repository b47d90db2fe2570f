package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) PauseProvider(ctx context.Context, msg *types.MsgPauseProvider) (*types.MsgPauseProviderResponse, error) {
	op, err := m.k.addr("operator", msg.Operator)
	if err != nil {
		return nil, err
	}
	return &types.MsgPauseProviderResponse{}, m.k.PauseProvider(ctx, op)
}
