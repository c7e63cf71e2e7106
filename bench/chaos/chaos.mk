# Included by the root Makefile. `make chaos` runs the fault-injection suite against a private
# local stack (real processes on loopback); it takes a few minutes and is not part of `make test`.
# Knobs: CHAOS_RATE (events/s, 5), CHAOS_SECONDS (per scenario, 30), CHAOS_SCENARIOS (e.g. 1,4 or
# redis-outage; default all) and the other CHAOS_* variables listed in RELIABILITY.md.

.PHONY: chaos

chaos: setup ## fault-injection suite: 8 scenarios under live traffic, prints lost/duplicated/buried/recovery (minutes)
	@bun bench/chaos/run.ts
