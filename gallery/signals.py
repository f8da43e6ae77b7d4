"""Removal of stored files when their rows are deleted.

A receiver, not an overridden ``delete()``, because albums and users delete
their photos by cascade, which never calls ``Photo.delete()``. Files go only
after the transaction commits, so a rollback keeps them.
"""

import logging
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Photo, PhotoDerivative, Slideshow

logger = logging.getLogger(__name__)


def delete_file_on_commit(field_file):
    """Delete a stored file once the current transaction commits."""
    if field_file.name:
        transaction.on_commit(
            partial(_delete_file, field_file.storage, field_file.name)
        )


def _delete_file(storage, name):
    try:
        storage.delete(name)
    except OSError:
        logger.exception("Could not delete file %s", name)


@receiver(post_delete, sender=Photo)
def delete_photo_file(sender, instance, **kwargs):  # pylint: disable=unused-argument
    """Remove the original of a deleted photo."""
    delete_file_on_commit(instance.image)


@receiver(post_delete, sender=PhotoDerivative)
# pylint: disable-next=unused-argument
def delete_derivative_file(sender, instance, **kwargs):
    """Remove the file of a deleted thumbnail or WebP copy."""
    delete_file_on_commit(instance.file)


@receiver(post_delete, sender=Slideshow)
# pylint: disable-next=unused-argument
def delete_slideshow_file(sender, instance, **kwargs):
    """Remove a deleted slideshow's video unless another slideshow shares it."""
    name = instance.video.name
    if name:
        transaction.on_commit(
            partial(_delete_unshared_video, instance.video.storage, name)
        )


def _delete_unshared_video(storage, name):
    # Checked after the commit, so a slideshow deleted in the same transaction
    # no longer counts as sharing the file.
    if not Slideshow.objects.filter(video=name).exists():
        _delete_file(storage, name)
