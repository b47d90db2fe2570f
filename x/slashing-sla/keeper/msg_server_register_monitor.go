package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

func (s msgServer) RegisterMonitor(ctx context.Context, msg *types.MsgRegisterMonitor) (*types.MsgRegisterMonitorResponse, error) {
	if err := s.requireAuthority(msg.Authority); err != nil {
		return nil, err
	}
	m, err := s.addr("monitor", msg.Monitor)
	if err != nil {
		return nil, err
	}
	return &types.MsgRegisterMonitorResponse{}, s.k.RegisterMonitor(ctx, m)
}
