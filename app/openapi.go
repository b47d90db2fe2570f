package app

import (
	"io/fs"
	"net/http"

	"github.com/gorilla/mux"

	sdkdocs "github.com/cosmos/cosmos-sdk/client/docs"

	"github.com/verdict-chain/verdict/docs"
)

// RegisterSwagger serves Verdict's OpenAPI document (docs/openapi.json: the
// Verdict routes and those of the SDK modules the app wires, nothing else) at
// /swagger/openapi.json and, for the Swagger UI the SDK ships, at
// /swagger/swagger.yaml (JSON is YAML); the UI itself at /swagger/.
func RegisterSwagger(rtr *mux.Router) error {
	ui, err := fs.Sub(sdkdocs.SwaggerUI, "swagger-ui")
	if err != nil {
		return err
	}
	serveDoc := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(docs.OpenAPI)
	}
	// Exact routes first: gorilla/mux takes the first match, and the UI's
	// folder holds the SDK's own swagger.yaml, which lists modules Verdict
	// does not have.
	rtr.HandleFunc("/swagger/openapi.json", serveDoc).Methods(http.MethodGet)
	rtr.HandleFunc("/swagger/swagger.yaml", serveDoc).Methods(http.MethodGet)
	rtr.PathPrefix("/swagger/").Handler(http.StripPrefix("/swagger/", http.FileServer(http.FS(ui))))
	return nil
}
