# cxhub — the two commands are `make demo` and `make test`.

GO      ?= go
BIN     := bin
PLUGINS := $(BIN)/plugins
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/cxhub/cxhub/core/cli.Version=$(VERSION)
BUF_VERSION := v1.50.0

# Every connector's plugin main: connectors/<name>/cmd/cxhub-connector-<name>, and the examples.
CONNECTOR_MAINS := $(wildcard connectors/*/cmd/cxhub-connector-*)
EXAMPLE_MAINS   := examples/connector-minimal

.PHONY: all build plugins sandbox demo demo-steps test test-short vet fmt-check bench benchstat fuzz stress proto clean help

all: build

help:
	@echo "make demo   build everything and run the demo pipelines against the embedded defaults"
	@echo "make test   vet, format check and every test (with -race)"
	@echo "make build  build bin/cxhub, every connector into bin/plugins, and bin/cxhub-sandbox"
	@echo "make bench  measure: micro-benchmarks, then throughput vs the protocol's ceiling, memory, a vendor sync"
	@echo "make fuzz   run every fuzz target for FUZZTIME (default 30s) each"
	@echo "make stress the long crash and fault tests (bounded; short versions run in make test)"
	@echo "make proto  regenerate sdk/internal/connectorpb from sdk/proto (needs only Go)"

build: $(BIN)/cxhub plugins sandbox

$(BIN)/cxhub: FORCE
	$(GO) build -ldflags "$(LDFLAGS)" -o $@ ./core/cmd/cxhub

plugins:
	@mkdir -p $(PLUGINS)
	@for main in $(CONNECTOR_MAINS); do \
		echo "build $$main"; \
		$(GO) build -o $(PLUGINS)/$$(basename $$main) ./$$main || exit 1; \
	done
	$(GO) build -o $(PLUGINS)/cxhub-connector-inline ./examples/connector-minimal

# The vendor sandboxes (HubSpot, Zendesk emulators) for the demo and for trying connectors.
sandbox:
	$(GO) build -o $(BIN)/cxhub-sandbox ./connectors/cmd/cxhub-sandbox

FORCE:

# The demo runs on a fresh copy of configs/demo-data in bin/demo, so it can
# be run again and again and never changes a tracked file. The vendor
# sandboxes run for the length of the demo on free loopback ports, which
# cxhub-sandbox passes to the steps as CXHUB_SANDBOX_*_URL.
DEMO := $(BIN)/demo
CXHUB_DEMO := $(BIN)/cxhub -c configs/demo.yaml
SANDBOX := $(BIN)/cxhub-sandbox

demo: build
	@rm -rf $(DEMO) && mkdir -p $(DEMO) && cp -R configs/demo-data $(DEMO)/in
	@$(SANDBOX) hubspot=127.0.0.1:0 zendesk=127.0.0.1:0 -- $(MAKE) --no-print-directory demo-steps

demo-steps:
	@echo; echo "== 1. record the connector binaries' checksums (configs/demo.lock), then validate the pipeline file"
	@$(CXHUB_DEMO) plugins lock && $(CXHUB_DEMO) validate
	@echo; echo "== 2. installed connectors, and the sandboxes they reach"; $(CXHUB_DEMO) plugins list
	@$(CXHUB_DEMO) check crm && $(CXHUB_DEMO) check helpdesk
	@echo; echo "== 3. first sync: every pipeline reads everything"; $(CXHUB_DEMO) sync
	@echo; echo "== 4. dead letters: records that could not be written, with their reasons"; $(CXHUB_DEMO) dlq list
	@echo; echo "== 5. two new customers arrive in the file; the next sync reads only them"
	@printf '%s\n' 'C-1013,Grace,Hopper,grace.hopper@example.org,+1 212 555 0113,2026-11-20T09:00:00Z' \
		'C-1014,Alan,Turing,alan.turing@example.org,+44 20 7946 0014,2026-11-20T09:05:00Z' >> $(DEMO)/in/customers.csv
	@$(CXHUB_DEMO) sync customers-to-contacts
	@echo; echo "== 6. three contacts change in the CRM; the next sync carries only them to the help desk"
	@$(SANDBOX) post "$$CXHUB_SANDBOX_HUBSPOT_URL/_sandbox/hubspot/touch" '{"object":"contacts","count":3}'
	@$(CXHUB_DEMO) sync crm-contacts-to-helpdesk-users
	@echo; echo "== 7. checkpoints and run history"; $(CXHUB_DEMO) state show; echo; $(CXHUB_DEMO) runs
	@echo; echo "== 8. what arrived (first lines of each output file in $(DEMO)/out)"
	@for f in $(DEMO)/out/*; do echo "-- $$f"; head -n 3 $$f; done

# Every test, with the race detector. Tests build the plugin binaries they
# run; nothing needs to be started by hand.
test: vet fmt-check
	$(GO) test -race -count=1 -timeout 20m ./...

# The same without -race, for a quick loop.
test-short:
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$') 2>/dev/null); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# make bench: the Go micro-benchmarks of the hot paths (6 samples each, kept
# in bin/bench/micro.txt for benchstat), then cxhub-bench's table: the
# protocol's ceiling, the engine end to end, memory and a rate-limited
# vendor sync, all measured in this run. See docs/performance.md.
# BENCH_FLAGS passes options to cxhub-bench (e.g. BENCH_FLAGS="-runs 3 -memory 100000").
BENCH_FLAGS ?=
BENCHSTAT := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

bench: build
	$(GO) build -o $(BIN)/cxhub-wirebench ./sdk/internal/wirebench/cmd/cxhub-wirebench
	$(GO) build -o $(BIN)/cxhub-bench ./core/cmd/cxhub-bench
	@mkdir -p $(BIN)/bench
	@echo "== micro-benchmarks (bin/bench/micro.txt)"
	@$(GO) test -run '^$$' -bench . -benchmem -count 6 -benchtime 200ms $(MICRO_BENCH_PKGS) > $(BIN)/bench/micro.txt \
		|| { cat $(BIN)/bench/micro.txt; exit 1; }
	@grep -v '^goos\|^goarch\|^cpu' $(BIN)/bench/micro.txt
	@echo; echo "== end to end"
	$(BIN)/cxhub-bench -cxhub $(BIN)/cxhub -plugins $(PLUGINS) -wirebench $(BIN)/cxhub-wirebench -sandbox $(SANDBOX) $(BENCH_FLAGS)

# The packages whose benchmarks cover the hot paths: mapping and filtering,
# batching and committing, the protocol's encoding, the load connectors.
MICRO_BENCH_PKGS := ./core/mapping ./core/engine ./core/state ./sdk ./connectors/generator ./connectors/null

# make benchstat OLD=file: compares bin/bench/micro.txt with an earlier run.
benchstat:
	@test -n "$(OLD)" || { echo "usage: make benchstat OLD=path/to/earlier/micro.txt"; exit 2; }
	$(GO) run $(BENCHSTAT) $(OLD) $(BIN)/bench/micro.txt

# make stress: the long versions of the crash, plugin-kill, fault, shutdown
# and secrets tests (CXHUB_STRESS=1: 220,000 records and 24 kills of cxhub,
# every fault kind alone and together at higher rates). Each test stops
# itself at its budget; the whole target is bounded by -timeout. A failure
# logs its seed: CXHUB_STRESS_SEED=<seed> replays it.
stress:
	CXHUB_STRESS=1 $(GO) test -race -count=1 -timeout 30m -run 'Crash|Kill|Fault|Shutdown|Secret|Stress' ./core/e2e/

# make fuzz: every fuzz target for FUZZTIME each (not part of make test;
# their seed corpora in testdata/fuzz run with every go test). A crash
# leaves its input in the package's testdata/fuzz, to commit as a
# regression seed once fixed.
FUZZTIME ?= 30s
FUZZ_TARGETS := \
	./core/config:FuzzLoad ./core/mapping:FuzzApply ./core/mapping:FuzzCompileFilter \
	./sdk:FuzzRecordFromWire ./sdk/webhook:FuzzVerify \
	./connectors/file:FuzzReadJSONL ./connectors/file:FuzzReadCSV \
	./connectors/hubspot:FuzzWebhookUnsigned ./connectors/hubspot:FuzzWebhookSigned \
	./connectors/zendesk:FuzzWebhookUnsigned ./connectors/zendesk:FuzzWebhookSigned

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "== $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s $$pkg || exit 1; \
	done

proto:
	cd sdk/proto && $(GO) run github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION) generate

clean:
	rm -rf $(BIN)
