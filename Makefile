# zog: build, test, demo, bench. `make help` lists the targets.
SHELL   := /bin/bash
BUN     := node_modules/.bin/bun
BINS    := zog sprog zeus emperor cf-messages
VERSION := $(shell node -p "require('./package.json').version")$(shell git rev-parse --short HEAD >/dev/null 2>&1 && echo +g$$(git rev-parse --short HEAD))
# The commit (with -dirty when the work tree has changes) and the build date (UTC, or
# SOURCE_DATE_EPOCH's for a reproducible build) that --version prints.
COMMIT  := $(shell git rev-parse --short=12 HEAD 2>/dev/null)$(shell git diff --quiet HEAD -- 2>/dev/null || echo -dirty)
BUILT   := $(shell date -u -d @$${SOURCE_DATE_EPOCH:-$$(date +%s)} +%Y-%m-%dT%H:%M:%SZ)
SOURCES := $(shell find cmd lib -name '*.ts' -o -path 'lib/console/ui/*' -type f) mod.ts package.json
DEPS    := node_modules/.installed

.PHONY: all build dist dist-check nspawn-check test check fmt bench bench-scale faults demo clean help
all: build

help:
	@echo "make          build dist/zog and its links dist/sprog, dist/zeus, dist/emperor, dist/cf-messages"
	@echo "make test     build, then run every test (unit and end-to-end)"
	@echo "make demo     run the whole system on this machine, then clean up"
	@echo "make bench    run the benchmarks under bench/ and print figures"
	@echo "make bench-scale  zeus with simulated emperors (VASSALS, EMPERORS, COPIES, STATE=file|etcd; docs/scale.md)"
	@echo "make faults   the fault suite as root: five TLS nodes in network namespaces under partitions, loss, kill -9, SIGSTOP, clock steps, a full disk, damaged files; zeus cut off (RUNS, CASE; docs/faults.md)"
	@echo "make check    type check (tsc, and every @example in lib/ and mod.ts), format check (prettier), lib/ folders import downward only, through mod.ts"
	@echo "make fmt      format the sources with prettier"
	@echo "make dist     cross-build tarballs for every target, .debs, a CycloneDX SBOM, with SHA256SUMS"
	@echo "make dist-check  run the linux-arm64 build under qemu-user: --version, --check, a 2-node ring"
	@echo "make nspawn-check  the .deb under a real systemd in systemd-nspawn: dpkg -i, units started, purge"
	@echo "make clean    remove dist/"
	@echo "make help     this list (docs/install.md says more of each)"

# npm ci when node_modules is missing or older than package-lock.json.
$(DEPS): package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: $(BINS:%=dist/%)

# One executable holding the four programs (it picks one by the name it was started as);
# bytecode (which needs the CJS format) makes start-up ~4x cheaper in CPU.
COMPILE := $(BUN) build --compile --minify --bytecode --format=cjs --define ZOG_VERSION='"$(VERSION)"' \
	--define ZOG_COMMIT='"$(COMMIT)"' --define ZOG_BUILD_DATE='"$(BUILT)"' cmd/multicall.ts
dist/zog: cmd/multicall.ts $(SOURCES) $(DEPS)
	@mkdir -p dist
	$(COMPILE) --outfile dist/.zog.new
	mv -f dist/.zog.new $@

# The other names are hard links to dist/zog: one file on disk.
dist/sprog dist/zeus dist/emperor dist/cf-messages: dist/zog
	ln -f dist/zog $@

# Test files run in TEST_JOBS worker processes at once: the end-to-end files spend most of
# their time waiting on the processes they started, and each binds its own loopback addresses.
TEST_JOBS ?= 3
test: build
	$(BUN) test --timeout 60000 --parallel=$(TEST_JOBS) tests

check: $(DEPS)
	node_modules/.bin/tsc --noEmit -p .
	node_modules/.bin/prettier --check --log-level warn cmd lib tests $$(ls bench/*.ts bench/faults/*.ts scripts/*.ts 2>/dev/null) mod.ts
	$(BUN) run scripts/check_layers.ts
	$(BUN) run scripts/check_sleeps.ts
	$(BUN) run scripts/check_examples.ts

fmt: $(DEPS)
	node_modules/.bin/prettier --write --log-level warn cmd lib tests $$(ls bench/*.ts bench/faults/*.ts scripts/*.ts 2>/dev/null) mod.ts

bench-scale: build
	$(BUN) run bench/zeus_scale.ts

# The fault suite (root): RUNS runs of each case (seeds 1..RUNS), CASE a part of a case's name.
RUNS ?= 3
faults: build
	$(BUN) run bench/faults/run.ts --runs $(RUNS) $(if $(CASE),--case "$(CASE)")

bench: build
	@[ -x /usr/sbin/nats-server ] || echo "make bench: nats-server is NOT installed (apt-get install nats-server): the ring benchmark runs without its JetStream/NATS comparison"
	@for b in bench/*.ts; do [ -e "$$b" ] || continue; echo "== $$b"; $(BUN) run "$$b" || exit 1; done

demo: build
	bash scripts/demo.sh

dist: $(DEPS)
	VERSION='$(VERSION)' COMMIT='$(COMMIT)' BUILT='$(BUILT)' bash scripts/dist.sh

dist-check: $(DEPS)
	VERSION='$(VERSION)' bash scripts/dist_check.sh

nspawn-check: $(DEPS)
	VERSION='$(VERSION)' bash scripts/nspawn_check.sh

clean:
	rm -rf dist
