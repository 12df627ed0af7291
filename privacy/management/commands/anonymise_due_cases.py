"""manage.py anonymise_due_cases [--dry-run]: the retention job by hand. Reports counts, never names."""

from django.core.management.base import BaseCommand

from privacy.services import anonymise_due_cases, retention_days


class Command(BaseCommand):
    help = (
        "Anonymise the cases closed RETENTION_DAYS_AFTER_CLOSURE days ago or more (identifying data erased, "
        "statistics kept). With --dry-run, count what would be done and change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be done; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        run = anonymise_due_cases(dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        lines = [
            f"Retention period: {retention_days()} days after closure; cases closed on or before {run.cutoff:%Y-%m-%d}"
            " are due.",
            f"Cases due: {run.due}.",
            f"Cases that {verb} anonymised: {run.anonymised}.",
            f"Of these, cases whose person's identifying data {verb} erased: {run.persons_erased}.",
            f"Of these, cases whose person {'would be' if dry_run else 'was'} kept for another case not yet due: "
            f"{run.persons_kept}.",
        ]
        if not dry_run:
            lines += [
                f"Failed (tried again on the next run): {run.failed}.",
                f"No longer due when reached: {run.skipped}.",
            ]
        if dry_run:
            lines.append("Dry run: nothing was changed.")
        self.stdout.write("\n".join(lines))
        if run.failed:
            self.stderr.write(f"{run.failed} case(s) failed; see the log.")
