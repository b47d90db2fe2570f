package app_test

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	errorsmod "cosmossdk.io/errors"

	_ "github.com/verdict-chain/verdict/app" // links every module's errors into the registry
)

const modulePath = "github.com/verdict-chain/verdict"

func repoRoot(t *testing.T) string {
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	return filepath.Clean(filepath.Join(filepath.Dir(file), ".."))
}

// Every module's error codes, read from the Register calls in its
// types/errors.go (so a new error or a new module is covered without
// touching this test): codes are unique, start at 2, and the registry
// holds exactly the declared error under each code (errorsmod overwrites a
// duplicate silently).
func TestErrorCodesUniqueInEveryModule(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "x", "*", "types", "errors.go"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 4)
	for _, file := range files {
		codespace := moduleNameConst(t, filepath.Join(filepath.Dir(file), "keys.go"))
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, nil, 0)
		require.NoError(t, err)
		seen := map[uint64]string{}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Register" && sel.Sel.Name != "RegisterWithGRPCCode") {
				return true
			}
			where := fset.Position(call.Pos()).String()
			require.GreaterOrEqual(t, len(call.Args), 3, where)
			id, ok := call.Args[0].(*ast.Ident)
			require.True(t, ok && id.Name == "ModuleName", "%s: the codespace must be ModuleName", where)
			lit, ok := call.Args[1].(*ast.BasicLit)
			require.True(t, ok, "%s: the code must be a literal", where)
			code, err := strconv.ParseUint(lit.Value, 10, 32)
			require.NoError(t, err, where)
			desc, err := strconv.Unquote(call.Args[len(call.Args)-1].(*ast.BasicLit).Value)
			require.NoError(t, err, where)
			require.GreaterOrEqual(t, code, uint64(2), "%s: codes start at 2 (1 is the SDK's internal error)", where)
			require.Empty(t, seen[code], "%s: code %d already used by %q", where, code, seen[code])
			seen[code] = desc
			registered := errorsmod.ABCIError(codespace, uint32(code), "")
			require.Equal(t, ": "+desc, registered.Error(), "%s: the registry holds another error under %s/%d", where, codespace, code)
			return true
		})
		require.NotEmpty(t, seen, file)
	}
}

func moduleNameConst(t *testing.T, keysFile string) string {
	f, err := parser.ParseFile(token.NewFileSet(), keysFile, nil, 0)
	require.NoError(t, err)
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if n.Name == "ModuleName" {
					s, err := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
					require.NoError(t, err)
					return s
				}
			}
		}
	}
	t.Fatalf("%s declares no ModuleName", keysFile)
	return ""
}

type goPackage struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Deps         []string
}

// The seams between modules, checked on the real import graph:
//   - a module reaches another only through its types (expected keepers,
//     hooks, the shared vocabulary), never its keeper package, in code or
//     tests (suites get other modules' keepers from testutil/keepertest,
//     as the app gets them from its wiring);
//   - the state machine never links the prover (zkml), the CLI or the
//     off-chain agents (agent/);
//   - off-chain tools use the pure helpers in types, not keepers.
func TestModuleBoundaries(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", "-deps=false", modulePath+"/...")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(out))
	pkgs := map[string]goPackage{}
	for dec.More() {
		var p goPackage
		require.NoError(t, dec.Decode(&p))
		pkgs[p.ImportPath] = p
	}
	require.Contains(t, pkgs, modulePath+"/x/jobs/keeper")

	moduleOf := func(path string) string { // "jobs" for .../x/jobs/keeper
		rest, ok := strings.CutPrefix(path, modulePath+"/x/")
		if !ok {
			return ""
		}
		return strings.SplitN(rest, "/", 2)[0]
	}
	isKeeper := func(path string) bool { return strings.HasSuffix(path, "/keeper") && moduleOf(path) != "" }
	for path, p := range pkgs {
		m := moduleOf(path)
		if m == "" || m == "internal" {
			continue
		}
		for _, imp := range append(append(append([]string{}, p.Imports...), p.TestImports...), p.XTestImports...) {
			if isKeeper(imp) && moduleOf(imp) != m {
				t.Errorf("%s imports %s: reach another module through its types and expected keepers", path, imp)
			}
		}
	}

	stateMachine := []string{modulePath + "/app"}
	for path := range pkgs {
		if m := moduleOf(path); m != "" && (strings.HasSuffix(path, "/keeper") || strings.HasSuffix(path, "/types") || strings.HasSuffix(path, "/module")) {
			stateMachine = append(stateMachine, path)
		}
	}
	for _, path := range stateMachine {
		deps := goListDeps(t, path)
		for _, off := range []string{"/zkml", "/cmd/", "/agent"} {
			for _, d := range deps {
				require.False(t, strings.Contains(d, modulePath+off), "%s links %s (off-chain code)", path, d)
			}
		}
	}

	for _, path := range []string{modulePath + "/zkml", modulePath + "/cmd/verdict-bench", modulePath + "/cmd/verdictd/cmd", modulePath + "/agent"} {
		p, ok := pkgs[path]
		require.True(t, ok, path)
		for _, imp := range p.Imports {
			require.False(t, isKeeper(imp), "off-chain %s imports %s", path, imp)
		}
	}
}

