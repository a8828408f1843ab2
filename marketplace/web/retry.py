"""Run a request's use-case again when the database rolled it back for a conflict.

A deadlock or a serialization failure is PostgreSQL telling one of two transactions to try again;
the whole transaction is gone, so running the service call again is safe. Done here, at the
transaction boundary of the request, so no caller ever sees a 500 for it; after a few tries the
caller gets a 503 that says to try later, and nothing was saved.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from flask_babel import gettext as _

from marketplace.db import get_session, is_retryable_conflict
from marketplace.errors import Unavailable

T = TypeVar("T")
log = logging.getLogger(__name__)

#: Tries of one request's use-case, the first included.
MAX_ATTEMPTS = 4
#: Base of the random back-off between tries (doubled each time), in seconds.
BACKOFF_SECONDS = 0.01


def run_retrying(call: Callable[[], T]) -> T:
    """``call()``, again (after a rollback and a short random pause) on a retryable conflict."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return call()
        except Exception as error:
            if not is_retryable_conflict(error):
                raise
            get_session().rollback()
            if attempt == MAX_ATTEMPTS:
                log.warning("conflict persisted after %s tries: %s", attempt, error)
                raise Unavailable(_("Too many requests; try again later.")) from error
            log.info("retrying after a database conflict (try %s): %s", attempt, error)
            time.sleep(random.uniform(0, BACKOFF_SECONDS * 2**attempt))
    raise AssertionError("unreachable")
