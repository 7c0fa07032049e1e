package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-go/sluice/gui"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// guiRun is a `sluice --gui-port=0 …` running in the test process.
type guiRun struct {
	url  string         // the GUI's base URL, "http://127.0.0.1:port"
	sig  chan os.Signal // signals to it
	code chan int       // its exit status, once it has returned
	log  chan string    // its standard error, line by line, after the URL line
}

// startGUI runs sluice with args (and --gui-port=0) and waits for the line
// that says where the GUI listens.
func startGUI(t *testing.T, args ...string) *guiRun {
	t.Helper()
	pr, pw := io.Pipe()
	g := &guiRun{sig: make(chan os.Signal, 1), code: make(chan int, 1), log: make(chan string, 1000)}
	go func() {
		g.code <- run(append([]string{"--gui-port=0"}, args...), io.Discard, pw, g.sig)
		pw.Close()
	}()
	urlLine := regexp.MustCompile(`msg=gui url=(http://[^/ ]+)/`)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := urlLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
			select {
			case g.log <- sc.Text():
			default:
			}
		}
		close(g.log)
	}()
	select {
	case g.url = <-found:
	case c := <-g.code:
		t.Fatalf("sluice exited with %d before serving the GUI", c)
	case <-time.After(20 * time.Second):
		t.Fatal("the GUI did not start")
	}
	t.Cleanup(func() {
		select {
		case g.sig <- syscall.SIGTERM:
		default:
		}
		select {
		case <-g.code:
		case <-time.After(20 * time.Second):
			t.Error("sluice did not stop")
		}
	})
	return g
}

// stop sends SIGTERM and returns the exit status.
func (g *guiRun) stop(t *testing.T) int {
	t.Helper()
	g.sig <- syscall.SIGTERM
	select {
	case c := <-g.code:
		g.code <- c // for the cleanup
		return c
	case <-time.After(20 * time.Second):
		t.Fatal("sluice did not stop")
	}
	return -1
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

func TestGUIServesAFolderWithNothingRunning(t *testing.T) {
	dir := filepath.Dir(writeScript(t, "pipy().listen('127.0.0.1:0').dummy()\n"))
	g := startGUI(t, dir)
	var p struct{ Path string }
	getJSON(t, g.url+"/api/program", &p)
	assert.Equal(t, "", p.Path)
	resp, err := http.Get(g.url + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, 0, g.stop(t))
}

func TestGUIRunsAFileGivenAtOnce(t *testing.T) {
	path := writeScript(t, "pipy().listen('127.0.0.1:0').dummy()\n")
	g := startGUI(t, path)
	var p struct{ Path string }
	getJSON(t, g.url+"/api/program", &p)
	assert.Equal(t, "/main.js", p.Path)
	var files struct{ Children []struct{ Path string } }
	getJSON(t, g.url+"/api/files", &files)
	require.Len(t, files.Children, 1)
	assert.Equal(t, "/main.js", files.Children[0].Path)
	assert.Equal(t, 0, g.stop(t))
	lines := []string{}
	for l := range g.log {
		lines = append(lines, l)
	}
	assert.Contains(t, strings.Join(lines, "\n"), "gui: started")
}

func TestGUIPortIsCheckedAndLoopbackIsKnown(t *testing.T) {
	code, _, errOut := runArgs("--gui-port=-5", "x")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--gui-port must be a port number")
	assert.True(t, loopback("127.0.0.1"))
	assert.True(t, loopback("::1"))
	assert.True(t, loopback("localhost"))
	assert.False(t, loopback("0.0.0.0"))
	assert.False(t, loopback(""))
}

func TestCapturedOutputReachesTheLogAndStillGoesOut(t *testing.T) {
	logs := gui.NewLog()
	origOut, origErr := os.Stdout, os.Stderr
	outFile, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
	require.NoError(t, err)
	errFile, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	require.NoError(t, err)
	defer errFile.Close()
	os.Stdout, os.Stderr = outFile, errFile // what capture passes the output on to
	restore := captureOutput(logs)
	fmt.Fprint(os.Stdout, "printed by print\npart")
	fmt.Fprint(os.Stdout, "ial\n")
	fmt.Fprintln(os.Stderr, "dumped by dump")
	restore()
	restoredOut := os.Stdout
	os.Stdout, os.Stderr = origOut, origErr
	assert.Same(t, outFile, restoredOut, "restore puts the file back")
	outFile.Close()

	lines, _ := logs.Since(0)
	got := map[string]string{}
	for _, l := range lines {
		got[l.Text] = l.Level
	}
	assert.Equal(t, map[string]string{"printed by print": "print", "partial": "print", "dumped by dump": "dump"}, got)
	b, err := os.ReadFile(outFile.Name())
	require.NoError(t, err)
	assert.Equal(t, "printed by print\npartial\n", string(b))
	b, err = os.ReadFile(errFile.Name())
	require.NoError(t, err)
	assert.Equal(t, "dumped by dump\n", string(b))
}
