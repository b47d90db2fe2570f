package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	dbm "github.com/cosmos/cosmos-db"
	gogoproto "github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	cosmos_proto "github.com/cosmos/cosmos-proto"

	msgv1 "cosmossdk.io/api/cosmos/msg/v1"
	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp"
	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"

	"github.com/verdict-chain/verdict/app"
	"github.com/verdict-chain/verdict/app/protoreg"
	"github.com/verdict-chain/verdict/x/jobs/serving"
)

// signingKit is the real app with funded secp256k1 accounts in an in-memory
// keyring, and what it takes to sign for them the way the CLI does.
type signingKit struct {
	t     *testing.T
	app   *app.App
	kr    keyring.Keyring
	addrs map[string]string // key name -> bech32
	accNo map[string]uint64
	seq   map[string]uint64
}

func newSigningKit(t *testing.T, names ...string) *signingKit {
	t.Helper()
	return newSigningKitWith(t, nil, names...)
}

// newSigningKitWith builds the kit's app with baseapp options (a minimum
// gas price, say).
func newSigningKitWith(t *testing.T, opts []func(*baseapp.BaseApp), names ...string) *signingKit {
	t.Helper()
	app.SetConfig()
	probe := app.New(nopLogger(), memDB(), false, appOpts(t))
	kr := keyring.NewInMemory(probe.AppCodec())
	k := &signingKit{t: t, kr: kr, addrs: map[string]string{}, accNo: map[string]uint64{}, seq: map[string]uint64{}}
	var funded []sdk.AccAddress
	for _, n := range names {
		rec, _, err := kr.NewMnemonic(n, keyring.English, sdk.FullFundraiserPath, keyring.DefaultBIP39Passphrase, hd.Secp256k1)
		require.NoError(t, err)
		addr, err := rec.GetAddress()
		require.NoError(t, err)
		funded = append(funded, addr)
		k.addrs[n] = addr.String()
	}
	a, ctx := setupWith(t, opts, funded...)
	k.app = a
	for i, n := range names {
		acc := a.AccountKeeper.GetAccount(ctx, funded[i])
		require.NotNil(t, acc)
		k.accNo[n] = acc.GetAccountNumber()
	}
	return k
}

// sign builds and signs msg for key `from` as `verdictd tx ... --sign-mode`
// does (client/tx.Factory and client/tx.Sign), and returns the tx bytes.
func (k *signingKit) sign(from string, mode signing.SignMode, msg sdk.Msg) []byte {
	k.t.Helper()
	return k.signWithFee(from, mode, msg, "5000"+app.BondDenom)
}

// signWithFee signs with the given fee ("" for none) and 5,000,000 gas.
func (k *signingKit) signWithFee(from string, mode signing.SignMode, msg sdk.Msg, fee string) []byte {
	k.t.Helper()
	f := clienttx.Factory{}.
		WithTxConfig(k.app.ClientTxConfig()).WithKeybase(k.kr).WithChainID("verdict-test").
		WithAccountNumber(k.accNo[from]).WithSequence(k.seq[from]).
		WithGas(5_000_000).WithFees(fee).WithSignMode(mode).WithMemo("tamper test")
	b, err := f.BuildUnsignedTx(msg)
	require.NoError(k.t, err)
	require.NoError(k.t, clienttx.Sign(context.Background(), f, from, b, true))
	bz, err := k.app.TxConfig().TxEncoder()(b.GetTx())
	require.NoError(k.t, err)
	return bz
}

// checkTx runs the tx through CheckTx: decoding, the ante handler (signature
// verification included) and ValidateBasic; Msgs are not executed.
func (k *signingKit) checkTx(from string, bz []byte) *abci.ResponseCheckTx {
	k.t.Helper()
	res, err := k.app.CheckTx(&abci.RequestCheckTx{Tx: bz, Type: abci.CheckTxType_New})
	require.NoError(k.t, err)
	if res.Code == 0 {
		k.seq[from]++
	}
	return res
}

// replaceMsg returns tx bytes whose body carries msgBz instead of the first
// Msg's bytes, and the original auth info and signatures: a tampered body.
func replaceMsg(t *testing.T, txBz, msgBz []byte) []byte {
	t.Helper()
	var raw txtypes.TxRaw
	require.NoError(t, gogoproto.Unmarshal(txBz, &raw))
	var body txtypes.TxBody
	require.NoError(t, gogoproto.Unmarshal(raw.BodyBytes, &body))
	body.Messages[0].Value = msgBz
	var err error
	raw.BodyBytes, err = gogoproto.Marshal(&body)
	require.NoError(t, err)
	out, err := gogoproto.Marshal(&raw)
	require.NoError(t, err)
	return out
}

