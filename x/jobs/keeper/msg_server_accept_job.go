package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) AcceptJob(ctx context.Context, msg *types.MsgAcceptJob) (*types.MsgAcceptJobResponse, error) {
	op, err := m.k.addr("provider", msg.Provider)
	if err != nil {
		return nil, err
	}
	_, err = m.k.AcceptJob(ctx, op, msg.JobId)
	return &types.MsgAcceptJobResponse{}, err
}
