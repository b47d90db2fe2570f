package keeper

import (
	"github.com/verdict-chain/verdict/x/jobs/types"
)

// The Msg service. Each handler (msg_server_<msg>.go) decodes the signer,
// calls one keeper method and returns: the rules live with the state.

type msgServer struct{ k *Keeper }

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns the x/jobs Msg service.
func NewMsgServerImpl(k *Keeper) types.MsgServer { return msgServer{k: k} }