// firstMsg returns the bytes of the first Msg in a signed tx.
func firstMsg(t *testing.T, txBz []byte) []byte {
	t.Helper()
	var raw txtypes.TxRaw
	require.NoError(t, gogoproto.Unmarshal(txBz, &raw))
	var body txtypes.TxBody
	require.NoError(t, gogoproto.Unmarshal(raw.BodyBytes, &body))
	return body.Messages[0].Value
}

// ---------------------------------------------------------------------------
// Filling and altering any Msg through protobuf reflection, so the test
// covers every Msg the app registers, including Msgs of modules added later.

type filler struct {
	signerFields map[protoreflect.Name]bool
	signer       string // the signing key's address
	other        string // another valid address
}

func scalarOf(f protoreflect.FieldDescriptor) string {
	opts := f.Options()
	if opts == nil || !proto.HasExtension(opts, cosmos_proto.E_Scalar) {
		return ""
	}
	return proto.GetExtension(opts, cosmos_proto.E_Scalar).(string)
}

// fill sets every field of m (recursively, one element per list, the first
// member of each oneof) to a non-default value the tx decoder accepts.
func (fl filler) fill(m protoreflect.Message, top bool) {
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		if o := f.ContainingOneof(); o != nil && o.Fields().Get(0) != f {
			continue
		}
		switch {
		case f.IsMap():
			continue
		case f.IsList():
			l := m.Mutable(f).List()
			if f.Message() != nil {
				e := l.NewElement()
				fl.fill(e.Message(), false)
				l.Append(e)
			} else {
				l.Append(fl.scalar(f, top))
			}
		case f.Message() != nil:
			if f.Message().FullName() == "google.protobuf.Any" {
				continue
			}
			fl.fill(m.Mutable(f).Message(), false)
		default:
			m.Set(f, fl.scalar(f, top))
		}
	}
}

// byteSizes are the bytes fields whose size ValidateBasic fixes (32 bytes
// otherwise): a serving receipt's body and signature.
var byteSizes = map[protoreflect.FullName]int{
	"verdict.dispute.v1.MsgChallenge.receipt":           serving.BodyLen,
	"verdict.dispute.v1.MsgChallenge.receipt_signature": 64,
	"verdict.dispute.v1.MsgSubmitProof.receipt":         serving.BodyLen,
}

func (fl filler) scalar(f protoreflect.FieldDescriptor, top bool) protoreflect.Value {
	switch f.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(true)
	case protoreflect.EnumKind:
		vals := f.Enum().Values()
		return protoreflect.ValueOfEnum(vals.Get(min(1, vals.Len()-1)).Number())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(7)
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(7)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(7)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(7)
	case protoreflect.BytesKind:
		b := make([]byte, 32)
		if n, ok := byteSizes[f.FullName()]; ok {
			b = make([]byte, n)
		}
		for i := range b {
			b[i] = 7
		}
		return protoreflect.ValueOfBytes(b)
	case protoreflect.StringKind:
		switch scalarOf(f) {
		case "cosmos.AddressString":
			if top && fl.signerFields[f.Name()] {
				return protoreflect.ValueOfString(fl.signer)
			}
			return protoreflect.ValueOfString(fl.other)
		case "cosmos.Int":
			return protoreflect.ValueOfString("1000")
		case "cosmos.Dec":
			return protoreflect.ValueOfString("1500000000000000000")
		}
		if f.Name() == "denom" {
			return protoreflect.ValueOfString(app.BondDenom)
		}
		return protoreflect.ValueOfString("v-" + string(f.Name()))
	}
	panic(fmt.Sprintf("unhandled kind %s of %s", f.Kind(), f.FullName()))
}

// step is one hop from a message to a field (and list element).
type step struct {
	f   protoreflect.FieldDescriptor
	idx int // list index, -1 for a singular field
}

func locate(root protoreflect.Message, path []step) protoreflect.Message {
	m := root
	for _, s := range path {
		if s.idx >= 0 {
			m = m.Mutable(s.f).List().Get(s.idx).Message()
		} else {
			m = m.Mutable(s.f).Message()
		}
	}
	return m
}

