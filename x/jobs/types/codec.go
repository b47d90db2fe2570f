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
	legacy.RegisterAminoMsg(cdc, &MsgRegisterProvider{}, "verdict/x/jobs/MsgRegisterProvider")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateProvider{}, "verdict/x/jobs/MsgUpdateProvider")
	legacy.RegisterAminoMsg(cdc, &MsgPauseProvider{}, "verdict/x/jobs/MsgPauseProvider")
	legacy.RegisterAminoMsg(cdc, &MsgResumeProvider{}, "verdict/x/jobs/MsgResumeProvider")
	legacy.RegisterAminoMsg(cdc, &MsgDeregisterProvider{}, "verdict/x/jobs/MsgDeregisterProvider")
	legacy.RegisterAminoMsg(cdc, &MsgSubmitJob{}, "verdict/x/jobs/MsgSubmitJob")
	legacy.RegisterAminoMsg(cdc, &MsgAcceptJob{}, "verdict/x/jobs/MsgAcceptJob")
	legacy.RegisterAminoMsg(cdc, &MsgCancelJob{}, "verdict/x/jobs/MsgCancelJob")
	legacy.RegisterAminoMsg(cdc, &MsgPostResult{}, "verdict/x/jobs/MsgPostResult")
	legacy.RegisterAminoMsg(cdc, &MsgDeclineJob{}, "verdict/x/jobs/MsgDeclineJob")
	legacy.RegisterAminoMsg(cdc, &MsgAddBond{}, "verdict/x/jobs/MsgAddBond")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "verdict/x/jobs/MsgUpdateParams")
	legacy.RegisterAminoMsg(cdc, &MsgOpenSession{}, "verdict/x/jobs/MsgOpenSession")
	legacy.RegisterAminoMsg(cdc, &MsgCheckpoint{}, "verdict/x/jobs/MsgCheckpoint")
	legacy.RegisterAminoMsg(cdc, &MsgCloseSession{}, "verdict/x/jobs/MsgCloseSession")
	legacy.RegisterAminoMsg(cdc, &MsgDeclineSession{}, "verdict/x/jobs/MsgDeclineSession")
	cdc.RegisterConcrete(&Params{}, "verdict/x/jobs/Params", nil)
}

// RegisterInterfaces registers the Msg implementations.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgRegisterProvider{},
		&MsgUpdateProvider{},
		&MsgPauseProvider{},
		&MsgResumeProvider{},
		&MsgDeregisterProvider{},
		&MsgSubmitJob{},
		&MsgAcceptJob{},
		&MsgCancelJob{},
		&MsgPostResult{},
		&MsgDeclineJob{},
		&MsgAddBond{},
		&MsgUpdateParams{},
		&MsgOpenSession{},
		&MsgCheckpoint{},
		&MsgCloseSession{},
		&MsgDeclineSession{},
	)
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
