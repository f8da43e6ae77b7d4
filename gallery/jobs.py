"""Queueing of background jobs."""

from functools import partial

from django.db import transaction


def queue_on_commit(task, *args):
    """Queue a django-q2 job once the current transaction commits.

    A job queued before the commit could run before its rows are visible,
    and one queued inside a transaction that rolls back would run anyway.
    """
    # Imported here because django_q loads its models on import.
    from django_q.tasks import async_task  # pylint: disable=import-outside-toplevel

    transaction.on_commit(partial(async_task, task, *args))