// alteration is one change to a signed Msg.
type alteration struct {
	name     string
	isSigner bool
	apply    func(root protoreflect.Message)
}

func pathName(path []step, f protoreflect.FieldDescriptor) string {
	var b strings.Builder
	for _, s := range path {
		b.WriteString(string(s.f.Name()))
		if s.idx >= 0 {
			fmt.Fprintf(&b, "[%d]", s.idx)
		}
		b.WriteString(".")
	}
	b.WriteString(string(f.Name()))
	return b.String()
}

// alterations lists a change of every set leaf value, and for every message
// field and list the removal (and for lists the addition) of an element.
// Unset optional message fields get a change that sets them.
func (fl filler) alterations(m protoreflect.Message, path []step) []alteration {
	var out []alteration
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		name := pathName(path, f)
		at := append([]step(nil), path...)
		switch {
		case f.IsMap():
			continue
		case f.IsList():
			if !m.Has(f) {
				continue
			}
			l := m.Get(f).List()
			for j := 0; j < l.Len(); j++ {
				if f.Message() != nil {
					out = append(out, fl.alterations(l.Get(j).Message(), append(at, step{f, j}))...)
				} else {
					j := j
					out = append(out, alteration{name: fmt.Sprintf("%s[%d] changed", name, j), apply: func(r protoreflect.Message) {
						lst := locate(r, at).Mutable(f).List()
						lst.Set(j, fl.altered(f, lst.Get(j)))
					}})
				}
			}
			out = append(out,
				alteration{name: name + " lost its last element", apply: func(r protoreflect.Message) {
					lst := locate(r, at).Mutable(f).List()
					lst.Truncate(lst.Len() - 1)
				}},
				alteration{name: name + " gained an element", apply: func(r protoreflect.Message) {
					lst := locate(r, at).Mutable(f).List()
					lst.Append(lst.Get(0))
				}})
		case f.Message() != nil:
			if f.Message().FullName() == "google.protobuf.Any" {
				continue
			}
			if !m.Has(f) {
				out = append(out, alteration{name: name + " added", apply: func(r protoreflect.Message) {
					fl.fill(locate(r, at).Mutable(f).Message(), false)
				}})
				continue
			}
			out = append(out, fl.alterations(m.Get(f).Message(), append(at, step{f, -1}))...)
			out = append(out, alteration{name: name + " removed", apply: func(r protoreflect.Message) {
				locate(r, at).Clear(f)
			}})
		default:
			if !m.Has(f) {
				continue
			}
			out = append(out, alteration{
				name:     name + " changed",
				isSigner: len(path) == 0 && fl.signerFields[f.Name()],
				apply: func(r protoreflect.Message) {
					lm := locate(r, at)
					lm.Set(f, fl.altered(f, lm.Get(f)))
				},
			})
		}
	}
	return out
}

// altered returns a different value of the same kind that still decodes.
func (fl filler) altered(f protoreflect.FieldDescriptor, v protoreflect.Value) protoreflect.Value {
	switch f.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(!v.Bool())
	case protoreflect.EnumKind:
		vals := f.Enum().Values()
		for i := 0; i < vals.Len(); i++ {
			if n := vals.Get(i).Number(); n != v.Enum() && n != 0 {
				return protoreflect.ValueOfEnum(n)
			}
		}
		return protoreflect.ValueOfEnum(v.Enum() + 1)
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(v.Int()) + 1)
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(v.Int() + 1)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(v.Uint()) + 1)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(v.Uint() + 1)
	case protoreflect.BytesKind:
		b := append([]byte(nil), v.Bytes()...)
		b[len(b)-1] ^= 1
		return protoreflect.ValueOfBytes(b)
	case protoreflect.StringKind:
		s := v.String()
		switch scalarOf(f) {
		case "cosmos.AddressString":
			if s == fl.other {
				return protoreflect.ValueOfString(fl.signer)
			}
			return protoreflect.ValueOfString(fl.other)
		case "cosmos.Int", "cosmos.Dec":
			return protoreflect.ValueOfString(s + "1")
		}
		return protoreflect.ValueOfString(s + "x")
	}
	panic(fmt.Sprintf("unhandled kind %s", f.Kind()))
}

