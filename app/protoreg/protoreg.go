// Package protoreg gives the one protobuf descriptor resolver the app, its
// CLI and the keeper tests hand to the interface registry, the transaction
// decoder and the sign-mode handlers.
//
// Why not gogoproto.HybridResolver: gogoproto registers each generated file
// in its package's init, and Go runs a package's files in file-name order,
// so verdict/x/tx.proto (tx.pb.go) is registered before types.proto
// (types.pb.go). gogoproto builds each file with AllowUnresolvable, so the
// types tx.proto imports from types.proto become field-less placeholders,
// and a placeholder, once registered, is never replaced. The amino-JSON
// signer walks Msgs through those descriptors and silently leaves the
// placeholder parts out of the sign document: the signature no longer
// covers them (prices, SLA terms, params...).
//
// Files builds the registry from every registered file's descriptor proto
// at once (protodesc.NewFiles resolves a whole set in dependency order), so
// the result does not depend on registration order or file names, for the
// modules of today and any module added later. app's
// TestResolverHasNoPlaceholders fails if any placeholder is left.
package protoreg

import (
	"sync"

	gogoproto "github.com/cosmos/gogoproto/proto"
	"google.golang.org/protobuf/reflect/protoregistry"
)

var (
	once  sync.Once
	files *protoregistry.Files
	err   error
)

// Files returns the fully resolved registry of every protobuf file linked
// into the binary (google.golang.org/protobuf's and gogoproto's registries
// merged; the former wins where both hold a file). Built once, on first use,
// after every package's init has registered its files.
func Files() (*protoregistry.Files, error) {
	once.Do(func() { files, err = gogoproto.MergedRegistry() })
	return files, err
}
