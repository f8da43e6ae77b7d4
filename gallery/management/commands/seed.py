"""Fill a fresh database with demo accounts, albums, photos and view counts."""

import io
import random
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from PIL import Image, ImageDraw, UnidentifiedImageError

from gallery.media.images import InvalidImage
from gallery.models import Album, Photo
from users.models import User

ADMIN = ("admin", "admin-demo-pass")
DEMO_USERS = (("alice", "alice-demo-pass"), ("bob", "bob-demo-pass"))
ALBUMS = ("Holidays", "Garden")
PHOTOS_PER_ALBUM = 4
# Formats imported from --photos besides PNG and JPEG are converted to JPEG
# first, because uploads accept only PNG and JPEG.
CONVERTED_SUFFIXES = {".heic", ".heif", ".webp"}


class Command(BaseCommand):
    """Create the demo data, leaving accounts that already exist alone."""

    help = (
        "Create an admin, demo users with known passwords, albums, photos and "
        "view counts. Running it again adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--photos",
            type=Path,
            help="Folder of real photos (.jpg, .jpeg, .png, .heic) to use "
            "instead of generated pictures.",
        )

    def handle(self, *args, **options):
        folder = options["photos"]
        if folder is not None and not folder.is_dir():
            raise CommandError(f"--photos: folder not found: {folder}")
        files = _photo_files(folder) if folder else []
        randomness = random.Random(7)

        if not User.objects.filter(username=ADMIN[0]).exists():
            User.objects.create_superuser(ADMIN[0], f"{ADMIN[0]}@example.com", ADMIN[1])
            self.stdout.write(f"Created superuser {ADMIN[0]} / {ADMIN[1]}")
        for index, (username, password) in enumerate(DEMO_USERS):
            if User.objects.filter(username=username).exists():
                self.stdout.write(f"User {username} exists; left as it is")
                continue
            with transaction.atomic():
                user = User.objects.create_user(
                    username, f"{username}@example.com", password
                )
                count = self._create_albums(user, index, files, randomness)
            self.stdout.write(
                f"Created user {username} / {password} with {count} photos"
            )

    def _create_albums(self, user, user_index, files, randomness):
        count = 0
        for album_index, title in enumerate(ALBUMS):
            album = Album.objects.create(owner=user, title=title)
            for number in range(PHOTOS_PER_ALBUM):
                position = (user_index * len(ALBUMS) + album_index) * PHOTOS_PER_ALBUM
                position += number
                upload = self._upload(files, position)
                if upload is None:
                    continue
                try:
                    photo = Photo.objects.create_from_upload(
                        album=album, title=f"{title} {number + 1}", upload=upload
                    )
                except InvalidImage as error:
                    self.stderr.write(f"Skipped {upload.name}: {error}")
                    continue
                views = randomness.randint(0, 120)
                Photo.objects.filter(pk=photo.pk).update(views=views)
                count += 1
        return count

    def _upload(self, files, position):
        if not files:
            return generated_photo(position)
        path = files[position % len(files)]
        if path.suffix.lower() not in CONVERTED_SUFFIXES:
            return SimpleUploadedFile(path.name, path.read_bytes())
        try:
            with Image.open(path) as image:
                buffer = io.BytesIO()
                image.convert("RGB").save(buffer, "JPEG", quality=90)
        except (UnidentifiedImageError, OSError) as error:
            self.stderr.write(f"Skipped {path.name}: {error}")
            return None
        return SimpleUploadedFile(f"{path.stem}.jpg", buffer.getvalue())


def _photo_files(folder):
    suffixes = {".jpg", ".jpeg", ".png"} | CONVERTED_SUFFIXES
    return sorted(path for path in folder.iterdir() if path.suffix.lower() in suffixes)


def _draw_gradient(draw, randomness, width, height, alpha):
    top = [randomness.randint(0, 255) for _ in range(3)]
    bottom = [randomness.randint(0, 255) for _ in range(3)]
    for y in range(height):
        colour = [round(a + (b - a) * y / height) for a, b in zip(top, bottom)]
        if alpha is not None:
            colour.append(alpha)
        draw.line([(0, y), (width, y)], fill=tuple(colour))


def generated_photo(seed):
    """Draw a colourful 1200x800 picture. Every third one is a transparent PNG."""
    randomness = random.Random(seed)
    width, height = 1200, 800
    transparent = seed % 3 == 2
    image = Image.new("RGBA" if transparent else "RGB", (width, height))
    draw = ImageDraw.Draw(image)
    _draw_gradient(draw, randomness, width, height, alpha=200 if transparent else None)
    for _ in range(12):
        x, y = randomness.randint(0, width), randomness.randint(0, height)
        radius = randomness.randint(30, 160)
        fill = tuple(randomness.randint(0, 255) for _ in range(3))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)
    buffer = io.BytesIO()
    if transparent:
        image.save(buffer, "PNG")
        return SimpleUploadedFile(f"generated-{seed}.png", buffer.getvalue())
    image.save(buffer, "JPEG", quality=88)
    return SimpleUploadedFile(f"generated-{seed}.jpg", buffer.getvalue())
