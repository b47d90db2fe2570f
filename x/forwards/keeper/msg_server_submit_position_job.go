package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/forwards/types"
)

func (s msgServer) SubmitPositionJob(ctx context.Context, msg *types.MsgSubmitPositionJob) (*types.MsgSubmitPositionJobResponse, error) {
	if _, err := s.addr("owner", msg.Owner); err != nil {
		return nil, err
	}
	return s.k.SubmitPositionJob(ctx, msg)
}
