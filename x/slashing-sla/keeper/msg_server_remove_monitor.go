package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

func (s msgServer) RemoveMonitor(ctx context.Context, msg *types.MsgRemoveMonitor) (*types.MsgRemoveMonitorResponse, error) {
	if err := s.requireAuthority(msg.Authority); err != nil {
		return nil, err
	}
	m, err := s.addr("monitor", msg.Monitor)
	if err != nil {
		return nil, err
	}
	return &types.MsgRemoveMonitorResponse{}, s.k.RemoveMonitor(ctx, m)
}
