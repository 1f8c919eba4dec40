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

.PHONY: all build plugins sandbox sandboxes serve-demo demo demo-steps deps chromium postgresql test test-short vet fmt-check screenshot bench benchstat fuzz stress proto docs clean help

all: build

help:
	@echo "make demo   build everything and run the demo pipelines against the embedded defaults"
	@echo "make serve-demo  the sandboxes and cxhub serve (API, webhooks, dashboard on 127.0.0.1:8080) until Ctrl-C"
	@echo "make sandboxes   only the vendor sandboxes, on their demo ports, until Ctrl-C"
	@echo "make test   vet, format check and every test (with -race); installs Chromium for the dashboard's browser tests"
	@echo "make build  build bin/cxhub, every connector into bin/plugins, and bin/cxhub-sandbox"
	@echo "make bench  measure: micro-benchmarks, then throughput vs the protocol's ceiling, memory, a vendor sync, a two-way steady state"
	@echo "make fuzz   run every fuzz target for FUZZTIME (default 30s) each"
	@echo "make stress the long crash and fault tests (bounded; short versions run in make test)"
	@echo "make proto  regenerate sdk/internal/connectorpb from sdk/proto (needs only Go)"
	@echo "make docs   regenerate the connectors' reference pages, docs/connectors/<name>.md, from their specs"

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
SURVEY_DEMO := $(BIN)/cxhub -c configs/survey-journeys.yaml
SHOP_DEMO := $(BIN)/cxhub -c configs/shopify-journeys.yaml
CUSTOMERS_DEMO := $(BIN)/cxhub -c configs/customers.yaml

