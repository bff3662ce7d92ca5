#!/usr/bin/env bash
# The Action's drift report (input `drift-issue`): after a scheduled `plan --detailed-exitcode`,
# keep ONE open issue per environment and manifest in step with what the plan found.
#   exit 2 (drift): open the issue, or update the open one's body, with the Markdown plan
#                   and a link to the run; the issue carries DRIFT_LABEL.
#   exit 0 (clean): close the open issue, saying which run found the org back in line.
# The issue is found by a hidden marker line in its body (like the sticky PR comment), so a
# renamed title or a second label does not lose it.
# Environment: EXITCODE, PLAN_MARKDOWN (file), DRIFT_KEY, DRIFT_ENVIRONMENT, MANIFEST,
# DRIFT_LABEL, RUN_URL, GITHUB_REPOSITORY, GITHUB_OUTPUT, GH_TOKEN (for gh).
set -euo pipefail

# "--" may not appear inside an HTML comment.
key=$(printf '%s' "$DRIFT_KEY" | tr -c 'A-Za-z0-9._/-' '_' | sed 's/--*/-/g')
marker="<!-- cobalt-sync-drift: $key -->"
environment=${DRIFT_ENVIRONMENT:-default}  # empty: the API key's own environment
what="$environment ($MANIFEST)"

open_issue=$(gh issue list --repo "$GITHUB_REPOSITORY" --label "$DRIFT_LABEL" --state open \
  --limit 200 --json number,body \
  --jq "map(select(.body | startswith(\"$marker\"))) | .[0].number // empty")

case "$EXITCODE" in
  2)
    body=$(mktemp)
    {
      echo "$marker"
      echo "The live Cobalt org of **$what** differs from the manifest on the default branch:"
      echo "[this run]($RUN_URL) planned the changes below. Apply the manifest (or change it to"
      echo "match the org); the next scheduled run that finds no difference closes this issue."
      echo
      cat "$PLAN_MARKDOWN"
    } > "$body"
    if [ -n "$open_issue" ]; then
      gh issue edit "$open_issue" --repo "$GITHUB_REPOSITORY" --body-file "$body" > /dev/null
      echo "Drift: updated issue #$open_issue."
    else
      gh label create "$DRIFT_LABEL" --repo "$GITHUB_REPOSITORY" --force \
        --color D93F0B --description "cobalt-sync: the live org differs from the manifest" > /dev/null
      url=$(gh issue create --repo "$GITHUB_REPOSITORY" --title "cobalt-sync drift: $what" \
        --label "$DRIFT_LABEL" --body-file "$body")
      open_issue=${url##*/}
      echo "Drift: opened issue #$open_issue ($url)."
    fi
    echo "issue=$open_issue" >> "$GITHUB_OUTPUT"
    ;;
  0)
    if [ -n "$open_issue" ]; then
      gh issue close "$open_issue" --repo "$GITHUB_REPOSITORY" \
        --comment "No drift any more: [this run]($RUN_URL) found the live org matching the manifest." > /dev/null
      echo "No drift: closed issue #$open_issue."
    else
      echo "No drift, and no open drift issue."
    fi
    ;;
  *)
    echo "::error title=cobalt-sync drift::the plan exited $EXITCODE, so nothing is known about drift; the drift issue is left as it is."
    exit 1
    ;;
esac
