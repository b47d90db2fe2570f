package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) DeclineSession(ctx context.Context, msg *types.MsgDeclineSession) (*types.MsgDeclineSessionResponse, error) {
	if _, err := m.k.addr("provider", msg.Provider); err != nil {
		return nil, err
	}
	_, err := m.k.DeclineSession(ctx, msg.Provider, msg.SessionId)
	return &types.MsgDeclineSessionResponse{}, err
}