demo: build
	@rm -rf $(DEMO) && mkdir -p $(DEMO) && cp -R configs/demo-data $(DEMO)/in
	@$(SANDBOX) hubspot=127.0.0.1:0 zendesk=127.0.0.1:0 surveymonkey=127.0.0.1:0 shopify=127.0.0.1:0 -- $(MAKE) --no-print-directory demo-steps

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
	@echo; echo "== 6. three contacts get a new lead status in the CRM, a field the pipeline does not map: the next sync reads only them and writes none (UNCHANGED 3 in the run history below)"
	@$(SANDBOX) post "$$CXHUB_SANDBOX_HUBSPOT_URL/_sandbox/hubspot/touch" '{"object":"contacts","count":3}'
	@$(CXHUB_DEMO) sync crm-contacts-to-helpdesk-users
	@echo; echo "== 7. checkpoints and run history"; $(CXHUB_DEMO) state show; echo; $(CXHUB_DEMO) runs
	@echo; echo "== 8. what arrived (first lines of each output file in $(DEMO)/out)"
	@for f in $(DEMO)/out/*.*; do echo "-- $$f"; head -n 3 $$f; done
	@echo; echo "== 9. survey journeys: responses into a file, detractors become help desk tickets, solved tickets' requesters join the next survey's audience"
	@$(SURVEY_DEMO) plugins lock >/dev/null && $(SURVEY_DEMO) validate && $(SURVEY_DEMO) check survey
	@$(SURVEY_DEMO) sync
	@echo; echo "== 10. a new detractor answers the NPS survey; the next sync opens one ticket for her"
	@$(SANDBOX) post "$$CXHUB_SANDBOX_SURVEYMONKEY_URL/_sandbox/surveymonkey/respond" '{"survey_id":"400000001","email":"ada.lovelace@northwind.example","first_name":"Ada","last_name":"Lovelace","choice":3,"comment":"Waited a week for an answer."}'
	@$(SURVEY_DEMO) sync detractors-to-tickets
	@echo; echo "== 11. the shop: orders and shipments into files, customers into the CRM, a ticket per late or failed shipment, delivered customers onto the survey list"
	@$(SHOP_DEMO) plugins lock >/dev/null && $(SHOP_DEMO) check shop
	@$(SHOP_DEMO) sync
	@echo; echo "== 12. a delivered shipment fails: the next sync reads only it and opens one ticket"
	@$(SANDBOX) post "$$CXHUB_SANDBOX_SHOPIFY_URL/_sandbox/shopify/shipment" '{"fulfillment_id":4650000000001,"status":"failure"}'
	@$(SHOP_DEMO) sync
	@echo; echo "== 13. one customer: every sandbox's people and interactions into the customer index"
	@echo "(Zendesk's incremental exports leave out the last minute's changes, as the real API does: the help desk users"
	@echo " step 3 updated would show a minute later. The demo moves the sandbox's clock on a minute instead of waiting.)"
	@$(SANDBOX) post "$$CXHUB_SANDBOX_ZENDESK_URL/_sandbox/zendesk/clock" '{"advance":"1m"}' >/dev/null
	@$(CUSTOMERS_DEMO) plugins lock >/dev/null && $(CUSTOMERS_DEMO) sync
	@echo; echo "== 14. one customer stitched from all four systems: profile and timeline, and why the records were joined"
	@$(CUSTOMERS_DEMO) customers show anita.rhodes.6@adventure-works.example
	@$(CUSTOMERS_DEMO) customers explain anita.rhodes.6@adventure-works.example

# The vendor sandboxes on the ports configs/demo.yaml falls back to, until
# Ctrl-C: for exploring with cxhub sync, check, dlq... after the demo.
SANDBOX_PORTS := hubspot=127.0.0.1:9101 zendesk=127.0.0.1:9102 surveymonkey=127.0.0.1:9103 shopify=127.0.0.1:9104

sandboxes: sandbox
	@echo "sandboxes until Ctrl-C; in another terminal: bin/cxhub -c configs/demo.yaml sync"
	@$(SANDBOX) $(SANDBOX_PORTS)

# cxhub serve over the demo config, with the sandboxes, until Ctrl-C: the
# API, webhooks, metrics and the dashboard on http://127.0.0.1:8080.
serve-demo: build
	@mkdir -p $(DEMO) && { [ -d $(DEMO)/in ] || cp -R configs/demo-data $(DEMO)/in; }
	@$(CXHUB_DEMO) plugins lock >/dev/null
	@echo "cxhub serve on http://127.0.0.1:8080 until Ctrl-C (operator token: demo-operator-token; viewer: demo-viewer-token-0)"
	@$(SANDBOX) $(SANDBOX_PORTS) -- $(CXHUB_DEMO) serve

# Every test, with the race detector. Tests build the plugin binaries they
# run, and start the PostgreSQL server they need; nothing needs to be
# started by hand.
test: deps vet fmt-check
	$(GO) test -race -count=1 -timeout 20m ./...

# deps: what the tests need beyond Go, from Debian's packages: Chromium (the
# dashboard's browser tests drive it) and PostgreSQL's server binaries (the
# state backend's tests start their own throw-away server from them, see
# core/state/postgres/pgtest). Each is installed with apt when missing and
# we are root; otherwise a note, and those tests fail saying how to install
# it — never a silent skip. The demo needs neither.
deps: chromium postgresql

APT_INSTALL = apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq

chromium:
	@if command -v chromium >/dev/null 2>&1 || [ -n "$$CXHUB_CHROMIUM" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "== installing Chromium (Debian's package) for the dashboard's browser tests"; \
		{ $(APT_INSTALL) chromium >/dev/null; } || echo "could not install chromium: the dashboard's browser tests will fail"; \
	else \
		echo "NOTE: chromium is missing and cannot be installed here (needs root and apt-get): the dashboard's browser tests will fail;"; \
		echo "      install it with: sudo apt-get update && sudo apt-get install -y chromium"; \
	fi

PG_BINS = $(wildcard /usr/lib/postgresql/*/bin/postgres)

