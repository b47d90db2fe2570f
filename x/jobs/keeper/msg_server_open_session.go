package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) OpenSession(ctx context.Context, msg *types.MsgOpenSession) (*types.MsgOpenSessionResponse, error) {
	s, err := m.k.OpenSession(ctx, msg) // the buyer pays its own escrow
	if err != nil {
		return nil, err
	}
	return &types.MsgOpenSessionResponse{SessionId: s.Id}, nil
}
