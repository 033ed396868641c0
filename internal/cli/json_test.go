package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// jsonTimes walks a JSON document and reports, by key, every value that
// is a moment (an RFC 3339 string), and every key that breaks the rule
// that a moment's name ends in _time and only a moment's does.
func jsonTimes(v any, times map[string]bool, odd *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			s, isString := x.(string)
			_, err := time.Parse(time.RFC3339Nano, s)
			moment := isString && err == nil
			if moment {
				times[k] = true
			}
			if moment != strings.HasSuffix(k, "_time") {
				*odd = append(*odd, k)
			}
			jsonTimes(x, times, odd)
		}
	case []any:
		for _, x := range v {
			jsonTimes(x, times, odd)
		}
	}
}

// What --json prints is the API's JSON: a script reads a moment from a
// field named *_time (audit entries, key validity and stamp events
// included), and a date (YYYY-MM-DD) or anything else never from one.
func TestJSONTimesEndInTime(t *testing.T) {
	addr := startServer(t)
	codes := filepath.Join(t.TempDir(), "codes.txt")
	if r := estamp(t, addr, "issue", "--product", "CHE-LAM-PHU-QUANG", "--lot", "J-1", "--quantity", "3", "--expiry-date", "2027-05-01", "--out", codes); r.err != nil {
		t.Fatal(r.err)
	}
	data, err := os.ReadFile(codes)
	if err != nil {
		t.Fatal(err)
	}
	code := strings.Fields(string(data))[0]
	for _, args := range [][]string{
		{"verify", code},
		{"intake", "--retailer", "ST-SAM-SON", codes},
		{"revoke", "--serial", "2", "--reason", "Tem bị mất"},
		{"admin", "keys", "rotate"},
	} {
		if r := estamp(t, addr, args...); r.err != nil {
			t.Fatalf("%v: %v\n%s", args, r.err, r.out)
		}
	}

	tests := []struct {
		name string
		args []string
		want []string // moments it must show, by name
	}{
		{"audit", []string{"admin", "audit", "list"}, []string{"change_time"}},
		{"keys", []string{"keys", "list"}, []string{"not_before_time", "not_after_time"}},
		{"history of a received stamp", []string{"history", "1"}, []string{"event_time"}},
		{"history of a revoked stamp", []string{"history", "2"}, []string{"event_time"}},
		{"batch", []string{"batches", "show", "1"}, []string{"issue_time"}},
		{"verify", []string{"verify", code}, []string{"issue_time", "first_scan_time", "last_scan_time"}},
		{"revoked product", []string{"products", "show", "NEM-CHUA-CU-TH"}, []string{"create_time", "revoke_time"}},
		{"tokens", []string{"admin", "tokens", "list"}, []string{"create_time"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := estamp(t, addr, append([]string{"--json"}, tt.args...)...)
			var doc any
			if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
				t.Fatalf("%v: %v %v\n%s", tt.args, r.err, err, r.out)
			}
			times := map[string]bool{}
			var odd []string
			jsonTimes(doc, times, &odd)
			if len(odd) > 0 {
				slices.Sort(odd)
				t.Errorf("%v: a field holds a moment exactly when its name ends in _time; not so for\n%s", tt.args, strings.Join(slices.Compact(odd), "\n"))
			}
			for _, name := range tt.want {
				if !times[name] {
					t.Errorf("%v: no moment named %s in\n%s", tt.args, name, r.out)
				}
			}
		})
	}
}
