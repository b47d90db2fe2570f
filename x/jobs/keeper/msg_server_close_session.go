package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/jobs/types"
)

func (m msgServer) CloseSession(ctx context.Context, msg *types.MsgCloseSession) (*types.MsgCloseSessionResponse, error) {
	if _, err := m.k.addr("signer", msg.Signer); err != nil {
		return nil, err
	}
	_, err := m.k.CloseSession(ctx, msg.Signer, msg.SessionId)
	return &types.MsgCloseSessionResponse{}, err
}
