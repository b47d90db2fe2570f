// Package docs holds the OpenAPI (Swagger 2.0) document of the node's REST
// API, generated from the proto files by `make proto-gen`
// (scripts/protocgen.sh) and served by verdictd at /swagger/ when
// `api.swagger = true` in app.toml.
package docs

import _ "embed"

// OpenAPI is docs/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte
