#!/usr/bin/env bash
# The main job end to end in a throwaway sandbox: no Azure account, no prior setup.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
# The sandbox accepts any password; real labs read theirs from the environment the same way.
export LAB_ADMIN_PASSWORD="sandbox-only-Aa1-$RANDOM"
data=$(mktemp -d)
trap 'azlab sandbox stop --data "$data" >/dev/null || true; rm -rf "$data"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Start a throwaway sandbox (operations take 1 s, answers 20 ms)"
eval "$(azlab sandbox start --data "$data" --op-time 1s --latency 20ms)"
echo "ARM endpoint: $AZLAB_ENDPOINT"

step "Validate the example plans"
azlab validate plans/*.yaml

step "What apply would do"
azlab plan plans/lynclab.yaml

step "Apply"
azlab apply plans/lynclab.yaml --yes

step "Status"
azlab status plans/lynclab.yaml

step "Plan again: nothing to change"
azlab plan plans/lynclab.yaml --detailed-exitcode && echo "(exit code 0: no changes)"

step "The schedule and what it saves"
azlab schedule show plans/lynclab.yaml --at 2026-11-23T12:00-08:00 --days 2

step "Tick at 18:05 Los Angeles time: every group stops, dependents first, top tier first"
azlab tick plans/lynclab.yaml --at 2026-11-23T18:05-08:00

step "Tick at 08:05 on a weekday: they start again, dependencies first, bottom tier first"
azlab tick plans/lynclab.yaml --at 2026-11-24T08:05-08:00

step "Copy dc01's OS disk to a VHD in the lab's storage account, server side, only allocated bytes"
azlab copy disk:rg-lynclab-wus2/dc01-osdisk stwus2lynclab01/vhds/dc01-os.vhd --verify

step "Migrate the edge server to East US: deallocate, copy its disk, rebuild it there, start it"
# On a copy of the plan, so the example stays as it is; migrate rewrites the copy.
cp plans/lynclab.yaml "$data/lynclab.yaml"
azlab migrate "$data/lynclab.yaml" edge01 --to-location eastus \
  --to-subnet vnet-eus-10-3/edge --to-storage steuslynclab01 --yes

step "The plan now says where edge01 is (comments kept), and the subscription matches it"
diff plans/lynclab.yaml "$data/lynclab.yaml" || true
azlab plan "$data/lynclab.yaml" --detailed-exitcode && echo "(exit code 0: no changes)"

step "Destroy what the plan owns (the disks migrate kept are no longer the plan's, so they stay)"
azlab destroy "$data/lynclab.yaml" --yes

step "Rehearse the plan offline, as the plan-check workflow does on a pull request"
azlab rehearse plans/lynclab.yaml --week-of 2026-10-28 --output markdown

step "Done"
