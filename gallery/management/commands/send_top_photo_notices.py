"""Send the top photo emails now, as the scheduled task does."""

from django.core.management.base import BaseCommand, CommandError

from gallery.models import PeriodKind, TopPhotoNotice, TopPhotoNoticeTemplate
from gallery.models.notices import Outcome
from gallery.tasks import find_period


class Command(BaseCommand):
    help = (
        "Email the owners of the site's 3 most viewed photos who were not yet "
        "emailed for the current day or month, and print what was sent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--period",
            choices=PeriodKind.values,
            help=(
                "Send at most once per this period. Default: the type of the "
                "notices schedule (monthly sends per month, others per day)."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be sent; send and record nothing.",
        )

    def handle(self, *args, **options):
        """Run the notices for the current period and print one line per owner."""
        period = find_period(options["period"])
        try:
            run = TopPhotoNotice.objects.send_for(period, dry_run=options["dry_run"])
        except TopPhotoNoticeTemplate.DoesNotExist as error:
            raise CommandError(str(error)) from error
        mode = " (dry run, nothing sent)" if run.dry_run else ""
        self.stdout.write(f"Top photo notices for {period.label} ({period}){mode}")
        if not run.deliveries:
            self.stdout.write("No photo has any views yet; nobody to email.")
        for delivery in run.deliveries:
            line = (
                f"  {Outcome(delivery.outcome).label}: user {delivery.user_id} "
                f"{delivery.username} <{delivery.email}>"
            )
            if delivery.subject:
                line += f' "{delivery.subject}"'
            if delivery.detail:
                line += f" ({delivery.detail})"
            style = self.style.ERROR if delivery.outcome == Outcome.FAILED else str
            self.stdout.write(style(line))
        counts = ", ".join(
            f"{count} {Outcome(outcome).label}"
            for outcome, count in run.summary().items()
        )
        self.stdout.write(counts)
        if run.count(Outcome.FAILED):
            raise CommandError(
                f"{run.count(Outcome.FAILED)} notice(s) failed; see the log. "
                "The next run retries them."
            )