func signerFieldsOf(md protoreflect.MessageDescriptor) map[protoreflect.Name]bool {
	out := map[protoreflect.Name]bool{}
	for _, n := range proto.GetExtension(md.Options(), msgv1.E_Signer).([]string) {
		out[protoreflect.Name(n)] = true
	}
	return out
}

// clearSubMessages clears every top-level singular message field: the Msg
// as AutoCLI builds it when the flags of its sub-messages are left out.
func clearSubMessages(m protoreflect.Message) {
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		if f := fields.Get(i); f.Message() != nil && !f.IsList() && !f.IsMap() {
			m.Clear(f)
		}
	}
}

// sameMeaning reports whether two encodings of a Msg decode to the same
// value of its generated Go type: the chain acts on that value, so an
// alteration that leaves it unchanged (dropping an empty non-nullable
// sub-message, say) alters nothing a signature must protect.
func sameMeaning(t *testing.T, name protoreflect.FullName, a, b []byte) bool {
	t.Helper()
	typ := gogoproto.MessageType(string(name))
	ma, mb := reflectNew(typ), reflectNew(typ)
	require.NoError(t, gogoproto.Unmarshal(a, ma))
	if err := gogoproto.Unmarshal(b, mb); err != nil {
		return false
	}
	ba, err := gogoproto.Marshal(ma)
	require.NoError(t, err)
	bb, err := gogoproto.Marshal(mb)
	require.NoError(t, err)
	return string(ba) == string(bb)
}

// verdictMsgs returns the descriptor of every Verdict Msg the app registers.
func verdictMsgs(t *testing.T, a *app.App) []protoreflect.MessageDescriptor {
	t.Helper()
	files, err := protoreg.Files()
	require.NoError(t, err)
	var out []protoreflect.MessageDescriptor
	for _, url := range a.InterfaceRegistry().ListImplementations(sdk.MsgInterfaceProtoName) {
		name := strings.TrimPrefix(url, "/")
		if !strings.HasPrefix(name, "verdict.") {
			continue
		}
		d, err := files.FindDescriptorByName(protoreflect.FullName(name))
		require.NoError(t, err)
		out = append(out, d.(protoreflect.MessageDescriptor))
	}
	return out
}

// TestSignaturesCoverEveryField signs every Verdict Msg in amino-JSON
// (Ledger, legacy multisig) and direct mode, with its optional sub-messages
// present and absent, built as a Go client does (the generated type) and as
// the CLI does (dynamicpb). Unaltered, the real ante handler accepts it;
// after any one change to the signed Msg — every leaf value, every list
// element added or removed, every sub-message added or removed — it refuses
// it with a signature error.
func TestSignaturesCoverEveryField(t *testing.T) {
	k := newSigningKit(t, "alice", "bob")
	msgs := verdictMsgs(t, k.app)
	require.GreaterOrEqual(t, len(msgs), 20)

	modes := []signing.SignMode{signing.SignMode_SIGN_MODE_LEGACY_AMINO_JSON, signing.SignMode_SIGN_MODE_DIRECT}
	var checked, noops int
	for _, md := range msgs {
		fl := filler{signerFields: signerFieldsOf(md), signer: k.addrs["alice"], other: k.addrs["bob"]}
		require.NotEmpty(t, fl.signerFields, "%s has no cosmos.msg.v1.signer", md.FullName())
		for _, variant := range []string{"sub-messages present", "sub-messages absent"} {
			dyn := dynamicpb.NewMessage(md)
			fl.fill(dyn, true)
			if variant == "sub-messages absent" {
				clearSubMessages(dyn)
			}
			for _, built := range []string{"generated type", "dynamicpb"} {
				var msg sdk.Msg = dyn
				if built == "generated type" {
					typ := gogoproto.MessageType(string(md.FullName()))
					require.NotNil(t, typ, "%s has no Go type", md.FullName())
					gm := reflectNew(typ)
					bz, err := proto.Marshal(dyn)
					require.NoError(t, err)
					require.NoError(t, gogoproto.Unmarshal(bz, gm))
					msg = gm
				}
				for _, mode := range modes {
					name := fmt.Sprintf("%s/%s/%s/%s", md.Name(), variant, built, mode)
					t.Run(name, func(t *testing.T) {
						signed := k.sign("alice", mode, msg)
						orig := firstMsg(t, signed)
						// Every alteration first (they must all fail and
						// leave the sequence alone), then the original.
						base := dynamicpb.NewMessage(md)
						require.NoError(t, proto.Unmarshal(orig, base))
						alts := fl.alterations(base, nil)
						require.NotEmpty(t, alts)
						for _, alt := range alts {
							m := dynamicpb.NewMessage(md)
							require.NoError(t, proto.Unmarshal(orig, m))
							alt.apply(m)
							bz, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
							require.NoError(t, err)
							if sameMeaning(t, md.FullName(), orig, bz) {
								noops++
								continue
							}
							res := k.checkTx("alice", replaceMsg(t, signed, bz))
							require.NotZero(t, res.Code, "%s: accepted after %s", name, alt.name)
							if !alt.isSigner {
								require.Equal(t, sdkerrors.ErrUnauthorized.ABCICode(), res.Code, "%s: %s: %s", name, alt.name, res.Log)
								require.Contains(t, res.Log, "signature verification failed", alt.name)
							}
							checked++
						}
						res := k.checkTx("alice", signed)
						require.Zero(t, res.Code, "%s: the unaltered tx was refused: %s", name, res.Log)
					})
				}
			}
		}
	}
	t.Logf("%d Msg types: %d altered transactions refused; %d alterations left the decoded Msg unchanged", len(msgs), checked, noops)
}

