package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"jakguard/fhir"
	"jakguard/hooks"
)

// evalSetup evaluates one hook request file offline and prints the response.
func evalSetup(fs *flagSet, sio stdio) func(context.Context) error {
	reqFile := fs.String("request", "", "", "hook request JSON file (required)")
	vs := fs.String("valuesets", "JAKGUARD_VALUESETS", "", "directory of FHIR ValueSet JSON files that add to (or replace) built-in value sets (docs/valuesets.md)")
	rc := fs.String("rules-config", "JAKGUARD_RULES_CONFIG", "", "JSON file of rule windows and thresholds that replace the defaults (docs/rules.md)")
	allowHTTP := fs.Bool("allow-http-fhir", "JAKGUARD_ALLOW_HTTP_FHIR", false, "allow an http fhirServer for fallback queries (development only)")
	deadline := fs.Duration("deadline", "JAKGUARD_DEADLINE", 10*time.Second, "time limit, FHIR fallback included")
	logLevel := fs.String("log-level", "JAKGUARD_LOG_LEVEL", "warn", "debug, info, warn or error")
	return func(ctx context.Context) error {
		return evalRequest(ctx, sio, *reqFile, *vs, *rc, *allowHTTP, *deadline, *logLevel)
	}
}

func evalRequest(ctx context.Context, sio stdio, reqFile, vs, rc string, allowHTTP bool, deadline time.Duration, logLevel string) error {
	stdout, stderr := sio.stdout, sio.stderr
	if reqFile == "" {
		return errors.New("eval: --request FILE is required")
	}
	body, err := os.ReadFile(reqFile)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	var head struct {
		Hook string `json:"hook"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return fmt.Errorf("eval: %s is not a JSON hook request", reqFile)
	}
	if head.Hook == "" {
		return fmt.Errorf("eval: %s has no hook", reqFile)
	}
	logger, err := newLogger(stderr, logLevel)
	if err != nil {
		return err
	}
	engine, _, err := newEngine(vs, rc)
	if err != nil {
		return err
	}
	srv, err := hooks.NewServer(hooks.Config{Deadline: deadline}, hooks.Deps{
		Engine: engine,
		FHIR:   fhir.NewClient(fhir.ClientConfig{AllowHTTP: allowHTTP}, nil),
		Logger: logger,
	})
	if err != nil {
		return err
	}
	out, err := srv.Evaluate(ctx, head.Hook, body)
	if err != nil {
		var he *hooks.Error
		if errors.As(err, &he) {
			return fmt.Errorf("eval: %d %s", he.Status, he.Message)
		}
		return fmt.Errorf("eval: %w", err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "  "); err != nil {
		return err
	}
	pretty.WriteByte('\n')
	_, err = stdout.Write(pretty.Bytes())
	return err
}
