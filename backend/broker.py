"""The Redis broker transport, with one kombu bug worked around.

When Redis drops a worker's connection, Celery closes the consumer's connection to start over;
closing the channel restores the messages the worker had not acknowledged yet, and by then the
channel has let go of both its connection pool and its transport's connection details, so
building a client fails with `AttributeError: 'NoneType' object has no attribute 'hostname'` in
`_connparams`. That is not a connection error, so Celery's `ignore_errors` lets it through and
the worker exits with "Unrecoverable error" (celery/kombu#970 is this class of bug; celery/celery
#10205 the worker that stops consuming after a reset). Reproduced with kombu 5.7.0 / celery 5.7.0,
the newest releases, by tests/faults/test_redis.py.

The same detached channel is met again by the acknowledgement of a task that finished after the
reconnect (`basic_ack` on the old channel: `'NoneType' object has no attribute 'client'`).

The workaround: a detached channel raises Redis's ConnectionError when asked for a client (an
error every caller already handles: the ack is logged as failed, the close goes on), and a
restore that cannot reach Redis leaves the messages where they already are,
in the transport's unacked index in Redis, and says so. Redis's own redelivery (`restore_visible`
after `visibility_timeout`, by any worker) brings them back, and the deliveries' sweeper re-sends
what is overdue sooner. The worker itself reconnects and goes on consuming. Registered for the
`redis://` scheme in backend/celery.py.
"""

from __future__ import annotations

import logging
from typing import Any

import redis.exceptions
from kombu.transport import redis as kombu_redis

log = logging.getLogger(__name__)


class QoS(kombu_redis.QoS):
    def restore_unacked(self, client: Any = None) -> Any:
        try:
            return super().restore_unacked(client)
        except redis.exceptions.ConnectionError:  # Redis is down or the channel detached
            log.warning(
                "broker connection gone: %d unacknowledged message(s) left for redelivery after the "
                "visibility timeout",
                len(self._delivered),
            )
            self._delivered.clear()
            return None


class Channel(kombu_redis.Channel):
    QoS = QoS

    def _connparams(self, asynchronous: bool = False) -> Any:
        if self.connection is None or self.connection.client is None:
            raise redis.exceptions.ConnectionError("broker channel detached from its connection")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
