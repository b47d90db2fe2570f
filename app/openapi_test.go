package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/verdict-chain/verdict/app"
	"github.com/verdict-chain/verdict/app/protoreg"
	"github.com/verdict-chain/verdict/docs"
)

// docs/openapi.json holds every Verdict query route and, of the SDK, only
// the modules the app wires: a module added to or removed from app.go
// without `make proto-gen` (SDK_SERVICES in scripts/protocgen.sh) fails here.
func TestOpenAPIDocument(t *testing.T) {
	var doc struct {
		Swagger string                    `json:"swagger"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(docs.OpenAPI, &doc))
	require.Equal(t, "2.0", doc.Swagger)

	// Verdict: one operation per Query RPC of every verdict.* package.
	files, err := protoreg.Files()
	require.NoError(t, err)
	var rpcs int
	files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if strings.HasPrefix(string(fd.Package()), "verdict.") {
			if svc := fd.Services().ByName("Query"); svc != nil {
				rpcs += svc.Methods().Len()
			}
		}
		return true
	})
	var verdictOps int
	sdkRoots := map[string]bool{}
	for path, ops := range doc.Paths {
		switch {
		case strings.HasPrefix(path, "/verdict/"):
			verdictOps += len(ops)
		case strings.HasPrefix(path, "/cosmos/"):
			sdkRoots[strings.Split(path, "/")[2]] = true
		default:
			t.Errorf("unexpected route %s", path)
		}
	}
	require.Greater(t, rpcs, 15)
	require.Equal(t, rpcs, verdictOps, "every Verdict query has a REST route in the document")

	// SDK: exactly the wired modules with query routes, plus the tx and
	// node/CometBFT services (cosmos/base) every node serves.
	a := app.New(nopLogger(), memDB(), false, appOpts(t))
	want := map[string]bool{"tx": true, "base": true}
	for name := range a.ModuleManager.Modules {
		switch name {
		case "genutil": // no queries
		case "auth", "bank", "staking", "distribution", "slashing", "gov", "mint", "consensus", "upgrade", "evidence":
			want[name] = true
		default:
			require.True(t, isVerdictModule(name), "module %s: add its query service to SDK_SERVICES in scripts/protocgen.sh and here", name)
		}
	}
	require.Equal(t, want, sdkRoots)
	for _, absent := range []string{"/cosmos/feegrant", "/cosmos/authz", "/cosmos/group", "/cosmos/nft", "/cosmos/protocolpool", "/cosmos/circuit"} {
		for path := range doc.Paths {
			require.False(t, strings.HasPrefix(path, absent), "%s is not wired into the app", path)
		}
	}
}

func isVerdictModule(name string) bool {
	switch name {
	case "jobs", "dispute", "reputation", "slashingsla", "attest", "forwards":
		return true
	}
	return false
}

func TestSwaggerServesVerdictDocument(t *testing.T) {
	r := mux.NewRouter()
	require.NoError(t, app.RegisterSwagger(r))
	srv := httptest.NewServer(r)
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := srv.Client().Get(srv.URL + path)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}
	for _, p := range []string{"/swagger/openapi.json", "/swagger/swagger.yaml"} {
		code, body := get(p)
		require.Equal(t, http.StatusOK, code, p)
		require.Equal(t, string(docs.OpenAPI), body, "%s serves the Verdict document, not the SDK's", p)
	}
	code, body := get("/swagger/")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "swagger-ui")
}
