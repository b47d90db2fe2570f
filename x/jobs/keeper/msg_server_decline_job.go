package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) DeclineJob(ctx context.Context, msg *types.MsgDeclineJob) (*types.MsgDeclineJobResponse, error) {
	if _, err := m.k.addr("provider", msg.Provider); err != nil {
		return nil, err
	}
	_, err := m.k.DeclineJob(ctx, msg.Provider, msg.JobId)
	return &types.MsgDeclineJobResponse{}, err
}
