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

.PHONY: all build plugins sandbox demo demo-steps test test-short vet fmt-check bench proto clean help

all: build

help:
	@echo "make demo   build everything and run the demo pipelines against the embedded defaults"
	@echo "make test   vet, format check and every test (with -race)"
	@echo "make build  build bin/cxhub, every connector into bin/plugins, and bin/cxhub-sandbox"
	@echo "make bench  run the Go benchmarks"
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
	@echo; echo "== 1. validate the pipeline file"; $(CXHUB_DEMO) validate
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

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

proto:
	cd sdk/proto && $(GO) run github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION) generate

clean:
	rm -rf $(BIN)
