package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ocopvn/estamp/internal/stampcode"
)

// FuzzReadCodes feeds any file to intake's reader: lines come back without
// their line ends (LF or CRLF; a further CR is content, which the server
// trims), one per line of the file, and every line the stamp parser
// accepts is found again in the file.
func FuzzReadCodes(f *testing.F) {
	code := "HTTP://LOCALHOST:8080/V/AGCEDCREAAAAAAAAAIAAAAADAAAAAAIEKMCPUIXAJL4BX5EYFHQ2VYRMTAG74AIR5EEW5WD6XEGM7AME44K7NEY225Z5JWIZJN6ZKYDX6HTOLFCHYBXFPUNM3SJXFKP5AY4YFTZGBQ"
	f.Add([]byte(code + "\n"))
	f.Add([]byte(strings.ToLower(code) + "\r\n  " + code + "  \r\n\r\n"))
	f.Add([]byte("xin chào\n\x00\xff\n"))
	f.Add([]byte(strings.Repeat("A", 70000)))
	f.Fuzz(func(t *testing.T, data []byte) {
		codes, err := readCodes(bytes.NewReader(data))
		if err != nil {
			return
		}
		if want := bytes.Count(data, []byte("\n")); len(codes) != want && len(codes) != want+1 {
			t.Fatalf("%d lines read from a file of %d line ends", len(codes), want)
		}
		for i, c := range codes {
			if strings.ContainsRune(c, '\n') {
				t.Fatalf("line end left in %q", c)
			}
			// Each line is in the file followed by LF or CRLF (one CR only
			// belongs to the line end), or ends the file, with or without
			// one CR.
			last := i == len(codes)-1 && (bytes.HasSuffix(data, []byte(c)) || bytes.HasSuffix(data, []byte(c+"\r")))
			if !last && !bytes.Contains(data, []byte(c+"\n")) && !bytes.Contains(data, []byte(c+"\r\n")) {
				t.Fatalf("line %d %q is not a line of the file", i+1, c)
			}
			if _, err := stampcode.Parse(strings.TrimSpace(c)); err == nil && !bytes.Contains(data, []byte(c)) {
				t.Fatalf("code %q is not in the file", c)
			}
		}
	})
}
