// Command sluice runs a JavaScript proxy configuration written for Pipy:
//
//	sluice [options] <script file or directory>
//
// It listens on the ports the script declares, runs its tasks, and serves
// until SIGINT or SIGTERM, when it stops accepting, lets open connections
// finish (for up to --drain) and exits. SIGHUP reloads the script: new
// connections get the new configuration, open ones finish on the old.
// SIGTSTP prints a status table (pipelines, connections) and goes on.
//
// For operators: --metrics=ADDR serves Prometheus' /metrics, /healthz,
// /readyz (failing from the start of a drain) and /status (the status table
// as JSON); --watch reloads when the script or a module it uses changes (a
// Kubernetes ConfigMap update too); --log-format=json and --access-log=FILE
// shape the logs.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	captureStdio = true
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	if statusSignal != nil {
		signal.Notify(sig, statusSignal)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, sig))
}