func goListDeps(t *testing.T, path string) []string {
	cmd := exec.Command("go", "list", "-deps", path)
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	require.NoError(t, err, path)
	return strings.Fields(string(out))
}

// Every module has one shape, so a reader finds a thing in the same file
// in every module (the README's "Module shape"):
//   - keeper/abci.go holds BeginBlocker and EndBlocker;
//   - keeper/params.go holds SetParams;
//   - keeper/hooks.go holds what the module offers others as hooks (every
//     accessor named ...Hooks());
//   - keeper/accounting.go is the only file that moves coins: every method
//     called on the keeper's funds account (x/internal/funds) or bank
//     keeper, and every call into x/internal/funds, is made there, beside
//     the running totals the invariant checks.
func TestModuleShape(t *testing.T) {
	root := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "x", "*", "keeper", "*.go"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		require.NoError(t, err, path)
		base := filepath.Base(path)
		rel, _ := filepath.Rel(root, path)
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil {
				continue
			}
			name := fd.Name.Name
			want := ""
			switch {
			case name == "BeginBlocker" || name == "EndBlocker":
				want = "abci.go"
			case name == "SetParams":
				want = "params.go"
			case strings.HasSuffix(name, "Hooks") && fd.Type.Params.NumFields() == 0 && fd.Type.Results.NumFields() == 1:
				want = "hooks.go"
			}
			if want != "" && base != want {
				t.Errorf("%s: %s belongs in keeper/%s", rel, name, want)
			}
		}
		if base == "accounting.go" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			switch x := sel.X.(type) {
			case *ast.SelectorExpr: // k.funds.Pay(...), k.bank.SendCoins(...)
				if x.Sel.Name == "funds" || x.Sel.Name == "bank" {
					t.Errorf("%s: %s moves or reads coins outside keeper/accounting.go", fset.Position(call.Pos()), x.Sel.Name+"."+sel.Sel.Name)
				}
			case *ast.Ident: // funds.AddTotal(...)
				if x.Name == "funds" {
					t.Errorf("%s: funds.%s outside keeper/accounting.go", fset.Position(call.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
}

// Basis-point arithmetic lives in x/internal/bps, with its rounding policy
// written once: outside it no state-machine code multiplies or divides by
// 100% (bps.Whole or a literal 10,000), in Go operators or math.Int calls.
// Comparing with bps.Whole or a constant multiple of it (validation) is
// fine.
func TestBasisPointsOnlyInBps(t *testing.T) {
	root := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "x", "*", "*", "*.go"))
	require.NoError(t, err)
	isWhole := func(e ast.Expr) bool {
		switch v := e.(type) {
		case *ast.SelectorExpr:
			id, ok := v.X.(*ast.Ident)
			return ok && id.Name == "bps" && v.Sel.Name == "Whole"
		case *ast.BasicLit:
			return v.Kind == token.INT && strings.ReplaceAll(v.Value, "_", "") == "10000"
		case *ast.ParenExpr:
			return false
		}
		return false
	}
	fset := token.NewFileSet()
	checked := 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, ".pb.go") || strings.HasSuffix(path, ".pulsar.go") ||
			strings.Contains(path, filepath.Join("x", "internal", "bps")) {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		require.NoError(t, err, path)
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			switch v := n.(type) {
			case *ast.BinaryExpr:
				_, litX := v.X.(*ast.BasicLit)
				_, litY := v.Y.(*ast.BasicLit)
				if v.Op == token.MUL && (litX || litY) {
					return true // a constant bound: 100 × 100%
				}
				if (v.Op == token.MUL || v.Op == token.QUO || v.Op == token.REM) && (isWhole(v.X) || isWhole(v.Y)) {
					t.Errorf("%s: basis-point arithmetic outside x/internal/bps", fset.Position(v.Pos()))
				}
			case *ast.CallExpr:
				sel, ok := v.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				switch sel.Sel.Name {
				case "Mul", "MulRaw", "Quo", "QuoRaw", "Mod", "ModRaw":
					for _, a := range v.Args {
						if isWhole(a) {
							t.Errorf("%s: basis-point arithmetic outside x/internal/bps", fset.Position(v.Pos()))
						}
					}
				}
			}
			return true
		})
	}
	require.Greater(t, checked, 50)
}
