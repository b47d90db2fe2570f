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
	legacy.RegisterAminoMsg(cdc, &MsgRegisterMonitor{}, "verdict/sla/MsgRegisterMonitor")
	legacy.RegisterAminoMsg(cdc, &MsgRemoveMonitor{}, "verdict/sla/MsgRemoveMonitor")
	legacy.RegisterAminoMsg(cdc, &MsgSubmitReport{}, "verdict/sla/MsgSubmitReport")
	legacy.RegisterAminoMsg(cdc, &MsgUnjail{}, "verdict/sla/MsgUnjail")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "verdict/sla/MsgUpdateParams")
	cdc.RegisterConcrete(&Params{}, "verdict/sla/Params", nil)
}

// RegisterInterfaces registers the Msg implementations.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgRegisterMonitor{}, &MsgRemoveMonitor{}, &MsgSubmitReport{}, &MsgUnjail{}, &MsgUpdateParams{})
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
