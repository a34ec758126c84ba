#!/bin/sh
# Restores a StatefulStore from one of its backups (see StatefulStore's JSDoc).
#
#   scripts/restore-store.sh <namespace> <store> [<backup>|latest]
#
# Runs a Job from the store's suspended `<store>-restore` CronJob, which mounts the
# `<store>-backups` PVC and reads the credentials Secret; <backup> is a directory name
# such as 20261122T030000Z (default: the newest). Stop the store's clients first.
set -eu
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 <namespace> <store> [<backup>|latest]" >&2
  exit 2
fi
ns="$1"; store="$2"; backup="${3:-latest}"
# Epoch seconds keep the Job name within 63 characters for any store name (at most 44).
job="$store-restore-$(date +%s)"
kubectl -n "$ns" get cronjob "$store-restore" > /dev/null
kubectl -n "$ns" create job "$job" --from="cronjob/$store-restore" --dry-run=client -o yaml \
  | kubectl set env --local -f - "RESTORE_FROM=$backup" -o yaml \
  | kubectl -n "$ns" create -f -
echo "started job/$job; follow it with: kubectl -n $ns logs -f job/$job"
kubectl -n "$ns" wait --for=condition=complete --timeout=1h "job/$job"
