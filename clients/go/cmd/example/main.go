// Command example chats with cordwire's demo chute over gRPC: one whole chat completion, then the
// same prompt streamed, printing the text of each.
//
//	go run ./cmd/example -target 127.0.0.1:50051 -api-key cw_... "Hello"
//
// -target and -api-key fall back to CORDWIRE_TARGET and CORDWIRE_API_KEY. It exits non-zero on
// any error, printing the gRPC status and the cordwire-error-* details the server sent.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	openaiv1 "github.com/cordwire/cordwire/clients/go/gen/cordwire/openai/v1"
)

// apiKey is per-RPC credentials: gRPC attaches the key to every call on the connection.
// It allows plaintext because the example talks to a local server; use TLS anywhere else.
type apiKey string

func (k apiKey) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"x-api-key": string(k)}, nil
}

func (apiKey) RequireTransportSecurity() bool { return false }

func main() {
	target := flag.String("target", envOr("CORDWIRE_TARGET", "127.0.0.1:50051"), "gRPC address of the chute")
	key := flag.String("api-key", os.Getenv("CORDWIRE_API_KEY"), "API key (sent as x-api-key)")
	model := flag.String("model", "tiny-lm", "model id")
	timeout := flag.Duration("timeout", time.Minute, "deadline for both calls")
	flag.Parse()
	prompt := "Once upon a time"
	if flag.NArg() > 0 {
		prompt = strings.Join(flag.Args(), " ")
	}
	if err := run(*target, *key, *model, prompt, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "example: error:", err)
		os.Exit(1)
	}
}

func run(target, key, model, prompt string, timeout time.Duration) error {
	conn, err := grpc.NewClient(target,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(apiKey(key)))
	if err != nil {
		return err
	}
	defer conn.Close()
	client := openaiv1.NewOpenAIServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	request := &openaiv1.CreateChatCompletionRequest{
		Model: model,
		Messages: []*openaiv1.ChatCompletionRequestMessage{
			{Role: "user", Content: structpb.NewStringValue(prompt)},
		},
		MaxTokens: proto.Int32(24),
		Seed:      proto.Int64(7),
	}

	var trailer metadata.MD
	reply, err := client.CreateChatCompletion(ctx, request, grpc.Trailer(&trailer))
	if err != nil {
		return describe(err, trailer)
	}
	if len(reply.GetChoices()) == 0 {
		return errors.New("the completion has no choices")
	}
	fmt.Println("completion:", reply.GetChoices()[0].GetMessage().GetContent())

	stream, err := client.StreamChatCompletion(ctx, request)
	if err != nil {
		return describe(err, nil)
	}
	var text strings.Builder
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return describe(err, stream.Trailer())
		}
		for _, choice := range chunk.GetChoices() {
			text.WriteString(choice.GetDelta().GetContent())
		}
	}
	fmt.Println("streamed:", text.String())
	return nil
}

// describe adds the error details cordwire sends in trailing metadata (param, reason, type).
func describe(err error, trailer metadata.MD) error {
	var details []string
	for k, v := range trailer {
		if strings.HasPrefix(k, "cordwire-error-") {
			details = append(details, k+"="+strings.Join(v, ","))
		}
	}
	s := status.Convert(err)
	return fmt.Errorf("%s: %s %s", s.Code(), s.Message(), strings.Join(details, " "))
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
