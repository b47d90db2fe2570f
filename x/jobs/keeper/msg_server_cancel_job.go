package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) CancelJob(ctx context.Context, msg *types.MsgCancelJob) (*types.MsgCancelJobResponse, error) {
	if _, err := m.k.addr("buyer", msg.Buyer); err != nil {
		return nil, err
	}
	_, err := m.k.CancelJob(ctx, msg.Buyer, msg.JobId)
	return &types.MsgCancelJobResponse{}, err
}
