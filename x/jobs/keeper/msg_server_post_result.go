package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) PostResult(ctx context.Context, msg *types.MsgPostResult) (*types.MsgPostResultResponse, error) {
	if _, err := m.k.addr("provider", msg.Provider); err != nil {
		return nil, err
	}
	_, err := m.k.PostResult(ctx, msg)
	return &types.MsgPostResultResponse{}, err
}