func reflectNew(typ reflect.Type) sdk.Msg {
	return reflect.New(typ.Elem()).Interface().(sdk.Msg)
}

func nopLogger() log.Logger { return log.NewNopLogger() }

func memDB() dbm.DB { return dbm.NewMemDB() }

// appOpts gives the app a home it never writes to, at a fixed path: a
// t.TempDir's removal opens its parent directory, whose listing changes
// with every run and so would keep Go's test cache from ever reusing this
// package's result.
func appOpts(t *testing.T) servertypes.AppOptions {
	home := filepath.Join(os.TempDir(), "verdict-app-test-home")
	require.NoError(t, os.MkdirAll(home, 0o755))
	return simtestutil.NewAppOptionsWithFlagHome(home)
}

// Why the CLI signs through ClientTxConfig: AutoCLI sends a dynamicpb Msg
// without the sub-messages whose flags were left out (post-result without
// --metrics), while the node signs over its own re-encoding of the Go value,
// where a non-nullable sub-message is always present (`"metrics":{}`).
// Through the SDK's plain TxConfig such a Msg cannot be signed in amino-JSON;
// normalised first, it is signed and accepted.
func TestCLIMsgsAreNormalizedBeforeSigning(t *testing.T) {
	k := newSigningKit(t, "alice", "bob")
	var md protoreflect.MessageDescriptor
	for _, d := range verdictMsgs(t, k.app) {
		if d.FullName() == "verdict.jobs.v1.MsgPostResult" {
			md = d
		}
	}
	require.NotNil(t, md)
	fl := filler{signerFields: signerFieldsOf(md), signer: k.addrs["alice"], other: k.addrs["bob"]}
	dyn := dynamicpb.NewMessage(md)
	fl.fill(dyn, true)
	clearSubMessages(dyn)
	require.False(t, dyn.Has(md.Fields().ByName("metrics")))

	mode := signing.SignMode_SIGN_MODE_LEGACY_AMINO_JSON
	for _, normalized := range []bool{false, true} {
		cfg := k.app.TxConfig()
		if normalized {
			cfg = k.app.ClientTxConfig()
		}
		f := clienttx.Factory{}.WithTxConfig(cfg).WithKeybase(k.kr).WithChainID("verdict-test").
			WithAccountNumber(k.accNo["alice"]).WithSequence(k.seq["alice"]).
			WithGas(5_000_000).WithFees("5000" + app.BondDenom).WithSignMode(mode)
		b, err := f.BuildUnsignedTx(dyn)
		require.NoError(t, err)
		err = clienttx.Sign(context.Background(), f, "alice", b, true)
		if !normalized {
			// The amino-JSON encoder cannot sign an absent field marked
			// (amino.dont_omitempty); without the marks it signed a document
			// the node does not rebuild (signature verification failed).
			require.ErrorContains(t, err, "dont_omit_empty")
			continue
		}
		require.NoError(t, err)
		bz, err := cfg.TxEncoder()(b.GetTx())
		require.NoError(t, err)
		res := k.checkTx("alice", bz)
		require.Zero(t, res.Code, res.Log)
	}
}
