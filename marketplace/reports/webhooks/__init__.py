"""Client webhooks: signed HTTP POSTs of the organisation's events to the endpoints it registered.

Events are written to the ``client_event`` outbox (``marketplace.events``) in the transaction of
the change; the ``run_webhooks`` job fans each one out to a message per subscribed endpoint and
sends the due messages, retrying with backoff for about a day. Delivery is at least once: the
``Marketplace-Event-Id`` header is the same on every retry and redelivery, so receivers deduplicate
on it. ``signing`` holds what a receiver needs to check a message; ``transport`` the guarded HTTP
client; ``service`` the use-cases; ``api``/``views`` the JSON API and the client's pages.
"""
