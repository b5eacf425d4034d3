"""The discussion half of 协商议事: posts and replies (three deep, in thread order), reports,
moderation (hide, unhide, the queue of held and reported texts, its log), the content checks
of residents' texts and photos, the follower digest and live thread updates.

`ready()` is called from ConsultationsConfig.ready: it registers this half's event templates,
its WebSocket topic and its handler of photo verdicts, and loads its Celery tasks.
"""


def ready() -> None:
    from backend.content_check import on_media_result

    from ..photos import do_record_photo_verdict
    from . import notifications, tasks  # noqa: F401  (templates; Celery tasks by name)
    from .realtime import THREADS

    THREADS.register()
    on_media_result(do_record_photo_verdict)
