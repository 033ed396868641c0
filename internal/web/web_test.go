package web

import (
	"net/http/httptest"
	"testing"

	"github.com/ocopvn/estamp/internal/ocop"
)

func TestLanguage(t *testing.T) {
	tests := []struct {
		query, accept string
		want          ocop.Lang
	}{
		{"", "", ocop.VI},
		{"", "en-US,en;q=0.9", ocop.EN},
		{"", "vi-VN,vi;q=0.9,en;q=0.8", ocop.VI},
		{"", "fr-FR,en;q=0.5", ocop.EN},
		{"", "fr-FR,de", ocop.VI},
		{"lang=vi", "en-US", ocop.VI},
		{"lang=EN", "vi", ocop.EN},
		{"lang=xx", "en", ocop.EN},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/?"+tt.query, nil)
		r.Header.Set("Accept-Language", tt.accept)
		if got := language(r); got != tt.want {
			t.Errorf("language(?%s, %q) = %s, want %s", tt.query, tt.accept, got, tt.want)
		}
	}
}

func TestWantsJSON(t *testing.T) {
	for accept, want := range map[string]bool{
		"":                                    false,
		"application/json":                    true,
		"text/html,application/xhtml+xml,*/*": false,
		"application/json;q=0.9, text/html":   true,
		"*/*":                                 false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", accept)
		if got := wantsJSON(r); got != want {
			t.Errorf("wantsJSON(%q) = %v, want %v", accept, got, want)
		}
	}
}
