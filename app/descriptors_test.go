package app_test

import (
	"strings"
	"testing"

	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/gogoproto/gogoproto"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"cosmossdk.io/api/amino"
	"cosmossdk.io/log/v2"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/verdict-chain/verdict/app"
	"github.com/verdict-chain/verdict/app/protoreg"
)

// Every descriptor the app signs, decodes or serves with must be complete: a
// placeholder (a message or enum whose file was not yet registered when an
// importing file was) has no fields, so the amino-JSON sign document of a
// Msg that reaches one leaves that part of the Msg unsigned.
func TestResolverHasNoPlaceholders(t *testing.T) {
	a := app.New(log.NewNopLogger(), dbm.NewMemDB(), true, appOpts(t))
	reg := a.InterfaceRegistry()

	// 1. Every registered Msg, and every type it reaches.
	msgs := reg.ListImplementations(sdk.MsgInterfaceProtoName)
	require.NotEmpty(t, msgs)
	var verdictMsgs int
	for _, url := range msgs {
		name := protoreflect.FullName(strings.TrimPrefix(url, "/"))
		d, err := reg.FindDescriptorByName(name)
		require.NoError(t, err, "Msg %s is not in the app's resolver", name)
		md, ok := d.(protoreflect.MessageDescriptor)
		require.True(t, ok, "%s is not a message", name)
		for _, p := range placeholders(md, map[protoreflect.FullName]bool{}) {
			t.Errorf("Msg %s reaches an unresolved descriptor: %s", name, p)
		}
		if strings.HasPrefix(string(name), "verdict.") {
			verdictMsgs++
		}
	}
	require.GreaterOrEqual(t, verdictMsgs, 20, "the walk saw too few Verdict Msgs to mean anything")

	// 2. Every file the resolver holds (queries, events, genesis included).
	var files int
	reg.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		files++
		if fd.IsPlaceholder() {
			t.Errorf("placeholder file %s", fd.Path())
			return true
		}
		for i := 0; i < fd.Imports().Len(); i++ {
			if imp := fd.Imports().Get(i); imp.IsPlaceholder() {
				t.Errorf("%s imports %s, which resolved to a placeholder", fd.Path(), imp.Path())
			}
		}
		for i := 0; i < fd.Messages().Len(); i++ {
			for _, p := range placeholders(fd.Messages().Get(i), map[protoreflect.FullName]bool{}) {
				t.Errorf("%s: %s", fd.Path(), p)
			}
		}
		for i := 0; i < fd.Services().Len(); i++ {
			methods := fd.Services().Get(i).Methods()
			for j := 0; j < methods.Len(); j++ {
				m := methods.Get(j)
				for _, md := range []protoreflect.MessageDescriptor{m.Input(), m.Output()} {
					if md.IsPlaceholder() {
						t.Errorf("%s: method %s uses placeholder %s", fd.Path(), m.FullName(), md.FullName())
					}
				}
			}
		}
		return true
	})
	require.Greater(t, files, 50)
}

// placeholders lists every placeholder message or enum reachable from md
// through its fields (nested types included).
func placeholders(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) []string {
	if md.IsPlaceholder() {
		return []string{string(md.FullName()) + " (placeholder message)"}
	}
	if seen[md.FullName()] {
		return nil
	}
	seen[md.FullName()] = true
	var out []string
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		switch {
		case f.Enum() != nil && f.Enum().IsPlaceholder():
			out = append(out, string(f.FullName())+" -> "+string(f.Enum().FullName())+" (placeholder enum)")
		case f.Message() != nil:
			if f.Message().IsPlaceholder() {
				out = append(out, string(f.FullName())+" -> "+string(f.Message().FullName())+" (placeholder message)")
				continue
			}
			out = append(out, placeholders(f.Message(), seen)...)
		}
	}
	nested := md.Messages()
	for i := 0; i < nested.Len(); i++ {
		out = append(out, placeholders(nested.Get(i), seen)...)
	}
	return out
}

// A non-nullable sub-message is always present in the Go value the node
// decodes, so it is always in the node's amino-JSON sign document; external
// clients (CosmJS amino converters, Ledger apps) must emit it even when
// empty. Every such field says so with (amino.dont_omitempty), and a new
// module that forgets fails here.
func TestNonNullableSubMessagesAreNeverOmitted(t *testing.T) {
	files, err := protoreg.Files()
	require.NoError(t, err)
	nullable := protowire.Number(gogoproto.E_Nullable.Field)
	dontOmit := amino.E_DontOmitempty.TypeDescriptor().Number()
	var checked int
	files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "verdict.") {
			return true
		}
		var walk func(protoreflect.MessageDescriptors)
		walk = func(msgs protoreflect.MessageDescriptors) {
			for i := 0; i < msgs.Len(); i++ {
				md := msgs.Get(i)
				for j := 0; j < md.Fields().Len(); j++ {
					f := md.Fields().Get(j)
					if f.Message() == nil || f.IsList() || f.IsMap() {
						continue
					}
					isNullable, set := boolOption(t, f.Options(), nullable)
					if set && !isNullable {
						checked++
						if v, ok := boolOption(t, f.Options(), dontOmit); !ok || !v {
							t.Errorf("%s: non-nullable sub-message without (amino.dont_omitempty) = true", f.FullName())
						}
					}
				}
				walk(md.Messages())
			}
		}
		walk(fd.Messages())
		return true
	})
	require.Greater(t, checked, 50)
}

// boolOption reads a bool field option by number from the encoded options,
// whether or not its extension type is linked into the binary.
func boolOption(t *testing.T, opts protoreflect.ProtoMessage, num protowire.Number) (value, set bool) {
	t.Helper()
	bz, err := proto.MarshalOptions{Deterministic: true}.Marshal(opts)
	require.NoError(t, err)
	for len(bz) > 0 {
		n, typ, l := protowire.ConsumeTag(bz)
		require.GreaterOrEqual(t, l, 0)
		bz = bz[l:]
		if n == num && typ == protowire.VarintType {
			v, l := protowire.ConsumeVarint(bz)
			require.GreaterOrEqual(t, l, 0)
			value, set = v != 0, true
		}
		l = protowire.ConsumeFieldValue(n, typ, bz)
		require.GreaterOrEqual(t, l, 0)
		bz = bz[l:]
	}
	return value, set
}
