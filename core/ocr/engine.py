"""The text recogniser: RapidOCR's PP-OCR models on onnxruntime, used as separate stages.

Why stages instead of ``RapidOCR.__call__``: the call's per-request switches
(``use_cls`` and friends) are stored on the shared instance, so two worker threads
would race on them; and we want to detect once on the photo as taken, decide the page
orientation ourselves (see :mod:`core.orientation <core.ocr.orientation>`), and then
cut every line out already upright, which makes the per-line direction classifier
unnecessary. The models ship inside the ``rapidocr`` wheel: nothing is downloaded.

Everything here is synchronous and CPU-bound; callers run it in a worker pool.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import numpy.typing as npt

from core.ocr.lines import Quad, TextLine, orient_quad, quad_from_points

if TYPE_CHECKING:
    from rapidocr import RapidOCR

ImageArray = npt.NDArray[np.uint8]

# Detection cost grows with the pixel count and dominated the stock pipeline here
# (1-2 s at 2000 px against 0.3-0.4 s at 1280 px); certificate text stays 25-40 px
# tall at 1280 px, plenty for the detector. Recognition still crops from the
# full-resolution working image, so no detail is lost for reading.
DEFAULT_DETECTION_SIDE = 1280
# Lines the recogniser itself scores below this are noise (seal fragments, guilloche).
DEFAULT_MIN_CONFIDENCE = 0.3


def default_threads() -> int:
    """Intra-op threads per recogniser: ``TALENT_OCR_THREADS``, else all cores.

    Set it to 1 when OCR workers share the cores with the web server, so one
    request's OCR cannot starve the event loop (and latency stays steady).
    """
    raw = os.environ.get("TALENT_OCR_THREADS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else (os.cpu_count() or 1)


class Recogniser:
    """Detection, direction classification and recognition on one set of ORT sessions."""

    def __init__(
        self,
        *,
        threads: int | None = None,
        detection_side: int = DEFAULT_DETECTION_SIDE,
        min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    ) -> None:
        # Imported here: rapidocr pulls in onnxruntime, OmegaConf and shapely, which
        # the field mappings (imported by every category plugin) must not pay for.
        from rapidocr import RapidOCR

        self.threads = threads or default_threads()
        self.min_confidence = min_confidence
        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Det.limit_type": "max",
            "Det.limit_side_len": detection_side,
            "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        self._ocr: RapidOCR = RapidOCR(params=params)
        # The stage loaders are the package's own lazy, locked initialisers; calling
        # them now moves the ~1.6 s model load out of the first request.
        self._detector = self._ocr._load_det_model()
        self._classifier = self._ocr._load_cls_model()
        self._reader = self._ocr._load_rec_model()

    def detect(self, image: ImageArray) -> list[Quad]:
        """Text-line quads in ``image``'s own frame, corner order as the detector gives."""
        result = self._detector(image)
        if result.boxes is None:
            return []
        return [quad_from_points(box) for box in result.boxes]

    def upside_down(self, crops: Sequence[ImageArray]) -> list[float]:
        """For each crop, a score in [-1, 1]: positive when it reads upside down."""
        if not crops:
            return []
        result = self._classifier(list(crops))
        votes: list[float] = []
        for label, score in result.cls_res or []:
            votes.append(float(score) if label == "180" else -float(score))
        return votes

    def read(self, crops: Sequence[ImageArray]) -> list[tuple[str, float]]:
        """Recognise upright line crops; returns (text, confidence) in the same order."""
        if not crops:
            return []
        from rapidocr.ch_ppocr_rec import TextRecInput

        result = self._reader(TextRecInput(img=list(crops)))
        texts = result.txts or ()
        return [(str(t), float(s)) for t, s in zip(texts, result.scores, strict=True)]

    def read_quads(
        self, image: ImageArray, quads: Sequence[Quad], rotation: int = 0
    ) -> list[TextLine]:
        """Read detected lines of a photo that must turn ``rotation`` degrees clockwise.

        Each line is cut out already upright; the returned quads are in the frame of
        the turned photo, corners in reading order. Lines scored below
        ``min_confidence`` or empty are dropped.
        """
        height, width = image.shape[:2]
        oriented = [orient_quad(quad, rotation, width, height) for quad in quads]
        texts = self.read([crop_quad(image, taken) for taken, _ in oriented])
        lines = [
            TextLine(text, confidence, upright)
            for (_, upright), (text, confidence) in zip(oriented, texts, strict=True)
            if text.strip() and confidence >= self.min_confidence
        ]
        lines.sort(key=lambda line: (line.box.top, line.box.left))
        return lines

    def read_page(self, image: ImageArray, rotation: int = 0) -> list[TextLine]:
        """Detect and read every line of ``image`` (see :meth:`read_quads`)."""
        return self.read_quads(image, self.detect(image), rotation)


def to_ink(rgb: ImageArray) -> ImageArray:
    """Grey from the red channel, repeated to the 3 channels the models expect.

    Official seals are red and are often stamped over the issuer, school and number
    fields; in the red channel red ink is nearly as light as the paper while black
    print stays dark, so the seal all but disappears. On this dev set it took the
    share of field values present in the recognised text from 97.5% to 98.6%.
    Grey in all channels also makes the RGB/BGR question moot.
    """
    red = np.ascontiguousarray(rgb[:, :, 0])
    return np.ascontiguousarray(np.repeat(red[:, :, np.newaxis], 3, axis=2))


def crop_quad(image: ImageArray, quad: Quad) -> ImageArray:
    """Cut a quad out of ``image`` as a straight rectangle, its first corner top-left.

    Passing the corners in reading order (see :func:`core.ocr.lines.rotate_quad`)
    yields an upright crop straight from a rotated photo, without rotating the photo.
    """
    pts = np.array(quad, dtype=np.float32)
    width = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
    height = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    width, height = max(width, 1), max(height, 1)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(pts, target)
    crop = cv2.warpPerspective(
        image,
        matrix,
        (width, height),
        borderMode=cv2.BORDER_REPLICATE,
        flags=cv2.INTER_CUBIC,
    )
    return np.asarray(crop, dtype=np.uint8)


_shared: dict[int, Recogniser] = {}
_shared_lock = threading.Lock()


def get_recogniser(threads: int | None = None) -> Recogniser:
    """The process-wide recogniser for a thread count, created on first use.

    One instance per process: the ORT sessions are thread-safe for ``run`` and the
    models take ~100 MB, so every worker thread shares them.
    """
    key = threads or default_threads()
    recogniser = _shared.get(key)
    if recogniser is None:
        with _shared_lock:
            recogniser = _shared.get(key)
            if recogniser is None:
                recogniser = Recogniser(threads=key)
                _shared[key] = recogniser
    return recogniser
