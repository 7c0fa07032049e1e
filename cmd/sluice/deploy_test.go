package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// manifest reads one Kubernetes object from deploy/kubernetes.
func manifest(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "kubernetes", name))
	require.NoError(t, err)
	var obj map[string]any
	require.NoError(t, yaml.UnmarshalStrict(b, &obj), name)
	return obj
}

// at walks obj along path: map keys, or list indexes given as "[name]"
// (the element whose "name" is name).
func at(t *testing.T, obj any, path ...string) any {
	t.Helper()
	for _, p := range path {
		if strings.HasPrefix(p, "[") {
			list, ok := obj.([]any)
			require.True(t, ok, "%s: not a list", p)
			var found any
			for _, e := range list {
				if m, _ := e.(map[string]any); m["name"] == strings.Trim(p, "[]") {
					found = e
				}
			}
			require.NotNil(t, found, "no element %s", p)
			obj = found
			continue
		}
		m, ok := obj.(map[string]any)
		require.True(t, ok, "%s: not a map", p)
		obj, ok = m[p]
		require.True(t, ok, "no %s", p)
	}
	return obj
}

func TestKubernetesManifestsParseAndTheirScriptVerifies(t *testing.T) {
	kust := manifest(t, "kustomization.yaml")
	var kinds []string
	for _, r := range at(t, kust, "resources").([]any) {
		kinds = append(kinds, at(t, manifest(t, r.(string)), "kind").(string))
	}
	assert.ElementsMatch(t, []string{"ConfigMap", "Deployment", "Service"}, kinds)

	cm := manifest(t, "configmap.yaml")
	src := at(t, cm, "data", "main.js").(string)
	path := writeScript(t, src)
	code, out, errOut := runArgs("--verify", path)
	require.Equal(t, 0, code, "the ConfigMap's script: %s", errOut)
	assert.Contains(t, out, "is valid")
	listen := regexp.MustCompile(`\.listen\((\d+)\)`).FindStringSubmatch(src)
	require.NotNil(t, listen, "the script listens on a port")

	dep := manifest(t, "deployment.yaml")
	pod := at(t, dep, "spec", "template", "spec")
	sidecar := at(t, pod, "containers", "[sluice]")
	var args []string
	for _, a := range at(t, sidecar, "args").([]any) {
		args = append(args, a.(string))
	}
	o, err := parse(args, nil)
	require.NoError(t, err, "the sidecar's arguments parse")
	assert.True(t, o.ops.watch, "the sidecar reloads its ConfigMap")
	assert.Equal(t, "/etc/sluice/main.js", o.script)
	assert.Equal(t, "/etc/sluice", at(t, sidecar, "volumeMounts", "[config]", "mountPath"))
	_, subPath := at(t, sidecar, "volumeMounts", "[config]").(map[string]any)["subPath"]
	assert.False(t, subPath, "a subPath mount never sees ConfigMap updates")
	assert.Equal(t, at(t, cm, "metadata", "name"), at(t, pod, "volumes", "[config]", "configMap", "name"))

	_, metricsPort, _ := strings.Cut(o.ops.metricsAddr, ":")
	assert.Equal(t, metricsPort, itoa(int64(at(t, sidecar, "ports", "[metrics]", "containerPort").(float64))))
	assert.Equal(t, listen[1], itoa(int64(at(t, sidecar, "ports", "[http]", "containerPort").(float64))))
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
		assert.Equal(t, path, at(t, sidecar, probe, "httpGet", "path"))
		assert.Equal(t, "metrics", at(t, sidecar, probe, "httpGet", "port"), "%s on the metrics address", probe)
	}
	grace := at(t, pod, "terminationGracePeriodSeconds").(float64)
	assert.Greater(t, grace, (o.ops.drainDelay + o.drain).Seconds(), "the kubelet waits for the drain")

	svc := manifest(t, "service.yaml")
	assert.Equal(t, at(t, dep, "spec", "selector", "matchLabels"), at(t, svc, "spec", "selector"))
	assert.Equal(t, "http", at(t, svc, "spec", "ports", "[http]", "targetPort"))
}

func TestTheDockerImagesDefaultScriptVerifies(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^CMD \[.*"/usr/share/sluice/(examples/[^"]+)"\]`).FindSubmatch(b)
	require.NotNil(t, m, "the image runs an example by default")
	code, _, errOut := runArgs("--verify", filepath.Join("..", "..", string(m[1])))
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, string(b), "USER 65532", "the image runs as a non-root user")
	assert.Contains(t, string(b), "CGO_ENABLED=0", "a static binary")
}
