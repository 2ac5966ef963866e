from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Uploads and generated documents: on disk, never at a URL. They are served only by views
    that check who is asking."""

    def url(self, name):
        raise ValueError("private files have no URL; serve them through a permission-checked view")
