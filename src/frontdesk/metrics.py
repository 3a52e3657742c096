"""Prometheus metrics, served at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Histogram(
    "frontdesk_http_request_seconds",
    "Time to answer an HTTP request",
    ["method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
MESSAGES_RECEIVED = Counter(
    "frontdesk_messages_received_total", "Customer messages stored", ["channel"]
)
TICKETS_CREATED = Counter("frontdesk_tickets_created_total", "Tickets opened", ["channel"])
JOBS = Counter("frontdesk_jobs_total", "Jobs run, by kind and outcome", ["kind", "outcome"])
EVENTS_PUBLISHED = Counter("frontdesk_events_published_total", "Events published", ["type"])
CHAT_SOCKETS = Gauge("frontdesk_chat_visitor_sockets", "Chat visitors connected to this process")
WRITE_BATCH_SIZE = Histogram(
    "frontdesk_write_batch_actions",
    "Write actions committed together by the group-commit writer",
    buckets=(1, 2, 4, 8, 16, 32),
)