postgresql:
	@if [ -n "$(PG_BINS)" ] || [ -n "$$CXHUB_PG_BIN" ] || command -v postgres >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "== installing PostgreSQL (Debian's package) for the state backend's tests"; \
		{ $(APT_INSTALL) postgresql >/dev/null; } || echo "could not install postgresql: the PostgreSQL state tests will fail"; \
	else \
		echo "NOTE: PostgreSQL is not installed; the PostgreSQL state tests will fail."; \
		echo "      Install it with: sudo apt-get install -y postgresql (or set CXHUB_PG_BIN to a directory holding initdb and postgres)"; \
	fi

# make screenshot: the dashboard's browser test, which also refreshes the
# README's picture of the overview (docs/dashboard.png); every page's
# screenshot is in bin/screenshots.
screenshot: chromium
	CXHUB_UPDATE_SCREENSHOT=1 $(GO) test -race -count=1 -run TestDashboardInBrowser ./core/e2e/

# The same without -race, for a quick loop.
test-short:
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

# make docs: each connector's reference page, docs/connectors/<name>.md, from
# its spec (sdk/specdoc). make test fails while a page is stale.
docs:
	$(GO) test -count=1 -run '^TestReferencePages?$$' ./core/connectordocs/ ./examples/connector-minimal/ -update

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$') 2>/dev/null); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# make bench: the Go micro-benchmarks of the hot paths (6 samples each, kept
# in bin/bench/micro.txt for benchstat), then cxhub-bench's table: the
# protocol's ceiling, the engine end to end, memory, a rate-limited
# vendor sync, a two-way steady state (HubSpot ↔ Zendesk, writes per
# real edit) and scale-out (3 cxhub serve workers on 30 pipelines on a
# PostgreSQL it starts; failover after SIGKILL), all measured in this run.
# See docs/performance.md.
# BENCH_FLAGS passes options to cxhub-bench (e.g. BENCH_FLAGS="-runs 3 -memory 100000";
# BENCH_FLAGS="-only-twoway" measures the two-way steady state alone,
# BENCH_FLAGS="-only-workers" the scale-out row alone).
BENCH_FLAGS ?=
BENCHSTAT := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

bench: deps build
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
# batching and committing (both state backends: core/state/... holds
# sqlite and postgres, whose benchmarks start their own PostgreSQL), the
# protocol's encoding, the load connectors.
MICRO_BENCH_PKGS := ./core/mapping ./core/engine ./core/state/... ./sdk ./connectors/generator ./connectors/null

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
	CXHUB_STRESS=1 $(GO) test -race -count=1 -timeout 30m -run 'Crash|Kill|Fault|Shutdown|Secret|Stress|Workers' ./core/e2e/

# make fuzz: every fuzz target for FUZZTIME each (not part of make test;
# their seed corpora in testdata/fuzz run with every go test). A crash
# leaves its input in the package's testdata/fuzz, to commit as a
# regression seed once fixed.
FUZZTIME ?= 30s
FUZZ_TARGETS := \
	./core/config:FuzzLoad ./core/mapping:FuzzApply ./core/mapping:FuzzCompileFilter \
	./sdk:FuzzRecordFromWire ./sdk:FuzzPackedBatchFromWire ./sdk/webhook:FuzzVerify \
	./connectors/file:FuzzReadJSONL ./connectors/file:FuzzReadCSV \
	./connectors/hubspot:FuzzWebhookUnsigned ./connectors/hubspot:FuzzWebhookSigned \
	./connectors/zendesk:FuzzWebhookUnsigned ./connectors/zendesk:FuzzWebhookSigned \
	./connectors/surveymonkey:FuzzWebhookUnsigned \
	./connectors/shopify:FuzzWebhookUnsigned ./connectors/shopify:FuzzWebhookSigned

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "== $$pkg $$name ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s $$pkg || exit 1; \
	done

proto:
	cd sdk/proto && $(GO) run github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION) generate

clean:
	rm -rf $(BIN)
