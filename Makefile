# estamp — see README.md. Every tool is pinned in go.mod or tools/go.mod, so
# a machine with only Go can run every target.

GO        ?= go
BUF       := $(GO) tool -modfile=tools/go.mod buf
DATA_DIR  ?= ./data
# A count, not a duration: Go 1.26's fuzz coordinator can fail a target with
# a bare "context deadline exceeded" when a duration runs out while a worker
# is busy (go.dev/issue/75804, fixed in Go 1.27); a count has no deadline.
FUZZTIME  ?= 20000x
# Every parser of outside input, as Fuzz target:package.
FUZZ_TARGETS = FuzzParse:./internal/stampcode FuzzClientInput:./internal/ocop \
	FuzzParseToken:./internal/auth FuzzRequest:./internal/web FuzzReadCodes:./internal/cli \
	FuzzCheck:./internal/verdict FuzzPageToken:./internal/paging FuzzCheck:./internal/photo \
	FuzzParseSerial:./internal/ocop FuzzCheckGTIN:./internal/ocop FuzzCheckGLN:./internal/ocop FuzzAPIDate:./internal/ocop \
	FuzzEvent:./internal/epcis FuzzParse:./internal/trust FuzzOpen:./internal/relay \
	FuzzReadList:./internal/foreign FuzzParseStat:./internal/cputime

.PHONY: all build run test bench bench-go generate lint breaking ci clean screenshots

all: generate lint test build

## build: compile estampd and estamp into ./bin
build:
	$(GO) build -o bin/ ./cmd/...

## run: serve on localhost with an embedded database and demo data
run: build
	@test -f $(DATA_DIR)/admin.token || { \
		echo "estampd writes the first admin token to $(DATA_DIR)/admin.token on its first start."; \
		echo "In another shell: export PATH=\$$PWD/bin:\$$PATH ESTAMP_TOKEN=\$$(cat $(DATA_DIR)/admin.token); estamp products list"; }
	@echo "Console for the office, producers and shops: http://localhost:8080/console/ (demo accounts and one-time passwords: $(DATA_DIR)/demo-accounts.txt)"
	./bin/estampd --data-dir $(DATA_DIR) --demo

## test: every test, with the race detector, then a short run of each fuzz target
test:
	$(GO) test -race -count=1 ./...
	@for t in $(FUZZ_TARGETS); do \
		echo "$(GO) test -run='^$$' -fuzz=^$${t%%:*}$$ -fuzztime=$(FUZZTIME) $${t#*:}"; \
		$(GO) test -run='^$$' -fuzz="^$${t%%:*}$$" -fuzztime=$(FUZZTIME) "$${t#*:}" || exit 1; \
	done

## bench: a real estampd on loopback driven by cmd/estamp-bench; each workload in 3 rounds with its ceilings, one table, every round in bench-results.json (about 5 minutes; BENCH_FLAGS="--preload 5000000" adds verification among 5 million scanned stamps)
bench: build
	./bin/estamp-bench --estampd ./bin/estampd --out bench-results.json $(BENCH_FLAGS)

## bench-go: the Go micro-benchmarks the README quotes (about 10 minutes: labels of 100,000 stamps are slow)
bench-go:
	$(GO) test -run='^$$' -bench=. -benchmem -count=5 ./internal/stampcode
	$(GO) test -run='^$$' -bench=. -benchtime=3s -count=5 ./internal/server
	$(GO) test -run='^$$' -bench=. -benchtime=1x -count=5 ./internal/labels

## screenshots: the README's screenshots, from the browser tests (Chromium)
screenshots:
	ESTAMP_SCREENSHOTS=$(CURDIR)/docs $(GO) test -count=1 -run 'TestPhoneOpensStampPage|Browser' ./cmd/estampd ./internal/console ./internal/server

## generate: regenerate gen/ from proto/ with the pinned buf and plugins
generate:
	$(BUF) generate

## lint: gofmt, go vet, buf lint and buf format
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^gen/')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(BUF) lint
	$(BUF) format --diff --exit-code

## breaking: the protos against the previous commit (buf breaking, FILE rules); skipped for a commit whose subject says [breaking]
breaking:
	@if ! git rev-parse -q --verify HEAD~1 >/dev/null; then echo "breaking: no previous commit"; \
	elif git log -1 --format=%s | grep -qF '[breaking]'; then echo "breaking: skipped, the commit says [breaking]"; \
	else $(BUF) breaking --against '.git#ref=HEAD~1'; fi

clean:
	rm -rf bin
