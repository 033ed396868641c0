package ocop_test

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/ocopvn/estamp/internal/ocop"
	"github.com/ocopvn/estamp/internal/sourcetree"
)

// reasonArgs are the constructors of errors people read, by package and
// name, with the positions of their Vietnamese and English arguments.
var reasonArgs = map[string][2]int{
	"ocop.Invalid":         {1, 2},
	"ocop.Precondition":    {0, 1},
	"auth.Unauthenticated": {0, 1},
	"auth.Denied":          {0, 1},
}

// reasonVerbs finds a format's verbs, %% aside.
var reasonVerbs = regexp.MustCompile(`%(?:\[\d+\])?[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]`)

func verbCount(format string) int {
	n := 0
	for _, v := range reasonVerbs.FindAllString(format, -1) {
		if v != "%%" {
			n++
		}
	}
	return n
}

// vietnamese reports whether s has a letter outside ASCII: a Vietnamese
// sentence has diacritics, and an English one copied in its place has not.
func vietnamese(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// Every reason a person may read is written in Vietnamese where it is
// written in English: each call of the constructors gives two literal
// formats of the same arguments, the first Vietnamese; an error struct
// built by hand fills ReasonVI, and a conflict's Detail its DetailVI.
func TestEveryReasonIsInVietnamese(t *testing.T) {
	sources, err := sourcetree.GoFiles(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	for file, src := range sources {
		f, err := parser.ParseFile(token.NewFileSet(), file, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		pkg := path.Base(path.Dir(file))
		details := 0
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				name := calleeName(n.Fun, pkg)
				pos, ok := reasonArgs[name]
				if !ok {
					return true
				}
				calls++
				where := file + ": " + name
				if len(n.Args) <= pos[1] {
					t.Errorf("%s: %d arguments", where, len(n.Args))
					return true
				}
				vi, viOK := literal(n.Args[pos[0]])
				en, enOK := literal(n.Args[pos[1]])
				switch {
				case !viOK || !enOK:
					t.Errorf("%s: the reasons are not string literals", where)
				case !vietnamese(vi) || vi == en:
					t.Errorf("%s(%q, %q): the first reason is not Vietnamese", where, vi, en)
				case verbCount(vi) != verbCount(en):
					t.Errorf("%s(%q, %q): the two formats use different arguments", where, vi, en)
				}
			case *ast.CompositeLit:
				switch typeName(n.Type) {
				case "InvalidError", "PreconditionError", "UnauthenticatedError", "DeniedError":
					if !hasKey(n, "ReasonVI") {
						t.Errorf("%s: %s built without ReasonVI", file, typeName(n.Type))
					}
				case "ConflictError":
					if hasKey(n, "Detail") && !hasKey(n, "DetailVI") {
						t.Errorf("%s: ConflictError with a Detail and no DetailVI", file)
					}
				}
			case *ast.AssignStmt:
				for _, l := range n.Lhs {
					if s, ok := l.(*ast.SelectorExpr); ok {
						switch s.Sel.Name {
						case "Detail":
							details++
						case "DetailVI":
							details--
						}
					}
				}
			}
			return true
		})
		// Other records have a Detail too (audit entries): only a file
		// that makes conflicts is held to it.
		if details != 0 && strings.Contains(src, "ConflictError") {
			t.Errorf("%s sets a Detail without its DetailVI", file)
		}
	}
	// About a hundred reasons: fewer means the walk missed them.
	if calls < 90 {
		t.Errorf("found %d calls of the constructors", calls)
	}
}

// calleeName is pkg.Name for a call of a package's function, from outside
// the package or inside it.
func calleeName(fun ast.Expr, pkg string) string {
	switch f := fun.(type) {
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok {
			return x.Name + "." + f.Sel.Name
		}
	case *ast.Ident:
		return pkg + "." + f.Name
	}
	return ""
}

func literal(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

func typeName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return t.Sel.Name
	}
	return ""
}

func hasKey(lit *ast.CompositeLit, key string) bool {
	for _, el := range lit.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if k, ok := kv.Key.(*ast.Ident); ok && k.Name == key {
				return true
			}
		}
	}
	return false
}

// whatWords finds what NotFoundError, ConflictError and ExhaustedError are
// about where they are made: What: "…", and the store's kinds of record
// (kind{bucket, "…"}), which its errors name.
var whatWords = regexp.MustCompile(`What:\s*"([^"]+)"|kind\{\w+, "([^"]+)"\}`)

// Whatever an error says is missing, taken or used up is named in
// Vietnamese too.
func TestEveryWhatIsInVietnamese(t *testing.T) {
	sources, err := sourcetree.GoFiles(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for file, src := range sources {
		for _, m := range whatWords.FindAllStringSubmatch(src, -1) {
			what := strings.TrimSpace(m[1] + m[2])
			n++
			if vi := ocop.WhatVI(what); vi == what && what != "token" {
				t.Errorf("%s: %q has no Vietnamese name", file, what)
			}
		}
	}
	if n < 15 {
		t.Errorf("found only %d names", n)
	}
}

func TestErrorsInBothLanguages(t *testing.T) {
	for _, tt := range []struct {
		err    error
		en, vi string
	}{
		{ocop.Invalid("quantity", "%[2]d vượt quá %[1]d", "%d is less than %d", 5, 7), "quantity: 5 is less than 7", "quantity: 7 vượt quá 5"},
		{ocop.Precondition("khóa %s đã bị lộ", "key %s is compromised", "0a0b"), "key 0a0b is compromised", "khóa 0a0b đã bị lộ"},
		{&ocop.NotFoundError{What: "batch", ID: "7"}, `batch "7" not found`, `không tìm thấy lô tem "7"`},
		{&ocop.NotFoundError{What: "delivery of retailer CH-1", ID: "3"}, `delivery of retailer CH-1 "3" not found`, `không tìm thấy lần giao hàng của cửa hàng CH-1 "3"`},
		{&ocop.ConflictError{What: "producer", ID: "A", Detail: " as x", DetailVI: " là x"}, `producer "A" already exists as x`, `chủ thể "A" đã có là x`},
		{&ocop.ExhaustedError{What: "serial numbers"}, "serial numbers exhausted", "đã dùng hết số sê-ri"},
	} {
		var vi interface{ Vietnamese() string }
		if !errors.As(tt.err, &vi) {
			t.Fatalf("%v has no Vietnamese", tt.err)
		}
		if tt.err.Error() != tt.en || vi.Vietnamese() != tt.vi {
			t.Errorf("%q / %q, want %q / %q", tt.err.Error(), vi.Vietnamese(), tt.en, tt.vi)
		}
	}
}
