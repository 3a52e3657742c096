"""Service levels: policies with targets, clocks that pause while the customer is awaited,
due times kept on the ticket, and warnings, breaches and escalations from the minute sweep.

- `policies`  — calendars and policies, checked and cached per process
- `clock`     — the due times a ticket's facts give under a policy (no I/O)
- `tracking`  — keeps a ticket's SLA columns in step when it changes (the hooks call it)
- `sweep`     — warnings, breaches and escalations, run every minute
"""
