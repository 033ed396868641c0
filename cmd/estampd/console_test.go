package main

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDemoAccountsSignIn: make run's first hour. --demo writes one-time
// passwords of an office, a producer and a shop account to a private
// file, the log names the file but not the passwords, and each signs in
// to the console, which asks for a new password first.
func TestDemoAccountsSignIn(t *testing.T) {
	if testing.Short() {
		t.Skip("runs estampd")
	}
	httpAddr := freePort(t)
	dir := filepath.Join(t.TempDir(), "data")
	var logs lockedBuffer
	startDaemonLogging(t, &logs, buildDaemon(t), dir, "--http-addr", httpAddr, "--base-url", "http://"+httpAddr)
	path := filepath.Join(dir, DemoAccountsFile)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v", path, info.Mode().Perm())
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(text, []byte("http://"+httpAddr+"/console/")) {
		t.Errorf("the file does not say where the console is:\n%s", text)
	}
	lines := regexp.MustCompile(`(?m)^(\S+)\s+([a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5})\s+(.+)$`).FindAllStringSubmatch(string(text), -1)
	if len(lines) != 3 {
		t.Fatalf("want 3 accounts:\n%s", text)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, l := range lines {
		if strings.Contains(logs.String(), l[2]) {
			t.Errorf("the log shows %s's password", l[1])
		}
		form := url.Values{"username": {l[1]}, "password": {l[2]}}
		req, _ := http.NewRequest(http.MethodPost, "http://"+httpAddr+"/console/signin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/password" {
			t.Errorf("%s: %d %q, want the password change", l[1], resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}
