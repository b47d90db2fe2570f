package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterLegacyAminoCodec registers the amino names used by ledger signing.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgRegisterMonitor{}, "verdict/x/slashingsla/MsgRegisterMonitor")
	legacy.RegisterAminoMsg(cdc, &MsgRemoveMonitor{}, "verdict/x/slashingsla/MsgRemoveMonitor")
	legacy.RegisterAminoMsg(cdc, &MsgSubmitReport{}, "verdict/x/slashingsla/MsgSubmitReport")
	legacy.RegisterAminoMsg(cdc, &MsgUnjail{}, "verdict/x/slashingsla/MsgUnjail")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "verdict/x/slashingsla/MsgUpdateParams")
	cdc.RegisterConcrete(&Params{}, "verdict/x/slashingsla/Params", nil)
}

// RegisterInterfaces registers the Msg implementations.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgRegisterMonitor{}, &MsgRemoveMonitor{}, &MsgSubmitReport{}, &MsgUnjail{}, &MsgUpdateParams{})
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
