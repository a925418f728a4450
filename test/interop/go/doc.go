// Package interop runs github.com/Azure/go-amqp, the AMQP 1.0 client under
// Azure's Go SDK, against a salvo broker: `go test` reads the broker's URL
// from SALVO_GO_URL and fails without it. scripts/interop/go.sh installs and
// runs it; test/interop/go.test.ts starts the embedded broker for it.
package interop
