package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) Checkpoint(ctx context.Context, msg *types.MsgCheckpoint) (*types.MsgCheckpointResponse, error) {
	if _, err := m.k.addr("provider", msg.Provider); err != nil {
		return nil, err
	}
	j, err := m.k.Checkpoint(ctx, msg)
	if err != nil {
		return nil, err
	}
	return &types.MsgCheckpointResponse{JobId: j.Id}, nil
}
