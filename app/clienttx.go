package app

import (
	"fmt"

	"github.com/cosmos/cosmos-sdk/client"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// ClientTxConfig is the TxConfig for clients that build transactions
// (verdictd's CLI): it puts every Msg in the form the node will see before
// anything is signed.
//
// Why: when the node decodes a transaction, the SDK's interface registry
// replaces each Msg's Any bytes with a re-encoding of the decoded Go value
// (codec/types.statefulUnpacker.UnpackAny), and the amino-JSON sign document
// is built from that re-encoding. The Go value has no "absent" state for a
// non-nullable sub-message, so an empty one comes back as `{}`. AutoCLI, on
// the other hand, sends a dynamicpb Msg that leaves absent fields absent,
// and signed the document without them: `--sign-mode amino-json` then failed
// with "signature verification failed" whenever an optional sub-message
// flag (--hardware, --metrics) was left out, and the same happens inside
// the Msgs of a gov proposal. Normalising the Msgs through the same
// registry, exactly as the node decodes them, makes the signed document and
// the node's document the same for every Msg of every module. Direct mode
// signs the raw body bytes and is unaffected either way.
func (app *App) ClientTxConfig() client.TxConfig {
	return normalizingTxConfig{TxConfig: app.txConfig, registry: app.interfaceRegistry}
}

type normalizingTxConfig struct {
	client.TxConfig
	registry codectypes.InterfaceRegistry
}

func (c normalizingTxConfig) NewTxBuilder() client.TxBuilder {
	return normalizingBuilder{TxBuilder: c.TxConfig.NewTxBuilder(), registry: c.registry}
}

type normalizingBuilder struct {
	client.TxBuilder
	registry codectypes.InterfaceRegistry
}

func (b normalizingBuilder) SetMsgs(msgs ...sdk.Msg) error {
	out := make([]sdk.Msg, len(msgs))
	for i, m := range msgs {
		n, err := NormalizeMsg(b.registry, m)
		if err != nil {
			return err
		}
		out[i] = n
	}
	return b.TxBuilder.SetMsgs(out...)
}

// NormalizeMsg encodes msg and decodes it again through the interface
// registry, as a node does with a received transaction: the result is the
// registered Go type, with nested Anys (a gov proposal's Msgs) re-encoded the
// same way.
func NormalizeMsg(registry codectypes.InterfaceRegistry, msg sdk.Msg) (sdk.Msg, error) {
	packed, err := codectypes.NewAnyWithValue(msg) // protobuf v2 or gogoproto
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", sdk.MsgTypeURL(msg), err)
	}
	var out sdk.Msg
	if err := registry.UnpackAny(&codectypes.Any{TypeUrl: packed.TypeUrl, Value: packed.Value}, &out); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", sdk.MsgTypeURL(msg), err)
	}
	return out, nil
}
