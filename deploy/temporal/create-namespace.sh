#!/bin/sh
# The temporal-namespace job (temporalio/admin-tools): once the server serves, creates the namespace
# rollout-gate uses if it is missing, then registers the custom search attributes reviews are found
# by (ROLLOUT_SEARCH_ATTRIBUTES: space-separated Name=Type pairs). Every step looks before it
# changes anything, so the job is safe on every `docker compose up`.
set -eu

: "${TEMPORAL_ADDRESS:?}" "${TEMPORAL_NAMESPACE:?}" "${ROLLOUT_SEARCH_ATTRIBUTES:?}"
RETENTION="${NAMESPACE_RETENTION:-168h}"

temporal_cli() {
  temporal "$@" --address "$TEMPORAL_ADDRESS"
}

# The server's port opens before all of its services have joined; wait until it says SERVING.
attempt=1
until temporal_cli operator cluster health 2>/dev/null | grep -q SERVING; do
  if [ "$attempt" -ge 60 ]; then
    echo "Temporal at $TEMPORAL_ADDRESS did not become healthy" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

# Create only on "not found": any other failure (auth, network) must fail the job, not be papered over.
if output=$(temporal_cli operator namespace describe --namespace "$TEMPORAL_NAMESPACE" 2>&1); then
  echo "Namespace '$TEMPORAL_NAMESPACE' exists"
elif printf '%s\n' "$output" | grep -qi 'not found'; then
  temporal_cli operator namespace create --namespace "$TEMPORAL_NAMESPACE" --retention "$RETENTION"
  echo "Namespace '$TEMPORAL_NAMESPACE' created"
else
  printf 'Could not describe namespace %s:\n%s\n' "$TEMPORAL_NAMESPACE" "$output" >&2
  exit 1
fi

# A new namespace reaches the frontend's cache a few seconds after it is created: the first tries
# may answer "not found", which is only worth showing if the last one does too.
attempt=1
until existing=$(temporal_cli operator search-attribute list --namespace "$TEMPORAL_NAMESPACE" 2>&1); do
  if [ "$attempt" -ge 30 ]; then
    printf "Could not list search attributes of namespace '%s':\n%s\n" "$TEMPORAL_NAMESPACE" "$existing" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

for pair in $ROLLOUT_SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  type=${pair#*=}
  if printf '%s\n' "$existing" | grep -qw -- "$name"; then
    echo "Search attribute $name exists"
  else
    temporal_cli operator search-attribute create --namespace "$TEMPORAL_NAMESPACE" \
      --name "$name" --type "$type"
    echo "Search attribute $name ($type) created"
  fi
done
