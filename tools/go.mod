module github.com/verdict-chain/verdict/tools

go 1.26.5

tool (
	github.com/golangci/golangci-lint/v2/cmd/golangci-lint
	github.com/cosmos/gogoproto/protoc-gen-gocosmos
	github.com/grpc-ecosystem/grpc-gateway/protoc-gen-grpc-gateway
)

require (
	github.com/golangci/golangci-lint/v2 v2.15.0
	github.com/cosmos/gogoproto v1.7.2 // indirect
	github.com/ghodss/yaml v1.0.0 // indirect
	github.com/golang/glog v0.0.0-20160126235308-23def4e6c14b // indirect
	github.com/golang/protobuf v1.5.4 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/grpc-ecosystem/grpc-gateway v1.16.0 // indirect
	google.golang.org/genproto v0.0.0-20200513103714-09dca8ec2884 // indirect
	google.golang.org/protobuf v1.36.10 // indirect
	gopkg.in/yaml.v2 v2.2.3 // indirect
)
