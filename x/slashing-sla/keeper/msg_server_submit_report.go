package keeper

import (
	"context"

	"github.com/verdict-chain/verdict/x/slashing-sla/types"
)

func (s msgServer) SubmitReport(ctx context.Context, msg *types.MsgSubmitReport) (*types.MsgSubmitReportResponse, error) {
	r, err := s.addr("reporter", msg.Reporter)
	if err != nil {
		return nil, err
	}
	return &types.MsgSubmitReportResponse{}, s.k.SubmitReport(ctx, r, msg.JobId, msg.Metrics)
}
