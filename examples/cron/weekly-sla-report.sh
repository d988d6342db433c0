#!/usr/bin/env bash
# Weekly SLA report for cron: import the new helpdesk export into the event log, render last
# week's one-page report, keep the last N reports, and judge the thresholds.
#
# Exit codes (what cron, cronic or a systemd OnFailure= mailer acts on):
#   0  every threshold met: the script prints nothing (no mail)
#   1  a threshold missed or not judgeable: the verdict is printed
#   2  unusable input (no export and no log, a bad policy, an unreadable file): one message
#
# crontab line (Mondays 07:00):
#   0 7 * * 1  SLA_INBOX=/srv/sla/inbox SLA_LOG=/srv/sla/log SLA_POLICY=/srv/sla/policy.yaml \
#              SLA_REPORTS=/srv/sla/reports /srv/sla/weekly-sla-report.sh
#
# Settings (environment):
#   SLA_INBOX    folder where the helpdesk export lands (files are moved to imported/ once in the log)
#   SLA_LOG      event-log folder (created by the first import)
#   SLA_POLICY   policy YAML with thresholds
#   SLA_REPORTS  folder for the reports (sla-YYYY-MM-DD.html) and the import problems
#   SLA_KEEP     reports to keep (default 8); SLA_PERIOD (default last-week); SLA_LANG (en|ru)
#   SLAMETRICS   the command to run (default: slametrics on PATH)
set -u -o pipefail

: "${SLA_INBOX:?set SLA_INBOX}" "${SLA_LOG:?set SLA_LOG}" "${SLA_POLICY:?set SLA_POLICY}"
: "${SLA_REPORTS:?set SLA_REPORTS}"
keep="${SLA_KEEP:-8}"
period="${SLA_PERIOD:-last-week}"
lang="${SLA_LANG:-en}"
slametrics="${SLAMETRICS:-slametrics}"
stamp="$(date +%Y-%m-%d)"

mkdir -p "$SLA_REPORTS" || exit 2

# 1. the new export: every file in the inbox (importing is idempotent: a file imported twice
#    adds nothing), moved aside once it is in the log so next week imports only what is new
shopt -s nullglob
exports=()
for f in "$SLA_INBOX"/*; do
  [ -f "$f" ] && exports+=("$f")
done
if [ "${#exports[@]}" -gt 0 ]; then
  if ! "$slametrics" import "${exports[@]}" --log "$SLA_LOG" \
      --problems "$SLA_REPORTS/import-problems-$stamp.csv" >/dev/null; then
    echo "weekly SLA report: the import of ${exports[*]} failed (see above)" >&2
    exit 2
  fi
  mkdir -p "$SLA_INBOX/imported" && mv -- "${exports[@]}" "$SLA_INBOX/imported/"
elif [ ! -d "$SLA_LOG" ]; then
  echo "weekly SLA report: no export in $SLA_INBOX and no event log at $SLA_LOG" >&2
  exit 2
else
  echo "weekly SLA report: no new export in $SLA_INBOX; reporting from the log as it is" >&2
fi

# 2. the report (written through a temporary file: a reader never sees half a page)
report="$SLA_REPORTS/sla-$stamp.html"
if ! "$slametrics" report "$SLA_LOG" --policy "$SLA_POLICY" --period "$period" \
    --lang "$lang" --output "$report"; then
  exit 2
fi

# 3. keep the last $keep reports (names sort by date)
reports=("$SLA_REPORTS"/sla-*.html)
excess=$(( ${#reports[@]} - keep ))
for (( i = 0; i < excess; i++ )); do
  rm -f -- "${reports[$i]}"
done

# 4. the verdict: silent when every threshold is met, printed (and mailed) otherwise
verdict="$("$slametrics" check "$SLA_LOG" --policy "$SLA_POLICY" --period "$period" 2>&1)"
rc=$?
if [ "$rc" -ne 0 ]; then
  printf '%s\nreport: %s\n' "$verdict" "$report"
fi
case "$rc" in
  0|1) exit "$rc" ;;
  *) exit 2 ;;
esac
