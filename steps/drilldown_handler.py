"""The Data Drill Down's upload handler: the student-level extract stays in memory and
is never written to a temporary file, however large, up to the drill-down's size bound.

Django's default handlers keep a file of up to FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) in
memory and write a larger one to a temporary file on disk, where a crash or a killed
worker would leave students' rows behind. The upload view uses this handler alone, so
the file is a BytesIO from the first byte; past DRILLDOWN_MAX_BYTES the upload is
stopped and the rest of the request read and dropped, and the view says the file is too
big.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import MemoryFileUploadHandler, StopUpload

# Content-Length counts the whole form, not only the file: its other fields, the
# boundaries and the part headers are a few hundred bytes.
FORM_ALLOWANCE = 64 * 1024


class DrilldownMemoryUploadHandler(MemoryFileUploadHandler):
    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.max_bytes: int = settings.DRILLDOWN_MAX_BYTES
        self.received = 0
        self.too_big = False

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        self.activated = True  # in memory whatever the size: never a temporary file
        # A request whose length alone is past the bound is stopped at the file's first
        # chunk, which is not kept (the parser does not catch StopUpload from here).
        self.too_big = bool(content_length) and content_length > self.max_bytes + FORM_ALLOWANCE

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.too_big or self.received > self.max_bytes:
            self._stop()
        return super().receive_data_chunk(raw_data, start)

    def _stop(self) -> None:
        self.too_big = True
        self.file = BytesIO()  # drops what was read; the parser closes it
        raise StopUpload(connection_reset=False)
