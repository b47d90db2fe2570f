package keeper

import (
	errorsmod "cosmossdk.io/errors"

	"github.com/verdict-chain/verdict/x/dispute/types"
)

// The Msg service. Each handler (msg_server_<msg>.go) decodes and checks
// the signer, calls one keeper method and returns.

type msgServer struct{ k *Keeper }

// NewMsgServerImpl returns the Msg service.
func NewMsgServerImpl(k *Keeper) types.MsgServer { return msgServer{k: k} }

var _ types.MsgServer = msgServer{}

func (s msgServer) requireAuthority(authority string) error {
	if _, err := s.k.addressCodec.StringToBytes(authority); err != nil {
		return errorsmod.Wrapf(types.ErrInvalidAddress, "authority: %v", err)
	}
	if authority != s.k.authority {
		return errorsmod.Wrapf(types.ErrUnauthorized, "expected %s, got %s", s.k.authority, authority)
	}
	return nil
}
